"""Reading a built PDF the way its readers do, for the PDF tests: the text a person sees on each
page (the body, without running header and footer), the text behind each tag of the structure
tree (what a screen reader gets), and the site's own navigation order to compare with.

Everything here reads the files (PDF with pypdfium2 and pikepdf, site with BeautifulSoup): none
of it asks the build how it made them.
"""

from __future__ import annotations

import ctypes
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as raw
from bs4 import BeautifulSoup

MM = 72 / 25.4
HYPHENATION = "\u2010"  # what WeasyPrint draws at a hyphenation point by default
SOFT_HYPHEN = "\u00ad"


def norm(text: str) -> str:
    """Whitespace folded (no-break spaces included), soft hyphens dropped (the site puts them in
    long heading words), as text is compared here."""
    text = unicodedata.normalize("NFC", text).replace("\u2019", "’").replace("\u00ad", "")
    return re.sub(r"[\s\u00a0\u202f]+", " ", text).strip()


def page_margins(css: str) -> tuple[float, float, float, float]:
    """The @page margins (top, right, bottom, left) of the print stylesheet, in points."""
    match = re.search(r"@page\s*\{[^}]*?margin:\s*([\d.]+)mm\s+([\d.]+)mm\s+([\d.]+)mm\s+([\d.]+)mm",
                      css)
    assert match, "marges @page introuvables dans pdf.css"
    return tuple(float(v) * MM for v in match.groups())


@dataclass
class Shown:
    """One object drawn on a page: text (with its font) or a shape or image (text ""; `fill`
    the fill colour of a path)."""
    left: float
    bottom: float
    right: float
    top: float
    text: str
    mcid: int
    font: str = ""
    kind: str = "text"               # text, path, image, form
    fill: tuple[int, int, int] | None = None


@dataclass
class Page:
    number: int                      # 1-based
    body: list[str]                  # lines of the body area, top to bottom
    header: list[str]                # lines of the running header
    footer: list[str]                # lines of the running footer
    margin_objects: list[tuple[int, bool]] = field(default_factory=list)  # (mcid, is artifact)
    objects: list[Shown] = field(default_factory=list)  # everything drawn, in drawing order

    @property
    def text(self) -> str:
        return norm(" ".join(self.body))


def _text_of(obj, textpage) -> str:
    size = raw.FPDFTextObj_GetText(obj, textpage, None, 0)
    buf = ctypes.create_string_buffer(size)
    raw.FPDFTextObj_GetText(obj, textpage, ctypes.cast(buf, ctypes.POINTER(ctypes.c_ushort)), size)
    return buf.raw[:max(size - 2, 0)].decode("utf-16-le", errors="replace")


_KINDS = {raw.FPDF_PAGEOBJ_PATH: "path", raw.FPDF_PAGEOBJ_IMAGE: "image",
          raw.FPDF_PAGEOBJ_FORM: "form"}


def _font_of(obj) -> str:
    font = raw.FPDFTextObj_GetFont(obj)
    size = raw.FPDFFont_GetBaseFontName(font, None, 0)
    buf = ctypes.create_string_buffer(size)
    raw.FPDFFont_GetBaseFontName(font, buf, size)
    return buf.raw[:max(size - 1, 0)].decode("latin-1")


def _fill(obj) -> tuple[int, int, int] | None:
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    if not raw.FPDFPageObj_GetFillColor(obj, *(ctypes.byref(c) for c in (r, g, b, a))):
        return None
    return (r.value, g.value, b.value)


def _marks(obj) -> list[str]:
    names = []
    for i in range(raw.FPDFPageObj_CountMarks(obj)):
        mark = raw.FPDFPageObj_GetMark(obj, i)
        size = ctypes.c_ulong()
        raw.FPDFPageObjMark_GetName(mark, None, 0, ctypes.byref(size))
        buf = ctypes.create_string_buffer(size.value)
        raw.FPDFPageObjMark_GetName(mark, ctypes.cast(buf, ctypes.POINTER(ctypes.c_ushort)), size.value,
                                    ctypes.byref(size))
        names.append(buf.raw[:max(size.value - 2, 0)].decode("utf-16-le"))
    return names


