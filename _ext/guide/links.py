"""Link validity, internal part: every link of every page, checked offline in every build.

Collected while each page is read (a record per link: kind, target, fragment, line), kept in
the environment per page, and checked once all pages are read, against every page's anchors:
so a link in page A is re-checked when an anchor of page B disappears, even if A did not
change, and the findings are the same with `-j 1` and `-j auto`. External URLs are collected
the same way, for the on-demand check of `make linkcheck` (see linkcheck.py).
"""

from __future__ import annotations

import difflib
import posixpath
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import docname_join

from . import findings
from .collector import Page, pages
from .config import settings

CHECK = "links"


@dataclass(frozen=True, order=True)
class Link:
    line: int
    kind: str        # page | label | term | local | file | external
    target: str      # docname, label, term, path or URL
    fragment: str = ""
    text: str = ""   # how the writer wrote it, for the message
    source: str = ""  # the file that holds it when not the page's own: an {include}d fragment


def _line(node: nodes.Node) -> int:
    while node is not None:
        if getattr(node, "line", None):
            return node.line
        node = node.parent
    return 0


def _source(node: nodes.Node) -> str:
    """The file a node was read from (MyST gives the nodes of an {include}d file its path)."""
    while node is not None:
        if getattr(node, "source", None):
            return node.source
        node = node.parent
    return ""


