"""The PDF readers download: complete (text of every page), navigable (bookmarks, internal
links), accessible (tagged, language, title), small, reproducible, and linked with its size."""

from __future__ import annotations

import re

import pikepdf
import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader
from pypdf.generic import IndirectObject

from conftest import DOCS, ROOT, sphinx_build
from pdf_reading import (HYPHENATION, SOFT_HYPHEN, PdfView, Structure, kids, norm, page_margins,
                         page_title, site_order)
from guide.pdf import size_fr
from guide.release import project_release

RELEASE = project_release(ROOT)  # the release and PDF name conf.py sets
WORD = re.compile(r"[0-9A-Za-zÀ-ÖØ-öø-ÿŒœ]+")


@pytest.fixture(scope="module")
def reader(guide_pdf) -> PdfReader:
    return PdfReader(str(guide_pdf))


def resolve(obj):
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def outline(reader: PdfReader, items=None, level: int = 1) -> list[tuple[str, int, int]]:
    """(title, level, page index) of every bookmark, in the outline's order, nested ones included."""
    out = []
    for item in reader.outline if items is None else items:
        if isinstance(item, list):
            out.extend(outline(reader, item, level + 1))
        else:
            out.append((norm(item.title), level, reader.get_destination_page_number(item)))
    return out


def chapters(reader: PdfReader, titles) -> list[tuple[str, int]]:
    """(title, first page index) of the bookmarks that are pages of the guide (not sections)."""
    titles = set(titles)
    return [(title, page) for title, _, page in outline(reader) if title in titles]


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


def test_pdf_text_holds_every_page(reader, guide_build):
    """Word counts per chapter against the site's pages: nothing silently dropped."""
    html_dir = guide_build / "html"
    marks = chapters(reader, [page_title(html_dir, rel) for rel in site_order(html_dir)])
    texts = [page.extract_text() or "" for page in reader.pages]
    bounds = [p for _, p in marks] + [len(reader.pages)]
    by_title = {}
    for (title, start), end in zip(marks, bounds[1:]):
        by_title[title] = sum(len(WORD.findall(t)) for t in texts[start:end])
    for path in html_dir.rglob("*.html"):
        rel = path.relative_to(html_dir).as_posix()
        if rel.startswith(("actualites/", "_")) or rel in ("search.html", "404.html", "genindex.html", "accessibilite.html",
                                                           "mentions-legales.html", "donnees-personnelles.html",
                                                           "plan-du-site.html"):  # site pages, not in the PDF
            continue
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        main = soup.select_one("main")
        for junk in main.select(".prev-next, .version-line, a.headerlink, .cover-thumb, .download"):
            junk.decompose()
        title = page_title(html_dir, rel)
        words = len(WORD.findall(main.get_text(" ").replace("\u00ad", "")))  # the site's soft hyphens
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
    chapter_titles = {title for title, _, _ in outline(reader)}
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


# -- print-grade and PDF/UA-clean (issue 11) ----------------------------------------------------
# Each test reads the built files (the PDF, the site) as a reader or a screen reader would.

GUIDE_TITLE = "Guide pratique pour des achats numériques responsables"
PDF_CSS = (ROOT / "_static" / "pdf.css").read_text(encoding="utf-8")
# Headings of the site's web-only blocks (« {only} html » in the sources, see README) and the
# page furniture a printed book has no use for.
WEB_ONLY = ["Télécharger", "Contribuer", "Consulter", "Sur cette page"]
TOC_LINE = re.compile(r"^(?P<title>.*?)[ .\u00a0]*?(?: ?\. ?){3,}\s*(?P<page>\d+)$")


@pytest.fixture(scope="module")
def view(guide_pdf) -> PdfView:
    return PdfView(guide_pdf, PDF_CSS)


@pytest.fixture(scope="module")
def structure(guide_pdf, view) -> Structure:
    return Structure(guide_pdf, view)


def web_only_titles() -> list[str]:
    """Headings and box titles the sources mark as web-only (README, « Écrire une page »):
    `{.web-only}` before a heading, `:class: … web-only` on a box, `{only} html` blocks."""
    titles = list(WEB_ONLY)
    block = re.compile(r"^(:{3,}|`{3,})\{only\}\s+html\s*$(.*?)^\1\s*$", re.M | re.S)
    for path in DOCS.rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        titles += re.findall(r"^\{\.web-only\}\s*\n#{1,6}\s+(.+?)\s*$", text, re.M)
        titles += re.findall(r"^:{3,}\{admonition\}\s+(.+?)\s*\n:class:[^\n]*\bweb-only\b", text, re.M)
        for match in block.finditer(text):
            titles += re.findall(r"^#{1,6}\s+(.+?)\s*$", match.group(2), re.M)
            titles += re.findall(r"^:{3,}\{admonition\}\s+(.+?)\s*$", match.group(2), re.M)
    return sorted({norm(t) for t in titles})


def toc_entries(view: PdfView) -> list[tuple[str, int]]:
    """(title, printed page number) of every line of the table of contents, titles that wrap
    over two lines joined again. The contents are the pages after the cover whose lines end
    with dot leaders and a number."""
    entries, pending = [], ""
    for page in view.pages[1:]:
        lines = [norm(line) for line in page.body]
        leaders = [line for line in lines if TOC_LINE.match(line)]
        if not leaders:
            if entries:
                break
            continue
        for line in lines:
            match = TOC_LINE.match(line)
            if match:
                entries.append((norm(f"{pending} {match['title']}"), int(match["page"])))
                pending = ""
            elif line != "Sommaire" and entries or pending:
                pending = f"{pending} {line}".strip()
    return entries


def starts_a_line(page, title: str) -> bool:
    """True when `title` begins one of the page's body lines (a heading, maybe wrapped)."""
    lines = [norm(line) for line in page.body]
    return any(norm(" ".join(lines[i:i + 3])).startswith(title) for i in range(len(lines)))


def test_table_of_contents_numbers_are_the_pages_of_the_headings(view):
    entries = toc_entries(view)
    assert len(entries) > 60, entries
    wrong = [(title, number) for title, number in entries
             if not starts_a_line(view.pages[number - 1], title)]
    assert not wrong, f"sommaire : numéro de page faux pour {wrong}"


def test_chapters_follow_the_site_navigation(reader, view, guide_html):
    """The PDF's chapters are the site's pages (news excepted) in the site's navigation order,
    computed from the built site's own navigation; each bookmark lands on its heading."""
    expected = [page_title(guide_html, rel) for rel in site_order(guide_html)
                if not rel.startswith("actualites/")]
    found = chapters(reader, expected)
    assert [title for title, _ in found] == expected
    assert not any("Actualités" in t or "Publication du Guide" in t for t, _, _ in outline(reader))
    for title, level, page in outline(reader):
        assert starts_a_line(view.pages[page], title), (title, page + 1)


