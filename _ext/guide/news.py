"""News (« Actualités »): a post is one MyST file whose front matter says `type: news`.

- `{news-list}` (directive) renders the list of posts, newest first, from their front matter;
  adding a post means adding one file under the news folder, nothing else.
- A post shows its date under its title and, at its end, the link of its front matter
  (`link` + `linkTitle`); `` {news-link}`texte` `` links any words of the post to that same URL.
"""

from __future__ import annotations

import datetime as dt

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.docutils import SphinxDirective, SphinxRole

from .release import date_fr, parse_date


class news_list(nodes.General, nodes.Element):
    """Placeholder replaced by the list of posts once every page has been read."""


def posts(env: BuildEnvironment) -> list[tuple[dt.date, str, dict]]:
    """Every news post of the project as (date, docname, front matter), newest first."""
    found = []
    for docname in env.found_docs:
        meta = env.metadata.get(docname, {})
        if meta.get("type") == "news":
            day = parse_date(meta.get("date"))
            if day is not None:
                found.append((day, docname, meta))
    return sorted(found, key=lambda p: (p[0], p[1]), reverse=True)


class NewsListDirective(SphinxDirective):
    has_content = False
    option_spec = {"limit": directives.positive_int}

    def run(self):
        node = news_list()
        node["limit"] = self.options.get("limit")
        self.env.note_dependency(self.env.doc2path(self.env.docname))
        self.env.metadata[self.env.docname]["news_index"] = True
        return [node]


class NewsLinkRole(SphinxRole):
    """`` {news-link}`lors d’un webinaire` `` → a link to the front matter's `link`."""

    def run(self):
        url = self.env.metadata.get(self.env.docname, {}).get("link")
        if not url:
            msg = self.inliner.reporter.warning(
                "news-link : la page n'a pas de clé « link » dans son front matter ; "
                "ajoutez « link: https://… » ou retirez le rôle", line=self.lineno)
            return [nodes.Text(self.text)], [msg]
        ref = nodes.reference(self.rawtext, self.text, refuri=str(url))
        ref.line = self.lineno
        return [ref], []


def render_news(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    env = app.env
    meta = env.metadata.get(docname, {})
    # A post: date under the title, front matter link at the end.
    if meta.get("type") == "news":
        day = parse_date(meta.get("date"))
        section = next(iter(doctree.findall(nodes.section)), None)
        if section is not None and day is not None:
            title = section.next_node(nodes.title)
            para = nodes.paragraph(classes=["news-date"])
            para += nodes.Text("Publié le ")
            para += nodes.raw("", f'<time datetime="{day.isoformat()}">{date_fr(day)}</time>',
                              format="html")
            para += nodes.Text("")
            section.insert(section.index(title) + 1, para)
        if section is not None and meta.get("link"):
            para = nodes.paragraph(classes=["news-link"])
            para += nodes.reference("", str(meta.get("linkTitle") or meta["link"]),
                                    refuri=str(meta["link"]))
            section += para
    # The index: one entry per post, newest first.
    for node in list(doctree.findall(news_list)):
        items = nodes.bullet_list(classes=["news-list"])
        entries = posts(env)
        if node["limit"]:
            entries = entries[: node["limit"]]
        for day, post, post_meta in entries:
            item = nodes.list_item()
            para = nodes.paragraph()
            para += nodes.raw("", f'<time datetime="{day.isoformat()}">{date_fr(day)}</time> – ',
                              format="html")
            ref = nodes.reference("", "", internal=True,
                                  refuri=app.builder.get_relative_uri(docname, post))
            ref += nodes.Text(str(post_meta.get("title") or env.titles[post].astext()))
            para += ref
            item += para
            if post_meta.get("description"):
                item += nodes.paragraph(text=str(post_meta["description"]))
            items += item
        if not entries:
            items = nodes.paragraph(text="Aucune actualité pour le moment.")
        node.replace_self(items)


def outdated_news_index(app: Sphinx, env: BuildEnvironment, added: set, changed: set,
                        removed: set) -> list[str]:
    """Rebuild the page(s) holding {news-list} whenever a post is added, changed or removed."""
    # A new or changed page may have become (or stopped being) a post: we cannot know
    # before reading it, so re-render the index whenever any page changed (it is cheap).
    if not (added or changed or removed):
        return []
    return [d for d in env.found_docs if env.metadata.get(d, {}).get("news_index")]


def setup_news(app: Sphinx) -> None:
    app.add_node(news_list)
    app.add_directive("news-list", NewsListDirective)
    app.add_role("news-link", NewsLinkRole())
    app.connect("doctree-resolved", render_news)
    app.connect("env-get-outdated", outdated_news_index)
