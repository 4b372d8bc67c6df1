"""Per-page data of the guide's checks, kept the Sphinx way: one EnvironmentCollector.

While a page is read, the collector keeps, in the environment, one `Page` record: its front
matter as YAML typed it (read once, see metadata.py) with the line of each key, the findings
that concern the page alone, and its links and anchors (links.py). Sphinx purges a page's
record when the page is re-read or removed, and merges the records of parallel readers
(`-j`): nothing else in the extension stores per-page state.

The checks that compare pages with each other or with the release run on every build from
these records (findings.py, on `env-updated`), so that an incremental or a no-op build
reports every current finding.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass, field

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.environment.collectors import EnvironmentCollector


@dataclass
class Page:
    """What the checks know about one page."""
    meta: dict = field(default_factory=dict)          # front matter, YAML types ({} if unreadable)
    lines: dict[str, int] = field(default_factory=dict)   # line of each front-matter key
    findings: list = field(default_factory=list)      # findings.Finding about this page alone
    links: list = field(default_factory=list)         # links.Link, sorted
    anchors: set[str] = field(default_factory=set)    # ids a link may point to


def pages(env: BuildEnvironment) -> dict[str, Page]:
    """Every page's record (docname -> Page)."""
    if not hasattr(env, "guide_pages"):
        env.guide_pages = {}
    return env.guide_pages


def page(env: BuildEnvironment, docname: str) -> Page:
    return pages(env).setdefault(docname, Page())


class GuideCollector(EnvironmentCollector):
    """Front matter at `source-read`, links and anchors at `doctree-read`."""

    def enable(self, app: Sphinx) -> None:
        super().enable(app)
        self.listener_ids["source-read"] = app.connect("source-read", self.read_source)

    def clear_doc(self, app: Sphinx, env: BuildEnvironment, docname: str) -> None:
        pages(env).pop(docname, None)

    def merge_other(self, app: Sphinx, env: BuildEnvironment, docnames: Set[str],
                    other: BuildEnvironment) -> None:
        theirs = pages(other)
        for docname in docnames:
            if docname in theirs:
                pages(env)[docname] = theirs[docname]

    def read_source(self, app: Sphinx, docname: str, source: list[str]) -> None:
        from .metadata import read_page
        pages(app.env)[docname] = read_page(app, docname, source)

    def process_doc(self, app: Sphinx, doctree: nodes.document) -> None:
        from .links import collect
        docname = app.env.current_document.docname
        record = page(app.env, docname)
        record.links, record.anchors = collect(app, doctree, record)


def setup_collector(app: Sphinx) -> None:
    app.add_env_collector(GuideCollector)
