"""The guide as a printed book: what the PDF builder (`guidepdf`, pdf.py) does to the assembled
doctree and to its HTML before WeasyPrint lays it out.

- Parts hold their chapters: a section index page (« Les labels ») is a part, the pages of its
  toctree are chapters nested in it; headings and bookmarks follow (part h1, chapter h2,
  section h3…), as the site's navigation does.
- Anchors sit on the headings themselves (not on the <section> or an empty <span> before it):
  a page number computed for an anchor (`target-counter`) is then the page where the heading is
  printed, never the page before it.
- Links: `#document-page#anchor` (singlehtml's form for glossary terms) becomes `#anchor`;
  `#document-page` points to the page's heading; a cross-reference to another part of the
  guide gets its page number in print (« voir p. 42 », pdf.css), a glossary term does not.
- Web-only parts are left out: a section whose heading is preceded by `{.web-only}`, a box
  with `:class: web-only`, any block carrying that class (README, « Écrire une page »). Sphinx's
  `{only}` directive works too, for blocks without a heading (MyST lifts a heading out of it):
  the PDF builder drops the `html` tag and adds `pdf`, so `{only} html` is the site only.
- Card grids (sphinx-design) become a list of cross-references with their page numbers.
- Glossary synonyms (« DEEE », « D3E » over one definition) print as one entry, « DEEE, D3E ».
"""

from __future__ import annotations

import html
import re

from docutils import nodes
from sphinx import addnodes
from sphinx.writers.html5 import HTML5Translator

from .typography import wrap_matches

# Classes the print stylesheet styles, and the writers' marker of what the PDF leaves out.
WEB_ONLY = "web-only"
XREF = "xref-page"          # a cross-reference printed with its page number
XREF_AFTER_VOIR = "after-voir"  # …inside « (voir …) »: « , p. 42 » only
SHORT_TABLE = 6             # body rows: a table this short is never cut by a page break
CHAPTER = "chapter"         # the top section of each page of the guide


def page_parents(env, pages: list[str], root: str) -> dict[str, str | None]:
    """The part each page belongs to (the page whose toctree lists it), None for top level.
    The home page's toctree lists the top level: its pages are parts or single chapters."""
    parents: dict[str, str | None] = {}
    for docname in pages:
        parents.setdefault(docname, None)
        if docname == root:
            continue
        for child in env.toctree_includes.get(docname, []):
            if child in pages:
                parents[child] = docname
    return parents


def top_section(node: nodes.Element) -> nodes.section | None:
    return next(iter(node.findall(nodes.section)), None)


def nest_chapters(chapters: dict[str, nodes.Element], parents: dict[str, str | None],
                  order: list[str]) -> list[nodes.Element]:
    """Put each chapter inside the top section of its part; return the top-level nodes."""
    top = []
    for docname in order:
        parent = parents.get(docname)
        host = top_section(chapters[parent]) if parent in chapters else None
        if host is None:
            top.append(chapters[docname])
        else:
            host.append(chapters[docname])
    return top


def anchor_headings(tree: nodes.Element) -> None:
    """Move a section's ids (and those of the targets just before its title) onto its title."""
    for section in tree.findall(nodes.section):
        if not section.children or not isinstance(section[0], (nodes.title, nodes.target)):
            continue
        title = next((c for c in section.children if isinstance(c, nodes.title)), None)
        if title is None:
            continue
        moved = list(section["ids"])
        section["ids"] = []
        for child in list(section.children[:section.index(title)]):
            if isinstance(child, nodes.target) and not child.get("refuri") and not child.get("refid"):
                moved += child["ids"]
                section.remove(child)
        title["ids"] = moved + [i for i in title["ids"] if i not in moved]


def first_anchor(node: nodes.Element) -> str | None:
    section = top_section(node)
    if section is None:
        return None
    title = next((c for c in section.children if isinstance(c, nodes.title)), None)
    ids = (title["ids"] if title is not None else []) or section["ids"]
    return ids[0] if ids else None


