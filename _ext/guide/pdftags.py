"""Finishing the PDF's tags where WeasyPrint cannot (pikepdf, after WeasyPrint wrote the file).

WeasyPrint 70 writes a tagged PDF (PDF/UA-1) but leaves what a screen reader or a text
extractor gets wrong in places it has no option for; each step below fixes one of them, on the
file's structure tree and content streams, and nothing else (the pages look the same):

0. the tree follows the document, not the pages: WeasyPrint tags each page apart, so an
   element a page break cuts (the <main>, a part, a section, a table, a list, a paragraph) is
   one element per page. While it writes the file, `recording` notes which HTML element each
   tag comes from; the fragments of one element become one element again, a table's header
   row repeated on the next page becomes a pagination artifact (its cells' /Headers point to
   the first one), empty elements go; the guide's parts are /Part, the contents /TOC and
   /TOCI, a `lang` span gets its /Lang, an <abbr title> its expansion (/E);
1. running headers and footers: WeasyPrint tags their text under structure elements that are
   not in the tree → marked as pagination artifacts (/Artifact /Pagination /Header|/Footer);
2. decorative images (empty `alt`): tagged /Figure without /Alt → artifacts;
   table-of-contents dot leaders, tagged as text → artifacts;
3. words at line ends: WeasyPrint drops the space that ends a line, so the tags read
   « desachats » → a real space glyph is drawn there (PDF 1.7, 14.8.2.5: word breaks are
   explicit spaces), except where the source has no space (an address broken after « / »);
   the hyphen added at a hyphenation point reads as U+00AD (soft hyphen, 14.8.2.2.3), so
   « respon‐ sables » reads « responsables »;
4. links: an annotation tagged under a /Span moves under its /Link; a /Link without annotation
   becomes a /Span; one annotation per line of a link (WeasyPrint makes one per box: up to six
   stacked on one link); each annotation's /Contents is the link's text, not its raw target;
5. lists: every /LI gets its /LBody, a nested list goes inside the item it belongs to, and a
   definition list (glossary) pairs each term (/Lbl) with its definition (/LBody);
6. table header cells get /Scope (Column in the header row, Row in a body row), and the
   structure tree an /IDTree from their /ID to them: a data cell's /Headers resolve through it;
7. a figure's /BBox is where it is drawn (WeasyPrint writes its CSS box, in CSS pixels from the
   top of the page); the metadata say the document's language (dc:language) and the structure
   tree its next parent-tree key.

The text behind each marked-content id comes from PDFium (pypdfium2, already used to check the
PDF): pikepdf reads structure, PDFium reads text.
"""

from __future__ import annotations

import ctypes
import html as htmllib
import inspect
import re
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
from pikepdf import Array, ContentStreamInstruction, Dictionary, Name, NameTree, Operator, String

BDC = Operator("BDC")
PAGINATION = "Pagination"

HYPHENATION = "\u2010"  # WeasyPrint's default hyphenate-character
INLINE = {"/Span", "/Link", "/Lbl"}  # tags whose text flows inside a block (and NonStruct, if
#                                     it holds no block: see Tree.inline)


@dataclass
class Mark:
    """The text of one marked-content sequence and the box it covers (PDF user space)."""
    text: str = ""
    left: float = 1e9
    bottom: float = 1e9
    right: float = -1e9
    top: float = -1e9

    drawing: tuple[float, float, float, float] | None = None  # images, paths: a figure's box

    def add(self, text: str, box: tuple[float, float, float, float]) -> None:
        self.text += text
        self.left, self.bottom = min(self.left, box[0]), min(self.bottom, box[1])
        self.right, self.top = max(self.right, box[2]), max(self.top, box[3])

    def draw(self, box: tuple[float, float, float, float]) -> None:
        old = self.drawing or box
        self.drawing = (min(old[0], box[0]), min(old[1], box[1]), max(old[2], box[2]),
                        max(old[3], box[3]))


@dataclass
class Hints:
    """What the HTML says and the PDF does not: its text, its English passages, its terms."""
    source: str = ""                                    # the document's text, whitespace folded
    terms: set[str] = field(default_factory=set)        # <dt> texts
    hrefs: str = ""                                     # every link's address, space-separated

    @classmethod
    def from_html(cls, html: str) -> Hints:
        body = html[html.find("<body"):]

        def text(fragment: str) -> str:
            return fold(htmllib.unescape(re.sub(r"<[^>]+>", "", fragment)))

        terms = {text(m) for m in re.findall(r"<dt\b[^>]*>(.*?)</dt>", body, re.S)}
        hrefs = " ".join(htmllib.unescape(h) for h in re.findall(r'\bhref="([^"#][^"]*)"', body))
        # blocks end with « ¶ »: a line end never joins two of them, a paragraph continued on
        # the next page does
        blocks = re.sub(r"</(p|li|dt|dd|td|th|h[1-6]|caption|figcaption|div|section)>", " ¶ ", body)
        blocks = re.sub(r"<br\s*/?>", " ", blocks)  # a line break separates words
        source = text(re.sub(r"<(style|script)\b.*?</\1>", "", blocks, flags=re.S)) + " ¶ " + hrefs
        return cls(source=source, terms=terms, hrefs=hrefs)


@dataclass
class Report:
    artifacts: int = 0
    spaces: int = 0
    languages: int = 0
    links_moved: int = 0
    list_bodies: int = 0
    definitions: int = 0
    merged: int = 0
    repeated_headers: int = 0
    annotations_dropped: int = 0


def fold(text: str) -> str:
    return re.sub(r"[\s\u00a0\u202f]+", " ", text).strip()


# -- what each tag comes from --------------------------------------------------------------------

NODE_KEY = "/GuideNode"  # our mark on WeasyPrint's structure elements, removed by finish()


