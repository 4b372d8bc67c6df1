"""The site's search: Pagefind (https://pagefind.app), run on the written site after every HTML build.

Pagefind is the static search of Astro Starlight and many documentation sites: it reads the
built HTML, writes a search bundle next to it (`pagefind/`: the index split into chunks by word,
one fragment per page with its text, a WebAssembly engine with the French Snowball stemmer), and
the browser loads only the chunks a query needs, then one fragment per result shown.

- **What is indexed is what readers read.** The translator (markup.py) asks `section_attributes`
  for each section it writes: the page's top section carries `data-pagefind-body` (so the
  header, menus, breadcrumb, footer and previous/next links are never indexed) and the kind of
  page (`data-pagefind-meta`); every other section and every glossary entry carries
  `data-pagefind-title` with its plain title, so that a result lands on the right section (a
  Pagefind « sub-result »). Inside the content, `IGNORED` selectors are skipped: the « # »
  permalinks, the version line, the date line of a news post, lists of titles only.
- **At the end of every site build** (`make html`, `make live`, `make check`, the tests), the
  Pagefind CLI (npm package `pagefind`, pinned in package.json, installed by `make`) indexes the
  output folder in about half a second. What the search page does not load (Pagefind's own UIs,
  the highlight script, its web worker, the engine for pages without a language) is removed, so
  that `make dist` publishes only what is used. A missing or failing Pagefind is a finding
  (`guide.search`, with the file to look at), never a traceback; the site is still written.
- **Sphinx's own search index is not built** (`searchindex.js`, its stemmer and
  `searchtools.js` would be published unused): the builder's search is switched off and the
  search page is written from `_templates/search.html`, with `search.js` (next to this module)
  inlined in it — one request fewer on a page whose budget counts every one.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

from . import findings
from .theme import is_site_builder

logger = logging.getLogger(__name__)

BUNDLE_DIR = "pagefind"
DEFAULT_PAGEFIND = ""   # no Pagefind search unless the project sets it (the guide: conf.py)
SCRIPT = Path(__file__).with_name("search.js")
#: inside a page's content, what is never indexed nor shown in an excerpt
IGNORED = (".headerlink", ".version-line", ".news-date", ".no-search")
#: what a page's front matter `type` is called in a result
KIND_LABELS = {"home": "Accueil", "section": "Rubrique", "fiche": "Fiche pratique",
               "news": "Actualité", "page": "Page"}
#: Sphinx's search files, published unused if left in the output
SPHINX_SEARCH_FILES = ("searchindex.js", "_static/searchtools.js", "_static/language_data.js",
                       "_static/french-stemmer.js", "_static/base-stemmer.js",
                       "_static/sphinx_highlight.js",   # (marks ?highlight= words from its results)
                       "_static/guide-search.js")   # (the last one: the hand-written search of 0.1)
TIMEOUT = 300  # seconds
#: Pagefind splits its word index into chunks of about this many postings (default 20 000: four
#: chunks of 33 Ko here, one of which every query word costs); smaller chunks make a query load
#: 8 Ko per word instead. Pagefind 1.6 reads it from PAGEFIND_UNSTABLE_INDEX_CHUNK_SIZE (an
#: environment variable it calls unstable: tests/test_search.py checks that it still works).
INDEX_CHUNK_SIZE = 4000


def _site_builder(builder) -> bool:
    """An HTML site whose project asks for Pagefind (`guide_pagefind` set, as the guide's
    conf.py does); another project keeps Sphinx's own search."""
    return is_site_builder(builder) and bool(builder.config.guide_pagefind)


# -- what the pages say to Pagefind ----------------------------------------------------------------

def _attrs(attributes: dict[str, str]) -> str:
    return "".join(f' {name}="{html.escape(value, quote=True)}"' for name, value in attributes.items())


