"""The State's design system (DSFR) in the site, and only what the site uses of it.

The DSFR comes from its npm package (`@gouvfr/dsfr`, pinned in package.json, installed by
`make` into node_modules/): nothing of it is copied into the repository. At the end of an HTML
build, this module writes `_static/dsfr/dsfr.css` from the DSFR's own stylesheets:

1. the modules listed in `guide_dsfr_modules` (its dist has one stylesheet per component), in
   that order, modern-browser builds (`*.main.min.css`);
2. pruned to what the written pages use: a rule is kept when every class, element, id and
   attribute its selector names appears in some page of the build (selectors are not matched
   structurally, so a kept rule may still not apply: the pruning only ever keeps too much);
   custom properties nobody reads and `@font-face` of weights the guide does not ship go too;
3. icons (SVG masks) inlined as data: URIs — no request per icon; the fonts listed in
   `guide_dsfr_fonts` copied beside it as WOFF2 (every browser the DSFR supports reads WOFF2).

The DSFR's licence header stays at the top of the file. Content the search script creates at
run time is declared in a `<template>` of the search page, so its classes are seen here too.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import tinycss2
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

from .theme import is_site_builder

logger = logging.getLogger(__name__)

OUT_DIR = "dsfr"
CSS_NAME = "dsfr.css"
DEFAULT_DIST = "node_modules/@gouvfr/dsfr/dist"

#: the modules the guide's pages use, in the DSFR's own order (core first, utilities last)
DEFAULT_MODULES = [
    "core", "logo", "skiplink", "header", "search", "breadcrumb", "sidemenu", "link", "button",
    "card", "table", "callout", "highlight", "tag", "footer",
    "utility/icons/icons-arrows",
]
#: the faces of Marianne the site ships: regular and bold (every other weight or style falls
#: back to these two; each face is a 58 Ko download)
DEFAULT_FONTS = ["Marianne-Regular", "Marianne-Bold"]
#: DSFR icons our own stylesheet uses, exported as custom properties (`--guide-icon-<name>`):
#: the <details> that fold the side menu and the breadcrumb show the DSFR's arrow
DEFAULT_ICONS = ["arrows/arrow-down-s-line"]
INLINE_MAX_BYTES = 4096  # icons smaller than this become data: URIs


def dsfr_dist(app: Sphinx) -> Path:
    """The DSFR's dist folder (stylesheets, icons, Marianne), or a clear error if missing."""
    dist = Path(app.confdir, app.config.guide_dsfr_dist)
    if not (dist / "core").is_dir():
        raise ExtensionError(
            f"DSFR introuvable ({dist}) : lancez « make » (il installe le paquet npm @gouvfr/dsfr "
            "épinglé dans package.json par « npm ci »)")
    return dist


def module_css(dist: Path, module: str) -> Path:
    """`core` → core/core.main.min.css; `card` → component/card/card.main.min.css;
    `utility/icons/icons-system` → utility/icons/icons-system/icons-system.main.min.css."""
    name = module.rsplit("/", 1)[-1]
    folder = module if "/" in module else ("core" if module == "core" else f"component/{module}")
    return dist / folder / f"{name}.main.min.css"


