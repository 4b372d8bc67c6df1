"""The site's search: French stemming as Sphinx does it, excerpts without fetching any page.

Sphinx's own search page downloads its whole index (searchindex.js), then fetches every result
page to cut an excerpt out of it: one query for « reconditionné » cost 21 requests and 458 Ko
here. This module writes, at the end of an HTML build, an index *with its excerpts*, split by
the first two letters of each term so that a query loads only what it needs:

- `_search/<clé>.js` — for every term (Snowball French stem, as Sphinx's index: the same
  stemmer runs in the browser from Sphinx's `language_data.js`; numbers are kept as they are,
  so that « 80 PLUS » finds the label) and every page holding it: the page, the anchor of the
  section (or glossary entry) where it first appears, a score (page title > heading > text,
  then occurrences) and an excerpt of about 200 characters around that first occurrence.
  A heading hit shows the heading followed by the start of its section;
- the search page itself carries, inline, the list of pages (address, title, kind) and of the
  index files that exist (a query never asks for a missing file).

`_static/guide-search.js` stems the query, loads one file per query word (prefixes of a word
share its file), keeps the pages holding every word (one result per page: the glossary is one
hit, pointing at its entry) and renders them with the `<template>` of `_templates/search.html`.
The index is built from the doctrees the site writes (never from the HTML), as Sphinx's own index
is; the blocks of each page are kept in the doctree folder, so that an incremental build, which
writes only the pages that changed, still indexes every page.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.builders.html import StandaloneHTMLBuilder
from sphinx.search.fr import SearchFrench
from sphinx.util import logging

logger = logging.getLogger(__name__)

OUT_DIR = "_search"
EXCERPT = 200            # characters of an excerpt
BEFORE = 70              # of which before the word found
WORD_RE = re.compile(r"\w+")
#: what a page's front matter `type` is called in a result
KIND_LABELS = {"home": "Accueil", "section": "Rubrique", "fiche": "Fiche pratique",
               "news": "Actualité", "page": "Page"}
SCORE_TITLE, SCORE_HEADING, MAX_COUNT = 100, 40, 30
SHARD_BYTES = 16_000     # an index file is split by a longer prefix beyond this size
MAX_KEY = 5


@dataclass(frozen=True)
class Block:
    """A unit of text of a page: a paragraph, a heading, a table cell, a glossary term…"""
    anchor: str          # id of its section or glossary entry ("" = top of the page)
    section: str         # title of that section or entry ("" at the top)
    kind: str            # "title" (the page's), "heading", "text" or "meta" (raw HTML)
    text: str


_SKIP = (nodes.comment, nodes.substitution_definition, nodes.system_message,
         nodes.target, nodes.image, addnodes.toctree, nodes.Invisible)
_BLOCKS = (nodes.paragraph, nodes.literal_block, nodes.line, nodes.rubric, nodes.caption,
           nodes.doctest_block, nodes.math_block)


def _text(node: nodes.Node) -> str:
    return " ".join(node.astext().split())


def page_blocks(doctree: nodes.document) -> list[Block]:
    """The page's text, block by block, each with the anchor a result should point at."""
    blocks: list[Block] = []

    def walk(node: nodes.Node, anchor: str, section: str, depth: int) -> None:
        if isinstance(node, _SKIP) or (isinstance(node, nodes.Element)
                                       and "no-search" in node.get("classes", ())):
            return
        if isinstance(node, nodes.raw):
            # raw HTML (the version line, the download card…): searched as Sphinx does, tags
            # stripped, but never shown as the start of an excerpt
            if "html" in node.get("format", "").split():
                text = " ".join(re.sub(r"<[^<]+?>", " ", node.astext()).split())
                if text:
                    blocks.append(Block(anchor, section, "meta", text))
            return
        if isinstance(node, nodes.section):
            title = node.next_node(nodes.title)
            text = _text(title) if title is not None else ""
            if depth == 0:
                anchor, section = "", ""
                blocks.append(Block("", "", "title", text))
            else:
                anchor, section = (node["ids"] or [anchor])[0], text
                blocks.append(Block(anchor, section, "heading", text))
            for child in node.children:
                if child is not title:
                    walk(child, anchor, section, depth + 1)
            return
        if isinstance(node, nodes.definition_list_item):
            term = node.next_node(nodes.term)
            if term is not None and term["ids"]:  # a glossary entry: a heading of its own
                anchor, section = term["ids"][0], _text(term)
                blocks.append(Block(anchor, section, "heading", section))
                for child in node.children:
                    if child is not term:
                        walk(child, anchor, section, depth)
                return
        if isinstance(node, (nodes.title, nodes.term, nodes.Text)) or isinstance(node, _BLOCKS):
            text = _text(node)  # (a bare Text: words outside any paragraph, e.g. a card title)
            if text:
                blocks.append(Block(anchor, section, "text", text))
            return
        for child in node.children:
            walk(child, anchor, section, depth)

    walk(doctree, "", "", 0)  # depth = enclosing sections: the page's title section is at 0
    return blocks


