"""The PDF readers download: the whole guide, in navigation order (news excluded), laid out by
WeasyPrint from the same doctrees as the site, tagged (PDF/UA-1), reproducible, and linked from
the site with its real size.

- Builder `guidepdf` (make pdf): a single-file HTML builder whose assembled document holds every
  page as a chapter, nested in its part (pdfbook.py makes the doctree a printed book);
  `_templates/pdf.html` adds the cover, the colophon and the table of contents; `_static/pdf.css`
  sets the pages (running header, footer with page / total and licence); pdftags.py finishes the
  tags WeasyPrint cannot write. Nothing changed since the last render: no render (render_inputs).
- In the HTML build: the PDF (and a thumbnail of its cover) is copied into `telechargements/`,
  the sidebar and `{guide-download}` link it with its size written the French way.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.builders.singlehtml import SingleFileHTMLBuilder
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from . import findings, pdfbook
from .release import date_fr
from .theme import release_of

logger = logging.getLogger(__name__)
CHECK = "pdf"
DOWNLOAD_DIR = "telechargements"


def nav_order(env, root: str) -> list[str]:
    """Every page reachable from the root's toctrees, depth first, in sidebar order."""
    order, stack = [], [root]
    seen = set()

    def walk(docname):
        if docname in seen:
            return
        seen.add(docname)
        order.append(docname)
        for child in env.toctree_includes.get(docname, []):
            walk(child)

    walk(stack[0])
    return order


def is_news(env, docname: str) -> bool:
    meta = env.metadata.get(docname, {})
    return meta.get("type") == "news" or bool(meta.get("news_index"))


def size_fr(size: int) -> str:
    """771 241 octets → « 771 ko », 1 920 660 → « 1,9 Mo »: decimal units (ko = 1 000 octets), as
    the SI, the French administration and the DSFR's own download links (dsfr.module.js) write."""
    if size < 999_500:
        return f"{round(size / 1000):d}\u00a0ko"
    return f"{size / 1_000_000:.1f}".replace(".", ",") + "\u00a0Mo"


