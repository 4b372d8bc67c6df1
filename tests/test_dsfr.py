"""The DSFR in the site: built from the npm package at each build, pruned to what the pages use
(see _ext/guide/dsfr.py), never copied into the repository."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import tinycss2

from conftest import ROOT
from guide import dsfr

DIST = ROOT / "node_modules" / "@gouvfr" / "dsfr" / "dist"
needs_dsfr = pytest.mark.skipif(not (DIST / "core").is_dir(), reason="DSFR absent : lancez « make »")


def usage_of(html: str) -> dsfr.Usage:
    usage = dsfr.Usage()
    parser = dsfr._UsageParser(usage)
    parser.feed(html)
    return usage


def used(selector: str, html: str) -> bool:
    return dsfr.selector_used(tinycss2.parse_component_value_list(selector), usage_of(html))


@pytest.mark.parametrize(("selector", "html", "expected"), [
    (".fr-btn", '<a class="fr-btn">', True),
    (".fr-btn", '<a class="fr-link">', False),
    (".fr-card .fr-card__title a", '<div class="fr-card"><h3 class="fr-card__title"><a>', True),
    (".fr-card--horizontal .fr-card__img", '<div class="fr-card"><div class="fr-card__img">', False),
    ("select", "<p>", False),
    ("a:hover", "<a>", True),
    (".fr-btn:not(.fr-btn--secondary)", '<a class="fr-btn">', True),      # nothing needed inside :not()
    (":is(.fr-a, .fr-b) p", '<div class="fr-b"><p>', True),
    (":is(.fr-a, .fr-b) p", '<div class="fr-c"><p>', False),
    ('[class^=fr-icon-]', '<span class="fr-icon-x fr-link">', True),
    ('[class*=" fr-icon-"]', '<span class="fr-icon-x fr-link">', False),   # first class: no space
    ('[class*=" fr-icon-"]', '<span class="fr-link fr-icon-x">', True),
    ("[aria-current=page]", '<a aria-current="page">', True),
    ("[aria-current=true]", '<a aria-current="page">', False),
    ("[data-fr-js-header]", '<header class="fr-header">', False),          # set by the DSFR's JS only
    (":root[data-fr-theme=dark] .fr-btn", '<a class="fr-btn">', False),
    ("#contenu", '<main id="contenu">', True),
    ("*", "<p>", True),
])
def test_a_selector_is_kept_when_the_pages_name_all_it_needs(selector, html, expected):
    assert used(selector, html) is expected


def fake_dist(tmp_path: Path) -> Path:
    dist = tmp_path / "dist"
    (dist / "core").mkdir(parents=True)
    (dist / "fonts").mkdir()
    (dist / "icons" / "system").mkdir(parents=True)
    for name in ("Marianne-Regular", "Marianne-Light"):
        (dist / "fonts" / f"{name}.woff2").write_bytes(b"wOF2" + name.encode())
        (dist / "fonts" / f"{name}.woff").write_bytes(b"wOFF")
    (dist / "icons" / "system" / "check-line.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path d="M10 15"/></svg>')
    (dist / "core" / "core.main.min.css").write_text(
        ':root{--used:var(--chain);--chain:#000091;--unused:var(--only-for-unused);--only-for-unused:red}'
        '@font-face{font-family:Marianne;src:url(../fonts/Marianne-Regular.woff2) format("woff2"),'
        'url(../fonts/Marianne-Regular.woff) format("woff");font-weight:400}'
        '@font-face{font-family:Marianne;src:url(../fonts/Marianne-Light.woff2) format("woff2");font-weight:300}'
        '.fr-btn{color:var(--used);-webkit-mask-image:url(../icons/system/check-line.svg);'
        'mask-image:url(../icons/system/check-line.svg)}'
        '.fr-card{animation:fr-spin 1s}@keyframes fr-spin{to{opacity:0}}'
        '.fr-tag{animation:fr-pulse 1s}@keyframes fr-pulse{to{opacity:1}}'
        '@media (min-width:48em){.fr-card{color:red}.fr-btn{padding:0}}', encoding="utf-8")
    return dist


def test_the_stylesheet_keeps_only_what_the_pages_use(tmp_path):
    dist = fake_dist(tmp_path)
    out = tmp_path / "out"
    css, fonts = dsfr.build_stylesheet(dist, ["core"], ["Marianne-Regular"],
                                       usage_of('<a class="fr-btn">ok</a><p class="fr-tag">'), out)
    assert ".fr-btn{" in css and ".fr-card" not in css
    assert "@media (min-width:48em){.fr-btn{padding:0}}" in css        # at-rules pruned inside
    assert "--used:" in css and "--chain:" in css                      # read, even through another
    assert "--unused" not in css and "--only-for-unused" not in css   # nobody reads them
    assert "fr-pulse" in css and "fr-spin" not in css                 # keyframes of kept rules only
    faces = re.findall(r"@font-face\{[^}]*\}", css)
    assert len(faces) == 1 and 'url("fonts/Marianne-Regular.woff2") format("woff2")' in faces[0]
    assert ".woff)" not in css and "Light" not in css
    assert fonts == {"Marianne-Regular.woff2"} and (out / "fonts" / "Marianne-Regular.woff2").exists()
    assert "check-line.svg" not in css and "data:image/svg+xml" in css   # icons inlined…
    assert css.count("data:image/svg+xml") == 1                           # …once, shared
    assert css.startswith('@charset "UTF-8";\n/*! DSFR v')


def test_a_missing_module_is_a_clear_error(tmp_path):
    from sphinx.errors import ExtensionError
    with pytest.raises(ExtensionError, match="module DSFR « tabs » introuvable"):
        dsfr.build_stylesheet(fake_dist(tmp_path), ["core", "tabs"], [], usage_of("<p>"), tmp_path)


def test_minified_css_keeps_strings_and_meaning():
    text = '/* a comment with an apostrophe: it\'s */\n.a  >  .b ,\n.c { content: " (x : y) " ; color: red ; }\n.d :focus { top: 0 }\n'
    assert dsfr.minify_css(text) == '.a>.b,.c{content:" (x : y) ";color:red}.d :focus{top:0}\n'  # (a space before « : » is a combinator)


@needs_dsfr
def test_real_modules_shrink_to_a_page_of_buttons(tmp_path):
    css, _ = dsfr.build_stylesheet(DIST, ["core", "button"], [], usage_of('<button class="fr-btn">'),
                                   tmp_path)
    sources = sum(dsfr.module_css(DIST, m).stat().st_size for m in ("core", "button"))
    assert ".fr-btn{" in css and ".fr-card" not in css
    assert len(css) < sources / 10, (len(css), sources)


def test_the_repository_holds_no_copy_of_the_dsfr():
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    assert not [f for f in files if f.startswith("node_modules/") or "Marianne" in f or f.endswith(".woff2")]
    for name in files:
        path = ROOT / name
        if path.suffix == ".css":
            assert "DSFR v1." not in path.read_text(encoding="utf-8"), name


@needs_dsfr
def test_pruning_never_loses_a_class_the_site_uses(guide_html):
    """Every DSFR class written in a page and styled by a shipped module is still styled."""
    shipped = (guide_html / "_static" / "dsfr" / "dsfr.css").read_text(encoding="utf-8")
    modules = "".join(dsfr.module_css(DIST, m).read_text(encoding="utf-8") for m in dsfr.DEFAULT_MODULES)
    styled = set(re.findall(r"\.(fr-[\w-]+)", modules))
    in_pages = dsfr.page_usage(sorted(guide_html.rglob("*.html"))).classes
    lost = {c for c in in_pages & styled if f".{c}" not in shipped}
    assert not lost, sorted(lost)
    assert sorted(p.name for p in (guide_html / "_static" / "dsfr" / "fonts").iterdir()) == \
        ["Marianne-Bold.woff2", "Marianne-Regular.woff2"]
    assert shipped.startswith('@charset "UTF-8";\n/*! DSFR v1.')


@pytest.mark.parametrize(("selector", "expected"), [
    ("a:hover", "a"),
    (".fr-btn:focus-visible::after", ".fr-btn"),
    (".fr-card:not(:focus-within) .fr-card__title", ".fr-card .fr-card__title"),
    (":is(a:hover, .fr-x) > p", ":is(a,.fr-x) > p"),
    ("li:not(:first-child)::before", "li:not(:first-child)"),
    ("::placeholder", "*"),
])
def test_skeleton_keeps_structure_and_drops_state(selector, expected):
    assert dsfr.skeleton(tinycss2.parse_component_value_list(selector)) == expected


def test_second_pass_keeps_selectors_some_element_matches(tmp_path):
    dist = tmp_path / "dist"
    (dist / "core").mkdir(parents=True)
    (dist / "core" / "core.main.min.css").write_text(
        ".fr-table>table{a:1}.fr-table .fr-table__content table{a:2}.fr-btn:hover{a:3}"
        ".fr-tag{a:4}.fr-card .fr-tag,.fr-callout .fr-tag{a:5}", encoding="utf-8")
    page = ('<div class="fr-table"><div class="fr-table__content"><table></table></div></div>'
            '<a class="fr-btn">x</a><div class="fr-card"></div><div class="fr-callout"></div>'
            '<template><p class="fr-tag">résultat</p></template>')
    css, _ = dsfr.build_stylesheet(dist, ["core"], [], usage_of(page), tmp_path, pages=[page])
    assert ".fr-table>table" not in css                      # classes present, structure absent
    assert ".fr-table .fr-table__content table{a:2}" in css
    assert ".fr-btn:hover{a:3}" in css                        # states are the reader's: kept
    assert ".fr-tag{a:4}" in css                              # in a <template>: still used
    assert "{a:5}" not in css                                  # no tag inside a card or callout
