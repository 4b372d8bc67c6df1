"""Theme glue: what every HTML page shows around its content.

The template (_templates/layout.html) stays dumb; this module computes its pieces from the
doctree and the environment: the sidebar (« Sommaire ») with `aria-current`, the breadcrumbs,
the licence footer data, the version line under the title. Scripts are kept off every page
but the search page: the guide needs no JavaScript to be read.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path
from urllib.parse import urlsplit

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.builders.html import StandaloneHTMLBuilder
from sphinx.environment.adapters.toctree import global_toctree_for_doc
from sphinx.util.docutils import SphinxDirective

from .release import date_fr, parse_date, release_of  # noqa: F401 - release_of: pdf.py imports it from here

# The project's own stylesheet comes last: its rules win over the DSFR's and sphinx-design's
# by order, never by !important.
OWN_CSS = "guide.css"
#: the page static hosts serve for an address that does not exist (GitHub Pages, Netlify…)
NOT_FOUND = "404"
#: titles of the pages Sphinx writes without a source
PAGE_TITLES = {"search": "Rechercher", NOT_FOUND: "Page non trouvée"}
#: pages without the side menu (and its skip link) or the breadcrumb: the DSFR's error page
PAGES_WITHOUT_MENU = {NOT_FOUND}


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


def _menu_items(list_node: nodes.bullet_list) -> str:
    """A toctree level as DSFR side-menu items: the current page has aria-current="page", its
    ancestors are marked active (DSFR: aria-current="true" + fr-sidemenu__item--active)."""
    items = []
    for item in list_node.children:
        if not isinstance(item, nodes.list_item):
            continue
        ref = item.next_node(nodes.reference)
        if ref is None:
            continue
        current = "current" in item["classes"]
        href = ref.get("refuri") or "#"  # the current page's own entry has an empty address
        here = current and href == "#"
        attrs = ' aria-current="page"' if here else (' aria-current="true"' if current else "")
        children = "".join(_menu_items(sub) for sub in item.children
                           if isinstance(sub, nodes.bullet_list))
        level = " ".join(c for c in item["classes"] if c.startswith("toctree-l"))
        items.append(f'<li class="fr-sidemenu__item {level}{" fr-sidemenu__item--active" if current else ""}">'
                     f'<a class="fr-sidemenu__link" href="{html.escape(href)}"{attrs}>'
                     f'{html.escape(ref.astext())}</a>'
                     + (f'<ul class="fr-sidemenu__list">{children}</ul>' if children else "")
                     + "</li>")
    return "".join(items)


def _nav_html(app: Sphinx, pagename: str, context: dict) -> str:
    """The « Sommaire »: guide home, the toctree (current branch unfolded), the PDF."""
    toc = global_toctree_for_doc(app.env, pagename, app.builder, tags=app.builder.tags,
                                 collapse=True, maxdepth=2, titles_only=True, includehidden=True)
    body = "".join(_menu_items(lst) for lst in (toc.findall(nodes.bullet_list) if toc else [])
                   if not isinstance(lst.parent, nodes.list_item))
    root = app.builder.get_relative_uri(pagename, app.config.root_doc)
    at_home = pagename == app.config.root_doc
    active, current = (" fr-sidemenu__item--active", ' aria-current="page"') if at_home else ("", "")
    home = (f'<li class="fr-sidemenu__item{active}"><a class="fr-sidemenu__link" '
            f'href="{root or "#"}"{current}>Accueil du guide</a></li>')
    html_list = f'<ul class="fr-sidemenu__list">{home}{body}</ul>'
    pdf = context.get("guide_pdf")
    if pdf:
        html_list += (f'<p class="nav-download"><a class="fr-link fr-link--download" '
                      f'href="{pdf["url"]}" download>Télécharger le guide <span class="fr-link__detail">'
                      f'(pdf {pdf["size_fr"]})</span></a></p>')
    return html_list


def html_page_context(app: Sphinx, pagename: str, templatename: str, context: dict,
                      doctree) -> None:
    rel = release_of(app)
    # No script file from Sphinx or sphinx-design: the search page loads its own two.
    context["script_files"] = []
    body = context.get("body", "")
    context["guide_has_scroll"] = "fr-table__container" in body or "guide-scroll" in body
    context["guide_menu"] = pagename not in PAGES_WITHOUT_MENU
    # Stylesheets a page does not use are not sent: sphinx-design's (55 Ko) only where one of
    # its components is left (cards and grids become DSFR markup), Pygments' only where
    # highlighted code is. Then ours last.
    needed = {"sphinx-design.min.css": 'class="sd-' in body or ' sd-' in body,
              "pygments.css": 'class="highlight' in body}

    def name(css) -> str:
        return str(getattr(css, "filename", css)).rsplit("/", 1)[-1]

    kept = [css for css in context.get("css_files", []) if needed.get(name(css), True)]
    context["css_files"] = ([css for css in kept if name(css) != OWN_CSS]
                            + [css for css in kept if name(css) == OWN_CSS])
    meta = app.env.metadata.get(pagename, {}) if pagename in app.env.all_docs else {}
    context["guide_page"] = {"description": meta.get("description") or
                             app.env.metadata.get(app.config.root_doc, {}).get("description", "")}
    context["guide_nav"] = _nav_html(app, pagename, context)
    # The <title> as plain text: Jinja's striptags would fold French no-break spaces.
    if pagename in app.env.longtitles:
        context["guide_title_text"] = app.env.longtitles[pagename].astext()
    # Breadcrumbs: guide home › parents › current page (not a link). Pages Sphinx makes itself
    # (the search page) have no title in the context: theirs is given here.
    crumbs = []
    if pagename not in (app.config.root_doc, *PAGES_WITHOUT_MENU):
        crumbs.append({"title": "Accueil du guide",
                       "link": app.builder.get_relative_uri(pagename, app.config.root_doc)})
        for parent in context.get("parents", []):
            crumbs.append({"title": parent["title"], "link": parent["link"]})
        crumbs.append({"title": context.get("title") or PAGE_TITLES.get(pagename, pagename),
                       "link": None})
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


def is_site_builder(builder) -> bool:
    """The builders that write the site (not the PDF's single page, not linkcheck)."""
    return isinstance(builder, StandaloneHTMLBuilder) and builder.name in ("html", "dirhtml")


# -- The error page (« Page non trouvée ») -----------------------------------------------------------
# Static hosts serve /404.html for any missing address, at any depth, without redirecting: its
# links cannot be relative to where it is written. They start from the site's root path instead
# (`guide_site_path`, by default the path of html_baseurl).

_RELATIVE_URL = re.compile(r'(\s(?:href|src|action)=")(?![a-z][a-z0-9+.-]*:|/|#)([^"]*)"')


def site_path(app: Sphinx) -> str:
    path = app.config.guide_site_path or urlsplit(app.config.html_baseurl or "").path or "/"
    return "/" + path.strip("/") + "/" if path.strip("/") else "/"


def not_found_page(app: Sphinx):
    if isinstance(app.builder, StandaloneHTMLBuilder) and app.builder.name == "html" \
            and _has_template(app, "404.html"):   # another project may have none
        yield NOT_FOUND, {"title": PAGE_TITLES[NOT_FOUND]}, "404.html"


def _has_template(app: Sphinx, name: str) -> bool:
    from jinja2 import TemplateNotFound
    try:
        app.builder.templates.environment.get_template(name)
    except TemplateNotFound:
        return False
    return True


def absolute_links(html_text: str, root: str) -> str:
    """Every relative address of a page written at the site's root, made absolute from `root`."""
    return _RELATIVE_URL.sub(lambda m: f'{m.group(1)}{root}{m.group(2)}"', html_text)


def write_not_found(app: Sphinx, exception) -> None:
    if exception is not None or not isinstance(app.builder, StandaloneHTMLBuilder) \
            or app.builder.name != "html":
        return
    page = Path(app.outdir) / f"{NOT_FOUND}.html"
    if page.exists():
        page.write_text(absolute_links(page.read_text(encoding="utf-8"), site_path(app)),
                        encoding="utf-8")


# -- « Plan du site » ------------------------------------------------------------------------------

class sitemap(nodes.General, nodes.Element):
    """Placeholder for {guide-plan-du-site}, filled once every page is known."""


class SitemapDirective(SphinxDirective):
    """`{guide-plan-du-site} guide`: every page of the guide, as the sommaire orders them (all
    levels unfolded); `{guide-plan-du-site} site`: the site's own pages (accessibility, legal
    notice…: `type: page` and orphan), by title."""

    has_content = False
    required_arguments = 1

    def run(self):
        if self.arguments[0] not in ("guide", "site"):
            raise self.error("guide-plan-du-site : argument « guide » ou « site » attendu")
        self.env.metadata[self.env.docname]["guide_sitemap"] = True
        node = sitemap()
        node["part"] = self.arguments[0]
        return [node]


def _site_pages(env, docname: str) -> list[str]:
    return sorted((d for d in env.found_docs if d != docname
                   and env.metadata.get(d, {}).get("type") == "page"
                   and env.metadata.get(d, {}).get("orphan")),
                  key=lambda d: env.titles[d].astext())


def render_sitemap(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    for node in list(doctree.findall(sitemap)):
        if not isinstance(app.builder, StandaloneHTMLBuilder) or app.builder.name == "guidepdf":
            node.parent.remove(node)
            continue
        env, root = app.env, app.config.root_doc
        out = nodes.bullet_list(classes=["guide-sitemap", "no-search"])  # titles only: not searched

        def item(page: str) -> nodes.list_item:
            entry, para = nodes.list_item(), nodes.paragraph()
            para += nodes.reference("", env.titles[page].astext(), internal=True,
                                    refuri=app.builder.get_relative_uri(docname, page))
            entry += para
            return entry

        if node["part"] == "guide":
            toc = global_toctree_for_doc(env, docname, app.builder, tags=app.builder.tags,
                                         collapse=False, maxdepth=0, titles_only=True,
                                         includehidden=True)
            home = item(root)
            for lst in (toc.findall(nodes.bullet_list) if toc else []):
                if not isinstance(lst.parent, nodes.list_item):
                    home += lst.deepcopy()
            out += home
        else:
            for page in _site_pages(env, docname):
                out += item(page)
        node.replace_self(out)


def outdated_sitemap(app: Sphinx, env, added: set, changed: set, removed: set) -> list[str]:
    """The plan lists every page and its title: rewrite it whenever any page changed."""
    if not (added or changed or removed):
        return []
    return [d for d in env.found_docs if env.metadata.get(d, {}).get("guide_sitemap")]


def plain_text(markup: str) -> str:
    """A title's text without its tags, for the templates: like Jinja's `striptags`, but keeping
    the no-break spaces French typography put in (`striptags` turns every space into « »);
    entities are decoded, so the template escapes the result (`|plain|e`)."""
    text = html.unescape(re.sub(r"<[^>]*>", "", markup or ""))
    return re.sub(r"[ \t\r\n]+", " ", text).strip()


def _template_filters(app: Sphinx) -> None:
    templates = getattr(app.builder, "templates", None)
    if templates is not None and hasattr(templates, "environment"):
        templates.environment.filters["plain"] = plain_text


def setup_theme(app: Sphinx) -> None:
    app.connect("builder-inited", _template_filters)
    app.add_config_value("guide_site_path", "", "html", types=[str],
                         description="Path of the published site's root (« /publications/guide/ »), "
                                     "from which the 404 page's links start; default: the path of "
                                     "html_baseurl")
    app.connect("html-collect-pages", not_found_page)
    app.connect("build-finished", write_not_found, priority=300)  # before the DSFR pruning reads it
    app.add_node(sitemap)
    app.add_directive("guide-plan-du-site", SitemapDirective)
    app.connect("doctree-resolved", add_version_line)
    app.connect("doctree-resolved", render_sitemap)
    app.connect("env-get-outdated", outdated_sitemap)
    app.connect("html-page-context", html_page_context)
