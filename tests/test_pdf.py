"""The PDF readers download: complete (text of every page), navigable (bookmarks, internal
links), accessible (tagged, language, title), small, reproducible, and linked with its size."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader
from pypdf.generic import IndirectObject

from conftest import ROOT, sphinx_build
from guide.pdf import size_fr
from guide.release import project_release

RELEASE = project_release(ROOT)  # the release and PDF name conf.py sets
WORD = re.compile(r"[0-9A-Za-zÀ-ÖØ-öø-ÿŒœ]+")


@pytest.fixture(scope="module")
def reader(guide_pdf) -> PdfReader:
    return PdfReader(str(guide_pdf))


def resolve(obj):
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def chapters(reader: PdfReader) -> list[tuple[str, int]]:
    """(title, first page index) of every level-1 bookmark."""
    out = []
    for item in reader.outline:
        if isinstance(item, list):
            continue
        out.append((item.title, reader.get_destination_page_number(item)))
    return out


def test_file_name_and_size(guide_pdf):
    assert guide_pdf.name == RELEASE.pdf_name == \
        "guide-achats-numeriques-responsables-version-beta-avril-2021.pdf"
    assert 50_000 < guide_pdf.stat().st_size <= 1_200_000


def test_tagged_accessible_document(reader):
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert bool(resolve(root["/MarkInfo"])["/Marked"]) is True
    assert str(root["/Lang"]).lower().startswith("fr")
    assert bool(resolve(root["/ViewerPreferences"])["/DisplayDocTitle"]) is True
    meta = reader.metadata
    assert meta.title == "Guide pratique pour des achats numériques responsables"
    assert "DINUM" in meta.author and meta.subject and "achats" in meta["/Keywords"]
    # dates come from the release metadata, not from the build clock
    assert meta["/CreationDate"].startswith("D:" + RELEASE.published.strftime("%Y%m%d"))
    assert meta["/ModDate"].startswith("D:" + RELEASE.updated.strftime("%Y%m%d"))


def test_structure_tree_has_headings_tables_and_figures(reader):
    kinds = set()
    todo = [resolve(reader.trailer["/Root"]["/StructTreeRoot"])]
    while todo:
        node = resolve(todo.pop())
        if isinstance(node, dict):
            if "/S" in node:
                kinds.add(str(node["/S"]))
            kids = node.get("/K")
            if kids is not None:
                todo.extend(kids if isinstance(kids, list) else [kids])
        elif isinstance(node, list):
            todo.extend(node)
    assert {"/H1", "/H2", "/Table", "/TH", "/TD", "/L", "/P"} <= kinds, kinds


def test_every_page_title_is_a_bookmark_in_navigation_order(reader, guide_html):
    titles = [t for t, _ in chapters(reader)]
    soup = BeautifulSoup((guide_html / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert titles[0] == "Guide pratique pour des achats numériques responsables"
    for expected in ("Introduction", "Solutions d’impression", "Les labels", "Équipe projet"):
        assert any(expected in t for t in titles), (expected, titles)
    assert not any("Actualités" in t or "Publication du Guide" in t for t in titles)  # news excluded
    pages = [p for _, p in chapters(reader)]
    assert pages == sorted(pages)
    assert soup  # the site was built alongside


def test_pdf_text_holds_every_page(reader, guide_build):
    """Word counts per chapter against the site's pages: nothing silently dropped."""
    html_dir = guide_build / "html"
    marks = chapters(reader)
    texts = [page.extract_text() or "" for page in reader.pages]
    bounds = [p for _, p in marks] + [len(reader.pages)]
    by_title = {}
    for (title, start), end in zip(marks, bounds[1:]):
        by_title[title] = sum(len(WORD.findall(t)) for t in texts[start:end])
    for path in html_dir.rglob("*.html"):
        rel = path.relative_to(html_dir).as_posix()
        if rel.startswith(("actualites/", "_")) or rel in ("search.html", "genindex.html", "accessibilite.html"):
            continue
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        main = soup.select_one("main")
        for junk in main.select(".prev-next, .version-line, a.headerlink, .cover-thumb, .download"):
            junk.decompose()
        title = soup.h1.get_text(strip=True).rstrip("#")
        words = len(WORD.findall(main.get_text(" ")))
        assert title in by_title, title
        assert by_title[title] >= 0.9 * words, (rel, by_title[title], words)