class _HTMLLinks(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.urls.append(value)


def _classify_uri(env: BuildEnvironment, docname: str, uri: str, line: int) -> Link | None:
    """A URL written by hand (Markdown link that MyST left as is, raw HTML, image)."""
    parts = urlsplit(uri)
    if parts.scheme in ("http", "https"):
        return Link(line, "external", uri, text=uri)
    if parts.scheme or uri.startswith("//"):
        return None  # mailto:, tel:, data:… are not fetched
    if not parts.path:
        return Link(line, "local", parts.fragment, text=uri) if parts.fragment else None
    base = posixpath.dirname(docname)
    path = posixpath.normpath(posixpath.join(base, unquote(parts.path)))
    stem, ext = posixpath.splitext(path)
    if ext in (".html", ".md", ""):
        return Link(line, "page", stem, parts.fragment, text=uri)
    return Link(line, "file", path, text=uri)


def collect(app: Sphinx, doctree: nodes.document, page: Page) -> tuple[list[Link], set[str]]:
    """doctree-read (through the collector): every link and every anchor of the page."""
    env = app.env
    docname = env.current_document.docname
    links: list[Link] = []
    own = str(Path(doctree.get("source") or env.doc2path(docname)).resolve())
    for node in doctree.findall():
        before = len(links)
        _collect_node(env, docname, node, links)
        source = _source(node) if len(links) > before else ""
        if source and str(Path(source).resolve()) != own:
            # A link of an {include}d fragment: its file and line are the fragment's.
            links[before:] = [Link(k.line, k.kind, k.target, k.fragment, k.text, source)
                              for k in links[before:]]
    anchors = {i for node in doctree.findall(nodes.Element) for i in node.get("ids", [])}
    anchors |= set(env.metadata.get(docname, {}).get("myst_slugs", {}))
    # Links whose URL sits in the front matter (a news post's `link`).
    for key in ("link",):
        value = page.meta.get(key)
        if isinstance(value, str) and urlsplit(value).scheme in ("http", "https"):
            links.append(Link(page.lines.get(key, 1), "external", value, text=value))
    links = _refine_lines(doctree.get("source"), links, docname)
    return sorted(set(links)), anchors


def _collect_node(env: BuildEnvironment, docname: str, node: nodes.Node, links: list[Link]) -> None:
    """The links one node makes, appended to `links`."""
    if isinstance(node, addnodes.pending_xref):
        reftype, target = node.get("reftype"), node.get("reftarget", "")
        line = _line(node)
        if reftype == "myst" and node.get("refdomain") == "doc":
            links.append(Link(line, "page", target, node.get("reftargetid") or "",
                              text=f"{target}{'#' + node['reftargetid'] if node.get('reftargetid') else ''}"))
        elif reftype == "myst" and ("#" in target.strip("#") or
                                    target.endswith((".md", ".html"))):
            # A path MyST did not resolve itself (page.md missing, page.html#id…).
            link = _classify_uri(env, docname, target, line)
            if link:
                links.append(link)
        elif reftype == "myst" and _PATH_LIKE.search(target):
            # A file path MyST found no file for (../labels/produits without .md, an image
            # that is not there): said as a path, not as an anchor « #../labels/produits ».
            path = posixpath.normpath(posixpath.join(posixpath.dirname(docname), unquote(target)))
            links.append(Link(line, "path", path, text=target))
        elif reftype == "myst" and target:   # [x](#) alone: the top of the page
            links.append(Link(line, "local", target, text=f"#{target}"))
        elif reftype == "doc":
            links.append(Link(line, "page", docname_join(docname, target), text=target))
        elif reftype in ("ref", "numref"):
            links.append(Link(line, "label", target.lower(), text=target))
        elif reftype == "term":
            links.append(Link(line, "term", target, text=target))
        elif reftype == "any":
            links.append(Link(line, "local", target, text=target))
    elif isinstance(node, addnodes.download_reference):
        target = node.get("reftarget", "")
        if urlsplit(target).scheme in ("http", "https"):
            links.append(Link(_line(node), "external", target, text=target))
        else:
            path = posixpath.normpath(posixpath.join(posixpath.dirname(docname), target)) \
                if not target.startswith("/") else target.lstrip("/")
            links.append(Link(_line(node), "file", path, text=target))
    elif isinstance(node, nodes.image):
        uri = node.get("uri", "")
        if urlsplit(uri).scheme in ("http", "https"):
            links.append(Link(_line(node), "external", uri, text=uri))
        elif uri and "*" not in uri:
            # Sphinx has already made the path relative to the source folder.
            links.append(Link(_line(node), "file", posixpath.normpath(uri), text=uri))
    elif isinstance(node, nodes.reference) and node.get("refuri"):
        link = _classify_uri(env, docname, node["refuri"], _line(node))
        if link:
            links.append(link)
    elif isinstance(node, nodes.raw) and "html" in node.get("format", "").split():
        parser = _HTMLLinks()
        parser.feed(node.astext())
        for uri in parser.urls:
            link = _classify_uri(env, docname, uri, _line(node))
            if link:
                links.append(link)


#: a Markdown link destination that is a path (a folder or an extension), not an anchor's name
_PATH_LIKE = re.compile(r"/|\.[A-Za-z0-9]{1,5}$")


def _needles(link: Link) -> list[str]:
    """What the link looks like in the Markdown source, most precise first."""
    text = link.text
    if link.kind == "page":
        found = [f"#{link.fragment})", f"#{link.fragment}\"", f"#{link.fragment}>"] if link.fragment else []
        return found + [f"({text})", f"({text}#", f"<{text}>", f":link: {text}", f"`{text}`",
                        f'"{text}"', text]
    if link.kind == "local":
        name = link.target
        if not text.startswith("#"):   # a role ({any}), not a Markdown #link
            return [f"`{name}`", f"<{name}>`", name]
        return [f"(#{name})", f"({name})", f"#{name}\"", f"`{name}`", f"<{name}>`", name]
    if link.kind == "path":
        return [f"({text})", f"<{text}>", text]
    if link.kind in ("label", "term"):
        return [f"`{text}`", f"<{text}>`", text]
    return [text]


_DESTINATION = re.compile(r"\]\(<?([^)\s>]+)>?\)")


def _as_written(line: str, link: Link, docname: str) -> str:
    """The destination of a Markdown link to a page as the writer typed it on `line`
    (b.md#x rather than b#x), when it can be told; else the link's own text."""
    for dest in _DESTINATION.findall(line):
        path, _, fragment = dest.partition("#")
        if fragment != link.fragment or urlsplit(dest).scheme:
            continue
        stem = posixpath.splitext(posixpath.normpath(posixpath.join(posixpath.dirname(docname),
                                                                    unquote(path))))[0]
        if stem == link.target:
            return dest
    return link.text


def _refine_lines(source: str | None, links: list[Link], docname: str = "") -> list[Link]:
    """Inline nodes only know the first line of their paragraph: find the line that holds
    the link itself, searching forward from there, in the file that holds it (the page, or an
    {include}d fragment). The same link written twice in a paragraph is found at each of its
    lines, in order."""
    out = []
    for origin in sorted({link.source for link in links}):
        group = [link for link in links if link.source == origin]
        out += _refine_file(origin or source, group, docname)
    return out


def _refine_file(source: str | None, links: list[Link], docname: str) -> list[Link]:
    try:
        lines = Path(source).read_text(encoding="utf-8", errors="replace").splitlines()
    except (OSError, TypeError):
        return links
    used: dict[tuple[str, int], int] = {}
    out = []
    for link in sorted(links):
        line, text = link.line, link.text
        window = range(line, min(len(lines), line + 60) + 1) if line else range(0)
        for needle in _needles(link):
            hit = next((n for n in window if needle and
                        lines[n - 1].count(needle) > used.get((needle, n), 0)), None)
            if hit:
                used[(needle, hit)] = used.get((needle, hit), 0) + 1
                line = hit
                if link.kind == "page" and text.startswith(link.target):
                    text = _as_written(lines[hit - 1], link, docname)
                break
        out.append(Link(line, link.kind, link.target, link.fragment, text, link.source))
    return out


def external_links(env: BuildEnvironment) -> list[tuple[str, Link]]:
    """Every occurrence of every external URL: (docname, link), in document order."""
    records = pages(env)
    return [(d, link) for d in sorted(records) if d in env.found_docs
            for link in records[d].links if link.kind == "external"]


def _close(word: str, candidates, prefix: str = "") -> str:
    near = difflib.get_close_matches(word, sorted(candidates), n=3, cutoff=0.5)
    return ", ".join(f"{prefix}{n}" for n in near)


def check_internal(app: Sphinx, env: BuildEnvironment) -> None:
    std = env.domaindata.get("std", {})
    labels = {**std.get("anonlabels", {}), **std.get("labels", {})}  # name -> (docname, id, …)
    terms = {name.lower() for (kind, name) in std.get("objects", {}) if kind == "term"}
    srcdir = Path(app.srcdir)
    docs = set(env.found_docs)
    records = pages(env)
    anchors = {docname: record.anchors for docname, record in records.items()}

    for docname in sorted(docs & records.keys()):

        def report(link: Link, code: str, message: str, fix: str, docname: str = docname) -> None:
            # A link of an {include}d fragment: once, at the fragment's file and line, whatever
            # the number of pages that include it.
            where = {"path": link.source} if link.source else {"docname": docname}
            findings.emit(app, findings.make(app, CHECK, code, message, fix,
                                             line=link.line or None, **where))

        for link in records[docname].links:
            if link.kind == "page":
                target = link.target
                if target not in docs and f"{target}/index" in docs:
                    target = f"{target}/index"
                if target not in docs:
                    near = _close(target, docs)
                    report(link, "page-unknown",
                           f"lien interne cassé vers « {link.text} » : page inconnue",
                           f"pages proches : {near}" if near else "vérifiez le chemin (relatif, avec .md)")
                elif link.fragment and not _has_anchor(link.fragment, target, anchors, labels):
                    near = _close(link.fragment, anchors.get(target, set()), "#")
                    report(link, "anchor-unknown",
                           f"lien interne cassé vers « {link.text} » : ancre inconnue "
                           f"#{link.fragment} dans {target}",
                           f"ancres proches : {near}" if near else
                           "ajoutez la cible « (nom)= » avant le titre visé")
            elif link.kind == "local":
                name = link.target
                markdown = link.text.startswith("#")   # [x](name), not a role
                relative = posixpath.normpath(posixpath.join(posixpath.dirname(docname), name))
                if not (_has_anchor(name, docname, anchors, labels) or name.lower() in labels
                        or name.lower() in terms or (name in docs and not markdown)):
                    if markdown and relative in docs:   # [x](page) without its .md
                        report(link, "file-unknown", f"fichier introuvable : « {name} »",
                               f"vouliez-vous dire « {name}.md » ?")
                        continue
                    near = _close(name, anchors.get(docname, set()) | set(labels), "#")
                    report(link, "target-unknown",
                           f"lien interne cassé vers « {link.text} » : cible inconnue",
                           f"cibles proches : {near}" if near else
                           "ajoutez la cible « (nom)= » avant le titre visé")
            elif link.kind == "path":
                _check_path(link, docname, docs, anchors, labels, srcdir, report)
            elif link.kind == "label" and link.target not in labels:
                near = _close(link.target, labels)
                report(link, "label-unknown", f"{{ref}} vers « {link.text} » : étiquette inconnue",
                       f"étiquettes proches : {near}" if near else "déclarez « (nom)= » avant le titre visé")
            elif link.kind == "term" and link.target.lower() not in terms:
                near = _close(link.target.lower(), terms)
                report(link, "term-unknown", f"{{term}} « {link.text} » : terme absent du glossaire",
                       f"termes proches : {near}" if near else "ajoutez-le au glossaire (docs/glossaire.md)")
            elif link.kind == "file" and not (srcdir / link.target).is_file():
                report(link, "file-unknown", f"fichier introuvable : « {link.text} »",
                       "vérifiez le chemin, relatif à la page (images dans docs/_images/)")


def _check_path(link: Link, docname: str, docs: set[str], anchors, labels, srcdir: Path,
                report) -> None:
    """A Markdown link to a path that is no file (review M12): a page without its .md, a
    missing file. A label or an anchor named like a path (« fig.1 ») is no path."""
    if _has_anchor(link.text, docname, anchors, labels) or link.text.lower() in labels:
        return
    target = link.target
    if (srcdir / target).is_file():
        return
    page = next((t for t in (target, f"{target}/index") if t in docs), None)
    if page is not None and not posixpath.splitext(target)[1]:
        written = link.text.rstrip("/") + ("/index" if page.endswith("/index") and
                                          not target.endswith("/index") else "")
        report(link, "file-unknown", f"fichier introuvable : « {link.text} »",
               f"vouliez-vous dire « {written}.md » ?")
        return
    near = _close(target, docs) if not posixpath.splitext(target)[1] else ""
    report(link, "file-unknown", f"fichier introuvable : « {link.text} »",
           f"pages proches : {near}" if near else
           "vérifiez le chemin, relatif à la page (une page : avec .md)")


def _has_anchor(fragment: str, docname: str, anchors: dict[str, set[str]], labels: dict) -> bool:
    if fragment in anchors.get(docname, set()):
        return True
    entry = labels.get(fragment)   # by its exact name, as MyST resolves a page's fragment
    return bool(entry and entry[0] == docname)


# Sphinx and MyST would report the same broken references again, without location details
# or suggestions: ours replace them (guide_links_replace_builtin = False keeps both).
BUILTIN_SUBTYPES = ["myst.xref_missing", "ref.ref", "ref.doc", "ref.term", "ref.any",
                    "myst.topmatter"]  # front matter: reported by metadata.py, with the line


def _config_inited(app: Sphinx, config) -> None:
    if settings(app).links_replace_builtin:
        config.suppress_warnings = list(config.suppress_warnings) + \
            [s for s in BUILTIN_SUBTYPES if s not in config.suppress_warnings]


def setup_links(app: Sphinx) -> None:
    app.connect("config-inited", _config_inited)
    app.connect("env-updated", check_internal)