class Terms:
    """Words → index terms, exactly as the browser turns a query into terms."""

    def __init__(self):
        self.lang = SearchFrench({})
        self._cache: dict[str, str | None] = {}

    def term(self, word: str) -> str | None:
        word = word.lower()
        if word not in self._cache:
            if len(word) < 2 or word in self.lang.stopwords:
                self._cache[word] = None
            elif word.isdigit():
                self._cache[word] = word
            else:  # as Sphinx's index: a stem that is a stop word (« toner » → « ton ») is not one
                stem = self.lang.stem(word).lower()
                self._cache[word] = word if not stem or stem in self.lang.stopwords else stem
        return self._cache[word]

    def positions(self, text: str):
        for match in WORD_RE.finditer(text):
            term = self.term(match.group(0))
            if term:
                yield match.start(), term


def fold(term: str) -> str:
    """A term as index file names spell it: no accents, [a-z0-9_] only (« écol » → « ecol »)."""
    folded = "".join(c for c in unicodedata.normalize("NFD", term) if unicodedata.category(c) != "Mn")
    return re.sub(r"[^a-z0-9]", "_", folded)


def shard_keys(terms_bytes: dict[str, int], limit: int = SHARD_BYTES) -> list[str]:
    """Index file names: two-letter prefixes, lengthened one letter at a time (up to
    MAX_KEY letters) where a file would exceed `limit` bytes. A term belongs to the longest
    key its folded spelling starts with: every word a query term is a prefix of shares its file."""
    keys: list[str] = []

    def split(prefix: str, members: dict[str, int]) -> None:
        if sum(members.values()) <= limit or len(prefix) >= MAX_KEY:
            keys.append(prefix)
            return
        longer: dict[str, dict[str, int]] = {}
        for term, size in members.items():
            folded = fold(term)
            if len(folded) <= len(prefix):
                continue
            longer.setdefault(folded[:len(prefix) + 1], {})[term] = size
        if sum(len(group) for group in longer.values()) < len(members):
            keys.append(prefix)  # terms as short as the prefix itself stay in its file
        for sub, sub_members in sorted(longer.items()):
            split(sub, sub_members)

    by_prefix: dict[str, dict[str, int]] = {}
    for term, size in terms_bytes.items():
        by_prefix.setdefault(fold(term)[:2], {})[term] = size
    for prefix, members in sorted(by_prefix.items()):
        split(prefix, members)
    return keys


def key_of(term: str, keys) -> str:
    """The longest index file name the term's folded spelling starts with."""
    folded = fold(term)
    for length in range(min(len(folded), MAX_KEY), 0, -1):
        if folded[:length] in keys:
            return folded[:length]
    return folded[:2]


def excerpt(text: str, pos: int | None) -> str:
    """About EXCERPT characters of `text` around `pos`, cut at spaces, with « … » where cut."""
    if len(text) <= EXCERPT:
        return text
    start = 0 if pos is None else max(0, pos - BEFORE)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < pos else start
    end = min(len(text), start + EXCERPT)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > (pos or 0) else end
    return ("… " if start else "") + text[start:end].strip() + (" …" if end < len(text) else "")