def section_attributes(translator, node: nodes.Element) -> dict[str, str]:
    """Pagefind's attributes for a section (or glossary term) being written: the page's top
    section is the indexed body, with the kind of page; any other titled element with an id is
    a place a result can land, named by its plain title."""
    builder = getattr(translator, "builder", None)
    if not _site_builder(builder):
        return {}
    if isinstance(node, nodes.section) and translator.section_level == 1:
        meta = builder.env.metadata.get(builder.current_docname, {})
        kind = KIND_LABELS.get(meta.get("type"), "Page")
        return {"data-pagefind-body": "", "data-pagefind-meta": f"genre:{kind}"}
    ids = node.get("ids") or (node.parent.get("ids") if isinstance(node, nodes.term) else None)
    if not ids:
        return {}
    if isinstance(node, nodes.section):
        title = node.next_node(nodes.title)
        text = title.astext() if title is not None else ""
    else:
        text = node.astext()
    text = " ".join(text.split())
    return {"data-pagefind-title": text} if text else {}


def tag_start(translator, node: nodes.Element, start: str) -> str:
    """`start` (the start tag the translator just wrote, spans for extra ids included) with
    Pagefind's attributes added to its first tag."""
    extra = _attrs(section_attributes(translator, node))
    if not extra:
        return start
    match = re.match(r"\s*<[a-zA-Z0-9]+", start)
    return start[:match.end()] + extra + start[match.end():] if match else start


# -- Sphinx's own search off, our search page on --------------------------------------------------

def _no_sphinx_index(app: Sphinx) -> None:
    if _site_builder(app.builder):
        app.builder.search = False   # no searchindex.js, no stemmer, no search page of Sphinx's


def compact_js(source: str) -> str:
    """The search script as the page carries it: comments that fill whole lines and indentation
    dropped (a third of its weight), nothing else touched; `</` escaped for the <script>."""
    source = re.sub(r"^\s*/\*.*?\*/\s*$", "", source, flags=re.M | re.S)
    lines = (line.strip() for line in source.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("//")).replace("</", "<\\/")


def _search_page(app: Sphinx):
    if not _site_builder(app.builder):
        return []
    return [("search", {"guide_search_script": compact_js(SCRIPT.read_text(encoding="utf-8"))},
             "search.html")]


# -- Pagefind, at the end of the build -------------------------------------------------------------

def pagefind_command(app: Sphinx) -> Path:
    return Path(app.confdir, app.config.guide_pagefind)


def _package_line(app: Sphinx) -> tuple[Path, int | None]:
    """package.json and the line that pins Pagefind (where a writer looks when it is missing):
    the project's, next to _ext/ (a test project has none of its own)."""
    package = Path(__file__).resolve().parents[2] / "package.json"
    if not package.exists():
        package = Path(app.confdir, "package.json")
    try:
        for number, line in enumerate(package.read_text(encoding="utf-8").splitlines(), 1):
            if '"pagefind"' in line:
                return package, number
    except OSError:
        pass
    return package, None


def _finding(app: Sphinx, code: str, message: str, fix: str, path: Path | None = None,
             line: int | None = None) -> None:
    if path is None:
        path, line = _package_line(app)
    findings.emit(app, findings.make(app, "search", code, message, fix, path=path, line=line))


def _prune(bundle: Path) -> None:
    """Keep what the search page loads: pagefind.js, the entry file, the metadata, engine, index
    chunks and fragments of the languages indexed. Pagefind's ready-made UIs (their scripts and
    stylesheets), its highlight script and web worker are not used by our page."""
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    keep = {"pagefind.js", "pagefind-entry.json", "index", "fragment", "filter"}
    for language in entry.get("languages", {}).values():
        keep.add(f"pagefind.{language['hash']}.pf_meta")
        keep.add(f"wasm.{language['wasm']}.pagefind")
    for path in bundle.iterdir():
        if path.name not in keep:
            shutil.rmtree(path) if path.is_dir() else path.unlink()


def indexed_text(html_text: str) -> str:
    """A page as Pagefind reads it. Pagefind cuts words at ASCII punctuation only: the French
    apostrophe (’) would glue « l’équipement » into one word that « équipement » never finds,
    so it reads ' instead (the page shows ’ again); and the soft hyphens of long heading words
    would cut « régle­men­ta­tion » into « régle », « men », « ta », « tion »."""
    return html_text.replace("\u00ad", "").replace("&shy;", "").replace("\u2019", "'")