def test_outline_and_headings_follow_the_guide_hierarchy(reader, structure, guide_html):
    """Part → chapter → section: a part's pages are its children in the outline, and their
    titles are tagged one level below the part's."""
    levels = {title: level for title, level, _ in outline(reader)}
    part, chapter = page_title(guide_html, "labels/index.html"), page_title(guide_html, "labels/produits.html")
    assert levels[part] == 1 and levels[chapter] == 2, levels
    headings = {norm(structure.text(e)): str(e.S) for e in structure.of_type("/H1", "/H2", "/H3")}
    assert headings.get(part) == "/H1" and headings.get(chapter) == "/H2", headings


def test_no_page_ends_with_a_heading_or_a_caption(view, guide_html):
    """A heading or a table caption is never the last thing on a page: it goes with what it
    introduces."""
    titles = set()
    for path in guide_html.rglob("*.html"):
        page = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").select_one("main")
        if page is None:
            continue
        for link in page.select("a.headerlink"):
            link.decompose()
        titles |= {norm(h.get_text()) for h in page.select("h1, h2, h3, h4, h5, h6, caption")}
    titles.discard("")
    stranded = []
    for page in view.pages[1:]:
        lines = [norm(line) for line in page.body]
        last = {norm(" ".join(lines[-k:])) for k in (1, 2, 3)}  # a title may wrap
        stranded += [(page.number, title) for title in sorted(titles & last)]
    assert not stranded, f"pages qui finissent par un titre ou une légende : {stranded}"


def test_figures_and_their_captions_share_a_page(structure, view, guide_build):
    html = BeautifulSoup((guide_build / "pdf" / "index.html").read_text(encoding="utf-8"),
                         "html.parser")
    captions = {}
    for figure in html.select("main figure"):
        img, caption = figure.find("img"), figure.find("figcaption")
        if img is not None and caption is not None and img.get("alt"):
            for link in caption.select("a.headerlink"):
                link.decompose()
            captions[norm(img["alt"])] = norm(caption.get_text())
    assert captions
    apart = []
    for elem in structure.of_type("/Figure"):
        caption = captions.get(norm(str(elem.get("/Alt", ""))))
        if caption is None:
            continue
        page = view.pages[structure.page_of(elem)]
        if norm(" ".join(page.body)).find(caption[:40]) < 0:
            apart.append((page.number, caption[:60]))
    assert not apart, f"figure et légende sur deux pages : {apart}"


def test_no_hyphen_is_added_inside_addresses(view, guide_html):
    """Every web or e-mail address the PDF prints reads whole: broken at a line end, nothing is
    added (no hyphen glyph)."""
    text = view.joined(first=1).replace(SOFT_HYPHEN, "")
    html = BeautifulSoup((guide_html.parent / "pdf" / "index.html").read_text(encoding="utf-8"),
                         "html.parser")
    addresses = set()
    for a in html.select("main a[href^='http'], main a[href^='mailto:']"):
        label = norm(a.get_text())
        if re.fullmatch(r"(https?://|mailto:)?\S+[./@]\S+", label):
            addresses.add(label.removeprefix("mailto:"))
        if "show-url" in a.get("class", []):
            addresses.add(a["href"])
    addresses.add(RELEASE.licence_url)
    assert len(addresses) > 20
    broken = sorted(address for address in addresses if address not in text)
    assert not broken, f"adresses coupées par un trait d'union ajouté : {broken}"


def test_no_hyphenation_in_titles_headings_and_table_headers(structure, guide_build):
    """Titles, headings, table headers and captions are never hyphenated: their text in the
    PDF (a hyphen ending a line kept) is their text in the source."""
    html = BeautifulSoup((guide_build / "pdf" / "index.html").read_text(encoding="utf-8"),
                         "html.parser")
    source = norm(html.get_text(" "))
    hyphenated = []
    for elem in structure.of_type("/H", "/H1", "/H2", "/H3", "/H4", "/H5", "/H6", "/TH", "/Caption"):
        text = structure.text(elem)
        if HYPHENATION in text or SOFT_HYPHEN in text:
            hyphenated.append(norm(text))
        elif "\x02" in text and norm(text.replace("\x02", "-")) not in source:
            hyphenated.append(norm(text.replace("\x02", "‐")))
    assert not hyphenated, hyphenated


def test_no_web_only_heading_in_the_pdf(view, reader):
    titles = web_only_titles()
    bookmarks = {title for title, _, _ in outline(reader)}
    lines = {norm(line) for page in view.pages for line in page.body}
    found = sorted(t for t in titles if t in lines or t in bookmarks)
    assert not found, f"parties propres au site dans le PDF : {found}"
    assert "prêt à imprimer :" not in view.joined()


def test_every_internal_link_resolves(structure):
    """Every link annotation leads somewhere in the file, and every /Link tag has its
    annotation (a link drawn blue and tagged but not clickable is a dead link)."""
    pdf = structure.pdf
    names = {}
    if "/Names" in pdf.Root and "/Dests" in pdf.Root.Names:
        todo = [pdf.Root.Names.Dests]
        while todo:
            node = todo.pop()
            if "/Names" in node:
                pairs = list(node.Names)
                names.update({str(pairs[i]): pairs[i + 1] for i in range(0, len(pairs), 2)})
            todo.extend(node.get("/Kids", []))
    internal, dead = 0, []
    for number, page in enumerate(pdf.pages, start=1):
        for annot in page.get("/Annots", []):
            if annot.get("/Subtype") != "/Link":
                continue
            action = annot.get("/A")
            if action is not None and action.get("/S") == "/URI":
                assert str(action.URI).startswith(("http://", "https://", "mailto:")), action.URI
                continue
            dest = annot.get("/Dest", action.get("/D") if action is not None else None)
            internal += 1
            if isinstance(dest, (pikepdf.String, pikepdf.Name)):
                if str(dest).lstrip("/") not in names:
                    dead.append((number, str(dest)))
            elif not (isinstance(dest, pikepdf.Array) and len(dest) and
                      isinstance(dest[0], pikepdf.Dictionary)):
                dead.append((number, repr(dest)))
    assert internal > 100
    assert not dead, f"liens internes sans destination : {dead[:10]} ({len(dead)})"
    without = [norm(structure.text(e)) for e in structure.of_type("/Link")
               if not any(isinstance(k, pikepdf.Dictionary) and k.get("/Type") == "/OBJR"
                          for k in kids(e))]
    assert not without, f"{len(without)} balises /Link sans annotation : {without[:10]}"