@dataclass(frozen=True)
class Node:
    """The HTML element (or pseudo-element: `a::after`, `li::marker`) a structure element was
    made from, and what the PDF's tags need of its attributes."""
    tag: str
    kind: str                   # the structure type WeasyPrint gave it (/P, /Table…)
    lang: str | None = None
    title: str | None = None    # an <abbr>'s expansion
    classes: tuple[str, ...] = ()


@contextmanager
def recording() -> Iterator[list[Node]]:
    """While WeasyPrint writes the PDF, mark each structure element with the HTML element it
    comes from (/GuideNode n, n indexing the list this yields).

    WeasyPrint builds the tag tree page by page (weasyprint/pdf/tags.py, `_build_box_tree`, one
    call per box): an element cut by a page break (a table, a list, a section, the <main>) is
    tagged once per page, and the PDF alone cannot tell a continuation from a new element of
    the same type. Its layout boxes know: every fragment of an element keeps that element. The
    function is wrapped for the time of the render (weasyprint is pinned < 71 in pyproject.toml;
    a change of its signature fails here, loudly)."""
    from weasyprint.pdf import tags as wp_tags

    original = wp_tags._build_box_tree
    if list(inspect.signature(original).parameters) != \
            ["box", "parent", "pdf", "page_number", "nums", "annotations", "tags"]:
        raise RuntimeError("weasyprint.pdf.tags._build_box_tree a changé : pdftags.recording "
                           "doit suivre la nouvelle version de WeasyPrint")
    found: list[Node] = []
    index: dict[tuple, int] = {}
    alive = []  # the elements themselves, so that no id() is reused during the render

    def build(box, parent, pdf, page_number, nums, annotations, tags):
        for element in original(box, parent, pdf, page_number, nums, annotations, tags):
            source = getattr(box, "element", None)
            if source is not None and NODE_KEY[1:] not in element and getattr(source, "tag", None):
                kind = str(element["S"])
                key = (id(source), box.element_tag, kind)
                if key not in index:
                    alive.append(source)
                    index[key] = len(found)
                    attrib = source.attrib
                    found.append(Node(box.element_tag, kind, attrib.get("lang"),
                                      attrib.get("title") if box.element_tag == "abbr" else None,
                                      tuple(attrib.get("class", "").split())))
                element[NODE_KEY[1:]] = index[key]
            yield element

    wp_tags._build_box_tree = build
    try:
        yield found
    finally:
        wp_tags._build_box_tree = original


# -- reading -------------------------------------------------------------------------------------

def read_marks(path: Path) -> list[dict[int, Mark]]:
    """For each page, the text and box of every marked-content id (PDFium)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    doc = pdfium.PdfDocument(str(path))
    pages = []
    try:
        for index in range(len(doc)):
            page = doc[index]
            textpage = page.get_textpage()
            marks: dict[int, Mark] = defaultdict(Mark)
            for j in range(raw.FPDFPage_CountObjects(page)):
                obj = raw.FPDFPage_GetObject(page, j)
                mcid = raw.FPDFPageObj_GetMarkedContentID(obj)
                if mcid < 0:
                    continue
                if raw.FPDFPageObj_GetType(obj) != raw.FPDF_PAGEOBJ_TEXT:
                    edges = [ctypes.c_float() for _ in range(4)]
                    raw.FPDFPageObj_GetBounds(obj, *(ctypes.byref(e) for e in edges))
                    marks[mcid].draw(tuple(e.value for e in edges))
                    continue
                size = raw.FPDFTextObj_GetText(obj, textpage, None, 0)
                buf = ctypes.create_string_buffer(size)
                raw.FPDFTextObj_GetText(obj, textpage,
                                        ctypes.cast(buf, ctypes.POINTER(ctypes.c_ushort)), size)
                edges = [ctypes.c_float() for _ in range(4)]
                raw.FPDFPageObj_GetBounds(obj, *(ctypes.byref(e) for e in edges))
                marks[mcid].add(buf.raw[:max(size - 2, 0)].decode("utf-16-le", "replace"),
                                tuple(e.value for e in edges))
            pages.append(dict(marks))
    finally:
        doc.close()
    return pages


def kids(elem) -> list:
    k = elem.get("/K")
    if k is None:
        return []
    return list(k) if isinstance(k, Array) else [k]


def is_elem(obj) -> bool:
    return isinstance(obj, Dictionary) and "/S" in obj


class Tree:
    """The structure tree with parents, pages and the text behind every element."""

    def __init__(self, pdf: pikepdf.Pdf, marks: list[dict[int, Mark]]):
        self.pdf, self.marks = pdf, marks
        self.root = pdf.Root.StructTreeRoot
        self.page_index = {p.obj.objgen: i for i, p in enumerate(pdf.pages)}
        self.parent: dict[tuple, object] = {}
        self.order: list = []
        self.spaces_after: dict[int, set[int]] = getattr(self, "spaces_after", defaultdict(set))
        # the parent tree: page index → array of elements by content id; annotation key → slot
        self.nums = self.root.ParentTree.Nums
        pairs = range(0, len(self.nums), 2)
        self.rows = {int(self.nums[i]): self.nums[i + 1] for i in pairs}
        self.slot = {int(self.nums[i]): i + 1 for i in pairs}
        self._walk(self.root, None)

    def _walk(self, elem, parent) -> None:
        for kid in kids(elem):
            if is_elem(kid):
                self.parent[kid.objgen] = elem
                self.order.append(kid)
                self._walk(kid, kid)

    def page(self, elem) -> int | None:
        while elem is not None and is_elem(elem):
            if "/Pg" in elem:
                return self.page_index.get(elem.Pg.objgen)
            elem = self.parent.get(elem.objgen)
        return None

    def mcids(self, elem, page=None) -> list[tuple[int, int]]:
        """(page, mcid) of the content under `elem`, in order."""
        page = self.page_index.get(elem.Pg.objgen, page) if "/Pg" in elem else page
        out = []
        for kid in kids(elem):
            if isinstance(kid, int):
                out.append((page, int(kid)))
            elif isinstance(kid, Dictionary) and kid.get("/Type") == "/MCR":
                out.append((self.page_index.get(kid.Pg.objgen, page), int(kid.MCID)))
            elif is_elem(kid):
                out.extend(self.mcids(kid, page))
        return out

    def text(self, elem) -> str:
        return "".join(self.marks[p].get(m, Mark()).text for p, m in self.mcids(elem) if p is not None)

    def inline(self, elem) -> bool:
        """True for a tag whose content flows in the line of its block (a span, a link, an
        <abbr> or <strong>: NonStruct holding no block)."""
        if str(elem.S) in INLINE:
            return True
        if elem.S != "/NonStruct":
            return False
        return all(isinstance(k, int) or (isinstance(k, Dictionary) and "/S" not in k)
                   or (is_elem(k) and self.inline(k)) for k in kids(elem))

    def set_kids(self, elem, items: list) -> None:
        elem.K = Array(items)

    def adopt(self, holder, items: list, page: int | None) -> None:
        """`holder` now holds `items`: their /P, and the parent tree for content ids."""
        nums, rows, slot = self.nums, self.rows, self.slot
        for item in items:
            if isinstance(item, int):
                if page is not None and isinstance(rows.get(page), Array):
                    rows[page][int(item)] = holder
            elif isinstance(item, Dictionary) and item.get("/Type") == "/OBJR":
                key = int(item.Obj.get("/StructParent", -1))
                if key in slot:
                    nums[slot[key]] = holder
            elif is_elem(item):
                item.P = holder
                self.parent[item.objgen] = holder

    def new_elem(self, tag: str, parent, items: list, page: int | None):
        """A new structure element under `parent` holding `items` (content of `page`)."""
        elem = self.pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name(tag), P=parent,
                                                 K=Array(items)))
        if page is not None:
            elem.Pg = self.pdf.pages[page].obj
        self.adopt(elem, items, page)
        self.parent[elem.objgen] = parent
        return elem


# -- content streams -----------------------------------------------------------------------------

class Streams:
    """The pages' content streams as instruction lists, edited in place and written back once."""

    def __init__(self, pdf: pikepdf.Pdf):
        self.pdf = pdf
        self.ops: dict[int, list] = {}

    def get(self, index: int) -> list:
        if index not in self.ops:
            page = self.pdf.pages[index]
            self.ops[index] = list(pikepdf.parse_content_stream(page))
        return self.ops[index]

    def write(self) -> None:
        for index, ops in self.ops.items():
            data = pikepdf.unparse_content_stream(ops)
            self.pdf.pages[index].obj.Contents = self.pdf.make_stream(data)