def _lines(boxes: list[tuple[float, float, float, float, str]]) -> list[str]:
    """Text objects (top, bottom, left, right, text) as lines in reading order: top to bottom
    (objects whose vertical spans overlap by half share a line), then left to right; two objects
    of a line are joined by a space where a gap separates them."""
    lines: list[list] = []
    for box in sorted(boxes, key=lambda b: (-b[0], b[2])):
        top, bottom = box[0], box[1]
        for line in lines:
            ltop, lbottom = line[0][0], line[0][1]
            overlap = min(top, ltop) - max(bottom, lbottom)
            if overlap > 0.5 * min(top - bottom, ltop - lbottom):
                line.append(box)
                break
        else:
            lines.append([box])
    out = []
    for line in lines:
        line.sort(key=lambda b: b[2])
        gap = 0.3 * max(b[0] - b[1] for b in line)  # a space is wider than glyphs' side bearings
        text, right = "", None
        for _top, _bottom, left, rgt, chunk in line:
            if right is not None and left - right > gap and not text.endswith(" ") \
                    and not chunk.startswith(" "):
                text += " "
            text += chunk
            right = rgt
        if text.strip():
            out.append(text)
    return out


class PdfView:
    """The pages of one PDF: body lines, margins, and the text of every marked-content id."""

    def __init__(self, path: Path, css: str):
        self.path = path
        top, _right, bottom, _left = page_margins(css)
        doc = pdfium.PdfDocument(str(path))
        self.pages: list[Page] = []
        self.mcid_text: list[dict[int, str]] = []
        # (left, bottom, right, top) of each text object, and the box of what else is drawn
        # (images, paths, forms), by marked-content id
        self.mcid_boxes: list[dict[int, list[tuple[float, float, float, float]]]] = []
        self.mcid_drawing: list[dict[int, tuple[float, float, float, float]]] = []
        self.sizes: list[tuple[float, float]] = []
        try:
            for index in range(len(doc)):
                page = doc[index]
                width, height = page.get_size()
                textpage = page.get_textpage()
                texts: dict[int, str] = defaultdict(str)
                boxes: dict[int, list] = defaultdict(list)
                drawing: dict[int, tuple] = {}
                margin_objects = []
                objects: list[Shown] = []
                areas = {"header": [], "body": [], "footer": []}
                for j in range(raw.FPDFPage_CountObjects(page)):
                    obj = raw.FPDFPage_GetObject(page, j)
                    mcid = raw.FPDFPageObj_GetMarkedContentID(obj)
                    lo, bo, ro, to = (ctypes.c_float() for _ in range(4))
                    raw.FPDFPageObj_GetBounds(obj, ctypes.byref(lo), ctypes.byref(bo),
                                              ctypes.byref(ro), ctypes.byref(to))
                    kind = raw.FPDFPageObj_GetType(obj)
                    if kind != raw.FPDF_PAGEOBJ_TEXT:
                        old = drawing.get(mcid, (lo.value, bo.value, ro.value, to.value))
                        drawing[mcid] = (min(old[0], lo.value), min(old[1], bo.value),
                                         max(old[2], ro.value), max(old[3], to.value))
                        objects.append(Shown(lo.value, bo.value, ro.value, to.value, "", mcid,
                                             kind=_KINDS.get(kind, "other"), fill=_fill(obj)))
                        continue
                    text = _text_of(obj, textpage)
                    texts[mcid] += text
                    boxes[mcid].append((lo.value, bo.value, ro.value, to.value))
                    objects.append(Shown(lo.value, bo.value, ro.value, to.value, text, mcid,
                                         font=_font_of(obj)))
                    box = (to.value, bo.value, lo.value, ro.value, text)
                    if bo.value > height - top:
                        areas["header"].append(box)
                    elif to.value < bottom:
                        areas["footer"].append(box)
                    else:
                        areas["body"].append(box)
                        continue
                    margin_objects.append((mcid, "Artifact" in _marks(obj)))
                body, header, footer = (_lines(areas[k]) for k in ("body", "header", "footer"))
                self.pages.append(Page(index + 1, body, header, footer, margin_objects, objects))
                self.mcid_text.append(dict(texts))
                self.mcid_boxes.append(dict(boxes))
                self.mcid_drawing.append(drawing)
                self.sizes.append((width, height))
        finally:
            doc.close()

    def joined(self, first: int = 1) -> str:
        """The body text of every page from `first` on, lines glued without a space: a word or
        an address broken at a line end reads whole again (and shows any glyph added there).
        PDFium reports a « - » that ends a line as U+0002: it is the address's own hyphen."""
        return "".join("".join(p.body) for p in self.pages[first - 1:]).replace("\x02", "-")


# -- the structure tree -------------------------------------------------------------------------

def kids(elem) -> list:
    k = elem.get("/K")
    if k is None:
        return []
    return list(k) if isinstance(k, pikepdf.Array) else [k]


def walk(elem, parents=()):
    """Every structure element under `elem`, depth first, with its ancestors."""
    for kid in kids(elem):
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            yield kid, parents
            yield from walk(kid, (*parents, kid))