def dsfr_version(dist: Path) -> str:
    try:
        return json.loads((dist.parent / "package.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return "?"


# -- what the pages use ---------------------------------------------------------------------------

@dataclass
class Usage:
    """Everything a selector can name, as found in the written pages."""
    tags: set[str] = field(default_factory=lambda: {"html", "body"})
    classes: set[str] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)
    attrs: dict[str, set[str]] = field(default_factory=dict)   # name -> values seen
    variables: set[str] = field(default_factory=set)           # custom properties read elsewhere

    def key(self) -> str:
        data = [sorted(self.tags), sorted(self.classes), sorted(self.ids),
                sorted((k, sorted(v)) for k, v in self.attrs.items()), sorted(self.variables)]
        return hashlib.sha256(json.dumps(data).encode()).hexdigest()


class _UsageParser(HTMLParser):
    def __init__(self, usage: Usage):
        super().__init__(convert_charrefs=True)
        self.usage = usage

    def handle_starttag(self, tag, attrs):
        u = self.usage
        u.tags.add(tag)
        for name, value in attrs:
            value = value or ""
            u.attrs.setdefault(name, set()).add(value)
            if name == "class":
                u.classes.update(value.split())
            elif name == "id":
                u.ids.add(value)
            elif name == "style":
                u.variables.update(_VAR_RE.findall(value))

    handle_startendtag = handle_starttag


_VAR_RE = re.compile(r"var\(\s*(--[\w-]+)")


def page_usage(html_files, css_files=()) -> Usage:
    usage = Usage()
    parser = _UsageParser(usage)
    for path in html_files:
        parser.feed(Path(path).read_text(encoding="utf-8"))
        parser.reset()
    for path in css_files:  # the project's own stylesheets read DSFR custom properties
        usage.variables.update(_VAR_RE.findall(Path(path).read_text(encoding="utf-8")))
    return usage


# -- selector matching ----------------------------------------------------------------------------

def _split_commas(tokens) -> list[list]:
    parts, current = [], []
    for tok in tokens:
        if tok.type == "literal" and tok.value == ",":
            parts.append(current)
            current = []
        else:
            current.append(tok)
    parts.append(current)
    return [p for p in parts if any(t.type not in ("whitespace", "comment") for t in p)]


def _attr_matches(block, usage: Usage) -> bool:
    toks = [t for t in block.content if t.type not in ("whitespace", "comment")]
    if not toks or toks[0].type != "ident":
        return True
    name = toks[0].lower_value
    values = usage.attrs.get(name)
    if values is None:
        return False
    if len(toks) < 3:
        return True  # [name]
    op = "".join(t.value for t in toks[1:-1] if t.type in ("literal", "delim")) or toks[1].value
    target = toks[-1].value
    if toks[-1].type == "ident" and toks[-2].type == "whitespace":
        return True  # a flag such as [name=value i]: be generous
    tests = {"=": lambda v: v == target, "~=": lambda v: target in v.split(),
             "^=": lambda v: v.startswith(target), "$=": lambda v: v.endswith(target),
             "*=": lambda v: target in v, "|=": lambda v: v == target or v.startswith(target + "-")}
    test = tests.get(op)
    return True if test is None else any(test(v) for v in values)


def selector_used(tokens, usage: Usage) -> bool:
    """True when every class, id, element and attribute the selector names is in some page.
    Inside :not() nothing is required; inside :is()/:where()/:has() one alternative must be."""
    toks = list(tokens)
    i, n = 0, len(toks)
    prev_colon = False
    while i < n:
        tok = toks[i]
        if tok.type == "literal" and tok.value == "." and i + 1 < n and toks[i + 1].type == "ident":
            if toks[i + 1].value not in usage.classes:
                return False
            i += 2
            prev_colon = False
            continue
        if tok.type == "hash":
            if tok.value not in usage.ids:
                return False
        elif tok.type == "[] block":
            if not _attr_matches(tok, usage):
                return False
        elif tok.type == "ident" and not prev_colon:
            if tok.lower_value not in usage.tags:
                return False
        elif tok.type == "function" and prev_colon:
            name = tok.lower_name
            if name in ("is", "where", "has", "matches", "-webkit-any"):
                if not any(selector_used(alt, usage) for alt in _split_commas(tok.arguments)):
                    return False
            # :not(), :nth-child(), :lang()… require nothing
        prev_colon = tok.type == "literal" and tok.value == ":"
        i += 1
    return True


# -- the pruned stylesheet ------------------------------------------------------------------------

@dataclass
class _Context:
    usage: Usage
    source: Path               # the stylesheet being read (urls are relative to it)
    fonts: set[str]            # font file stems kept (Marianne-Regular…)
    out_dir: Path
    copied: set[str] = field(default_factory=set)


def _serialize(nodes) -> str:
    return tinycss2.serialize(nodes).strip()


def _svg_url(path: Path) -> str:
    """An SVG file as a data: URL, encoding only what a URL in CSS must (as mini-svg-data-uri)."""
    svg = re.sub(r"\s+", " ", path.read_text(encoding="utf-8")).strip().replace('"', "'")
    return 'url("data:image/svg+xml;charset=utf-8,' + quote(svg, safe=" =:/',;()-._!*~[]@$&+?") + '")'


def _share_data_urls(css: str) -> str:
    """A data: URL written more than once (an icon in mask-image and -webkit-mask-image, in
    two components…) is written once, as a custom property that the rules read."""
    counts: dict[str, int] = {}
    for url in re.findall(r'url\("data:[^"]*"\)', css):
        counts[url] = counts.get(url, 0) + 1
    shared = [url for url, n in counts.items() if n > 1]
    if not shared:
        return css
    names = {url: f"--guide-u{i}" for i, url in enumerate(shared)}
    for url, name in names.items():
        css = css.replace(url, f"var({name})")
    return ":root{" + ";".join(f"{name}:{url}" for url, name in names.items()) + "}" + css


def _rewrite_urls(text: str, ctx: _Context) -> str:
    def repl(match):
        url = match.group(2)
        if url.startswith("data:"):
            return match.group(0)
        path = (ctx.source.parent / url.split("#")[0].split("?")[0]).resolve()
        if path.suffix == ".svg" and path.stat().st_size <= INLINE_MAX_BYTES:
            return _svg_url(path)
        ctx.out_dir.joinpath("fonts").mkdir(parents=True, exist_ok=True)
        ctx.copied.add(path.name)
        shutil.copy2(path, ctx.out_dir / "fonts" / path.name)
        return f'url("fonts/{path.name}")'
    return re.sub(r"""url\(\s*(["']?)([^"')]+)\1\s*\)""", repl, text)


def _font_face(rule, ctx: _Context) -> str | None:
    decls = tinycss2.parse_declaration_list(rule.content, skip_whitespace=True, skip_comments=True)
    for decl in decls:
        if decl.type == "declaration" and decl.lower_name == "src":
            text = _serialize(decl.value)
            woff2 = re.search(r"""url\(\s*["']?([^"')]+\.woff2)["']?\s*\)""", text)
            if not woff2 or Path(woff2.group(1)).stem not in ctx.fonts:
                return None
            decl.value = tinycss2.parse_component_value_list(
                f'url("{woff2.group(1)}") format("woff2")')
    body = ";".join(f"{d.name}:{_serialize(d.value)}" for d in decls if d.type == "declaration")
    if "font-display" not in body:
        body += ";font-display:swap"
    return "@font-face{" + _rewrite_urls(body, ctx) + "}"


def _rules(rules, ctx: _Context) -> list[str]:
    out = []
    for rule in rules:
        if rule.type == "qualified-rule":
            kept = [sel for sel in _split_commas(rule.prelude) if selector_used(sel, ctx.usage)]
            if kept:
                prelude = ",".join(_serialize(sel) for sel in kept)
                out.append(prelude + "{" + _rewrite_urls(_serialize(rule.content), ctx) + "}")
        elif rule.type == "at-rule":
            kw = rule.lower_at_keyword
            if kw in ("media", "supports", "layer", "container") and rule.content is not None:
                inner = _rules(tinycss2.parse_rule_list(rule.content, skip_whitespace=True,
                                                        skip_comments=True), ctx)
                if inner:
                    out.append(f"@{rule.at_keyword} {_serialize(rule.prelude)}{{{''.join(inner)}}}")
            elif kw == "font-face":
                face = _font_face(rule, ctx)
                if face:
                    out.append(face)
            elif kw == "keyframes" or kw.endswith("-keyframes"):
                out.append(_serialize([rule]))  # pruned below if no animation names it
            elif kw in ("charset", "import"):
                continue
            else:
                out.append(_serialize([rule]))
    return out


_DECL_VAR_RE = re.compile(r"(?<![\w-])(--[\w-]+)\s*:")


def _prune_variables(css: str, extra_reads: set[str]) -> str:
    """Drop the declarations of custom properties that nothing reads (to a fixed point)."""
    while True:
        reads = set(_VAR_RE.findall(css)) | extra_reads
        declared = set(_DECL_VAR_RE.findall(css))
        unread = declared - reads
        if not unread:
            break
        pattern = re.compile(r"(?<=[{;])(" + "|".join(re.escape(v) for v in sorted(unread))
                             + r")\s*:[^;{}]*(;|(?=}))")
        css = pattern.sub("", css)
    css = re.sub(r";}", "}", css)
    # rules (and then at-rules) left empty
    previous = None
    while previous != css:
        previous = css
        css = re.sub(r"(?<=[{}])[^{}@]+\{\}", "", css)
        css = re.sub(r"@(media|supports)[^{}]*\{\}", "", css)
    return css


def _prune_keyframes(css: str) -> str:
    """Drop the @keyframes no kept `animation` names."""
    cuts = []
    for match in re.finditer(r"@(?:-webkit-)?keyframes\s+([\w-]+)\s*\{", css):
        name = match.group(1)
        if re.search(r"animation(?:-name)?\s*:[^;{}]*\b" + re.escape(name) + r"\b", css):
            continue
        depth, j = 0, match.end() - 1
        while j < len(css):
            depth += {"{": 1, "}": -1}.get(css[j], 0)
            j += 1
            if depth == 0:
                break
        cuts.append((match.start(), j))
    for begin, end in reversed(cuts):
        css = css[:begin] + css[end:]
    return css


def icon_properties(dist: Path, icons: list[str]) -> str:
    """`:root{--guide-icon-arrow-down-s-line:url("data:…")}` for the DSFR icons named."""
    decls = []
    for icon in icons:
        path = dist / "icons" / f"{icon}.svg"
        if not path.exists():
            raise ExtensionError(f"icône DSFR « {icon} » introuvable ({path}) : vérifiez "
                                 "guide_dsfr_icons (chemins de dist/icons/, sans .svg)")
        decls.append(f"--guide-icon-{path.stem}:{_svg_url(path)}")
    return ":root{" + ";".join(decls) + "}" if decls else ""


# -- second pass: the structure of the pages -------------------------------------------------------
#: pseudo-classes that say where an element is, not what state it is in
_STRUCTURAL = {"not", "is", "where", "has", "matches", "nth-child", "nth-last-child", "nth-of-type",
               "nth-last-of-type", "first-child", "last-child", "only-child", "first-of-type",
               "last-of-type", "only-of-type", "root", "lang", "dir"}


def skeleton(tokens) -> str:
    """A selector without what depends on the reader (:hover, :focus, :checked…) or on content
    the stylesheet makes (::before, ::after…): the part written pages can match."""
    out, i, toks = [], 0, list(tokens)
    while i < len(toks):
        tok = toks[i]
        if tok.type == "literal" and tok.value == ":":
            nxt = toks[i + 1] if i + 1 < len(toks) else None
            if nxt is not None and nxt.type == "literal" and nxt.value == ":":   # ::pseudo-element
                i += 3
                continue
            if nxt is not None and nxt.type == "ident":
                if nxt.lower_value in _STRUCTURAL:
                    out.append(":" + nxt.serialize())
                i += 2
                continue
            if nxt is not None and nxt.type == "function":
                if nxt.lower_name in _STRUCTURAL:
                    if nxt.lower_name in ("not", "is", "where", "has", "matches"):
                        inner = ",".join(filter(None, (skeleton(alt).strip()
                                                       for alt in _split_commas(nxt.arguments))))
                        if inner and inner != "*":
                            out.append(f":{nxt.name}({inner})")
                    else:
                        out.append(":" + nxt.serialize())
                i += 2
                continue
        out.append(tok.serialize())
        i += 1
    return "".join(out).strip() or "*"


def _prune_structure(css: str, pages: list[str]) -> str:
    """Drop the selectors that match no element of any page (structure included: `.a > .b`,
    `.a + .b`), state and pseudo-elements set aside; a selector the matcher cannot read stays."""
    import cssselect2
    import tinyhtml5

    matcher = cssselect2.Matcher()
    rules = tinycss2.parse_stylesheet(css, skip_whitespace=True, skip_comments=True)
    selectors: list[list] = []   # per qualified rule: [selector tokens, used?]…
    kept_anyway: set[tuple[int, int]] = set()

    def register(rule_list):
        for rule in rule_list:
            if rule.type == "qualified-rule":
                number = len(selectors)
                parts = _split_commas(rule.prelude)
                selectors.append(parts)
                for index, part in enumerate(parts):
                    try:
                        for compiled in cssselect2.compile_selector_list(skeleton(part)):
                            matcher.add_selector(compiled, (number, index))
                    except Exception:  # noqa: BLE001 - a selector cssselect2 cannot read: keep it
                        kept_anyway.add((number, index))
            elif rule.type == "at-rule" and rule.content is not None and \
                    rule.lower_at_keyword in ("media", "supports", "layer", "container"):
                register(tinycss2.parse_rule_list(rule.content, skip_whitespace=True, skip_comments=True))

    register(rules)
    used = set(kept_anyway)
    for page in pages:
        root = cssselect2.ElementWrapper.from_html_root(tinyhtml5.parse(page))
        for element in root.iter_subtree():
            for match in matcher.match(element):
                used.add(match[3])
        # <template> content (the search results) is a fragment of its own: match it too
        for template in root.etree_element.iter("{http://www.w3.org/1999/xhtml}template"):
            for child in template:
                for element in cssselect2.ElementWrapper.from_html_root(child).iter_subtree():
                    for match in matcher.match(element):
                        used.add(match[3])

    counter = iter(range(len(selectors)))

    def rebuild(rule_list) -> list[str]:
        out = []
        for rule in rule_list:
            if rule.type == "qualified-rule":
                number = next(counter)
                kept = [part for index, part in enumerate(selectors[number]) if (number, index) in used]
                if kept:
                    out.append(",".join(_serialize(p) for p in kept) + "{" + _serialize(rule.content) + "}")
            elif rule.type == "at-rule" and rule.content is not None and \
                    rule.lower_at_keyword in ("media", "supports", "layer", "container"):
                inner = rebuild(tinycss2.parse_rule_list(rule.content, skip_whitespace=True,
                                                         skip_comments=True))
                if inner:
                    out.append(f"@{rule.at_keyword} {_serialize(rule.prelude)}{{{''.join(inner)}}}")
            else:
                out.append(_serialize([rule]))
        return out

    return "".join(rebuild(rules))


def build_stylesheet(dist: Path, modules: list[str], fonts: list[str], usage: Usage,
                     out_dir: Path, icons: list[str] = (), pages: list[str] | None = None,
                     ) -> tuple[str, set[str]]:
    """The pruned DSFR stylesheet (text) and the names of the font files copied to out_dir.
    With `pages` (their HTML), a second pass keeps only the selectors some element matches."""
    parts = []
    copied: set[str] = set()
    for module in modules:
        src = module_css(dist, module)
        if not src.exists():
            raise ExtensionError(f"module DSFR « {module} » introuvable ({src}) : vérifiez "
                                 "guide_dsfr_modules (noms des dossiers de dist/component/)")
        ctx = _Context(usage, src, set(fonts), out_dir)
        rules = tinycss2.parse_stylesheet(src.read_text(encoding="utf-8"), skip_whitespace=True,
                                          skip_comments=True)
        parts.extend(_rules(rules, ctx))
        copied |= ctx.copied
    css = "".join(parts)
    if pages is not None:
        css = _prune_structure(css, pages)
    css = _prune_keyframes(_prune_variables(css, usage.variables))
    css = _share_data_urls(css + icon_properties(dist, list(icons)))
    # The DSFR's own licence header, kept (REUSE-IgnoreStart)
    header = (f"/*! DSFR v{dsfr_version(dist)} | SPDX-License-Identifier: Etalab-2.0 | "
              "License-Filename: LICENSE.md | restricted use (see terms and conditions) — "
              f"modules : {', '.join(modules)} ; réduit aux règles employées par ce site */\n")
    # (REUSE-IgnoreEnd)
    return '@charset "UTF-8";\n' + header + css + "\n", copied


def minify_css(css: str) -> str:
    """Comments and needless spaces out (strings untouched): for the project's own stylesheet."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)  # (no « /* » inside our strings)
    parts = re.split(r"""("(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*')""", css)
    out = []
    for i, part in enumerate(parts):
        if i % 2:  # a string literal
            out.append(part)
            continue
        part = re.sub(r"\s+", " ", part)
        part = re.sub(r"\s*([{};,>])\s*", r"\1", part)
        part = re.sub(r":\s+", ":", part)
        out.append(part.replace(";}", "}"))
    return "".join(out).strip() + "\n"


# -- Sphinx glue ----------------------------------------------------------------------------------

def _is_site_builder(app: Sphinx) -> bool:
    """An HTML site whose project asks for the DSFR (`guide_dsfr_dist` set, as the guide's
    conf.py does): another project using the extension's checks needs no DSFR."""
    return is_site_builder(app.builder) and bool(app.config.guide_dsfr_dist)


def _add_stylesheet(app: Sphinx) -> None:
    if _is_site_builder(app):
        dsfr_dist(app)  # fail early, with the fix, when node_modules is missing
        app.add_css_file(f"{OUT_DIR}/{CSS_NAME}", priority=100)


def write_stylesheet(app: Sphinx, exception) -> None:
    if exception is not None or not _is_site_builder(app):
        return
    outdir = Path(app.outdir)
    static = outdir / "_static"
    for name in app.config.html_style or ():  # our own stylesheet, shipped minified
        sources = [Path(app.confdir, d, name) for d in app.config.html_static_path]
        source = next((p for p in sources if p.exists()), None)
        if source is not None and (static / name).exists():
            (static / name).write_text(minify_css(source.read_text(encoding="utf-8")),
                                       encoding="utf-8")
    own_css = [p for p in static.glob("*.css")]
    html_files = sorted(outdir.rglob("*.html"))
    usage = page_usage(html_files, own_css)
    pages = [p.read_text(encoding="utf-8") for p in html_files]
    dist = dsfr_dist(app)
    modules, fonts = list(app.config.guide_dsfr_modules), list(app.config.guide_dsfr_fonts)
    icons = list(app.config.guide_dsfr_icons)
    code = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()  # a new pruning rule → rebuild
    structure = hashlib.sha256("".join(pages).encode()).hexdigest()  # any change in a page
    key = hashlib.sha256(json.dumps([usage.key(), structure, modules, fonts, icons,
                                     dsfr_version(dist), code]).encode()).hexdigest()
    out_dir = static / OUT_DIR
    stamp = Path(app.doctreedir) / "guide-dsfr.key"
    if (out_dir / CSS_NAME).exists() and stamp.exists() and stamp.read_text() == key:
        return
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    css, copied = build_stylesheet(dist, modules, fonts, usage, out_dir, icons, pages)
    (out_dir / CSS_NAME).write_text(css, encoding="utf-8")
    stamp.write_text(key)
    logger.info("DSFR %s : %s (%d Ko), polices : %s", dsfr_version(dist),
                f"_static/{OUT_DIR}/{CSS_NAME}", round(len(css.encode()) / 1024),
                ", ".join(sorted(copied)) or "aucune")


def setup_dsfr(app: Sphinx) -> None:
    app.add_config_value("guide_dsfr_dist", "", "html", types=[str],
                         description="The DSFR's dist folder (npm package @gouvfr/dsfr, "
                                     f"usually {DEFAULT_DIST}), relative to conf.py; "
                                     "empty: the site ships no DSFR")
    app.add_config_value("guide_dsfr_modules", DEFAULT_MODULES, "html", types=[list],
                         description="DSFR modules shipped (core, component names, "
                                     "utility/icons/<family>), in cascade order")
    app.add_config_value("guide_dsfr_fonts", DEFAULT_FONTS, "html", types=[list],
                         description="Faces of Marianne shipped (file stems in dist/fonts)")
    app.add_config_value("guide_dsfr_icons", DEFAULT_ICONS, "html", types=[list],
                         description="DSFR icons (dist/icons/<family>/<name>, no .svg) exported "
                                     "as --guide-icon-<name> for the project's stylesheet")
    app.connect("builder-inited", _add_stylesheet)
    app.connect("build-finished", write_stylesheet, priority=400)