def _mcid_of(operands) -> int | None:
    if len(operands) == 2 and isinstance(operands[1], Dictionary) and "/MCID" in operands[1]:
        return int(operands[1].MCID)
    return None


def make_artifacts(streams: Streams, page: int, mcids: dict[int, str | None]) -> int:
    """Turn the marked-content sequences `mcids` of a page into artifacts; the value is the
    pagination subtype (Header, Footer), PAGINATION for pagination without subtype (a table's
    header row repeated on the next page) or None for a plain artifact."""
    count = 0
    ops = streams.get(page)
    for i, instr in enumerate(ops):
        if getattr(instr, "operator", None) == BDC:
            mcid = _mcid_of(instr.operands)
            if mcid in mcids:
                subtype = mcids[mcid]
                if subtype == PAGINATION:
                    props = Dictionary(Type=Name.Pagination)
                elif subtype:
                    props = Dictionary(Type=Name.Pagination, Subtype=Name(f"/{subtype}"))
                else:
                    props = Dictionary()
                ops[i] = ContentStreamInstruction([Name.Artifact, props], BDC)
                count += 1
    return count


def _space_codes(pdf: pikepdf.Pdf) -> dict[tuple, bytes]:
    """For each font (by object), the code of its space glyph, read from its ToUnicode map."""
    codes = {}
    for page in pdf.pages[:1]:
        for font in page.Resources.get("/Font", {}).values():
            if "/ToUnicode" not in font:
                continue
            cmap = font.ToUnicode.read_bytes().decode("latin-1")
            match = re.search(r"<([0-9a-fA-F]+)>\s*<0020>", cmap)
            if match:
                codes[font.objgen] = bytes.fromhex(match.group(1))
    return codes


def add_spaces(pdf: pikepdf.Pdf, streams: Streams, page: int, mcids: set[int],
               codes: dict[tuple, bytes]) -> int:
    """Append a space glyph to the last text run of each marked-content sequence `mcids`."""
    fonts = pdf.pages[page].Resources.get("/Font", {})
    ops = streams.get(page)
    current = None
    font = None
    last_run: dict[int, tuple[int, object]] = {}
    for i, instr in enumerate(ops):
        name = str(getattr(instr, "operator", ""))
        if name == "BDC":
            current = _mcid_of(instr.operands)
        elif name == "EMC":
            current = None
        elif name == "Tf":
            font = fonts.get(str(instr.operands[0]))
        elif name in ("TJ", "Tj") and current in mcids and font is not None:
            last_run[current] = (i, font)
    done = 0
    for mcid, (i, font) in last_run.items():
        code = codes.get(font.objgen)
        if code is None:
            continue
        operands, name = ops[i].operands, str(ops[i].operator)
        run = list(operands[0]) if name == "TJ" else [operands[0]]
        ops[i] = ContentStreamInstruction([Array(run + [String(code)])], Operator("TJ"))
        done += 1
    return done