def write_indexed_copy(outdir: Path, dest: Path) -> None:
    """The written pages, as Pagefind reads them (same paths, hence the same addresses)."""
    shutil.rmtree(dest, ignore_errors=True)
    for page in sorted(outdir.rglob("*.html")):
        target = dest / page.relative_to(outdir)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(indexed_text(page.read_text(encoding="utf-8")), encoding="utf-8")


def run_pagefind(app: Sphinx, exception) -> None:
    if exception is not None or not _site_builder(app.builder):
        return
    outdir = Path(app.outdir)
    for name in SPHINX_SEARCH_FILES:          # left by the theme or by an earlier build
        (outdir / name).unlink(missing_ok=True)
    shutil.rmtree(outdir / "_search", ignore_errors=True)   # the hand-written index of 0.1
    command = pagefind_command(app)
    if not command.exists():
        _finding(app, "pagefind-missing", f"Pagefind introuvable ({command}) : le site est écrit "
                 "sans sa recherche", "lancez « make » (il installe par « npm ci » le paquet npm "
                 "pagefind épinglé dans package.json)")
        return
    bundle = outdir / BUNDLE_DIR
    shutil.rmtree(bundle, ignore_errors=True)
    started = time.monotonic()
    source = Path(app.doctreedir) / "pagefind-source"
    write_indexed_copy(outdir, source)
    args = [str(command), "--site", str(source), "--output-path", str(bundle.resolve()),
            "--exclude-selectors", ", ".join(IGNORED), "--keep-index-url"]
    try:
        proc = subprocess.run(args, capture_output=True, text=True, timeout=TIMEOUT, check=False,
                              env={**os.environ, "PAGEFIND_UNSTABLE_INDEX_CHUNK_SIZE": str(INDEX_CHUNK_SIZE)})
    except (OSError, subprocess.SubprocessError) as err:
        _finding(app, "pagefind-failed", f"Pagefind n’a pas pu être lancé ({command}) : {err}",
                 "vérifiez que Node.js est installé, puis relancez « make »")
        return
    finally:
        shutil.rmtree(source, ignore_errors=True)
    output = f"{proc.stdout}\n{proc.stderr}"
    pages = re.search(r"Indexed (\d+) pages?", output)
    if proc.returncode != 0 or not (bundle / "pagefind-entry.json").exists():
        lines = [line.strip() for line in output.splitlines() if line.strip()]
        _finding(app, "pagefind-failed", f"Pagefind a échoué (code {proc.returncode}) : "
                 + " / ".join(lines[-6:]), "corrigez la cause ci-dessus, ou relancez « make » "
                 "(npm ci réinstalle Pagefind)")
        return
    if not pages or int(pages.group(1)) == 0:
        _finding(app, "nothing-indexed", "Pagefind n’a indexé aucune page : la recherche ne "
                 "trouvera rien", "vérifiez que le gabarit écrit encore data-pagefind-body "
                 "(search.section_attributes, appelé par markup.py)")
    _prune(bundle)
    words = re.search(r"Indexed (\d+) words?", output)
    logger.info("recherche : Pagefind, %s pages indexées%s en %.1f s, dans %s/",
                pages.group(1) if pages else "0", f" ({words.group(1)} mots)" if words else "",
                time.monotonic() - started, BUNDLE_DIR)


def setup_search(app: Sphinx) -> None:
    app.add_config_value("guide_pagefind", "", "", types=[str],
                         description="The Pagefind CLI (npm package pagefind, usually "
                                     "node_modules/.bin/pagefind), relative to conf.py; empty: "
                                     "Sphinx's own search")
    app.connect("builder-inited", _no_sphinx_index)
    app.connect("html-collect-pages", _search_page)
    # after the DSFR stylesheet (400) and the footers' check (500), before the reports (900)
    app.connect("build-finished", run_pagefind, priority=600)