class GuidePDFBuilder(SingleFileHTMLBuilder):
    """Single HTML document of the whole guide, then WeasyPrint → tagged PDF."""

    name = "guidepdf"
    epilog = "Le PDF est dans %(outdir)s."
    search = False
    copysource = False
    add_permalinks = False
    default_translator_class = pdfbook.BookTranslator

    def init(self) -> None:
        super().init()
        self.use_index = False
        # `{only} html` is the site only, `{only} pdf` the PDF only (README, « Écrire une page »).
        self.tags.remove("html")
        self.tags.add("pdf")
        self.book_anchors: dict[str, str] = {}
        self.book_web_only: set[str] = set()

    def get_outdated_docs(self):
        """Everything when what the single HTML is made from changed besides the pages (build
        info, i.e. configuration; templates; the extension's code), nothing otherwise: the pages
        Sphinx re-reads are then the only reason to write the HTML again — and with none,
        neither the HTML nor the PDF is made again (`make` with nothing changed)."""
        from sphinx.builders.html._build_info import BuildInfo

        index = Path(self.outdir) / f"{self.config.root_doc}.html"
        if not index.exists():
            return "all documents"
        built = index.stat().st_mtime
        try:
            if BuildInfo.load(Path(self.outdir) / ".buildinfo") != self.build_info:
                return "all documents"
        except (OSError, ValueError):
            return "all documents"
        newest = max([self.templates.newest_template_mtime() if self.templates else 0,
                      *(p.stat().st_mtime for p in Path(__file__).parent.glob("*.py"))])
        return "all documents" if newest > built else []

    def write_documents(self, docnames) -> None:
        if not docnames and (Path(self.outdir) / f"{self.config.root_doc}.html").exists():
            logger.info("aucune page modifiée : document unique inchangé")
            return
        super().write_documents(docnames)

    def pages(self) -> list[str]:
        return [d for d in nav_order(self.env, self.config.root_doc) if not is_news(self.env, d)]

    def assemble_doctree(self) -> nodes.document:
        root = self.config.root_doc
        tree = self.env.get_doctree(root)
        root_children = list(tree.children)
        tree.clear()
        tree["docname"] = root
        pages = self.pages()
        chapters = {}
        for docname in pages:
            children = root_children if docname == root else list(self.env.get_doctree(docname).children)
            chapter = addnodes.start_of_file(docname=docname)
            chapter.extend(children)
            for toctree in list(chapter.findall(addnodes.toctree)):
                wrapper = toctree.parent
                wrapper.remove(toctree)
                if isinstance(wrapper, nodes.compound) and not wrapper.children:
                    wrapper.parent.remove(wrapper)
            chapters[docname] = chapter
        # Parts hold their chapters (pdfbook.py): headings and bookmarks follow the hierarchy.
        tree.extend(pdfbook.nest_chapters(chapters, pdfbook.page_parents(self.env, pages, root), pages))
        self.env.resolve_references(tree, root, self)
        pdfbook.make_book(tree)
        self.book_anchors = tree["guide_anchors"]
        self.book_web_only = tree["guide_web_only"]
        return tree

    def get_doc_context(self, docname, body, metatags):
        ctx = super().get_doc_context(docname, body, metatags)
        ctx["guide_pdf_toc"] = self.toc_entries()
        return ctx

    def toc_entries(self) -> list[dict]:
        """Parts, chapters (pages) and their sections (h2), for the table of contents; what
        is web-only is not listed."""
        from sphinx.util.nodes import process_only_nodes

        pages = self.pages()
        parents = pdfbook.page_parents(self.env, pages, self.config.root_doc)
        entries = []
        for docname in pages:
            sections = []
            toc = self.env.tocs.get(docname)
            if toc is not None:
                toc = toc.deepcopy()
                process_only_nodes(toc, self.tags)
            page_item = toc[0] if toc is not None and len(toc) else None
            if page_item is not None and len(page_item) > 1:
                for item in page_item[1].children:
                    ref = item.next_node(nodes.reference)
                    if ref is not None and ref.get("anchorname") and \
                            ref["anchorname"].lstrip("#") not in self.book_web_only:
                        sections.append({"title": ref.astext(), "href": ref["anchorname"]})
            anchor = self.book_anchors.get(docname)
            # the level of the entry's heading: a part or a top-level page 1, a page of a part
            # 2; a page's sections one more (same level, same indent and weight)
            level = 2 if parents.get(docname) else 1
            for section in sections:
                section["level"] = level + 1
            entries.append({"title": self.env.titles[docname].astext(),
                            "href": f"#{anchor}" if anchor else f"#document-{docname}",
                            "sections": sections, "level": level})
        return entries

    def finish(self) -> None:
        super().finish()
        self.render_pdf()

    def render_pdf(self) -> None:
        rel = release_of(self.app)
        html_path = Path(self.outdir) / f"{self.config.root_doc}.html"
        target = Path(self.outdir) / rel.pdf_name
        html = html_path.read_bytes()
        stamp = Path(self.outdir) / ".pdf-inputs"
        inputs = render_inputs(self.app, html)
        cover = target.with_name(target.stem + "-couverture.png")
        if target.exists() and cover.exists() and stamp.exists() and \
                stamp.read_text(encoding="utf-8") == inputs:
            # (its checks passed: the stamp is written only then)
            logger.info(f"PDF à jour (mêmes entrées que le dernier rendu) : {target.name}")
            return
        stamp.unlink(missing_ok=True)
        from weasyprint import HTML  # (2-3 s of imports: only when rendering)

        from . import pdftags

        tmp = target.with_suffix(".pdf.tmp")
        logger.info(f"WeasyPrint : {html_path.name} → {target.name}")
        # Reproducible: the PDF's dates come from the release metadata (meta dcterms in
        # pdf.html), its identifier from the content, and the embedded font subsets' own
        # timestamps (fontTools) from SOURCE_DATE_EPOCH, set to the release's last update.
        epoch = str(int(dt.datetime.combine(rel.updated, dt.time(), dt.UTC).timestamp()))
        previous = os.environ.get("SOURCE_DATE_EPOCH")
        os.environ["SOURCE_DATE_EPOCH"] = previous or epoch
        try:
            # (pdftags.recording notes which HTML element each tag comes from)
            with pdftags.recording() as tagged:
                HTML(string=html.decode("utf-8"), base_url=str(html_path)).write_pdf(
                    tmp, pdf_variant="pdf/ua-1", pdf_identifier=hashlib.md5(html).hexdigest().encode(),
                    optimize_images=True, presentational_hints=False)
        finally:
            if previous is None:
                os.environ.pop("SOURCE_DATE_EPOCH", None)
        # The tags WeasyPrint cannot write (pdftags.py, README « Le PDF »).
        done = pdftags.finish(tmp, pdftags.Hints.from_html(html.decode("utf-8")), tagged)
        logger.info(f"Balisage complété : {done.merged} fragments d'éléments coupés par les pages "
                    f"réunis, {done.repeated_headers} en-têtes de tableau répétés, {done.artifacts} "
                    f"artefacts, {done.spaces} espaces de fin de ligne, {done.languages} passages en "
                    f"langue étrangère, {done.links_moved} liens "
                    f"replacés, {done.list_bodies} corps d'éléments de liste, {done.definitions} "
                    f"définitions")
        tmp.replace(target)
        for old in Path(self.outdir).glob("*.pdf"):
            if old.name != target.name:
                old.unlink()
        render_cover(target, cover)
        if self.check_licence_on_pages(target):
            stamp.write_text(inputs, encoding="utf-8")
        logger.info(f"PDF : {target} ({size_fr(target.stat().st_size)})")

    def check_licence_on_pages(self, pdf: Path) -> bool:
        """Every page after the cover must carry the licence mention (running footer)."""
        import pypdfium2 as pdfium

        licence = release_of(self.app).licence_name
        doc = pdfium.PdfDocument(str(pdf))
        try:
            missing = []
            for number in range(1, len(doc)):
                textpage = doc[number].get_textpage()
                if licence not in textpage.get_text_range().replace("\r\n", " ").replace("\n", " "):
                    missing.append(number + 1)
        finally:
            doc.close()
        if missing:
            findings.emit(self.app, findings.make(
                self.app, "licence", "pdf-page-without-licence",
                f"{len(missing)} page(s) du PDF sans la mention de licence (pages "
                f"{', '.join(map(str, missing[:10]))}{'…' if len(missing) > 10 else ''})",
                "le pied de page de _static/pdf.css (@bottom-left, string(licence)) doit rester",
                path=pdf))
        return not missing