def fix_links(tree: nodes.Element, anchors: dict[str, str]) -> None:
    """`#document-x#y` → `#y`; `#document-x` → `#<x's heading>`; internal cross-references
    that are not glossary terms are marked to be printed with their page number."""
    for ref in tree.findall(nodes.reference):
        uri = ref.get("refuri", "")
        if uri.startswith("#document-"):
            doc, _, anchor = uri.removeprefix("#document-").partition("#")
            target = anchor or anchors.get(doc)
            if target:
                ref["refuri"] = f"#{target}"
        elif ref.get("refid"):
            ref["refuri"] = f"#{ref['refid']}"
            del ref["refid"]
        uri = ref.get("refuri", "")
        is_term = any("std-term" in n.get("classes", []) for n in ref.findall(nodes.inline))
        if uri.startswith("#") and not is_term and "toc-entry" not in ref["classes"]:
            ref["classes"].append(XREF)
            if _after_voir(ref):
                ref["classes"].append(XREF_AFTER_VOIR)


def _after_voir(ref: nodes.Element) -> bool:
    """True for a cross-reference inside a parenthesis the text opens with « voir » and closes
    after it: « (voir Que prévoit la loi ?) », « (voir la réglementation) » print « (voir Que
    prévoit la loi ?, p. 18) », not « (voir Que prévoit la loi ? (voir p. 18)) »."""
    parent = ref.parent
    index = parent.index(ref)
    before = "".join(node.astext() for node in parent[:index])
    after = parent[index + 1] if index + 1 < len(parent) else None
    if re.search(r"\(voir\b[^()]*$", before) is not None \
            and isinstance(after, nodes.Text) and str(after).startswith(")"):
        return True
    # « Voir aussi la fiche Logiciels. » → « Voir aussi la fiche Logiciels, p. 87. »
    return re.search(r"(?:^|[.!?]\s)[Vv]oir\b[^().!?]*$", before) is not None \
        and (after is None or (isinstance(after, nodes.Text) and re.match(r"[.;,]?\s*$|[.;]", str(after))))


LAST_WORD = "last-word"  # pdf.css: never hyphenated


def keep_last_words(tree: nodes.Element) -> None:
    """The last word of each paragraph is never hyphenated (pdf.css, `.last-word`): a
    paragraph does not end with a line holding the tail of a word (« ver-⏎tueux. »)."""
    for para in tree.findall(nodes.paragraph):
        texts = [t for t in para.findall(nodes.Text)
                 if not any(isinstance(a, (nodes.raw, nodes.literal)) or "url-part" in a.get("classes", [])
                            for a in _ancestors(t, para))]
        for text in reversed(texts):
            if not re.search(r"\w", str(text)):
                continue
            # (a no-break space binds: « Lesquelles ? », « p. 25 » are one last word)
            head, word = re.fullmatch(r"(.*[ \n\t])?([^ \n\t]+[ \n\t]*)", str(text), re.S).groups()
            index = text.parent.index(text)
            new = ([nodes.Text(head)] if head else []) + [nodes.inline(word, word, classes=[LAST_WORD])]
            text.parent[index:index + 1] = new
            break


def _ancestors(node: nodes.Node, stop: nodes.Element):
    parent = node.parent
    while parent is not None and parent is not stop:
        yield parent
        parent = parent.parent


def pictograms_beside_titles(tree: nodes.Element) -> None:
    """A chapter's pictogram (`:class: picto`, just after its title) goes before the title, so
    that it floats beside it the same way in every fiche, whatever follows (a box, a
    paragraph); pdf.css gives the title the pictogram's height."""
    for image in list(tree.findall(nodes.image)):
        section = image.parent
        if "picto" not in image.get("classes", []) or not isinstance(section, nodes.section):
            continue
        title = next((c for c in section.children if isinstance(c, nodes.title)), None)
        if title is None or section.index(image) != section.index(title) + 1:
            continue
        section.remove(image)
        section.insert(section.index(title), image)


# « ci-dessus », « R1U-ECO », « 2021-254 »; and a value with its unit (« 284,75 BTU/h »: not
# cut after its « / »)
COMPOUND = re.compile(r"\b\w+(?:-\w+)+\b|\d+(?:,\d+)?\u202f[^\s\u00a0\u202f]+")


def keep_compounds_in_tables(tree: nodes.Element) -> None:
    """In a table cell, a compound word (« ci-dessus », « États-Unis ») does not break at its
    own hyphen, nor a value with its unit at its « / » (pdf.css, `.compound`): text extraction drops a hyphen that ends a line
    (« cidessus »), and Marianne has no no-break hyphen (U+2011) to draw instead."""
    for entry in tree.findall(nodes.entry):
        for text in list(entry.findall(nodes.Text)):
            if isinstance(text.parent, (nodes.raw, nodes.literal)) or not COMPOUND.search(str(text)):
                continue
            index = text.parent.index(text)
            text.parent[index:index + 1] = wrap_matches(str(text), COMPOUND, ["compound"])