def soft_hyphens(pdf: pikepdf.Pdf) -> None:
    """The hyphenation hyphen (U+2010, which the sources never use) reads as U+00AD."""
    seen = set()
    for page in pdf.pages[:1]:
        for font in page.Resources.get("/Font", {}).values():
            if "/ToUnicode" not in font or font.ToUnicode.objgen in seen:
                continue
            seen.add(font.ToUnicode.objgen)
            cmap = font.ToUnicode.read_bytes()
            fixed = re.sub(rb"(<[0-9a-fA-F]+>\s*)<2010>", rb"\1<00ad>", cmap)
            if fixed != cmap:
                font.ToUnicode.write(fixed)


# -- the steps -----------------------------------------------------------------------------------

def _parent_tree(root) -> dict[int, object]:
    nums = root.ParentTree.Nums
    return {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}


def _key(elem) -> int | None:
    return int(elem[NODE_KEY]) if is_elem(elem) and NODE_KEY in elem else None


def rebuild(tree: Tree, nodes: list[Node], streams: Streams, report: Report) -> None:
    """Step 0: the tree follows the document, not the pages. WeasyPrint tags each page apart,
    so an element a page break cuts (the <main>, a section, a table, a list, a paragraph) is
    one element per page; its fragments (same /GuideNode, see `recording`) become one element
    again, in the order of the document. A table's header row repeated on the next page is
    no content of its own: pagination artifacts; the cells below it keep their headers."""
    first: dict[int, object] = {}
    repeated: dict[int, dict[int, str | None]] = defaultdict(dict)
    same_header: dict[str, str] = {}

    path: list[tuple] = []  # the elements being visited (an anonymous box inside an element
    #                         has its element's mark: nested in it, it is no continuation)

    def continues(kid) -> bool:
        key = _key(kid)
        return key is not None and key in first and first[key].objgen != kid.objgen \
            and first[key].objgen not in path

    def visit(elem) -> None:
        path.append(elem.objgen)
        out = []
        for kid in kids(elem):
            if continues(kid):
                absorb(first[_key(kid)], kid)
                continue
            if _key(kid) is not None:
                first[_key(kid)] = kid
            out.append(kid)
            if is_elem(kid):
                visit(kid)
        tree.set_kids(elem, out)
        path.pop()

    def absorb(primary, fragment) -> None:
        report.merged += 1
        if fragment.S in ("/THead", "/TFoot"):
            drop_repeat(fragment)
            return
        page, home = tree.page(fragment), tree.page(primary)
        moved, run = [], []

        def flush() -> None:
            if run:
                moved.append(tree.new_elem("/Span", primary, list(run), page) if page != home
                             else list(run))
                run.clear()

        for kid in kids(fragment):
            if isinstance(kid, int):
                run.append(kid)
                continue
            flush()
            if continues(kid):
                absorb(first[_key(kid)], kid)
                continue
            if _key(kid) is not None:
                first[_key(kid)] = kid
            moved.append(kid)
        flush()
        items = []
        for item in moved:
            if isinstance(item, list):
                tree.adopt(primary, item, page)
                items.extend(item)
            else:
                tree.adopt(primary, [item], page)
                items.append(item)
        tree.set_kids(primary, kids(primary) + items)
        for item in items:
            if is_elem(item):
                visit(item)

    def drop_repeat(header) -> None:
        report.repeated_headers += 1
        for page, mcid in tree.mcids(header):
            repeated[page][mcid] = PAGINATION
            if isinstance(tree.rows.get(page), Array):
                tree.rows[page][mcid] = None
        for elem in _descendants(header):
            key = _key(elem)
            if elem.S == "/TH" and "/ID" in elem and key in first and "/ID" in first[key]:
                same_header[str(elem.ID)] = str(first[key].ID)

    visit(tree.root)
    for page, mcids in repeated.items():
        report.artifacts += make_artifacts(streams, page, mcids)
    tree.__init__(tree.pdf, tree.marks)
    for elem in tree.order:
        attrs = elem.get("/A")
        if elem.S == "/TD" and isinstance(attrs, Dictionary) and "/Headers" in attrs:
            attrs.Headers = Array([String(same_header.get(str(h), str(h))) for h in attrs.Headers])
    blank: dict[int, dict[int, str | None]] = defaultdict(dict)
    _leaders(tree, nodes, blank)
    _drop_empty(tree, tree.root, blank)
    for page, mcids in blank.items():
        report.artifacts += make_artifacts(streams, page, mcids)
    _retag(tree, nodes, report)
    for elem in tree.order:
        if NODE_KEY in elem:
            del elem[NODE_KEY]
    tree.__init__(tree.pdf, tree.marks)


def _descendants(elem):
    for kid in kids(elem):
        if is_elem(kid):
            yield kid
            yield from _descendants(kid)


def _leaders(tree: Tree, nodes: list[Node], blank: dict[int, dict[int, str | None]]) -> None:
    """The contents' dot leaders (`.toc-text::after`, pdf.css) are drawn, not read: artifacts.
    The title before each ends with a space: « Logiciels 87 », not « Logiciels87 »."""
    for elem in list(tree.order):
        key = _key(elem)
        info = nodes[key] if key is not None and key < len(nodes) else None
        if info is None or info.tag != "span::after" or "toc-text" not in info.classes:
            continue
        marks = tree.mcids(elem)
        for page, mcid in marks:
            blank[page][mcid] = None
            if isinstance(tree.rows.get(page), Array):
                tree.rows[page][mcid] = None
        if marks and marks[0][1] > 0:
            tree.spaces_after[marks[0][0]].add(marks[0][1] - 1)
        parent = tree.parent.get(elem.objgen)
        if parent is not None:  # (the leader's annotations stay with the entry's link)
            objrs = [k for k in _descendants_and_objrs(elem) if not is_elem(k)]
            tree.set_kids(parent, [k for k in kids(parent)
                                   if not (is_elem(k) and k.objgen == elem.objgen)] + objrs)
            tree.adopt(parent, objrs, None)


