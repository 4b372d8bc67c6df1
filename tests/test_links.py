"""Internal link check: every seeded defect found at its line, with a suggestion; correct under
-j and in incremental builds."""

from __future__ import annotations

import re

import pytest

from conftest import build_root, marker_line

FIX_ANCHOR = "ajoutez la cible « (nom)= » avant le titre visé"
FIX_FILE = "vérifiez le chemin, relatif à la page (images dans docs/_images/)"
FIX_PAGE = "vérifiez le chemin (relatif, avec .md)"
EXPECTED = {  # (page, marker on the line) -> (finding code, its whole message ; fix)
    ("a.md", "BROKEN-ANCHOR"): ("anchor-unknown", "lien interne cassé vers « b.md#b-reglementatio » : "
                                "ancre inconnue #b-reglementatio dans b ; ancres proches : "
                                "#b-reglementation, #reglementation, #réglementation"),
    ("a.md", "BROKEN-PAGE"): ("page-unknown", f"lien interne cassé vers « c.md » : page inconnue ; {FIX_PAGE}"),
    ("a.md", "BROKEN-LABEL"): ("label-unknown", "{ref} vers « b-reglement » : étiquette inconnue ; "
                               "étiquettes proches : b-reglementation"),
    ("a.md", "BROKEN-TERM"): ("term-unknown", "{term} « ACW » : terme absent du glossaire ; "
                              "termes proches : acv"),
    ("a.md", "BROKEN-LOCAL"): ("target-unknown", "lien interne cassé vers « #a-bas » : cible inconnue "
                               "; cibles proches : #page-a, #a-haut"),
    ("a.md", "BROKEN-DOWNLOAD"): ("file-unknown", f"fichier introuvable : « absent.pdf » ; {FIX_FILE}"),
    ("a.md", "BROKEN-SLUG"): ("target-unknown", "lien interne cassé vers « #liens-juste » : cible "
                              "inconnue ; cibles proches : #liens-justes, #liens-casses, #liens-cassés"),
    ("a.md", "BROKEN-LOCAL-LABEL"): ("target-unknown", "lien interne cassé vers « #b-reglementatio » "
                                     ": cible inconnue ; cibles proches : #b-reglementation"),
    ("a.md", "BROKEN-ANY"): ("target-unknown", "lien interne cassé vers « b-reglementatio » : cible "
                             "inconnue ; cibles proches : #b-reglementation"),
    ("a.md", "BROKEN-IMAGE"): ("file-unknown", f"fichier introuvable : « absente.svg » ; {FIX_FILE}"),
    ("a.md", "BROKEN-RAW"): ("anchor-unknown", "lien interne cassé vers « b.html#zzz » : ancre "
                             f"inconnue #zzz dans b ; {FIX_ANCHOR}"),
    ("a.md", "BROKEN-RAW-LOCAL"): ("target-unknown", "lien interne cassé vers « #zzz-local » : cible "
                                   f"inconnue ; {FIX_ANCHOR}"),
    ("a.md", "BROKEN-RAW-FILE"): ("file-unknown", f"fichier introuvable : « absente.png » ; {FIX_FILE}"),
    ("a.md", ":link: c"): ("page-unknown", f"lien interne cassé vers « c » : page inconnue ; {FIX_PAGE}"),
    ("sous/page.md", "BROKEN-SUB-ANCHOR"): ("anchor-unknown", "lien interne cassé vers "
                                            "« ../b.md#nulle-part » : ancre inconnue #nulle-part "
                                            f"dans b ; {FIX_ANCHOR}"),
    ("sous/page.md", "BROKEN-SUB-DOC"): ("page-unknown", "lien interne cassé vers « ../absente » : "
                                         f"page inconnue ; {FIX_PAGE}"),
    # Markdown links to paths that are no file (review M12): said as paths, not « #../b »
    ("sous/page.md", "BROKEN-SUB-NO-MD"): ("file-unknown", "fichier introuvable : « ../a » ; "
                                           "vouliez-vous dire « ../a.md » ?"),
    ("sous/page.md", "BROKEN-SUB-MD-FILE"): ("file-unknown", "fichier introuvable : "
                                             "« ../images/schema-absent.svg » ; vérifiez le "
                                             "chemin, relatif à la page (une page : avec .md)"),
    ("sous/page.md", "BROKEN-SUB-PATH"): ("file-unknown", "fichier introuvable : « ../bb » ; "
                                          "pages proches : b"),
}
EXTERNAL = {  # every external URL of the project, with the page and the line that holds it
    ("a", "<https://example.org/page>", "https://example.org/page"),
    ("a", "<http://example.org/http>", "http://example.org/http"),
    ("a", "(https://example.org/image.png)", "https://example.org/image.png"),
    ("a", "`https://example.org/fichier.pdf`", "https://example.org/fichier.pdf"),
    ("a", 'href="https://example.org/brut"', "https://example.org/brut"),
    ("billet", "link: https://example.org/webinaire", "https://example.org/webinaire"),
}