def mark_short_tables(tree: nodes.Element) -> None:
    """A table of few rows is never cut by a page break (pdf.css, `table.short`)."""
    for table in tree.findall(nodes.table):
        body = next(iter(table.findall(nodes.tbody)), None)
        if body is not None and len(body.children) <= SHORT_TABLE:
            table["classes"].append("short")


def cards_to_list(tree: nodes.Element) -> None:
    """A grid of linked cards becomes a bulleted list of cross-references (title, page)."""
    for grid in list(tree.findall(nodes.container)):
        if "sd-container-fluid" not in grid.get("classes", []) or grid.parent is None:
            continue
        items = nodes.bullet_list(classes=["cards-as-list"])
        for card in grid.findall(nodes.container):
            if "sd-card" not in card.get("classes", []):
                continue
            link = next((r for r in card.findall(nodes.reference)
                         if "sd-stretched-link" in r.get("classes", [])), None)
            title = next((c for c in card.findall(nodes.container)
                          if "sd-card-title" in c.get("classes", [])), None)
            if link is None or title is None:
                continue
            ref = nodes.reference("", title.astext().strip(), refuri=link.get("refuri", ""),
                                  internal=True)
            if link.get("refid"):
                ref["refid"] = link["refid"]
            items += nodes.list_item("", nodes.paragraph("", "", ref))
        if len(items):
            grid.replace_self(items)
            items["classes"] = ["cards-as-list"]  # (not the grid's, which replace_self copies)


def merge_glossary_synonyms(tree: nodes.Element) -> None:
    """Terms sharing one definition print as one entry: « DEEE, D3E », both still targets."""
    for glossary in tree.findall(addnodes.glossary):
        for item in glossary.findall(nodes.definition_list_item):
            terms = [c for c in item.children if isinstance(c, nodes.term)]
            if len(terms) < 2:
                continue
            first = terms[0]
            for other in terms[1:]:
                first += nodes.Text(", ")
                for ids in other["ids"]:
                    first += nodes.inline("", "", ids=[ids])
                first.extend(other.children)
                item.remove(other)


def mark_addresses(tree: nodes.Element) -> None:
    """An external link whose text is its address (a URL, an e-mail) is printed as an address
    (`a.url`, see print_addresses)."""
    for ref in tree.findall(nodes.reference):
        uri = ref.get("refuri", "")
        text = ref.astext().strip()
        if uri.startswith(("http://", "https://", "mailto:")) and \
                text in (uri, uri.removeprefix("mailto:"), uri.rstrip("/")):
            ref["classes"].append("url")


LONG_PART = 30  # characters: a part of an address longer than this may break before its « . »


def address_parts(address: str) -> list[str]:
    """Where a printed address may break: after « / » (« https:// » kept whole, and with the
    host after it: « (https:// » never ends a line alone), before « ? »,
    « = », « & », « # » and an e-mail's « @ », and before a « . » only inside a part longer
    than LONG_PART characters; never at its own hyphens (a reader could not tell a hyphen of
    the address from a hyphenation hyphen, and text extraction drops it: « villeemploi »)."""
    parts, current = [], ""
    for i, char in enumerate(address):
        if char in "?=&#@" and current:
            parts.append(current)
            current = ""
        current += char
        if char == "/" and address[i + 1:i + 2] != "/" and not current.endswith("://"):
            parts.append(current)
            current = ""
    if current:
        parts.append(current)
    out = []
    for part in parts:
        if len(part) > LONG_PART:
            pieces = [p for p in re.split(r"(?=\.)", part) if p]
            # (« https://www » is one piece: the scheme never ends a line alone)
            out.extend(pieces)
        else:
            out.append(part)
    return out


def address_html(address: str) -> str:
    """An address as print HTML: unbreakable parts (pdf.css, `.url-part`) with a break
    opportunity (<wbr>, which draws nothing) between them."""
    return "<wbr>".join(f'<span class="url-part">{html.escape(p)}</span>'
                        for p in address_parts(address))