def test_licence_mention_and_page_numbers_on_every_page_after_the_cover(reader):
    total = len(reader.pages)
    for number, page in enumerate(reader.pages[1:], start=2):
        text = page.extract_text()
        assert RELEASE.licence_name in text, number
        assert f"{number} / {total}" in text, number


def test_no_blank_page(reader):
    """Besides its running header and footer, every page carries text of its own (a page break
    before a chapter that follows another page break would leave an empty page)."""
    total = len(reader.pages)
    chapter_titles = {title for title, _ in chapters(reader)}
    blank = []
    for number, page in enumerate(reader.pages, start=1):
        lines = [line for line in page.extract_text().splitlines()
                 if RELEASE.licence_name not in line and f"{number} / {total}" not in line
                 and not line.upper().startswith("GUIDE DES ACHATS") and line.strip() not in chapter_titles]
        if len(WORD.findall(" ".join(lines))) < 3:
            blank.append(number)
    assert not blank, f"pages vides : {blank}"


def test_internal_links_resolve_inside_the_document(reader):
    dests = reader.named_destinations
    internal = 0
    for page in reader.pages:
        for annot in page.get("/Annots", []) or []:
            annot = resolve(annot)
            if annot.get("/Subtype") != "/Link":
                continue
            action = resolve(annot.get("/A")) if "/A" in annot else None
            dest = annot.get("/Dest") or (action.get("/D") if action and action.get("/S") == "/GoTo" else None)
            if dest is None:
                assert action is not None and action.get("/S") == "/URI"
                assert str(action["/URI"]).startswith(("http://", "https://", "mailto:")), \
                    action["/URI"]  # never a file:// path of the build machine
                continue
            internal += 1
            if isinstance(dest, str) or hasattr(dest, "encode"):
                assert str(dest) in dests, dest
    assert internal > 50  # table of contents and cross-references


def test_site_links_the_pdf_with_its_real_size(guide_build, guide_pdf):
    html_dir = guide_build / "html"
    copied = html_dir / "telechargements" / guide_pdf.name
    assert copied.read_bytes() == guide_pdf.read_bytes()
    soup = BeautifulSoup((html_dir / "index.html").read_text(encoding="utf-8"), "html.parser")
    label = f"(pdf {size_fr(guide_pdf.stat().st_size)})"
    download = soup.select_one("main p.download a")
    assert download["href"] == f"telechargements/{guide_pdf.name}"
    assert download.get_text().endswith(label)
    assert soup.select_one("main .cover-thumb img")["alt"]
    sidebar = soup.select_one("nav.sommaire .nav-download a")
    assert sidebar.get_text(" ", strip=True) == f"Télécharger le guide {label}"
    assert (html_dir / "telechargements" / (guide_pdf.stem + "-couverture.png")).exists()


def test_two_builds_are_byte_identical(guide_pdf, tmp_path):
    proc = sphinx_build("guidepdf", tmp_path / "pdf", "-E", "-d", str(tmp_path / "doctrees"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    again = tmp_path / "pdf" / guide_pdf.name
    assert again.read_bytes() == guide_pdf.read_bytes()


def test_a_pdf_page_without_licence_mention_is_a_finding(rootdir, tmp_path):
    """The build checks the PDF it wrote: drop the footer from the print CSS and it fails."""
    from conftest import build_root
    src = tmp_path / "src"
    import shutil
    shutil.copytree(rootdir / "test-linkify", src)
    static = tmp_path / "static"
    static.mkdir()
    css = (ROOT / "_static" / "pdf.css").read_text(encoding="utf-8")
    (static / "pdf.css").write_text(css.replace("content: string(licence)", "content: none"),
                                    encoding="utf-8")
    proc, report = build_root(src, tmp_path / "pdf", "-b", "guidepdf", "-D",
                              f"html_static_path={static}")
    codes = [f["code"] for f in report["findings"]]
    assert "pdf-page-without-licence" in codes, proc.stderr[-2000:]
    proc, report = build_root(src, tmp_path / "pdf-ok", "-b", "guidepdf")
    assert "pdf-page-without-licence" not in [f["code"] for f in report["findings"]]