@pytest.fixture
def links_root(copy_root):
    return copy_root("links")


def link_findings(report):
    return sorted((f["source"], f["line"], f["code"], f["message"] + " ; " + f["fix"])
                  for f in report["findings"] if f["check"] == "links")


def expected_findings(root):
    return sorted((page, marker_line(root / page, marker), code, text)
                  for (page, marker), (code, text) in EXPECTED.items())


def test_every_seeded_defect_is_found_at_its_line(links_root, build):
    _, report = build(links_root)
    assert link_findings(report) == expected_findings(links_root)   # and none in good links


def test_findings_are_logged_with_file_line_and_type(links_root, build):
    app, _ = build(links_root)
    warnings = app.warning.getvalue()
    line = marker_line(links_root / "a.md", "BROKEN-ANCHOR")
    assert f"a.md:{line}: WARNING: lien interne cassé vers" in warnings
    assert "[guide.links]" in warnings
    assert "myst.xref_missing" not in warnings  # ours replace MyST's bare message


def test_suppress_warnings_silences_the_check(links_root, build):
    app, _ = build(links_root, suppress_warnings=["guide.links"])
    assert "[guide.links]" not in app.warning.getvalue()


def test_builtin_messages_are_kept_when_asked(links_root, build):
    app, _ = build(links_root, guide_links_replace_builtin=False)
    assert "[guide.links]" in app.warning.getvalue()
    assert "myst.xref_missing" in app.warning.getvalue()


def test_strict_build_exits_1_on_a_broken_link(links_root, tmp_path):
    proc, _ = build_root(links_root, tmp_path / "out", "-W", "--keep-going")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr[-2000:]


def test_same_findings_with_one_and_many_processes(links_root, build, tmp_path):
    _, serial = build(links_root, outdir=tmp_path / "j1")
    _, parallel = build(links_root, parallel=2, outdir=tmp_path / "j2")
    assert link_findings(serial) == link_findings(parallel) == expected_findings(links_root)


def test_removing_an_anchor_flags_the_unchanged_page_that_uses_it(links_root, build):
    a = links_root / "a.md"  # a missing download or image: Sphinx would re-read a.md every time
    a.write_text(a.read_text(encoding="utf-8").replace("{download}`absent.pdf`", "")
                 .replace("![image absente](absente.svg)", ""), "utf-8")
    _, before = build(links_root)
    good_line = marker_line(links_root / "a.md", "[ancre de B](b.md#b-reglementation)")
    assert not [f for f in link_findings(before) if f[:2] == ("a.md", good_line)]
    b = links_root / "b.md"
    b.write_text(b.read_text(encoding="utf-8").replace("(b-reglementation)=\n", ""), encoding="utf-8")
    app, after = build(links_root)  # incremental: only b.md is re-read
    status = re.sub(r"\x1b\[[0-9;]*m", "", app.status.getvalue())
    assert "0 added, 1 changed, 0 removed" in status  # b.md only: a.md is not re-read
    flagged = [f for f in link_findings(after) if f[:2] == ("a.md", good_line)]
    assert flagged and flagged[0][2] == "anchor-unknown"