def _descendants_and_objrs(elem):
    for kid in kids(elem):
        if is_elem(kid):
            yield from _descendants_and_objrs(kid)
        elif isinstance(kid, Dictionary) and kid.get("/Type") == "/OBJR":
            yield kid


def _drop_empty(tree: Tree, elem, blank: dict[int, dict[int, str | None]], page=None) -> bool:
    """Remove the elements that hold nothing (an empty <span id> in a heading, a section's
    last few points of margin on a page of its own, the white space between a link and a list
    that draws no glyph: its marked content becomes an artifact); True when `elem` itself is
    empty. An empty table cell stays: it is a cell of its row."""
    page = tree.page_index.get(elem.Pg.objgen, page) if is_elem(elem) and "/Pg" in elem else page
    out = []
    for kid in kids(elem):
        if is_elem(kid) and _drop_empty(tree, kid, blank, page):
            continue
        out.append(kid)
    if is_elem(elem) and elem.S in ("/Span", "/NonStruct") and out and page is not None and \
            all(isinstance(k, int) and not tree.marks[page].get(int(k), Mark()).text for k in out):
        for mcid in out:
            blank[page][int(mcid)] = None
            if isinstance(tree.rows.get(page), Array):
                tree.rows[page][int(mcid)] = None
        out = []
    if len(out) != len(kids(elem)):
        tree.set_kids(elem, out)
    return not out and is_elem(elem) and elem.S not in ("/Figure", "/TD", "/TH", "/TR")


def _retag(tree: Tree, nodes: list[Node], report: Report) -> None:
    """Tags that say what the document's parts are: the guide's parts as /Part under the
    /Document (the <main> that held them is no part of the guide), the contents as /TOC and
    /TOCI, /Lang on passages in another language, /E on abbreviations, figures as /Div."""
    document = next(e for e in kids(tree.root) if is_elem(e))

    def node(elem) -> Node | None:
        key = _key(elem)
        return nodes[key] if key is not None and key < len(nodes) else None

    top = []
    for kid in kids(document):
        info = node(kid)
        if info is not None and info.tag == "main":
            for part in kids(kid):
                if is_elem(part) and part.S == "/Sect":
                    part.S = Name.Part
                top.append(part)
            tree.adopt(document, kids(kid), tree.page(kid))
        else:
            top.append(kid)
    tree.set_kids(document, top)
    for elem in list(tree.order):
        info = node(elem)
        if info is None:
            continue
        if info.lang:
            elem.Lang = String(info.lang)
            report.languages += 1
        if info.tag == "abbr" and info.title:
            elem.S = Name.Span
            elem.E = String(info.title)
        elif info.tag == "figure" and elem.S == "/NonStruct":
            elem.S = Name.Div
        elif info.tag == "nav" and "toc" in info.classes:
            elem.S = Name.Sect
            for kid in kids(elem):
                if is_elem(kid) and kid.S == "/L":
                    _toc(tree, kid)


def _toc(tree: Tree, lst) -> None:
    """An /L of the contents → /TOC; each item → /TOCI holding a /Reference (the entry's link)
    and the /TOC of its sections."""
    lst.S = Name.TOC
    for item in kids(lst):
        if not is_elem(item):
            continue
        item.S = Name.TOCI
        content, todo = [], kids(item)
        while todo:  # the item's body and the anonymous blocks in it hold its content
            kid = todo.pop(0)
            if is_elem(kid) and kid.S in ("/LBody", "/Lbl", "/NonStruct"):
                todo[:0] = kids(kid)
            else:
                content.append(kid)
        links = [k for k in content if not (is_elem(k) and k.S == "/L")]
        nested = [k for k in content if is_elem(k) and k.S == "/L"]
        reference = tree.new_elem("/Reference", item, links, tree.page(item))
        tree.set_kids(item, [reference, *nested])
        tree.adopt(item, nested, tree.page(item))
        for sub in nested:
            _toc(tree, sub)


def artifacts(tree: Tree, streams: Streams, report: Report) -> None:
    """Steps 1 and 2: margins, decorative figures and dot leaders become artifacts."""
    pdf = tree.pdf
    entries = _parent_tree(tree.root)
    reachable = {e.objgen for e in tree.order}
    height = {i: float(p.MediaBox[3]) for i, p in enumerate(pdf.pages)}
    for index in range(len(pdf.pages)):
        row = entries.get(index)
        if not isinstance(row, Array):
            continue
        todo: dict[int, str | None] = {}
        for mcid, elem in enumerate(row):
            if not is_elem(elem):
                continue
            if elem.objgen not in reachable:        # margin boxes: header or footer
                mark = tree.marks[index].get(mcid)
                top = mark.top if mark else 0
                todo[mcid] = "Header" if top > height[index] / 2 else "Footer"
            elif elem.S == "/Figure" and "/Alt" not in elem and "/ActualText" not in elem:
                todo[mcid] = None
                parent = tree.parent.get(elem.objgen)
                if parent is not None:
                    tree.set_kids(parent, [k for k in kids(parent)
                                           if not (is_elem(k) and k.objgen == elem.objgen)])
        if todo:
            report.artifacts += make_artifacts(streams, index, todo)
            for mcid in todo:
                row[mcid] = None
    tree.__init__(pdf, tree.marks)  # parents again, without what left the tree