def render_inputs(app: Sphinx, html: bytes) -> str:
    """A fingerprint of everything the PDF is made from: the single-page HTML, the files it
    loads (print CSS, images, fonts), the release metadata, and the versions of what renders
    and finishes it. Same fingerprint as the last render: the PDF on disk is that render's.
    (`make` with nothing changed then skips WeasyPrint, the slow part.)"""
    from importlib.metadata import version

    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(f"{label}\0{len(data)}\0".encode())
        digest.update(data)

    add("html", html)
    out = Path(app.outdir)
    for path in sorted([*out.glob("_static/*.css"), *out.glob("_images/*")]):
        add(path.relative_to(out).as_posix(), path.read_bytes())
    for font in pdfbook.marianne_faces(app.confdir)[1]:
        add(font.name, font.read_bytes())
    add("release", repr(release_of(app)).encode())
    add("code", Path(__file__).with_name("pdftags.py").read_bytes() + Path(__file__).read_bytes())
    add("versions", " ".join(version(p) for p in ("weasyprint", "pikepdf", "pypdfium2")).encode())
    return digest.hexdigest()


def render_cover(pdf: Path, png: Path, width: int = 300) -> None:
    """A thumbnail of the cover (first page), for the landing page."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        page = doc[0]
        scale = width / page.get_width()
        image = page.render(scale=scale).to_pil().convert("P", palette=1, colors=64)
        tmp = png.with_suffix(".png.tmp")
        image.save(tmp, format="PNG", optimize=True)
        tmp.replace(png)
    finally:
        doc.close()


# -- the site's side: find the PDF, copy it, link it ---------------------------------------------

def pdf_source(app: Sphinx) -> Path:
    folder = app.config.guide_pdf_dir or str(Path(app.outdir).parent / "pdf")
    return Path(app.confdir, folder) / release_of(app).pdf_name


def pdf_info(app: Sphinx) -> dict | None:
    if app.builder.name == "guidepdf" or not app.config.guide_pdf_link:
        return None
    src = pdf_source(app)
    if not src.exists():
        return None
    return {"name": src.name, "size": src.stat().st_size, "size_fr": size_fr(src.stat().st_size),
            "path": f"{DOWNLOAD_DIR}/{src.name}",
            "cover": f"{DOWNLOAD_DIR}/{src.stem}-couverture.png"}


class download(nodes.General, nodes.Element):
    """Placeholder for {guide-download}, filled once the PDF's size is known."""


class DownloadDirective(SphinxDirective):
    """`{guide-download}`: link and cover thumbnail of the PDF, with its real size."""

    has_content = False

    def run(self):
        node = download()
        node.line = self.lineno
        return [node]