def test_external_urls_are_collected_with_every_occurrence(links_root, build):
    from guide.links import external_links
    app, _ = build(links_root)
    urls = sorted((d, link.line, link.target) for d, link in external_links(app.env))
    assert urls == sorted((d, marker_line(links_root / f"{d}.md", marker), url)
                          for d, marker, url in EXTERNAL)


def test_a_link_written_twice_in_a_paragraph_is_found_at_each_line(links_root, build):
    a = links_root / "a.md"
    a.write_text(a.read_text(encoding="utf-8").replace(
        "[page absente](c.md) — BROKEN-PAGE", "[page absente](c.md) — BROKEN-PAGE\n"
        "[encore elle](c.md) — AGAIN"), encoding="utf-8")
    _, report = build(links_root)
    lines = [f[1] for f in link_findings(report) if f[2] == "page-unknown" and "c.md" in f[3]]
    assert lines == [marker_line(a, "BROKEN-PAGE"), marker_line(a, "AGAIN")]


FRAGMENT = """Un paragraphe partagé par deux pages.

Voir {ref}`etiquette-du-fragment` — FRAG-LABEL

[page absente](page-du-fragment.md) — FRAG-PAGE
"""


def test_a_broken_link_of_an_included_fragment_is_reported_once_at_the_fragment(links_root, build):
    """Review M1: not against every page that includes it, with the fragment's line number."""
    (links_root / "_fragments").mkdir()
    fragment = links_root / "_fragments" / "partage.md"
    fragment.write_text(FRAGMENT, encoding="utf-8")
    with open(links_root / "conf.py", "a", encoding="utf-8") as conf:
        conf.write('\nexclude_patterns = ["_fragments"]\n')
    for page in ("a.md", "b.md"):
        path = links_root / page
        path.write_text(path.read_text(encoding="utf-8") + "\n```{include} _fragments/partage.md\n```\n",
                        encoding="utf-8")
    app, report = build(links_root)
    found = [f for f in link_findings(report) if "fragment" in f[3]]
    assert found == [
        ("_fragments/partage.md", marker_line(fragment, "FRAG-LABEL"), "label-unknown",
         "{ref} vers « etiquette-du-fragment » : étiquette inconnue ; déclarez « (nom)= » avant "
         "le titre visé"),
        ("_fragments/partage.md", marker_line(fragment, "FRAG-PAGE"), "page-unknown",
         "lien interne cassé vers « page-du-fragment.md » : page inconnue ; "
         "vérifiez le chemin (relatif, avec .md)")]
    warnings = app.warning.getvalue()
    assert f"_fragments/partage.md:{marker_line(fragment, 'FRAG-PAGE')}: WARNING: lien interne " \
        "cassé vers « page-du-fragment.md »" in warnings
    assert warnings.count("page-du-fragment.md") == 1


def test_the_reports_are_readable_by_the_web_server(links_root, build):
    """Review L5: published with the site (make dist), not private to the builder (0600)."""
    import os
    import stat
    old = os.umask(0o022)
    try:
        app, _ = build(links_root)
    finally:
        os.umask(old)
    reports = sorted((app.outdir / "_reports").iterdir())
    assert [p.name for p in reports] == ["findings.json", "findings.junit.xml"]
    assert {stat.S_IMODE(p.stat().st_mode) for p in reports} == {0o644}