def _lines(marks: list[tuple[int, int, Mark]]) -> list[list[tuple[int, int, Mark]]]:
    """Group marks into lines: top to bottom, a mark joining the line whose band (its marks'
    heights) it overlaps by half or lies within (« , » between two links: a glyph box only
    2 pt high)."""
    lines: list[list] = []
    bands: list[list[float]] = []
    for item in marks:
        mark = item[2]
        for line, band in zip(lines, bands):
            if item[0] != line[-1][0]:
                continue
            overlap = min(mark.top, band[1]) - max(mark.bottom, band[0])
            if overlap > 0.5 * min(mark.top - mark.bottom, band[1] - band[0]) or \
                    (mark.bottom >= band[0] - 0.5 and mark.top <= band[1] + 0.5):
                line.append(item)
                band[0], band[1] = min(band[0], mark.bottom), max(band[1], mark.top)
                break
        else:
            lines.append([item])
            bands.append([mark.bottom, mark.top])
    return lines


def _address_goes_on(tail: str, head: str, hints: Hints) -> bool:
    """An address printed by the stylesheet (« (https://…/circ?id=44936) ») broken at a line end:
    its two halves, without the punctuation around it, are one address of the document."""
    last, first = tail.split()[-1:], head.split()[:1]
    if not last or not first or not any(c in last[0] for c in "/@"):
        return False
    joined = (last[0] + first[0]).rstrip(")]>»,.;:")
    return joined in hints.hrefs


def line_ends(tree: Tree, streams: Streams, hints: Hints, report: Report) -> None:
    """Step 3: a space glyph at every line end that ends a word, as the source reads."""
    codes = _space_codes(tree.pdf)
    todo: dict[int, set[int]] = defaultdict(set)
    for elem in tree.order:
        if tree.inline(elem):
            continue
        page = tree.page(elem)
        refs = []
        for kid in kids(elem):  # the block's own inline content, not its nested blocks
            if isinstance(kid, int):
                refs.append((page, int(kid)))
            elif is_elem(kid) and tree.inline(kid):
                refs.extend(tree.mcids(kid, page))
        items = [(p, m, tree.marks[p][m]) for p, m in refs
                 if p is not None and m in tree.marks[p] and tree.marks[p][m].text]
        if len(items) < 2:
            continue
        lines = _lines(items)
        for line, following in zip(lines, lines[1:]):
            page, mcid, mark = max(line, key=lambda item: item[2].right)
            text, nxt = mark.text, min(following, key=lambda item: item[2].left)[2].text
            if not text or text[-1].isspace() or text[-1] in HYPHENATION + "\u00a0\u202f":
                continue
            # PDFium reads a hyphen ending a line as U+0002 (its « maybe hyphenation » mark)
            tail, head = fold(text.replace("\x02", "-"))[-15:], fold(nxt)[:15]
            if text.endswith("\x02") and tail[:-1] + head in hints.source:
                continue  # a hyphenated word
            if tail + " " + head in hints.source:
                pass
            elif tail + head in hints.source or tail[-1] in "-/(['’«" or _address_goes_on(tail, head, hints):
                continue  # an address, a compound: the source has no space here
            todo[page].add(mcid)
            mark.text += " "
    for page, mcids in tree.spaces_after.items():
        for mcid in mcids:
            mark = tree.marks[page].get(mcid)
            if mark is not None and mark.text and not mark.text[-1].isspace():
                todo[page].add(mcid)
                mark.text += " "
    for page, mcids in todo.items():
        report.spaces += add_spaces(tree.pdf, streams, page, mcids, codes)


def _objrs(elem) -> list:
    return [k for k in kids(elem) if isinstance(k, Dictionary) and k.get("/Type") == "/OBJR"]


def _target(link) -> str | None:
    """Where a /Link's (first) annotation leads."""
    for objr in _objrs(link):
        annot = objr.Obj
        if "/Dest" in annot:
            return f"dest:{annot.Dest}"
        if "/A" in annot:
            return f"uri:{annot.A.get('/URI', annot.A.get('/D', ''))}"
    return None


def _move_content(tree: Tree, source, holder) -> None:
    """Append the content of `source` to `holder` (wrapped in a /Span keeping its page when it
    is on another page), and drop `source`."""
    page = tree.page(source)
    items = kids(source)
    if page != tree.page(holder) and any(isinstance(i, int) for i in items):
        items = [tree.new_elem("/Span", holder, items, page)]
    else:
        tree.adopt(holder, items, page)
    tree.set_kids(holder, kids(holder) + items)
    parent = tree.parent.get(source.objgen)
    if parent is not None:
        tree.set_kids(parent, [k for k in kids(parent) if not (is_elem(k) and k.objgen == source.objgen)])


def merge_links(tree: Tree, report: Report) -> None:
    """One HTML link is one /Link: WeasyPrint makes one per line box and one more for an
    `a::after` (the printed address), nested in the first."""
    for elem in list(tree.order):
        if elem.S != "/Link":
            continue
        up = tree.parent.get(elem.objgen)
        while is_elem(up) and up.S != "/Link":
            up = tree.parent.get(up.objgen)
        if is_elem(up):
            _move_content(tree, elem, up)
            report.links_moved += 1
    tree.__init__(tree.pdf, tree.marks)
    for parent in list(tree.order):
        items = kids(parent)
        keep = []
        for item in items:
            prev = keep[-1] if keep else None
            if is_elem(item) and item.S == "/Link" and is_elem(prev) and prev.S == "/Link" \
                    and _target(item) is not None and _target(item) == _target(prev):
                tree.set_kids(parent, keep + [item] + items[len(keep) + 1:])
                _move_content(tree, item, prev)
                report.links_moved += 1
                continue
            keep.append(item)
        tree.set_kids(parent, keep)
    tree.__init__(tree.pdf, tree.marks)


