"""Theme glue: what every HTML page shows around its content.

The template (_templates/layout.html) stays dumb; this module computes its pieces from the
doctree and the environment: the sidebar (« Sommaire ») with `aria-current`, the breadcrumbs,
the licence footer data, the version line under the title. Scripts are kept off every page
but the search page: the guide needs no JavaScript to be read.
"""

from __future__ import annotations

import datetime as dt
import re

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.builders.html import StandaloneHTMLBuilder

from .release import date_fr, parse_date, release_of  # noqa: F401 - release_of: pdf.py imports it from here

# Scripts Sphinx and sphinx-design add to every page; only the search page needs any of them.
_PAGE_SCRIPTS_KEPT_ON = {"search"}


def page_dates(app: Sphinx, docname: str) -> tuple[dt.date | None, dt.date | None]:
    """(published, updated) of a page from its front matter, tolerant of bad values
    (those are reported by the metadata check, not here)."""
    meta = app.env.metadata.get(docname, {})

    published = parse_date(meta.get("date")) if "date" in meta else None
    updated = parse_date(meta.get("updated")) if "updated" in meta else None
    return published, updated or published


def page_licence(app: Sphinx, docname: str) -> str:
    """The licence the page declares if the footer can show it (name and URL), else the
    guide's (the licence check then reports the mismatch)."""
    from .licence import expected_licence, licence_info
    lic = expected_licence(app, docname)
    return lic if licence_info(app, lic) else release_of(app).licence


def version_line(app: Sphinx, docname: str) -> str | None:
    """« Version bêta · mise à jour le 29 avril 2021 » as HTML, or None for a page without date."""
    _, updated = page_dates(app, docname)
    if updated is None:
        return None
    rel = release_of(app)
    return (f'<p class="version-line">Version {rel.version_title} · mise à jour le '
            f'<time datetime="{updated.isoformat()}">{date_fr(updated)}</time></p>')


def add_version_line(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Insert the version line right after the page's title (HTML builders only)."""
    if not isinstance(app.builder, StandaloneHTMLBuilder) or app.builder.name == "guidepdf":
        return
    meta = app.env.metadata.get(docname, {})
    if meta.get("type") == "news":
        return  # a news post shows its own date line (see news.py)
    html = version_line(app, docname)
    if html is None:
        return
    for section in doctree.findall(nodes.section):
        title = section.next_node(nodes.title)
        if title is not None:
            section.insert(section.index(title) + 1, nodes.raw("", html, format="html"))
        break


def _nav_html(app: Sphinx, pagename: str, context: dict) -> str:
    toctree = context.get("toctree")
    html = toctree(collapse=True, maxdepth=2, titles_only=True, includehidden=True) if toctree else ""
    # Mark the current page for assistive technologies (the toctree only gives a class).
    html = re.sub(r'<a class="current reference internal" href="#">',
                  '<a class="current reference internal" href="#" aria-current="page">', html)
    root = app.builder.get_relative_uri(pagename, app.config.root_doc)
    home_current = ' aria-current="page"' if pagename == app.config.root_doc else ""
    head = f'<ul class="nav-home"><li><a href="{root or "#"}"{home_current}>Accueil du guide</a></li></ul>'
    pdf = context.get("guide_pdf")
    tail = ""
    if pdf:
        tail = (f'<ul class="nav-download"><li><a href="{pdf["url"]}" download>Télécharger le guide '
                f'<span class="filesize">(pdf {pdf["size_fr"]})</span></a></li></ul>')
    return head + html + tail


def html_page_context(app: Sphinx, pagename: str, templatename: str, context: dict,
                      doctree) -> None:
    rel = release_of(app)
    if pagename not in _PAGE_SCRIPTS_KEPT_ON:
        context["script_files"] = []
    # Wide tables scroll inside their own box on small screens: keyboard users must be able
    # to reach and scroll them (WCAG 2.1.1, axe « scrollable-region-focusable »).
    if "<table" in context.get("body", ""):
        context["body"] = context["body"].replace('<table class="docutils', '<table tabindex="0" class="docutils')
    # Stylesheets a page does not use are not sent: sphinx-design's (55 Ko) only where a card
    # or grid is, Pygments' only where highlighted code is.
    body = context.get("body", "")
    needed = {"sphinx-design.min.css": "sd-" in body, "pygments.css": 'class="highlight' in body}
    context["css_files"] = [css for css in context.get("css_files", [])
                            if needed.get(str(getattr(css, "filename", css)).rsplit("/", 1)[-1], True)]
    meta = app.env.metadata.get(pagename, {}) if pagename in app.env.all_docs else {}
    context["guide_page"] = {"description": meta.get("description") or
                             app.env.metadata.get(app.config.root_doc, {}).get("description", "")}
    context["guide_nav"] = _nav_html(app, pagename, context)
    # The <title> as plain text: Jinja's striptags would fold French no-break spaces.
    if pagename in app.env.longtitles:
        context["guide_title_text"] = app.env.longtitles[pagename].astext()
    # Breadcrumbs: guide home › parents › current page (not a link).
    crumbs = []
    if pagename != app.config.root_doc:
        crumbs.append({"title": "Accueil du guide",
                       "link": app.builder.get_relative_uri(pagename, app.config.root_doc)})
        for parent in context.get("parents", []):
            crumbs.append({"title": parent["title"], "link": parent["link"]})
        crumbs.append({"title": context.get("title", ""), "link": None})
    context["guide_breadcrumbs"] = crumbs
    # Licence footer: licence of the page (front matter) or of the guide, publisher, last update.
    from .licence import licence_info
    lic = page_licence(app, pagename) if meta else rel.licence
    _, updated = page_dates(app, pagename) if meta else (None, None)
    context["guide_footer"] = {
        "licence": lic,
        "licence_name": licence_info(app, lic)[0],
        "licence_url": licence_info(app, lic)[1],
        "publisher": rel.publisher,
        "updated": updated,
        "updated_iso": updated.isoformat() if updated else "",
        "updated_fr": date_fr(updated) if updated else "",
    }


def setup_theme(app: Sphinx) -> None:
    app.connect("doctree-resolved", add_version_line)
    app.connect("html-page-context", html_page_context)