def _resolve_download(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    if app.builder.name == "guidepdf":
        # On paper, an external link whose text hides its address prints the address too.
        for ref in doctree.findall(nodes.reference):
            uri = ref.get("refuri", "")
            if uri.startswith(("http://", "https://")) and ref.astext().strip() != uri:
                ref["classes"].append("show-url")
    info = pdf_info(app)
    rel = release_of(app)
    title = app.config.project
    for node in list(doctree.findall(download)):
        if app.builder.name == "guidepdf":
            para = nodes.paragraph()
            para += nodes.Text("Ce document est aussi publié en ligne : ")
            para += nodes.reference(app.config.html_baseurl, app.config.html_baseurl,
                                    refuri=app.config.html_baseurl)
            para += nodes.Text(".")
            node.replace_self(para)
        elif info is None:
            node.replace_self(nodes.paragraph(
                text="Le PDF n'a pas été construit avec ce site."))
        else:
            href = app.builder.get_relative_uri(docname, app.config.root_doc)
            prefix = href.rsplit("/", 1)[0] + "/" if "/" in href else ""
            label = f"Télécharger le {title} (pdf {info['size_fr']})"
            # A DSFR download card: one link (one tab stop) for the title and the cover.
            html = (f'<div class="fr-card fr-enlarge-link fr-card--download fr-card--horizontal '
                    f'guide-download"><div class="fr-card__body"><div class="fr-card__content">'
                    f'<p class="fr-card__title download"><a href="{prefix}{info["path"]}" download>'
                    f'{label}</a></p></div></div><div class="fr-card__header">'
                    f'<div class="fr-card__img cover-thumb"><img src="{prefix}{info["cover"]}" '
                    f'width="300" height="424" alt="Couverture du guide, version {rel.version_title}">'
                    f'</div></div></div>')
            node.replace_self(nodes.raw("", html, format="html"))


def _page_context(app: Sphinx, pagename, templatename, context, doctree):
    if app.builder.name == "guidepdf":
        rel = release_of(app)
        context["guide_pdf_doc"] = {
            "release": rel, "published_fr": date_fr(rel.published), "updated_fr": date_fr(rel.updated),
            "keywords": app.config.guide_pdf_keywords, "online": app.config.html_baseurl,
            "fonts": pdfbook.marianne_faces(app.confdir)[0],
            # addresses break only between their parts (pdfbook.address_parts)
            "licence_url_html": pdfbook.address_html(rel.licence_url),
            "online_html": pdfbook.address_html(app.config.html_baseurl),
        }
        return "pdf.html"
    info = pdf_info(app)
    if info:
        href = app.builder.get_relative_uri(pagename, app.config.root_doc)
        prefix = href.rsplit("/", 1)[0] + "/" if "/" in href else ""
        context["guide_pdf"] = {"url": prefix + info["path"], "size_fr": info["size_fr"]}
    return None


def _check_pdf(app: Sphinx, env) -> None:
    if app.builder.name not in ("html", "dirhtml") or not app.config.guide_pdf_link:
        return
    expected = pdf_source(app)
    pattern = re.sub(r"\{[^}]*\}", "*", app.config.guide_pdf_name)  # any release's PDF
    for other in sorted(expected.parent.glob(pattern)):
        if other.name != expected.name:
            findings.emit(app, findings.make(
                app, CHECK, "pdf-name-mismatch",
                f"PDF « {other.name} » : son nom ne correspond pas à la version publiée "
                f"(attendu « {expected.name} »)", "reconstruisez le PDF (make pdf) ; l'ancien "
                "fichier ne sera pas publié", path=other))
    if not expected.exists():
        findings.emit(app, findings.make(
            app, CHECK, "pdf-missing",
            # (no path in the message: the PDF's path is the finding's source, it leads the line)
            "PDF introuvable : le site ne peut pas le proposer au téléchargement",
            "construisez le PDF avant le site (sphinx-build -b guidepdf), ou réglez "
            "guide_pdf_link = False", path=pdf_source(app)))


def _outdated(app, env, added, changed, removed):
    """When the PDF's size changes, every page (its sidebar shows the size) must be rewritten."""
    info = pdf_info(app) if app.builder else None
    size = info["size"] if info else None
    if getattr(env, "guide_pdf_size", None) != size:
        env.guide_pdf_size = size
        return sorted(env.found_docs)
    return []


def _copy_pdf(app: Sphinx, exception) -> None:
    if exception is not None:
        return
    info = pdf_info(app)
    if not info:
        return
    dest = Path(app.outdir) / DOWNLOAD_DIR
    dest.mkdir(exist_ok=True)
    src = pdf_source(app)
    for path in (src, src.with_name(src.stem + "-couverture.png")):
        if path.exists():
            shutil.copy2(path, dest / path.name)


def setup_pdf(app: Sphinx) -> None:
    # guide_pdf_dir, guide_pdf_link, guide_pdf_keywords, guide_pdf_name: see config.py
    app.add_builder(GuidePDFBuilder)
    app.add_node(download)
    app.add_directive("guide-download", DownloadDirective)
    app.connect("doctree-resolved", _resolve_download)
    app.connect("html-page-context", _page_context, priority=400)
    app.connect("env-updated", _check_pdf)  # every build, no-op included
    app.connect("env-get-outdated", _outdated)
    app.connect("build-finished", _copy_pdf)