def links(tree: Tree, report: Report) -> None:
    """Step 5: annotations under their /Link, /Link always with an annotation, /Contents."""
    nums = tree.root.ParentTree.Nums
    slot = {int(nums[i]): i + 1 for i in range(0, len(nums), 2)}
    for elem in list(tree.order):
        objrs = [k for k in kids(elem) if isinstance(k, Dictionary) and k.get("/Type") == "/OBJR"]
        if elem.S == "/Link" or not objrs:
            continue
        target, up = None, tree.parent.get(elem.objgen)
        while is_elem(up):
            if up.S == "/Link":
                target = up
                break
            up = tree.parent.get(up.objgen)
        if target is None:
            elem.S = Name.Link
            continue
        moved = {o.objgen for o in objrs}
        tree.set_kids(elem, [k for k in kids(elem)
                             if not (isinstance(k, Dictionary) and k.objgen in moved)])
        tree.set_kids(target, kids(target) + objrs)
        for objr in objrs:
            key = int(objr.Obj.get("/StructParent", -1))
            if key in slot:
                nums[slot[key]] = target
        report.links_moved += len(objrs)


def _annot_target(annot) -> str:
    if "/Dest" in annot:
        return f"dest:{annot.Dest}"
    action = annot.get("/A")
    return f"uri:{action.get('/URI', action.get('/D', ''))}" if action is not None else ""


def link_annotations(tree: Tree, report: Report) -> None:
    """One annotation per line of a link's text: WeasyPrint makes one for each box of the link
    (the text, its `::after`, a word its own text box, « . » and « @ » of an address), so that
    a keyboard stops up to six times on one link. The rectangles of a link on one line of a page
    become one; the other annotations are removed (page, tag, parent tree)."""
    dropped: set[tuple] = set()
    for elem in tree.order:
        if elem.S != "/Link":
            continue
        kept: list[list] = []  # [page, target, rect, annotation]
        items = []
        for kid in kids(elem):
            objr = kid if isinstance(kid, Dictionary) and kid.get("/Type") == "/OBJR" else None
            if objr is None:
                items.append(kid)
                continue
            annot = objr.Obj
            x0, y0, x1, y1 = (float(v) for v in annot.Rect)
            rect = [min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)]
            page, target = objr.Pg.objgen if "/Pg" in objr else None, _annot_target(annot)
            for line in kept:
                other = line[2]
                overlap = min(rect[3], other[3]) - max(rect[1], other[1])
                if line[0] == page and line[1] == target and \
                        overlap > 0.5 * min(rect[3] - rect[1], other[3] - other[1]):
                    line[2] = [min(rect[0], other[0]), min(rect[1], other[1]),
                               max(rect[2], other[2]), max(rect[3], other[3])]
                    dropped.add(annot.objgen)
                    break
            else:
                kept.append([page, target, rect, annot])
                items.append(kid)
        for _page, _target, rect, annot in kept:
            annot.Rect = Array(rect)
        if len(items) != len(kids(elem)):
            tree.set_kids(elem, items)
    if not dropped:
        return
    report.annotations_dropped = len(dropped)
    for page in tree.pdf.pages:
        if "/Annots" in page:
            page.Annots = Array([a for a in page.Annots if a.objgen not in dropped])
    alive = {int(a.StructParent) for page in tree.pdf.pages for a in page.get("/Annots", [])
             if "/StructParent" in a}
    nums, pages = tree.root.ParentTree.Nums, len(tree.pdf.pages)
    pairs = [(nums[i], nums[i + 1]) for i in range(0, len(nums), 2)]
    tree.root.ParentTree.Nums = Array([x for key, value in pairs
                                       if int(key) < pages or int(key) in alive
                                       for x in (key, value)])
    tree.__init__(tree.pdf, tree.marks)


def link_contents(tree: Tree) -> None:
    """A /Link without annotation is no link (/Span); an annotation's /Contents is its text."""
    for elem in tree.order:
        if elem.S != "/Link":
            continue
        objrs = _objrs(elem)
        if not objrs:
            elem.S = Name.Span
            continue
        text = fold(tree.text(elem))
        for objr in objrs:
            if text:
                objr.Obj.Contents = String(text)


def lists(tree: Tree, hints: Hints, report: Report) -> None:
    """Step 6: /LBody in every /LI, nested lists in their item, terms paired with definitions."""
    for elem in list(tree.order):
        if elem.S != "/L":
            continue
        items = kids(elem)
        # A nested list WeasyPrint placed beside the items goes into the item before it.
        fixed = []
        for item in items:
            if is_elem(item) and item.S == "/L" and fixed and is_elem(fixed[-1]) and fixed[-1].S == "/LI":
                body = _body(tree, fixed[-1], report)
                tree.set_kids(body, kids(body) + [item])
                item.P = body
            else:
                fixed.append(item)
        tree.set_kids(elem, fixed)
        # A definition list: items alternate term, definition.
        lis = [i for i in fixed if is_elem(i) and i.S == "/LI"]
        if len(lis) >= 2 and len(lis) == len(fixed) and \
                fold(tree.text(lis[0])) in hints.terms:
            paired, i = [], 0
            while i < len(lis):
                term = lis[i]
                if fold(tree.text(term)) in hints.terms and i + 1 < len(lis) and \
                        fold(tree.text(lis[i + 1])) not in hints.terms:
                    definition = lis[i + 1]
                    label, body = _body(tree, term, report), _body(tree, definition, report)
                    label.S = Name.Lbl
                    tree.set_kids(term, [label, body])
                    tree.adopt(term, [body], None)
                    tree.set_kids(definition, [])
                    paired.append(term)
                    report.definitions += 1
                    i += 2
                else:
                    paired.append(term)
                    i += 1
            tree.set_kids(elem, paired)
    for elem in list(tree.order):
        if elem.S == "/LI":
            _body(tree, elem, report)