def _following(blocks: list[Block], start: int, anchor: str, wanted: int) -> str:
    """Text of the blocks from `start` on, in the same section, up to `wanted` characters."""
    out: list[str] = []
    for block in blocks[start:]:
        if wanted <= 0 or block.anchor != anchor or block.kind != "text":
            break
        out.append(block.text)
        wanted -= len(block.text) + 1
    return " ".join(out)


def page_entries(blocks: list[Block], terms: Terms) -> dict[str, tuple[str, str, int, str]]:
    """term → (anchor, section title, score, excerpt) for one page."""
    found: dict[str, dict] = {}
    for index, block in enumerate(blocks):
        for pos, term in terms.positions(block.text):
            entry = found.setdefault(term, {"count": 0, "title": False, "heading": None,
                                            "first": None})
            entry["count"] += 1
            if block.kind == "title":
                entry["title"] = True
            elif block.kind == "heading" and entry["heading"] is None:
                entry["heading"] = index
            if entry["first"] is None and block.kind in ("text", "meta"):
                entry["first"] = (index, pos)
    intro = next((b.text for b in blocks if b.kind == "text" and not b.anchor), "")
    out = {}
    for term, entry in found.items():
        score = min(entry["count"], MAX_COUNT)
        if entry["title"]:
            anchor, section, text = "", "", excerpt(intro, None)
            score += SCORE_TITLE
        elif entry["heading"] is not None:
            head = blocks[entry["heading"]]
            follow = _following(blocks, entry["heading"] + 1, head.anchor, EXCERPT)
            anchor, section = head.anchor, head.section
            text = excerpt(f"{head.text} — {follow}" if follow else head.text, 0)
            score += SCORE_HEADING
        elif entry["first"] is not None:
            index, pos = entry["first"]
            block = blocks[index]
            # a short block (a list item, a table cell, a box title) goes on with what follows it
            more = _following(blocks, index + 1, block.anchor, pos + EXCERPT - BEFORE - len(block.text))
            anchor, section = block.anchor, block.section
            text = excerpt(f"{block.text} {more}" if more else block.text, pos)
        else:
            continue
        out[term] = (anchor, section, score, text)
    return out


def build_index(pages: list[tuple[str, list[Block]]], terms: Terms) -> dict[str, dict[str, list]]:
    """file name → term → [[page number, anchor, score, excerpt, section], …] (best first;
    the section title only when the excerpt does not already start with it)."""
    hits: dict[str, list] = {}
    for number, (_, blocks) in enumerate(pages):
        for term, (anchor, section, score, text) in page_entries(blocks, terms).items():
            hit = [number, anchor, score, text]
            if section and not text.startswith(section):
                hit.append(section)
            hits.setdefault(term, []).append(hit)
    for term_hits in hits.values():
        term_hits.sort(key=lambda h: (-h[2], h[0]))
    sizes = {t: len(json.dumps([t, h], ensure_ascii=False).encode()) for t, h in hits.items()}
    keys = shard_keys(sizes)
    key_set = set(keys)
    shards: dict[str, dict[str, list]] = {k: {} for k in keys}
    for term, term_hits in sorted(hits.items()):
        shards[key_of(term, key_set)][term] = term_hits
    return {k: v for k, v in shards.items() if v}


def _js(call: str, *args) -> str:
    data = ",".join(json.dumps(a, ensure_ascii=False, separators=(",", ":")) for a in args)
    return f"GuideSearch.{call}({data});\n"


def _site_builder(app: Sphinx) -> bool:
    return isinstance(app.builder, StandaloneHTMLBuilder) and app.builder.name in ("html", "dirhtml")


def search_pages(app: Sphinx) -> list[str]:
    """Every page of the site, in a stable order."""
    return sorted(app.env.found_docs)


CACHE = "guide-search-blocks.json"   # in the doctree folder: the blocks of every page