def test_link_annotations_are_under_link_tags_and_named_by_their_text(structure):
    parents = {}
    for elem, _ in structure.elements:
        for kid in kids(elem):
            if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR":
                parents[kid.Obj.objgen] = elem
    raw_targets = []
    for page in structure.pdf.pages:
        for annot in page.get("/Annots", []):
            if annot.get("/Subtype") != "/Link":
                continue
            parent = parents.get(annot.objgen)
            assert parent is not None and parent.S == "/Link", annot
            contents = str(annot.get("/Contents", "")).strip("() ")
            if contents.startswith(("#", "document-")) or "/" in contents and " " not in contents \
                    and not contents.startswith(("http", "mailto")):
                raw_targets.append(contents)
    assert not raw_targets, f"/Contents = cible brute : {raw_targets[:10]}"


def test_no_figure_without_alternative_text(structure):
    bare = [structure.page_of(e) for e in structure.of_type("/Figure")
            if "/Alt" not in e and "/ActualText" not in e]
    assert not bare, f"/Figure sans /Alt (pages {[p + 1 for p in bare]}) : une image décorative est un artefact"


def test_running_headers_and_footers_are_artifacts(view, structure):
    """Header and footer text is pagination (/Artifact), never tagged content; and every marked
    content id of the pages belongs to an element of the structure tree."""
    tagged = [(p.number, mcid) for p in view.pages for mcid, artifact in p.margin_objects
              if mcid != -1 or not artifact]
    assert not tagged, f"en-têtes et pieds de page balisés : {tagged[:10]} ({len(tagged)})"
    reachable = {e.objgen for e, _ in structure.elements}
    orphans = 0
    nums = list(structure.root.ParentTree.Nums)
    for key, value in zip(nums[::2], nums[1::2]):
        if isinstance(value, pikepdf.Array):
            orphans += sum(1 for v in value if isinstance(v, pikepdf.Dictionary)
                           and v.objgen not in reachable)
    assert orphans == 0, f"{orphans} éléments de structure hors de l'arbre"


def test_pdfua_reports_no_error(guide_pdf):
    from pdfua import Severity, validate

    report = validate(str(guide_pdf))
    errors = [f"{f.rule_id} p.{f.location.page if f.location else '?'} {f.message}"
              for f in report.findings if f.severity >= Severity.ERROR]
    assert not errors, errors


def test_english_passages_carry_their_language(structure, guide_html):
    """`[greenwashing]{lang=en}`: lang="en" in the site, /Lang on its tag in the PDF."""
    html = BeautifulSoup((guide_html / "labels" / "produits.html").read_text(encoding="utf-8"),
                         "html.parser")
    assert [norm(s.get_text()) for s in html.select("main [lang=en]")].count("greenwashing") == 1
    sources = sum(len(re.findall(r"\]\{lang=en\}", p.read_text(encoding="utf-8")))
                  for p in DOCS.rglob("*.md") if "actualites" not in p.parts)
    english = [norm(structure.text(e)) for e, _ in structure.elements
               if str(e.get("/Lang", "")).startswith("en")]
    assert "greenwashing" in english
    assert len(english) >= sources - 1, english


def test_text_reads_as_the_source_reads(structure, guide_build):
    """What a screen reader gets from the tags: every word is a word of the source (no words
    glued at line ends, no hyphenation hyphens), and the cover title reads whole."""
    # (an ordinal's <sup> is part of its word: « 1<sup>er</sup> » reads « 1er »)
    html = BeautifulSoup(re.sub(r"<sup[^>]*>(.*?)</sup>", r"\1", (guide_build / "pdf" / "index.html")
                                .read_text(encoding="utf-8")), "html.parser")
    hrefs = " ".join(a["href"] for a in html.select("a[href]"))  # printed after their link
    vocabulary = set(WORD.findall(f'{html.get_text(" ")} {hrefs}'.lower()))
    unknown = set()
    for elem in structure.of_type("/P", "/H1", "/H2", "/H3", "/H4", "/LBody", "/TD", "/TH", "/Caption"):
        text = structure.text(elem).replace(SOFT_HYPHEN, "\x02")
        assert HYPHENATION not in text, text
        # PDFium reads a soft hyphen, and a hyphen ending a line, as U+0002: the word reads
        # whole without it (« ac|tuelle ») or is a compound (« dix-|sept »)
        for word in re.findall(r"[0-9A-Za-zÀ-ÖØ-öø-ÿŒœ\x02]+", text.lower()):
            whole = word.replace("\x02", "")
            if whole in vocabulary or whole.isdigit():
                continue  # (numbers: the pages of cross-references are the layout's)
            if not all(part in vocabulary or part.isdigit() for part in word.split("\x02") if part):
                unknown.add(word.replace("\x02", "|"))
    assert not unknown, sorted(unknown)[:40]


def test_lists_have_bodies_and_nested_lists_sit_in_their_items(structure):
    for elem, parents in structure.elements:
        if elem.S == "/LI":
            assert any(isinstance(k, pikepdf.Dictionary) and k.get("/S") == "/LBody"
                       for k in kids(elem)), norm(structure.text(elem))
        if elem.S == "/L" and parents:
            assert parents[-1].S != "/L", norm(structure.text(elem))[:80]


def test_cover_and_contents_titles_are_headings_and_leaders_are_artifacts(structure, view):
    headings = [norm(structure.text(e)) for e in structure.of_type("/H", "/H1", "/H2")]
    assert "Guide pratique pour des achats numériques responsables" in headings
    assert "Sommaire" in headings
    tagged_dots = [t for t in (norm(structure.text(e)) for e in structure.of_type("/Link", "/Span"))
                   if re.search(r"(\. ){3,}", t)]
    assert not tagged_dots, tagged_dots[:5]


def test_running_header_is_one_line_with_the_guide_title(view, reader, guide_html):
    """As in a book: the guide's title over the left pages, the chapter's over the right ones,
    on one line; none on the page where a chapter opens (its title is right below)."""
    chapters_ = {title for title, _, _ in outline(reader)}
    first = min(page for _, _, page in outline(reader)) + 1
    openings = {page + 1 for _, page in chapters(reader, [page_title(guide_html, rel)
                                                          for rel in site_order(guide_html)])}
    assert len(openings) > 20
    for page in view.pages[first - 1:]:
        if page.number in openings:
            assert not page.header, (page.number, page.header)
            continue
        assert len(page.header) == 1, (page.number, page.header)
        header = norm(page.header[0])
        if page.number % 2 == 0:
            assert header.lower() == GUIDE_TITLE.lower(), (page.number, header)
        else:
            assert header in chapters_, (page.number, header)