def _address_nodes(address: str) -> list[nodes.Node]:
    out: list[nodes.Node] = []
    for i, part in enumerate(address_parts(address)):
        if i:
            out.append(nodes.raw("", "<wbr>", format="html"))
        out.append(nodes.inline(part, part, classes=["url-part"]))
    return out


def print_addresses(tree: nodes.Element) -> None:
    """Addresses break only where address_parts allows: the text of an `a.url` link; and the
    address printed after the text of an external link that hides it (`show-url`, pdf.py) —
    « ADEME (https://…) » — inside the link, so that it is part of it (the last change made
    to the doctree: the address's parts are raw HTML)."""
    for ref in list(tree.findall(nodes.reference)):
        uri = ref.get("refuri", "")
        if "url" in ref["classes"] and len(ref.children) == 1 and \
                isinstance(ref[0], nodes.Text):
            text = ref.astext()
            ref.clear()
            ref.extend(_address_nodes(text))
        elif "show-url" in ref["classes"]:
            printed = nodes.inline("", " (", classes=["printed-url"])
            printed.extend(_address_nodes(uri))
            printed += nodes.Text(")")
            ref += printed


# The Marianne font of the DSFR npm package (installed by make, never copied into the repo).
MARIANNE = "node_modules/@gouvfr/dsfr/dist/fonts"
_FACES = [("Regular", "normal", "normal"), ("Bold", "bold", "normal"),
          ("Regular_Italic", "normal", "italic"), ("Bold_Italic", "bold", "italic")]


def marianne_faces(confdir) -> tuple[str, list]:
    """The @font-face rules of Marianne (file URIs) and the font files, or ("", []) when the
    DSFR package is not installed."""
    from pathlib import Path

    folder = Path(confdir) / MARIANNE
    files = [folder / f"Marianne-{name}.woff" for name, _, _ in _FACES]
    if not all(f.exists() for f in files):
        return "", []
    rules = [f'@font-face {{ font-family: Marianne; src: url("{f.resolve().as_uri()}") format("woff"); '
             f"font-weight: {weight}; font-style: {style}; }}"
             for f, (_, weight, style) in zip(files, _FACES)]
    return "\n".join(rules), files


def drop_web_only(tree: nodes.Element) -> set[str]:
    """Remove every element marked web-only; return the ids that went with them."""
    gone: set[str] = set()
    for node in list(tree.findall(nodes.Element)):
        if WEB_ONLY in node.get("classes", []) and node.parent is not None:
            for inner in node.findall(nodes.Element):
                gone.update(inner.get("ids", []))
            node.parent.remove(node)
    return gone


def make_book(tree: nodes.document) -> None:
    """Every print-only change of the assembled doctree, in order."""
    tree["guide_web_only"] = drop_web_only(tree)
    anchor_headings(tree)
    anchors = {}
    for start in tree.findall(addnodes.start_of_file):
        top = top_section(start)
        if top is not None:
            top["classes"].append(CHAPTER)
        anchor = first_anchor(start)
        if anchor:
            anchors[start["docname"]] = anchor
    cards_to_list(tree)
    pictograms_beside_titles(tree)
    merge_glossary_synonyms(tree)
    fix_links(tree, anchors)
    mark_short_tables(tree)
    keep_compounds_in_tables(tree)
    keep_last_words(tree)
    mark_addresses(tree)
    print_addresses(tree)
    tree["guide_anchors"] = anchors


class BookTranslator(HTML5Translator):
    """HTML for print: no empty `<span id="document-…">` before each page (its anchor is the
    page's heading), no permalink signs, e-mail addresses as they are."""

    def visit_start_of_file(self, node) -> None:
        self.docnames.append(node["docname"])

    def add_permalink_ref(self, node, title: str) -> None:
        return

    def cloak_mailto(self, uri: str) -> str:
        """No cloaking of e-mail addresses (docutils' default): a printed book has no address
        harvester to fool, and its link must read « mailto:…@… », not « …%40… » (and the
        address, no <span> around each « . » and « @ »)."""
        return uri

    def cloak_email(self, addr: str) -> str:
        return addr

    def get_secnumber(self, node):
        return None  # the guide numbers no section (and its sections' ids are on their titles)

    def add_fignumber(self, node) -> None:
        if not isinstance(node, nodes.section):
            super().add_fignumber(node)
