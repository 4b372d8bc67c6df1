"""The page content written as DSFR components, for the site only (the PDF keeps its own markup).

Writers keep typing what MyST and sphinx-design give them; the site's HTML is the DSFR's:

- `{grid}` / `{grid-item-card}` (sphinx-design) → `fr-grid-row fr-grid-row--gutters` with
  `fr-col-*` columns, and `fr-card fr-enlarge-link` cards: the title is a real heading (one
  level below the section the grid is in) holding the link, the picture goes in the card's
  header. The whole card is clickable, and one tab stop (the DSFR's enlarge-link);
- tables → the DSFR table (`fr-table`): its caption is shown above the scrolling box, whole
  at any width, and names the table (`aria-labelledby`); the page's inline script makes the
  box a tab stop only when it does scroll (see _templates/layout.html);
- admonitions → callouts (`fr-callout`, green for tips, orange for what matters most);
  block quotes (the model clauses) → highlights (`fr-highlight`);
- headings and table cells: long French words get soft hyphens at the right places (pyphen's
  French patterns, as the PDF), so that a narrow screen breaks « interministé-rielle » with a
  hyphen instead of anywhere, and a table that nearly fits its column is laid out to fit;
- permalinks (« # ») stay out of what assistive technologies read as a heading and out of the
  tab order: after the heading, not inside it, named « Lien vers la section « … » », reachable
  with the mouse (shown on hover) and from a screen reader's list of links, never a tab stop;
  the page's title has none (it is the page's own address);
- glossary synonyms (« DEEE », « D3E » over one definition) are one entry, « DEEE, D3E », each
  term keeping its own anchor for `{term}` links;
- a figure given a width (`:width:`) is never drawn narrower: in a narrower column (a phone)
  it scrolls sideways in a box that, when it does scroll, is a named tab stop like a wide table;
- an e-mail address breaks only after its « @ » or before a dot, never inside a word.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.writers.html5 import HTML5Translator

from . import search
from .theme import is_site_builder

HYPHENATE_FROM = 13     # letters: shorter words fit a phone's line, and need no break
ADMONITION_COLOURS = {"tip": "fr-callout--green-emeraude", "important": "fr-callout--orange-terre-battue",
                      "warning": "fr-callout--orange-terre-battue", "caution": "fr-callout--orange-terre-battue"}


class card_title(nodes.Part, nodes.TextElement):
    """The title of a DSFR card: a heading of the given level."""


def _site_builder(app: Sphinx) -> bool:
    return is_site_builder(app.builder)


# -- sphinx-design cards and grids → DSFR ---------------------------------------------------------

_COLS_RE = re.compile(r"^sd-row-cols(?:-(xs|sm|md|lg|xl))?-(\d+)$")
_DSFR_BREAKPOINT = {None: "", "xs": "", "sm": "-sm", "md": "-md", "lg": "-lg", "xl": "-xl"}


def _own_classes(node: nodes.Element) -> list[str]:
    """The classes a writer gave (sphinx-design's own sd-* classes dropped)."""
    return [c for c in node["classes"] if not c.startswith("sd-")]


def _section_depth(node: nodes.Node) -> int:
    depth, parent = 0, node.parent
    while parent is not None:
        if isinstance(parent, nodes.section):
            depth += 1
        parent = parent.parent
    return depth


def _card(card: nodes.container) -> nodes.container:
    image = next((n for n in card.findall(nodes.image) if "sd-card-img-top" in n["classes"]), None)
    body = next((c for c in card.children if "sd-card-body" in c.get("classes", ())), None)
    link = next((r for r in card.findall(nodes.reference) if "sd-stretched-link" in r["classes"]), None)
    title = None
    if body is not None:
        title = next((c for c in body.children if "sd-card-title" in c.get("classes", ())), None)
    new = nodes.container(classes=["fr-card", *(["fr-enlarge-link"] if link else []),
                                   *_own_classes(card)])
    new["is_div"] = True
    new.source, new.line = card.source, card.line
    content = nodes.container(classes=["fr-card__content"], is_div=True)
    if title is not None:
        heading = card_title(classes=["fr-card__title"])
        heading["level"] = min(6, _section_depth(card) + 1)
        words = list(title.children[0].children if len(title.children) == 1 and
                     isinstance(title.children[0], nodes.TextElement) else title.children)
        if link is not None:
            target = nodes.reference("", "", *words,
                                     **{k: link[k] for k in ("refuri", "refid", "internal") if k in link})
            heading += target
        else:
            heading.extend(words)
        content += heading
    for child in (body.children if body is not None else []):
        if child is title:
            continue
        if isinstance(child, nodes.paragraph):
            child["classes"] = [c for c in child["classes"] if not c.startswith("sd-")] + ["fr-card__desc"]
        content += child
    new += nodes.container("", content, classes=["fr-card__body"], is_div=True)
    if image is not None:
        image["classes"] = ["fr-responsive-img"]
        new += nodes.container("", nodes.container("", image, classes=["fr-card__img"], is_div=True),
                               classes=["fr-card__header"], is_div=True)
    return new


def dsfr_cards(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    if not _site_builder(app):
        return
    for card in list(doctree.findall(lambda n: isinstance(n, nodes.container)
                                     and "sd-card" in n.get("classes", ()))):
        new = _card(card)
        new["ids"] = card["ids"]
        card.parent.replace(card, new)  # (replace_self would merge the sd-* classes back)
    for row in list(doctree.findall(lambda n: isinstance(n, nodes.container)
                                    and "sd-row" in n.get("classes", ()))):
        cols = []
        for cls in row["classes"]:
            match = _COLS_RE.match(cls)
            if match and 12 % int(match.group(2)) == 0:
                cols.append(f"fr-col{_DSFR_BREAKPOINT[match.group(1)]}-{12 // int(match.group(2))}")
        if not cols:
            cols = ["fr-col-12"]
        cols = list(dict.fromkeys(cols))
        for col in row.children:
            if isinstance(col, nodes.container) and "sd-col" in col["classes"]:
                col["classes"] = cols + _own_classes(col)
        row["classes"] = ["fr-grid-row", "fr-grid-row--gutters"] + _own_classes(row)
    for grid in list(doctree.findall(lambda n: isinstance(n, nodes.container)
                                     and "sd-container-fluid" in n.get("classes", ()))):
        grid["classes"] = ["guide-grid"] + _own_classes(grid)


def visit_card_title(self: HTML5Translator, node: card_title) -> None:
    self.body.append(self.starttag(node, f"h{node['level']}", ""))
    self._guide_heading = getattr(self, "_guide_heading", 0) + 1


def depart_card_title(self: HTML5Translator, node: card_title) -> None:
    self._guide_heading -= 1
    self.body.append(f"</h{node['level']}>\n")


# -- French hyphenation of headings ---------------------------------------------------------------

@lru_cache(maxsize=1)
def _hyphenator():
    import pyphen
    return pyphen.Pyphen(lang="fr", left=3, right=3)


_WORD_RE = re.compile(r"[^\W\d_]{%d,}" % HYPHENATE_FROM)


def hyphenate(text: str) -> str:
    """Soft hyphens (U+00AD) at the French hyphenation points of long words."""
    return _WORD_RE.sub(lambda m: _hyphenator().inserted(m.group(0), hyphen="\u00ad"), text)


# -- the translator -------------------------------------------------------------------------------

def permalink(ident: str, name: str) -> str:
    """A « # » link to an anchor: named for what it points at, never a tab stop (the page's
    headings, contents and side menu are the keyboard's way there); CSS shows it on hover."""
    return (f'<a class="headerlink" href="#{ident}" tabindex="-1" '
            f'aria-label="{html.escape(name)}">#</a>')


def _is_address(text: str) -> bool:
    return "://" in text or "@" in text or "www." in text


class _GlossaryEntries:
    """Glossary synonyms as one entry: `<dt id="term-DEEE">DEEE, <span id="term-D3E">D3E</span>`
    and one permalink, instead of one <dt> per term (which looked like a term without a
    definition). A mixin, so that other overrides of visit_term can still call super()."""

    def _guide_glossary_term(self, node: nodes.term) -> bool:
        return isinstance(node.parent.parent.parent, addnodes.glossary)

    def _guide_synonym(self, node: nodes.term) -> bool:
        return isinstance(node.previous_sibling(), nodes.term)

    def visit_term(self, node: nodes.term) -> None:
        if self._guide_glossary_term(node) and self._guide_synonym(node):
            self.body.append(self.starttag(node, "span", "").replace("<span", ", <span", 1))
            return
        super().visit_term(node)

    def depart_term(self, node: nodes.term) -> None:
        if not self._guide_glossary_term(node):
            super().depart_term(node)
            return
        if self._guide_synonym(node):
            self.body.append("</span>")
        if isinstance(node.next_node(descend=False, siblings=True), nodes.term):
            return  # the entry's <dt> goes on with the synonym
        first = node.parent.children[0]
        if first["ids"] and self.config.html_permalinks and self.builder.add_permalinks:
            self.body.append(permalink(first["ids"][0], f"Lien vers le terme « {first.astext()} »"))
        self.body.append("</dt>")


class GuideTranslator(_GlossaryEntries, HTML5Translator):
    """Sphinx's HTML5 translator, writing DSFR tables, callouts and highlights."""

    _guide_heading = 0
    _guide_tables = 0
    _guide_cells = 0
    _guide_mailto = False

    # headings and table cells: hyphenation; e-mail addresses: line breaks between their parts
    def visit_Text(self, node: nodes.Text) -> None:
        text = node.astext()
        if self._guide_mailto:
            text = re.sub(r"(@|&#64;)", r"\1<wbr>", self.encode(text))  # (Sphinx may cloak the @)
            self.body.append(re.sub(r"(\.|&#46;)", r"<wbr>\1", text))
            return
        if (self._guide_heading or self._guide_cells) and not self.protect_literal_text \
                and not _is_address(text):
            node = nodes.Text(hyphenate(text))
        super().visit_Text(node)

    def visit_entry(self, node: nodes.entry) -> None:
        self._guide_cells += 1
        super().visit_entry(node)

    def depart_entry(self, node: nodes.entry) -> None:
        self._guide_cells -= 1
        super().depart_entry(node)

    def visit_reference(self, node: nodes.Element) -> None:
        super().visit_reference(node)
        self._guide_mailto = node.get("refuri", "").startswith("mailto:")

    def depart_reference(self, node: nodes.Element) -> None:
        self._guide_mailto = False
        super().depart_reference(node)

    def visit_title(self, node: nodes.title) -> None:
        if isinstance(node.parent, nodes.table):
            self._visit_table_caption(node)
            return
        if isinstance(node.parent, nodes.Admonition) and "collapsible" not in node.parent:
            self.body.append(self.starttag(node, "p", "", CLASS="admonition-title fr-callout__title"))
            self.context.append("</p>\n")
            return
        if isinstance(node.parent, nodes.section):
            self._guide_heading += 1
            if self._guide_section_permalink(node.parent):
                self.body.append('<div class="guide-heading">')
        super().visit_title(node)

    def depart_title(self, node: nodes.title) -> None:
        if isinstance(node.parent, nodes.table):
            self._depart_table_caption(node)
            return
        if isinstance(node.parent, nodes.Admonition) and "collapsible" not in node.parent:
            self.body.append(self.context.pop())
            return
        if isinstance(node.parent, nodes.section):
            self._guide_heading -= 1
            super().depart_title(node)  # (add_permalink_ref writes nothing for a section)
            if self._guide_section_permalink(node.parent):
                self.body.append(permalink(node.parent["ids"][0],
                                           f"Lien vers la section « {node.astext()} »") + "</div>\n")
            return
        super().depart_title(node)

    def _guide_section_permalink(self, section: nodes.section) -> bool:
        """A section's permalink, after its heading: every section but the page's title (its
        address is the page's)."""
        return bool(self.section_level > 1 and section["ids"] and self.config.html_permalinks
                    and self.builder.add_permalinks)

    def add_permalink_ref(self, node: nodes.Element, title: str) -> None:
        if isinstance(node, nodes.section):
            return  # written after the heading (depart_title), not inside it
        if node["ids"] and self.config.html_permalinks and self.builder.add_permalinks:
            name = "Lien vers la figure" if isinstance(node, nodes.figure) else title
            self.body.append(permalink(node["ids"][0], name))

    # figures: one given a width scrolls rather than shrinks below it
    def visit_image(self, node: nodes.image) -> None:
        scroll = isinstance(node.parent, nodes.figure) and bool(node.get("width"))
        if scroll:
            self.body.append('<div class="guide-scroll">')
        super().visit_image(node)
        if scroll:
            self.body.append("</div>")

    def visit_caption(self, node: nodes.caption) -> None:
        start = len(self.body)
        super().visit_caption(node)
        figure = node.parent
        if isinstance(figure, nodes.figure) and figure["ids"]:  # <figcaption id>: names the scroll box
            for i in range(start, len(self.body)):
                if self.body[i].startswith("<figcaption>"):
                    self.body[i] = self.body[i].replace(
                        "<figcaption>", f'<figcaption id="{figure["ids"][0]}-legende">', 1)
                    break

    # tables
    def _table_start(self, node: nodes.table, caption_id: str | None) -> str:
        classes = ["docutils", f"align-{node.get('align', 'default')}"]
        atts = {"aria-labelledby": caption_id} if caption_id else {}
        if "width" in node:
            atts["style"] = f"width: {node['width']}"
        return ('<div class="fr-table__wrapper"><div class="fr-table__container">'
                '<div class="fr-table__content">' + self.starttag(node, "table", CLASS=" ".join(classes),
                                                                    **atts))

    def visit_table(self, node: nodes.table) -> None:
        self._table_row_indices.append(0)
        self._guide_tables += 1
        has_caption = isinstance(node.children[0], nodes.title) if node.children else False
        self.body.append('<div class="fr-table fr-table--multiline guide-table">\n')
        ids, node["ids"] = node["ids"], []  # the id goes on the box (caption links point at it)
        if ids:
            self.body[-1] = self.body[-1].replace('<div class=', f'<div id="{ids[0]}" class=', 1)
        node["guide_caption_id"] = f"{ids[0] if ids else 'tableau'}-{self._guide_tables}-legende"
        if not has_caption:
            self.body.append(self._table_start(node, None))

    def _visit_table_caption(self, node: nodes.title) -> None:
        self.body.append(f'<p class="guide-table__caption" id="{node.parent["guide_caption_id"]}">')

    def _depart_table_caption(self, node: nodes.title) -> None:
        self.body.append("</p>\n")
        self.body.append(self._table_start(node.parent, node.parent["guide_caption_id"]))

    def depart_table(self, node: nodes.table) -> None:
        self._table_row_indices.pop()
        self.body.append("</table>\n</div></div></div></div>\n")

    # callouts and highlights
    def visit_admonition(self, node: nodes.Element, name: str = "") -> None:
        colours = [ADMONITION_COLOURS[c] for c in [name, *node["classes"]] if c in ADMONITION_COLOURS]
        node["classes"] = [*node["classes"], "fr-callout", *colours[:1]]
        super().visit_admonition(node, name)

    def visit_block_quote(self, node: nodes.Element) -> None:
        node["classes"] = [*node["classes"], "fr-highlight"]
        super().visit_block_quote(node)

    # search: what Pagefind indexes, and where a result lands (see search.py)
    def visit_section(self, node: nodes.section) -> None:
        super().visit_section(node)
        self.body[-1] = search.tag_start(self, node, self.body[-1])

    def visit_term(self, node: nodes.term) -> None:
        super().visit_term(node)
        self.body[-1] = search.tag_start(self, node, self.body[-1])


def setup_markup(app: Sphinx) -> None:
    app.add_node(card_title, html=(visit_card_title, depart_card_title))
    app.set_translator("html", GuideTranslator)
    app.set_translator("dirhtml", GuideTranslator)
    app.connect("doctree-resolved", dsfr_cards, priority=600)