MORE_B = """
(b_souligne)=
Un paragraphe dont l'étiquette s'écrit avec un souligné (son ancre : b-souligne).
"""
MORE_A = """
## Suite

[étiquette soulignée de B](b.md#b_souligne) {any}`ACV` {any}`b` [haut de page](#) — GOOD-MORE
![toutes les variantes](picto.*) {numref}`fig-absente` — BROKEN-NUMREF
{download}`http://example.org/fichier-http.pdf` — HTTP-DOWNLOAD
[paragraphe de B en capitales](b.md#B-Paragraphe) — BROKEN-CASE
[page presque juste](bb.md) — BROKEN-NEAR-PAGE
[page HTML absente](absente.html) — BROKEN-HTML

[d deux fois](d.md) [et encore](d.md) — TWICE-ON-LINE
[puis une troisième](d.md) — THEN-NEXT

```{raw} html
<p><a href="#">haut</a> <a href="?page=2">suite</a> GOOD-RAW-EMPTY</p>
```
"""
MORE_EXPECTED = {
    # MyST resolves a page's fragment by id or exact label name (labels are lower case):
    # #B-Paragraphe leads nowhere in the browser, #b_souligne to the anchor b-souligne.
    "BROKEN-CASE": ("anchor-unknown", "lien interne cassé vers « b.md#B-Paragraphe » : ancre "
                    "inconnue #B-Paragraphe dans b ; ancres proches : #b-paragraphe"),
    "BROKEN-NUMREF": ("label-unknown", "{ref} vers « fig-absente » : étiquette inconnue ; "
                      "déclarez « (nom)= » avant le titre visé"),
    "BROKEN-NEAR-PAGE": ("page-unknown", "lien interne cassé vers « bb.md » : page inconnue ; "
                         "pages proches : b"),
    "BROKEN-HTML": ("page-unknown", f"lien interne cassé vers « absente.html » : page inconnue "
                    f"; {FIX_PAGE}"),
    "TWICE-ON-LINE": ("page-unknown", f"lien interne cassé vers « d.md » : page inconnue ; {FIX_PAGE}"),
    "THEN-NEXT": ("page-unknown", f"lien interne cassé vers « d.md » : page inconnue ; {FIX_PAGE}"),
}


def test_more_links_good_and_broken(links_root, build):
    """What mutation testing showed unchecked: a fragment naming a label (by its exact name),
    {any} to a term or a page, `#` and `?query` alone, an image glob, {numref}, an http
    download, a front matter link that is no URL, a near page, a missing .html page, the same
    link twice on a line then on the next one."""
    for page, more in (("a.md", MORE_A), ("b.md", MORE_B)):
        path = links_root / page
        path.write_text(path.read_text(encoding="utf-8") + more, encoding="utf-8")
    billet = links_root / "billet.md"   # a front matter link that is no http(s) URL: not fetched
    billet.write_text(billet.read_text(encoding="utf-8").replace(
        "link: https://example.org/webinaire", "link: webinaire.html"), encoding="utf-8")
    app, report = build(links_root)
    a = links_root / "a.md"
    assert link_findings(report) == sorted(
        expected_findings(links_root) +
        [("a.md", marker_line(a, marker), code, text) for marker, (code, text) in MORE_EXPECTED.items()])
    from guide.links import external_links
    assert sorted((d, link.line, link.target) for d, link in external_links(app.env)) == sorted(
        [(d, marker_line(links_root / f"{d}.md", marker), url) for d, marker, url in EXTERNAL
         if d != "billet"] + [("a", marker_line(a, "HTTP-DOWNLOAD"), "http://example.org/fichier-http.pdf")])


def test_a_page_of_a_subfolder_linked_without_its_md(links_root, build):
    """[x](page) and [x](../sous) from a subfolder: the page is found relative to the linking
    page, and the fix names the file to write (the folder's index.md)."""
    sous = links_root / "sous"
    (sous / "index.md").write_text((sous / "page.md").read_text(encoding="utf-8")
                                   .split("# Sous-page")[0] + "# Index du dossier\n", encoding="utf-8")
    page = sous / "page.md"
    page.write_text(page.read_text(encoding="utf-8") + "\n[elle-même sans .md](page) — SELF-NO-MD\n"
                    "[le dossier](../sous) — FOLDER-NO-MD\n", encoding="utf-8")
    _, report = build(links_root)
    lines = (marker_line(page, "SELF-NO-MD"), marker_line(page, "FOLDER-NO-MD"))
    assert [f for f in link_findings(report) if f[0] == "sous/page.md" and f[1] in lines] == [
        ("sous/page.md", marker_line(page, "SELF-NO-MD"), "file-unknown",
         "fichier introuvable : « page » ; vouliez-vous dire « page.md » ?"),
        ("sous/page.md", marker_line(page, "FOLDER-NO-MD"), "file-unknown",
         "fichier introuvable : « ../sous » ; vouliez-vous dire « ../sous/index.md » ?")]