def _body(tree: Tree, li, report: Report):
    """The /LBody of a list item, made from its content (all but its /Lbl) when missing."""
    label = [k for k in kids(li) if is_elem(k) and k.S == "/Lbl"]
    rest = [k for k in kids(li) if not (is_elem(k) and k.S == "/Lbl")]
    if len(rest) == 1 and is_elem(rest[0]) and rest[0].S == "/LBody":
        return rest[0]
    body = tree.new_elem("/LBody", li, rest, tree.page(li))
    tree.set_kids(li, label + [body])
    report.list_bodies += 1
    return body


def table_headers(tree: Tree) -> None:
    """Step 7: /Scope on header cells."""
    for elem in tree.order:
        if elem.S != "/TH":
            continue
        row = tree.parent.get(elem.objgen)
        group = tree.parent.get(row.objgen) if row is not None else None
        scope = Name.Column if group is not None and group.S == "/THead" else Name.Row
        attrs = elem.get("/A")
        if not isinstance(attrs, Dictionary):
            attrs = Dictionary(O=Name.Table)
            elem.A = attrs
        attrs.Scope = scope


def id_tree(tree: Tree) -> None:
    """The structure tree's /IDTree (ISO 32000-1, 14.7.2): a name tree from each element's /ID
    to that element, so that a reader can follow a data cell's /Headers to its header cells."""
    root = tree.pdf.Root.StructTreeRoot
    if "/IDTree" in root:
        del root["/IDTree"]
    ids = NameTree.new(tree.pdf)
    for elem in _descendants(root):
        if "/ID" in elem:
            ids[bytes(elem.ID).decode("latin-1")] = elem
    if len(ids):
        root.IDTree = ids.obj


def tidy(tree: Tree, streams: Streams, report: Report) -> None:
    """Last: what the steps before emptied goes (a <wbr>'s tag once its annotation moved to its
    link), and the /Span WeasyPrint wraps around every run of text, with no attribute of its
    own, gives its content to the element that holds it (marked-content references on another
    page: /MCR): the same tree for a reader, a third fewer objects in the file."""
    blank: dict[int, dict[int, str | None]] = defaultdict(dict)
    _drop_empty(tree, tree.root, blank)
    for page, mcids in blank.items():
        report.artifacts += make_artifacts(streams, page, mcids)
    tree.__init__(tree.pdf, tree.marks)
    plain = {"/Type", "/S", "/K", "/Pg", "/P"}
    for elem in tree.order:
        items, changed = [], False
        home = tree.page(elem)
        for kid in kids(elem):
            if is_elem(kid) and kid.S == "/Span" and set(kid.keys()) <= plain and kids(kid) \
                    and all(isinstance(k, int) for k in kids(kid)):
                page = tree.page(kid)
                for mcid in kids(kid):
                    items.append(int(mcid) if page == home else
                                 Dictionary(Type=Name.MCR, Pg=tree.pdf.pages[page].obj, MCID=int(mcid)))
                    if isinstance(tree.rows.get(page), Array):
                        tree.rows[page][int(mcid)] = elem
                changed = True
            else:
                items.append(kid)
        if changed:
            tree.set_kids(elem, items)
    tree.__init__(tree.pdf, tree.marks)


def figure_boxes(tree: Tree) -> None:
    """A figure's /BBox is where it is drawn on its page, in PDF points from the page's lower
    left corner (WeasyPrint writes its CSS box: CSS pixels from the top of the page)."""
    for elem in tree.order:
        if elem.S != "/Figure" or not isinstance(elem.get("/A"), Dictionary):
            continue
        drawn = [tree.marks[p][m].drawing for p, m in tree.mcids(elem)
                 if p is not None and m in tree.marks[p] and tree.marks[p][m].drawing]
        if drawn:
            box = (min(b[0] for b in drawn), min(b[1] for b in drawn),
                   max(b[2] for b in drawn), max(b[3] for b in drawn))
            elem.A.BBox = Array([round(v, 2) for v in box])


def document_keys(pdf: pikepdf.Pdf) -> None:
    """What the catalog says, the metadata say too (dc:language), and the structure tree
    names the next free key of its parent tree (ISO 32000-1, 14.7.2)."""
    root = pdf.Root.StructTreeRoot
    nums = root.ParentTree.Nums
    root.ParentTreeNextKey = max(int(nums[i]) for i in range(0, len(nums), 2)) + 1
    lang = str(pdf.Root.get("/Lang", ""))
    if lang:
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            meta["dc:language"] = [lang]


def finish(path: Path, hints: Hints, nodes: list[Node]) -> Report:
    """Apply every step to the PDF at `path`, in place (reproducibly: same input, same bytes);
    `nodes` is what `recording` noted while WeasyPrint wrote it."""
    report = Report()
    marks = read_marks(path)
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        tree = Tree(pdf, marks)
        streams = Streams(pdf)
        rebuild(tree, nodes, streams, report)
        artifacts(tree, streams, report)
        links(tree, report)
        merge_links(tree, report)
        link_annotations(tree, report)
        line_ends(tree, streams, hints, report)
        link_contents(tree)
        if HYPHENATION not in hints.source:
            soft_hyphens(pdf)
        lists(tree, hints, report)
        table_headers(tree)
        figure_boxes(tree)
        tidy(tree, streams, report)
        id_tree(tree)
        document_keys(pdf)
        streams.write()
        pdf.save(path, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate,
                 deterministic_id=True)
    return report