def test_the_pdf_uses_marianne(structure):
    """The text is set in Marianne; another font only lends the few glyphs Marianne lacks
    (✓, ◦, the hyphenation hyphen) or sets the labels drawn inside an SVG figure."""
    glyphs = {}
    for font in structure.pdf.pages[0].Resources.get("/Font", {}).values():
        cmap = font.ToUnicode.read_bytes().decode("latin-1") if "/ToUnicode" in font else ""
        glyphs[str(font.BaseFont)] = len(re.findall(r"^<[0-9a-fA-F]+>\s+<", cmap, re.M))
    marianne = sum(n for name, n in glyphs.items() if "Marianne" in name)
    others = sum(n for name, n in glyphs.items() if "Marianne" not in name)
    assert marianne > 100 and others <= 60, glyphs


def test_a_build_with_nothing_changed_does_not_render_the_pdf_again(guide_build, guide_pdf):
    """`make` with nothing changed: the PDF's inputs are those of the last render, WeasyPrint is
    not run and the file is left as it is (same bytes, same time stamp)."""
    before = guide_pdf.stat().st_mtime_ns, guide_pdf.read_bytes()
    proc = sphinx_build("guidepdf", guide_build / "pdf", "-d", str(guide_build / "doctrees-pdf"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "PDF à jour" in proc.stdout and "WeasyPrint :" not in proc.stdout, proc.stdout[-2000:]
    assert (guide_pdf.stat().st_mtime_ns, guide_pdf.read_bytes()) == before


def test_a_span_keeps_its_language_and_a_bad_code_is_reported(rootdir, tmp_path):
    """`[text]{lang=xx}` → `<span lang="xx">` (MyST alone drops it); a malformed code is a
    warning naming the file, and the span stays (without lang)."""
    import shutil

    from conftest import build_root
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(rootdir / "test-linkify" / "conf.py", src / "conf.py")
    page = (rootdir / "test-linkify" / "index.md").read_text(encoding="utf-8").split("# ", 1)[0]
    (src / "index.md").write_text(
        page + "# Langues\n\nDe l’écoblanchiment ([greenwashing]{lang=en}), un "
        "[Kindergarten]{.terme lang=de-DE} et [ceci]{lang=\"pas une langue\"}.\n", encoding="utf-8")
    proc, _ = build_root(src, tmp_path / "out")
    html = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert '<span lang="en">greenwashing</span>' in html
    assert re.search(r'<span class="terme" lang="de-DE">Kindergarten</span>', html), html
    assert "<span>ceci</span>" in html
    assert "index.md" in proc.stderr and "code de langue invalide" in proc.stderr, proc.stderr
    # the HTML the PDF is laid out from carries the same attribute (same doctree, same writer)


def test_no_empty_heading(structure):
    """What pdfua's UA-14-001 checks (the rule cannot run: pdfua 0.1.3 fails on pikepdf 10's
    arrays): every heading tag has text."""
    empty = [str(e.S) for e in structure.of_type("/H", "/H1", "/H2", "/H3", "/H4", "/H5", "/H6")
             if not norm(structure.text(e))]
    assert not empty, empty


# -- the second review (/work/review, issue 11 follow-up) ----------------------------------------
# The tags follow the document, not the pages; one annotation per line of a link; every passage
# in another language and every abbreviation says so; the figure's box is on its page.

HEADINGS = ("/H1", "/H2", "/H3", "/H4", "/H5", "/H6")


@pytest.fixture(scope="module")
def single_html(guide_build) -> BeautifulSoup:
    """The HTML WeasyPrint lays out: what the PDF's tags must say, element for element."""
    return BeautifulSoup((guide_build / "pdf" / "index.html").read_text(encoding="utf-8"),
                         "html.parser")


def _is_objr(kid) -> bool:
    return isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR"


def test_one_tag_per_table_list_and_part_of_the_document(structure, single_html, view):
    """A table, a list or a part that a page break cuts is still one element (WeasyPrint tags
    each page apart: 43 /Table for 31 tables, the glossary as three lists, 88 /Part, one a
    page); a table's header row repeated on the next page is no second header."""
    counts = {}
    for elem, _ in structure.elements:
        counts[str(elem.S)] = counts.get(str(elem.S), 0) + 1
    body = single_html.body
    toc = body.select_one("nav.toc")
    lists = [lst for lst in body.select("ul, ol, dl") if toc not in lst.parents]
    parts = body.select("main > section")
    found = {tag: counts.get(tag, 0) for tag in ("/Table", "/TR", "/TH", "/TD", "/Caption", "/L",
                                                 "/TOC", "/TOCI", "/Part")}
    expected = {"/Table": len(body.select("table")), "/TR": len(body.select("tr")),
                "/TH": len(body.select("th")), "/TD": len(body.select("td")),
                "/Caption": len(body.select("caption, figcaption")), "/L": len(lists),
                "/TOC": len(toc.select("ol")), "/TOCI": len(toc.select("li")), "/Part": len(parts)}
    assert found == expected
    assert len(parts) < len(view.pages) / 10


def test_each_section_holds_its_heading_and_its_content(structure, single_html):
    """Every section of the guide is one /Sect (or /Part) that opens with its heading and holds
    its subsections' headings, as the HTML's <section> does."""
    def heading_list(texts):
        return tuple(norm(t.replace("\x02", "-")) for t in texts)

    expected = []
    for section in single_html.body.select("section, nav"):
        # (a fiche's decorative pictogram, an artifact in the PDF, goes before its title)
        first = next((c for c in section.find_all(True, recursive=False)
                      if not (c.name == "img" and not c.get("alt"))), None)
        if first is not None and first.name in ("h1", "h2", "h3", "h4", "h5", "h6"):
            inner = section.select("h1, h2, h3, h4, h5, h6")
            expected.append(heading_list(h.get_text() for h in inner))
    found = []
    for elem, _ in structure.elements:
        if str(elem.S) not in ("/Sect", "/Part"):
            continue
        first = next((k for k in kids(elem) if isinstance(k, pikepdf.Dictionary) and "/S" in k), None)
        if first is not None and str(first.S) in HEADINGS:
            inner = [structure.text(h) for h, parents in structure.elements
                     if str(h.S) in HEADINGS and (h.objgen == first.objgen or
                                                  any(p.objgen == elem.objgen for p in parents))]
            found.append(heading_list(inner))
    assert len(expected) > 100
    assert sorted(found) == sorted(expected)


def test_no_empty_element_and_list_items_keep_their_label(structure):
    """No element holds nothing (an empty /Sect at the top of a page, an empty /Span in a
    heading or a glossary term) but a table's empty cells; every list item has its label (bullet, number, term) and its
    body, the bullet never in the body (an item continued on the next page)."""
    empty, bare = [], []
    for elem, parents in structure.elements:
        holds = structure.mcids(elem) or any(_is_objr(k) for k in kids(elem))
        if not holds and str(elem.S) not in ("/TD", "/TH"):  # (a cell may be empty)
            empty.append((str(elem.S), str(parents[-1].S) if parents else ""))
        elif str(elem.S) == "/Span" and parents and str(parents[-1].S) in (*HEADINGS, "/Lbl") \
                and not norm(structure.text(elem)):
            empty.append(("/Span", str(parents[-1].S)))
        if elem.S == "/LI":
            tags = [str(k.S) for k in kids(elem) if isinstance(k, pikepdf.Dictionary) and "/S" in k]
            body = next((k for k in kids(elem) if isinstance(k, pikepdf.Dictionary)
                         and k.get("/S") == "/LBody"), None)
            if tags.count("/Lbl") != 1 or body is None or \
                    norm(structure.text(body))[:1] in ("•", "◦", "▪", "–"):
                bare.append(norm(structure.text(elem))[:60])
    assert not empty, f"{len(empty)} éléments vides : {sorted(set(empty))}"
    assert not bare, f"{len(bare)} éléments de liste sans étiquette : {bare[:5]}"


def test_every_foreign_passage_and_abbreviation_is_tagged(structure, single_html):
    """Each `lang` span of the HTML is an element with that /Lang and its text (the same phrase
    tagged on one page and not on another was the old text matching); each <abbr title> is an
    element with its expansion (/E)."""
    def text(elem) -> str:
        return norm(structure.text(elem).replace("\x02", ""))

    langs = sorted((s["lang"], norm(s.get_text())) for s in single_html.body.select("[lang]"))
    tagged = sorted((str(e.Lang), text(e)) for e, _ in structure.elements if "/Lang" in e)
    assert len(langs) > 15
    assert tagged == langs
    abbrs = sorted((a["title"], norm(a.get_text())) for a in single_html.body.select("abbr[title]"))
    expanded = sorted((str(e.E), text(e)) for e, _ in structure.elements if "/E" in e)
    assert len(abbrs) > 50
    assert expanded == abbrs


def test_one_link_annotation_per_line_of_a_link(structure):
    """A keyboard stops once per line of a link: no two annotations of a page share their
    rectangle and target, and a link has no more annotations than lines of text."""
    doubled = []
    for number, page in enumerate(structure.pdf.pages, start=1):
        seen = set()
        for annot in page.get("/Annots", []):
            action = annot.get("/A")
            target = str(annot.get("/Dest", "")) + (str(action.get("/URI", action.get("/D", "")))
                                                    if action is not None else "")
            key = (tuple(round(float(v), 1) for v in annot.Rect), target)
            if key in seen:
                doubled.append((number, target))
            seen.add(key)
    assert not doubled, f"{len(doubled)} annotations en double : {doubled[:5]}"
    over = []
    for elem in structure.of_type("/Link"):
        annotations = sum(1 for k in kids(elem) if _is_objr(k))
        if annotations > max(structure.lines(elem), 1):
            over.append((norm(structure.text(elem))[:40], annotations, structure.lines(elem)))
    assert not over, f"{len(over)} liens avec plus d'annotations que de lignes : {over[:5]}"


def test_figures_have_their_box_on_their_page(structure, view):
    """A figure's /BBox is where it is drawn, in the page's coordinates (WeasyPrint wrote its
    CSS box, partly above the page)."""
    figures = structure.of_type("/Figure")
    assert figures
    for elem in figures:
        page = structure.page_of(elem)
        width, height = view.sizes[page]
        x0, y0, x1, y1 = (float(v) for v in elem.A.BBox)
        assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height, (page + 1, [x0, y0, x1, y1])
        drawn = [view.mcid_drawing[p][m] for p, m in structure.mcids(elem)
                 if m in view.mcid_drawing[p]]
        assert drawn, page + 1
        for left, bottom, right, top in drawn:
            assert x0 - 2 <= left and bottom >= y0 - 2 and right <= x1 + 2 and top <= y1 + 2


def test_diagram_arrows_point_along_the_cycle_in_both_outputs():
    """WeasyPrint orients SVG markers (`orient="auto"`) on curves otherwise than browsers: two
    arrows of the life-cycle diagram pointed backwards in the PDF. No image uses markers; the
    diagram's arrowheads are drawn triangles, each pointing into the next stage of the cycle."""
    import xml.etree.ElementTree as ET

    svg_ns = "{http://www.w3.org/2000/svg}"
    for path in (DOCS / "_images").glob("*.svg"):
        text = path.read_text(encoding="utf-8")
        assert "<marker" not in text and "marker-end" not in text, path.name
    tree = ET.parse(DOCS / "_images" / "schema-acv.svg")
    boxes = {}
    rects = [r for r in tree.iter(f"{svg_ns}rect")]
    labels = [t for t in tree.iter(f"{svg_ns}text") if t.get("font-size") is None]
    for rect in rects:
        x, y, w, h = (float(rect.get(k)) for k in ("x", "y", "width", "height"))
        inside = [t.text for t in labels if x <= float(t.get("x")) <= x + w and y <= float(t.get("y")) <= y + h]
        boxes[" ".join(inside)] = (x, y, x + w, y + h)
    cycle = ["EXTRACTION DES MATIÈRES PREMIÈRES", "FABRICATION", "DISTRIBUTION", "UTILISATION",
             "FIN DE VIE", "VALORISATION"]
    assert sorted(boxes) == sorted(cycle)

    def distance(point, box):
        dx = max(box[0] - point[0], 0, point[0] - box[2])
        dy = max(box[1] - point[1], 0, point[1] - box[3])
        return (dx * dx + dy * dy) ** 0.5

    targets = []
    for shape in tree.iter(f"{svg_ns}path"):
        points = [tuple(map(float, p.split())) for p in re.findall(r"[-\d.]+ [-\d.]+", shape.get("d"))]
        if not shape.get("d").rstrip().endswith("Z") or len(points) != 3:
            continue
        # the tip is the vertex farthest from the middle of the two others
        tip = max(points, key=lambda p: sum(((p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2) for q in points))
        rest = [p for p in points if p != tip]
        base = ((rest[0][0] + rest[1][0]) / 2, (rest[0][1] + rest[1][1]) / 2)
        ahead = (2 * tip[0] - base[0], 2 * tip[1] - base[1])  # one head length further
        target = min(boxes, key=lambda name: distance(tip, boxes[name]))
        assert distance(ahead, boxes[target]) < distance(tip, boxes[target]) or \
            distance(ahead, boxes[target]) == 0, (target, tip)
        behind = min(boxes, key=lambda name: distance(base, boxes[name]) if name != target else 1e9)
        targets.append((behind, target))
    assert sorted(targets) == sorted(zip(cycle, cycle[1:] + cycle[:1]))


def test_printed_addresses_read_whole_in_extracted_text(guide_pdf, reader, single_html):
    """A printed web or e-mail address breaks only where it has no hyphen of its own (after
    « / », before « . » or « @ »…): copied or extracted, it reads whole. Broken after its own
    hyphen, pdftotext took the hyphen for a hyphenation and gave « villeemploi »."""
    import subprocess

    addresses = set()
    for a in single_html.body.select("a.url"):
        addresses.add(norm(a.get_text()))
    for a in single_html.body.select("a.show-url"):
        addresses.add(a["href"])
    assert len(addresses) > 50
    poppler = subprocess.run(["pdftotext", "-enc", "UTF-8", str(guide_pdf), "-"], capture_output=True,
                             text=True, check=True).stdout
    extracted = {"pdftotext": poppler, "pypdf": "\n".join(p.extract_text() for p in reader.pages)}
    for tool, text in extracted.items():
        joined = re.sub(r"\s*\n\s*", "", text.replace("\f", "\n")).replace(SOFT_HYPHEN, "")
        broken = sorted(a for a in addresses if a not in joined)
        assert not broken, f"{tool} : {len(broken)} adresses qui ne se lisent pas entières : {broken[:5]}"
    # an e-mail link opens the address it prints (not « …%40… », docutils' cloaking)
    with pikepdf.open(guide_pdf) as pdf:
        mailto = {str(annot.A.URI) for page in pdf.pages for annot in page.get("/Annots", [])
                  if "/A" in annot and str(annot.A.get("/URI", "")).startswith("mailto:")}
    assert mailto and all("%" not in uri and "@" in uri for uri in mailto), mailto


def test_the_book_does_not_call_itself_web_pages(view):
    """Sentences written for the site that say « page » for a part of the guide (« Cette page
    présente… », « Les cinq pages de cette partie ») read wrong in a book: the sources say it
    in words that suit both."""
    text = norm(" ".join(line for page in view.pages for line in page.body)).lower()
    found = re.findall(r"[^.]{0,40}\b(?:cette page|ces pages|pages de cette partie|pages présentent|"
                       r"page suivante|page précédente|sur cette page)\b[^.]{0,20}", text)
    assert not found, found


def _tables(structure) -> list[list]:
    """The PDF's tables, each as the list of its body rows (/TR outside the header), in order.
    A /Table without caption is the continuation of the one before (every table of the guide
    has a caption): so the old file, one /Table per page, reads as the new one."""
    tables: list[list] = []
    for elem, parents in structure.elements:
        if elem.S == "/Table":
            caption = any(isinstance(k, pikepdf.Dictionary) and k.get("/S") == "/Caption"
                          for k in kids(elem))
            if caption or not tables:
                tables.append([])
        elif elem.S == "/TR" and parents and parents[-1].S != "/THead" and tables:
            tables[-1].append(elem)
    return tables


def test_tables_break_with_three_rows_at_least_and_short_tables_whole(structure):
    """A page never ends with a table's caption and header over one or two rows (or none), the
    last page of a table never holds one or two rows alone (p. 43, 80: a near-empty page), and
    a short table (six rows or fewer: with three at each end, a cut would leave 3 + 3) is never
    cut."""
    bad = []
    for rows in _tables(structure):
        pages = [min(p for p, _ in structure.mcids(row)) for row in rows if structure.mcids(row)]
        if not pages:
            continue
        first = norm(structure.text(rows[0]))[:40]
        if len(rows) <= 6 and len(set(pages)) > 1:
            bad.append((first, "tableau court coupé", sorted(set(p + 1 for p in pages))))
        elif len(set(pages)) > 1 and (pages.count(pages[0]) < 3 or pages.count(pages[-1]) < 3):
            bad.append((first, "une ou deux lignes seules", [pages.count(p) for p in sorted(set(pages))]))
    assert not bad, bad


def test_no_hyphenation_in_tables(structure, single_html):
    """Narrow first columns made « Concep-tion », « Chaîne de produc-tion »: no word of a table
    cell is hyphenated (a hyphen ending a line there is the word's own)."""
    source = norm(single_html.get_text(""))
    cut = []
    for elem in structure.of_type("/TD", "/TH"):
        text = structure.text(elem)
        if HYPHENATION in text or SOFT_HYPHEN in text:
            cut.append(norm(text)[:50])
        for word in re.findall(r"\S*\x02\S*", text):
            if word.replace("\x02", "-") not in source:
                cut.append(word.replace("\x02", "-"))
    assert not cut, f"{len(cut)} césures dans les tableaux : {cut[:10]}"


def test_no_word_glued_to_a_parenthesis_at_a_line_end(structure, single_html):
    """« économique⏎(entreprises » read « économique(entreprises »: the space at the end of the
    line before a parenthesis is in the text too."""
    source = norm(single_html.get_text(""))
    glued = []
    for elem in structure.of_type("/P", "/LBody", "/TD", "/Caption"):
        text = norm(structure.text(elem).replace("\x02", "-"))
        for match in re.finditer(r"(\w+)\((\w+)", text):
            if match.group() not in source:
                glued.append(match.group())
    assert not glued, glued


def test_metadata_say_the_language_and_the_parent_tree_its_next_key(structure, reader):
    pdf = structure.pdf
    meta = pdf.open_metadata()
    assert [str(x) for x in meta.get("dc:language", [])] == ["fr"]
    nums = structure.root.ParentTree.Nums
    assert int(structure.root.ParentTreeNextKey) == max(int(nums[i]) for i in range(0, len(nums), 2)) + 1
    # the authors, as printed on the colophon and in the metadata: typographic apostrophes
    assert "'" not in reader.metadata.author and "’" in reader.metadata.author
    assert "'" not in " ".join(str(x) for x in meta.get("dc:creator", []))


def test_nothing_hangs_into_the_left_margin(view):
    """No text starts left of the text block (the bullets of the home page's list hung 6 pt
    into the margin)."""
    _top, _right, _bottom, left = page_margins(PDF_CSS)
    out = [(page.number, o.text[:20]) for page in view.pages[1:] for o in page.objects
           if o.kind == "text" and o.text.strip() and o.left < left - 1.5]
    assert not out, out


def test_no_line_starts_with_a_dash_and_no_doubled_voir(view):
    """« écrans ⏎ - tablettes »: a dash never starts a line (an en dash with a no-break space
    before it); a cross-reference the text introduces with « voir » gets its page only:
    « (voir Que prévoit la loi ?, p. 18) », not « (voir Que prévoit la loi ? (voir p. 18)) »."""
    starts = [(page.number, line) for page in view.pages for line in page.body
              if re.match(r"[-–]\s", norm(line))]
    assert not starts, starts
    text = norm(" ".join(line for page in view.pages for line in page.body))
    assert not re.findall(r"\(voir[^()]*\(voir[^()]*\)\)", text)
    assert re.search(r"\(voir Que prévoit la loi \?, p\. \d+\)", text)


def test_pictograms_never_overlap_a_box(view):
    """A chapter's pictogram floats beside the « Comment lire chaque fiche ? » box, never over
    its background (drawn shapes: the boxes' grey background, the pictograms' strokes)."""
    overlaps = []
    for page in view.pages:
        boxes = [o for o in page.objects if o.kind == "path" and o.fill == (246, 246, 246)]
        for box in boxes:
            for shape in page.objects:
                if shape.kind != "path" or shape.fill in ((246, 246, 246), (0, 0, 145)):
                    continue
                inside = box.left - 1 <= shape.left and shape.right <= box.right + 1 and \
                    box.bottom - 1 <= shape.bottom and shape.top <= box.top + 1
                crosses = min(box.right, shape.right) > max(box.left, shape.left) and \
                    min(box.top, shape.top) > max(box.bottom, shape.bottom)
                if crosses and not inside:
                    overlaps.append(page.number)
                    break
    assert not overlaps, sorted(set(overlaps))


def _toc_lines(view) -> list[list]:
    """The contents' lines, each as its drawn text objects left to right."""
    pages = [p for p in view.pages[1:6] if any(TOC_LINE.match(norm(line)) for line in p.body)]
    out = []
    for page in pages:
        top, _r, bottom, _l = page_margins(PDF_CSS)
        height = view.sizes[page.number - 1][1]
        texts = [o for o in page.objects if o.kind == "text" and o.text.strip()
                 and bottom < o.bottom and o.top < height - top]
        lines: list[list] = []
        for obj in sorted(texts, key=lambda o: (-o.top, o.left)):
            for line in lines:
                ref = line[0]
                if min(obj.top, ref.top) - max(obj.bottom, ref.bottom) > \
                        0.5 * min(obj.top - obj.bottom, ref.top - ref.bottom):
                    line.append(obj)
                    break
            else:
                lines.append([obj])
        out += [sorted(line, key=lambda o: o.left) for line in lines]
    return out


def test_contents_one_look_per_level_and_aligned_leaders(view, structure):
    """In the contents, entries of one heading level share their indent and weight (a page of
    a part and a section of a top-level page are both h2); the dot leaders end at one place."""
    levels: dict[str, set] = {}
    for elem in structure.of_type(*HEADINGS):
        levels.setdefault(norm(structure.text(elem)), set()).add(int(str(elem.S)[2]))
    looks: dict[int, set] = {}
    ends, pending = [], None
    for line in _toc_lines(view):
        dots = [o for o in line if re.fullmatch(r"[.\s]+", o.text)]
        words = [o for o in line if o not in dots]
        if not words or norm(words[0].text) == "Sommaire":
            continue
        if pending is None:
            pending = words[0]
            title = ""
        number = words[-1] if re.fullmatch(r"\d+", norm(words[-1].text)) else None
        title = norm(title + " " + "".join(o.text for o in words if o is not number))
        if number is None:
            continue  # a title on two lines
        if dots:
            ends.append(max(o.right for o in dots))
        level = levels.get(title, set())
        if len(level) == 1:
            looks.setdefault(level.pop(), []).append((pending.left, "Bold" in pending.font))
        pending = None
    assert len(ends) > 60 and len(looks) == 3, looks
    for level, look in looks.items():  # (a glyph's side bearing moves its left edge by < 2 pt)
        lefts, weights = [x for x, _ in look], {bold for _, bold in look}
        assert max(lefts) - min(lefts) < 2 and len(weights) == 1, (level, sorted(set(look)))
    assert max(ends) - min(ends) < 1, (min(ends), max(ends))


def test_table_headers_resolve_through_the_id_tree(structure):
    """A data cell's /Headers name header cells by their /ID; a reader finds them through the
    structure tree's /IDTree (ISO 32000-1, 14.7.2): every name resolves there to its /TH."""
    headers = [bytes(h) for td in structure.of_type("/TD") if isinstance(td.get("/A"), pikepdf.Dictionary)
               for h in td.A.get("/Headers", [])]
    assert len(headers) > 500
    assert "/IDTree" in structure.root, "pas d’/IDTree dans StructTreeRoot"
    ids = pikepdf.NameTree(structure.root.IDTree)
    unresolved = []
    for name in set(headers):
        key = name.decode("latin-1")
        elem = ids.get(key)
        if elem is None or elem.get("/S") != "/TH" or bytes(elem.ID) != name:
            unresolved.append(key)
    assert not unresolved, unresolved[:10]
    assert len(ids) == len([e for e, _ in structure.elements if "/ID" in e])


def _vocabulary(guide_build) -> tuple[set[str], str]:
    html = BeautifulSoup(re.sub(r"<sup[^>]*>(.*?)</sup>", r"\1", (guide_build / "pdf" / "index.html")
                                .read_text(encoding="utf-8")), "html.parser")
    text = html.get_text(" ")
    return set(WORD.findall(text.lower())), norm(text)


def test_no_paragraph_ends_with_the_tail_of_a_hyphenated_word(structure, guide_build):
    """« ver-⏎tueux. », « mo-⏎dalités. »: a paragraph's last word is never hyphenated (PDFium
    reads the hyphen of a line end as U+0002: a word that reads whole without it was cut)."""
    vocabulary, _source = _vocabulary(guide_build)
    cut = []
    for elem in structure.of_type("/P", "/LBody"):
        words = re.findall(r"[0-9A-Za-zÀ-ÖØ-öø-ÿŒœ\x02]+", structure.text(elem).replace(SOFT_HYPHEN, "\x02"))
        words = [w for w in words if not w.isdigit()]
        if words and "\x02" in words[-1] and words[-1].replace("\x02", "").lower() in vocabulary:
            cut.append(words[-1].replace("\x02", "-"))
    assert not cut, f"{len(cut)} paragraphes finissent par une fin de mot : {cut[:20]}"


def test_english_passages_are_not_hyphenated_the_french_way(structure, guide_build):
    """« (Se-⏎curity by design) », « TCO Cer-⏎tified »: no hyphenation inside a passage in
    another language; the English label names are tagged as such."""
    vocabulary, _source = _vocabulary(guide_build)
    english = [e for e, _ in structure.elements if str(e.get("/Lang", "")).startswith("en")]
    texts = {norm(structure.text(e).replace("\x02", "")) for e in english}
    assert {"FSC Mix", "FSC Recycling", "Forest Stewardship Council", "TCO Certified",
            "Security by design"} <= texts, sorted(texts)
    cut = []
    for elem in english:
        for word in re.findall(r"[A-Za-z\x02]+", structure.text(elem)):
            if "\x02" in word and word.replace("\x02", "").lower() in vocabulary:
                cut.append(word.replace("\x02", "-"))
    assert not cut, cut


MONTHS = r"(?:janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre)"


def test_dates_units_and_addresses_hold_together_at_line_ends(view):
    """« du 8 ⏎ juin 2011 », « 29 dé-⏎cembre 2020 », « 284,75 ⏎ BTU/h », « (https:// ⏎ … »:
    a line never ends between a day and its month, a month and its year, a value and its
    unit, nor with an opening parenthesis and an address's scheme alone."""
    lines = [(page.number, norm(line)) for page in view.pages[1:] for line in page.body if norm(line)]
    bad = []
    for (page, line), (_next_page, after) in zip(lines, lines[1:]):
        if re.search(r"(?:^|\s)(?:\d{1,2}|1er)$", line) and re.match(MONTHS, after) or \
                re.search(MONTHS + r"$", line) and re.match(r"\d{4}\b", after) or \
                re.search(r"\d$", line) and re.match(r"(?:BTU/h|[kMG]?Wh?|[kMG]?o|%|€)(?!\w)", after) or \
                re.search(r"\d ?[A-Za-z]+/$", line) or \
                re.search(r"\((?:https?://(?:www)?)?$", line) and re.match(r"(?:https?:)?[\w./]", after):
            bad.append((page, line[-25:], after[:25]))
    assert not bad, bad


def test_references_print_their_page_once(view):
    """« (voir la clause de progrès X.4) » has its page; « Voir aussi la fiche Logiciels »
    says « voir » once: « Voir aussi la fiche Logiciels, p. 87 »."""
    text = norm(" ".join(line for page in view.pages for line in page.body))
    assert re.search(r"Voir aussi la fiche Logiciels, p\. \d+\.", text)
    assert re.search(r"\(voir la clause de progrès X\.4, p\. \d+\)", text)
    assert not re.search(r"\b[Vv]oir\b[^().]*\(voir p\. \d+\)", text), \
        re.findall(r"\b[Vv]oir\b[^().]*\(voir p\. \d+\)", text)


def test_pictograms_sit_beside_their_titles_alike(view, single_html):
    """The six fiches' pictograms: on p. 33, 68, 81 alone under the title, on p. 44, 87
    beside the first paragraph. One placement for all: beside the title, top to top."""
    _top, right, _bottom, _left = page_margins(PDF_CSS)
    titles = [norm(img.find_parent("section").find(["h1", "h2"]).get_text())
              for img in single_html.select("img.picto")]
    assert len(titles) == 6, titles
    offsets = {}
    for title in titles:
        page = next(p for p in view.pages[5:] if p.body and title.startswith(norm(p.body[0])[:30]))
        width = view.sizes[page.number - 1][0]
        words = [o for o in page.objects if o.kind == "text" and o.text.strip()]
        title_top = max(o.top for o in words if o.top < view.sizes[page.number - 1][1] - _top)
        picto = [o for o in page.objects if o.kind != "text" and o.right < width - right + 2
                 and o.left > width - right - 16 * 72 / 25.4 - 2 and o.top > title_top - 80
                 and o.fill != (246, 246, 246)]
        assert picto, (title, page.number)
        offsets[title] = round(max(o.top for o in picto) - title_top, 1)
    assert max(offsets.values()) - min(offsets.values()) < 5 and \
        all(abs(v) < 8 for v in offsets.values()), offsets  # (each drawing its own inset)


def test_the_colophon_spaces_its_colons_as_the_book_does(view):
    """« version cible : V1 », « Etalab 2.0 : ce guide »: a no-break space before « : », as
    everywhere else in the book (the colophon comes from the template, not from a page)."""
    text = " ".join(view.pages[1].body)
    assert text.count("\u00a0:") >= 4 and not re.search(r"[^\u00a0\u202f]:(?:\s|$)", text), text


def test_table_cells_keep_their_compound_words_whole(structure, guide_build):
    """« ci-⏎dessus » in the « Moyen de preuve » cells extracted as « cidessus »: in a table
    cell a compound word never breaks at its own hyphen."""
    _vocabulary_words, source = _vocabulary(guide_build)
    cut = []
    for elem in structure.of_type("/TD", "/TH"):
        for word in re.findall(r"[A-Za-zÀ-ÖØ-öø-ÿŒœ]+\x02[A-Za-zÀ-ÖØ-öø-ÿŒœ]+", structure.text(elem)):
            if word.replace("\x02", "-") in source:
                cut.append(word.replace("\x02", "-"))
    assert not cut, f"{len(cut)} mots composés coupés : {sorted(set(cut))}"


def test_no_near_empty_page_but_a_chapter_end(view, structure):
    """A page filled under 15 % (a table's last two rows, p. 43 and 80 of the second review)
    is at most the end of a chapter that spills over (the next page opens a chapter: no
    running head; p. 29 holds the « Pour en savoir plus » box the page before has no room
    for), never the middle of one nor a table's tail."""
    top, _right, bottom, _left = page_margins(PDF_CSS)
    tails = set()   # pages a table continues on
    for rows in _tables(structure):
        pages = sorted({min(p for p, _ in structure.mcids(row)) + 1 for row in rows if structure.mcids(row)})
        tails.update(pages[1:])
    empty = []
    for page, after in zip(view.pages[2:], view.pages[3:] + [None]):
        height = view.sizes[page.number - 1][1]
        drawn = [o for o in page.objects if bottom < o.bottom and o.top < height - top
                 and (o.text.strip() or o.kind != "text")]
        if not drawn:
            continue
        fill = (height - top - min(o.bottom for o in drawn)) / (height - top - bottom)
        if fill < 0.15 and (page.number in tails or after is not None and after.header):
            empty.append((page.number, round(fill * 100)))
    assert not empty, empty