def page_index(pdf: pikepdf.Pdf, elem) -> int | None:
    pg = elem.get("/Pg")
    if pg is None:
        return None
    for i, page in enumerate(pdf.pages):
        if page.obj.objgen == pg.objgen:
            return i
    return None


class Structure:
    """The structure tree of a PDF with the text behind each element."""

    def __init__(self, path: Path, view: PdfView):
        self.pdf = pikepdf.open(path)
        self.view = view
        self.root = self.pdf.Root.StructTreeRoot
        self._pages = {page.obj.objgen: i for i, page in enumerate(self.pdf.pages)}
        self.elements = list(walk(self.root))

    def page_of(self, elem, inherited=None) -> int | None:
        pg = elem.get("/Pg")
        return self._pages.get(pg.objgen) if pg is not None else inherited

    def text(self, elem, page=None) -> str:
        """What a screen reader reads for `elem`: /ActualText where given, else its content."""
        if "/ActualText" in elem:
            return str(elem.ActualText)
        page = self.page_of(elem, page)
        out = []
        for kid in kids(elem):
            if isinstance(kid, int):
                out.append(self.view.mcid_text[page].get(int(kid), ""))
            elif isinstance(kid, pikepdf.Dictionary):
                if kid.get("/Type") == "/MCR":
                    kpage = self._pages.get(kid.Pg.objgen, page) if "/Pg" in kid else page
                    out.append(self.view.mcid_text[kpage].get(int(kid.MCID), ""))
                elif "/S" in kid:
                    # a screen reader pauses between blocks (list items, cells, paragraphs)
                    block = str(kid.S) not in ("/Span", "/Link", "/NonStruct")
                    out.append(f" {self.text(kid, page)} " if block else self.text(kid, page))
        return "".join(out)

    def mcids(self, elem, page=None) -> list[tuple[int, int]]:
        """(page index, marked-content id) of everything `elem` holds, in order."""
        page = self.page_of(elem, page)
        out = []
        for kid in kids(elem):
            if isinstance(kid, int):
                out.append((page, int(kid)))
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                out.append((self._pages.get(kid.Pg.objgen, page) if "/Pg" in kid else page,
                            int(kid.MCID)))
            elif isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                out.extend(self.mcids(kid, page))
        return out

    def lines(self, elem) -> int:
        """How many lines of text `elem` spans (text objects whose heights overlap by half
        share a line), over all its pages."""
        bands: dict[int, list[tuple[float, float]]] = defaultdict(list)
        for page, mcid in self.mcids(elem):
            for _left, bottom, _right, top in self.view.mcid_boxes[page].get(mcid, []):
                for i, (b, t) in enumerate(bands[page]):
                    if min(t, top) - max(b, bottom) > 0.5 * min(t - b, top - bottom):
                        bands[page][i] = (min(b, bottom), max(t, top))
                        break
                else:
                    bands[page].append((bottom, top))
        return sum(len(b) for b in bands.values())

    def of_type(self, *types: str) -> list:
        return [e for e, _ in self.elements if str(e.S) in types]


# -- the site -----------------------------------------------------------------------------------

def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _nav_links(page: Path, html_dir: Path) -> list[str]:
    """The site's navigation of `page`: the <nav> with the most links to pages, in order, as
    paths relative to the site's root."""
    navs = soup(page).find_all("nav")
    assert navs, f"aucune navigation dans {page}"
    best = max(navs, key=lambda nav: len(nav.find_all("a", href=True)))
    out = []
    for a in best.find_all("a", href=True):
        href = a["href"].split("#")[0]
        if not href.endswith(".html"):
            continue
        rel = (page.parent / href).resolve().relative_to(html_dir.resolve()).as_posix()
        if rel not in out:
            out.append(rel)
    return out


def site_order(html_dir: Path) -> list[str]:
    """Every page in the order a reader meets it in the site's navigation: the top level as the
    home page lists it, each section's pages (shown in its own navigation) right after it."""
    top = ["index.html"] + [rel for rel in _nav_links(html_dir / "index.html", html_dir)
                            if rel != "index.html"]
    order = []
    for rel in top:
        order.append(rel)
        for child in _nav_links(html_dir / rel, html_dir):
            if child not in top and child not in order:
                order.append(child)
    return order


def page_title(html_dir: Path, rel: str) -> str:
    h1 = soup(html_dir / rel).select_one("main h1") or soup(html_dir / rel).h1
    for link in h1.select("a.headerlink"):
        link.decompose()
    return norm(h1.get_text())