def collect_blocks(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """The page's blocks, from the doctree the site writes (cross-references resolved, the news
    list and the cards filled in), as Sphinx's own index reads it."""
    if _site_builder(app):
        app._guide_blocks = getattr(app, "_guide_blocks", None) or {}  # noqa: SLF001
        app._guide_blocks[docname] = page_blocks(doctree)


def _cache_version() -> str:
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()  # new code: new blocks


def _outdated(app: Sphinx, env, added, changed, removed) -> list[str]:
    """Without a valid cache of blocks (first build, new code), every page is written again, so
    that every page is indexed from the doctree the site writes."""
    if not _site_builder(app):
        return []
    try:
        data = json.loads((Path(app.doctreedir) / CACHE).read_text(encoding="utf-8"))
        if data.get("version") == _cache_version():
            return []
    except (OSError, ValueError, AttributeError):
        pass
    return sorted(env.found_docs)


def _all_blocks(app: Sphinx) -> dict[str, list[Block]]:
    """Blocks of every page: this build's, and the previous builds' for the pages not written
    again (an incremental build writes only what changed); kept in the doctree folder."""
    cache = Path(app.doctreedir) / CACHE
    version = _cache_version()
    try:
        data = json.loads(cache.read_text(encoding="utf-8"))
        stored = {d: [Block(*b) for b in blocks] for d, blocks in data["pages"].items()} \
            if data.get("version") == version else {}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        stored = {}
    stored.update(getattr(app, "_guide_blocks", None) or {})
    found = search_pages(app)
    for docname in found:
        if docname not in stored:  # not written by this build and no cache: its stored doctree
            stored[docname] = page_blocks(app.env.get_doctree(docname))
    stored = {d: stored[d] for d in found}
    pages = {d: [list(dataclasses.astuple(b)) for b in blocks] for d, blocks in stored.items()}
    cache.write_text(json.dumps({"version": version, "pages": pages}, ensure_ascii=False),
                     encoding="utf-8")
    return stored


def _index(app: Sphinx) -> dict[str, dict[str, list]]:
    """The index of this build, computed once (the search page lists its files)."""
    shards = getattr(app, "_guide_search_index", None)
    if shards is None:
        blocks = _all_blocks(app)
        pages = [(d, blocks[d]) for d in search_pages(app)]
        shards = app._guide_search_index = build_index(pages, Terms())  # noqa: SLF001
    return shards


def write_index(app: Sphinx, exception) -> None:
    if exception is not None or not _site_builder(app) or not app.builder.search:
        return
    shards = _index(app)
    app._guide_search_index = app._guide_blocks = None  # noqa: SLF001 - the next build starts afresh
    out = Path(app.outdir) / OUT_DIR
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for key, shard in sorted(shards.items()):
        (out / f"{key}.js").write_text(_js("add", key, shard), encoding="utf-8")
    logger.info("recherche : %d termes, %d fichiers d'index dans %s/",
                sum(len(s) for s in shards.values()), len(shards), OUT_DIR)


def search_context(app: Sphinx) -> dict:
    """What the search page carries inline: pages and existing index files."""
    pages = []
    for docname in search_pages(app):
        meta = app.env.metadata.get(docname, {})
        title = app.env.titles[docname].astext() if docname in app.env.titles else docname
        pages.append([app.builder.get_target_uri(docname), title,
                      KIND_LABELS.get(meta.get("type"), "Page")])
    return {"pages": pages, "shards": sorted(_index(app)), "maxKey": MAX_KEY}


def _page_context(app: Sphinx, pagename, templatename, context, doctree) -> None:
    if pagename == "search" and _site_builder(app):
        context["guide_search_data"] = json.dumps(search_context(app), ensure_ascii=False,
                                                  separators=(",", ":")).replace("</", "<\\/")


def setup_search(app: Sphinx) -> None:
    app.connect("doctree-resolved", collect_blocks, priority=900)
    app.connect("env-get-outdated", _outdated)
    app.connect("html-page-context", _page_context)
    app.connect("build-finished", write_index, priority=450)
