"""The site's search (Pagefind, see _ext/guide/search.py and search.js).

In Chromium, as a reader: the queries a buyer types (with or without accents, legal references
typed either way, several words, acronyms) find the expected page first or in the top three,
landing on the right section, with an excerpt where the query's words are marked and nothing
else (no markup, no « # », no soft hyphen, no word that merely begins like a query word); each
page once; a clean console; the request and byte budget of the page; helpful messages; one
labelled form; works from a sub-path, says what to do from file:// and without JavaScript.

On the built site: Pagefind's bundle is there and holds only what the search page loads; what it
indexed is what readers read; Sphinx's own search files are gone; a missing or failing Pagefind
is a finding with its file, never a traceback."""

from __future__ import annotations

import functools
import gzip
import json
import re
import shutil
import stat
import threading
import unicodedata
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest

from conftest import ROOT, build_root
from guide import search
from test_browser import ARGS, CHROMIUM, QuietHandler, browser, site  # noqa: F401 - fixtures

#: A query's page, cold: the page (HTML, two stylesheets, two fonts, favicon), Pagefind (script,
#: entry, metadata, engine), the index chunks of its words, the fragments of its first results.
QUERY_REQUESTS = 15
#: Bytes of that page, cold. OVER the 300 Ko the README allows any page (noted there): the page
#: with its fonts and styles weighs 193 Ko (Marianne 116 Ko, dsfr.css 53 Ko) and Pagefind's
#: engine 108 Ko (pagefind.js 47 Ko, its WebAssembly 60 Ko) before the first index chunk (8 Ko)
#: and fragments (3 to 13 Ko each); measured 324 to 351 Ko for the reviewer's queries.
QUERY_BYTES = 360_000

#: query → (expected page [#section], rank it must reach at worst: 1 = first, 3 = top three)
EXPECTED = {
    "reconditionné": ("demarche-numerique-responsable/alternative-achat.html", 3),
    "reconditionne": ("demarche-numerique-responsable/alternative-achat.html", 3),
    "ecolabel": ("labels/produits.html#produits-ecolabel", 1),
    "Écolabel": ("labels/produits.html#produits-ecolabel", 1),
    "cloud": ("fiches-pratiques/hebergement.html", 3),
    "DEEE": ("demarche-numerique-responsable/fin-de-vie.html", 1),
    "80 PLUS": ("labels/produits.html#produits-80-plus", 1),
    "R543-172": ("demarche-numerique-responsable/fin-de-vie.html", 3),
    "R. 543-172": ("demarche-numerique-responsable/fin-de-vie.html", 3),
    "2021-254": ("demarche-numerique-responsable/que-prevoit-la-loi.html", 1),
    "clause sociale": ("fiches-pratiques/reseaux.html", 3),
    "centre de données": ("labels/organisation.html", 3),
    "PUE": ("glossaire.html#term-PUE", 3),
    "toner": ("fiches-pratiques/impression.html", 3),
    "imprimante laser": ("labels/produits.html", 1),
    "TCO": ("labels/produits.html#tco", 1),
}
#: query → pages it must not find: they only hold a word that merely begins like the query's,
#: or shares its French stem (the index cannot tell them apart, the fragment can)
NOT_FOUND = {
    "PUE": ["demarche-numerique-responsable/alternative-achat.html"],   # « aurait pu »
    "toner": ["demarche-numerique-responsable/fin-de-vie.html"],        # « tonnes »
    "équipement": ["equipe-projet.html"],                               # « Équipe projet »
    "quote": ["*"],                                                     # « quotidienne »: nothing
    "durée": [],                                                        # never « durable » marked
}
STOP_WORDS = {"de", "des", "du", "la", "le", "les", "d", "l"}
#: the reviewer's queries (issue 13) → pages that must be among the results shown at once, without
#: « Afficher plus » (within the request budget). On this content, fin-de-vie holds no
#: « reconditionné » and bureautique no « 80 PLUS »: the pages that do say them are expected.
#: (Without its accent, Pagefind scores bureautique lower: it comes fifth, behind « Afficher plus ».)
SHOWN_AT_ONCE = {
    "reconditionné": ["fiches-pratiques/bureautique.html", "demarche-numerique-responsable/alternative-achat.html"],
    "reconditionne": ["fiches-pratiques/reseaux.html", "demarche-numerique-responsable/alternative-achat.html"],
    "ecolabel": ["labels/produits.html", "glossaire.html"],
    "R543-172": ["demarche-numerique-responsable/fin-de-vie.html", "fiches-pratiques/bureautique.html"],
    "PUE": ["fiches-pratiques/hebergement.html", "glossaire.html"],
    "clause sociale": ["fiches-pratiques/bureautique.html"],
    "80 PLUS": ["labels/produits.html", "fiches-pratiques/hebergement.html"],
    "cloud": ["fiches-pratiques/hebergement.html"],
    "DEEE": ["demarche-numerique-responsable/fin-de-vie.html"],
}

pytestmark = [pytest.mark.browser]
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium absent : lancez « make test »")


def fold(word: str) -> str:
    word = re.sub(r"^(?:[cdjlmnst]|qu)['’]", "", word.lower())
    word = "".join(c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn")
    return re.sub(r"[^a-z0-9]", "", word)


def stands_for(marked: str, word: str) -> bool:
    """A marked word of an excerpt is one of the query's words (or an inflection of it), not a
    word that only begins like it (« pu » for « PUE », « durable » for « durée »)."""
    m, w = fold(marked), fold(word)
    if len(w) <= 4 or w.isdigit() or any(c.isdigit() for c in w):
        return m in (w, w + "s", w + "x")
    return m.startswith(w[:max(4, len(w) - 2)]) or w.startswith(m[:max(4, len(m) - 2)])


def query_words(query: str) -> list[str]:
    query = re.sub(r"\b[LRD]\s*\.?\s*(\d+(?:-\d+)+)", r" \1 ", query)
    return [w for w in re.findall(r"[\w’'-]+", query) if w.lower() not in STOP_WORDS]


def run_search(browser, base: str, query: str | None, **context) -> dict:  # noqa: F811
    """A reader's query on search.html, from an empty cache: what it costs, shows and logs."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, **context)
    page = ctx.new_page()
    responses, problems = [], []
    page.on("response", lambda r: responses.append(r))
    page.on("console", lambda m: problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    url = f"{base}/search.html" + ("" if query is None else f"?q={quote(query)}")
    page.goto(url, wait_until="networkidle")
    try:  # the status line says when the search is over
        page.wait_for_function("""() => { const s = document.getElementById('search-status');
            return s && s.textContent && !/en cours/.test(s.textContent) }""", timeout=10_000)
    except Exception:  # noqa: BLE001 - no status: the assertions say what is wrong
        pass
    page.wait_for_load_state("networkidle")
    results = page.evaluate("""() => [...document.querySelectorAll('#search-results > li')].map(li => {
        const ex = li.querySelector('[class*=excerpt]') || {textContent: '', innerHTML: '', querySelectorAll: () => []};
        return {href: li.querySelector('a').getAttribute('href'), url: li.querySelector('a').href,
                title: li.querySelector('a').textContent,
                text: li.textContent, excerpt: ex.textContent,
                marks: [...ex.querySelectorAll('mark')].map(m => m.textContent)}; })""")
    status = page.evaluate("(document.getElementById('search-status') || {}).textContent || ''")
    forms = page.evaluate("""() => [...document.querySelectorAll('form[role=search], [role=search] form')]
        .filter(f => f.offsetParent !== null).map(f => f.getAttribute('aria-label') || f.getAttribute('aria-labelledby') || '')""")
    size = sum(len(r.body()) for r in responses if r.status == 200)
    ctx.close()
    return {"requests": len(responses), "bytes": size, "problems": problems, "results": results,
            "status": status, "forms": forms, "pages": [page_of(r["href"], base) for r in results]}


def page_of(href: str, base: str) -> str:
    """The result's address relative to the site (page and #section)."""
    return re.sub(r"^(?:\.\./|\./)+", "", href.replace(base + "/", "").replace(base, ""))


# -- in Chromium ---------------------------------------------------------------------------------

@needs_chromium
@pytest.mark.parametrize("query", list(EXPECTED))
def test_query_finds_its_page_with_marked_excerpts_within_budget(site, browser, query):  # noqa: F811
    base, _ = site
    found = run_search(browser, base, query)
    assert not found["problems"], found["problems"]                    # a clean console
    assert found["requests"] <= QUERY_REQUESTS, found["requests"]
    assert found["bytes"] <= QUERY_BYTES, found["bytes"]
    pages = [p.split("#")[0] for p in found["pages"]]
    assert pages and len(pages) == len(set(pages)), pages               # each page once
    expected, rank = EXPECTED[query]
    top = found["pages"][:rank] if "#" in expected else pages[:rank]
    assert expected in top, (query, expected, found["pages"])
    words = query_words(query)
    for result in found["results"]:
        text = result["text"]
        assert not re.search(r"<|>|&lt;|&gt;|\u00ad|#", text), result   # no markup, « # », soft hyphen
        assert result["marks"], result                                   # the query in context…
        for mark in result["marks"]:                                     # …and nothing else marked
            assert any(stands_for(mark, w) for w in words), (query, mark, result["excerpt"])
    first = found["results"][[p.split("#")[0] for p in found["pages"]].index(expected.split("#")[0])]
    marked = {fold(m) for m in first["marks"]}
    for word in words:      # the expected page's excerpt holds every word of the query
        assert any(stands_for(m, word) for m in marked), (query, word, first["excerpt"])
    assert "«\u00a0" in found["status"] and "trouvée" in found["status"], found["status"]


@needs_chromium
@pytest.mark.parametrize("query", list(SHOWN_AT_ONCE))
def test_reviewer_queries_show_their_pages_at_once(site, browser, query):  # noqa: F811
    """The pages a buyer expects are on the first screen of results, not behind « Afficher
    plus »; « cloud » lands on the hosting fiche's cloud section before the pages that merely
    name it in a card."""
    base, _ = site
    found = run_search(browser, base, query)
    pages = [p.split("#")[0] for p in found["pages"]]
    for expected in SHOWN_AT_ONCE[query]:
        assert expected in pages, (query, expected, found["pages"])
    assert not found["problems"] and found["requests"] <= QUERY_REQUESTS, found
    if query == "cloud":
        assert found["pages"][:2].count("fiches-pratiques/hebergement.html#hebergement-modeles-cloud") == 1, found["pages"]


@needs_chromium
@pytest.mark.parametrize("query", list(NOT_FOUND))
def test_no_word_that_merely_begins_like_the_query(site, browser, query):  # noqa: F811
    base, _ = site
    found = run_search(browser, base, query)
    pages = [p.split("#")[0] for p in found["pages"]]
    if NOT_FOUND[query] == ["*"]:
        assert not pages and "Aucune page" in found["status"], (pages, found["status"])
    for bad in NOT_FOUND[query]:
        assert bad not in pages, (query, bad, found["pages"])
    for result in found["results"]:
        for mark in result["marks"]:
            assert stands_for(mark, query), (query, mark, result["excerpt"])
    assert not found["problems"] and found["requests"] <= QUERY_REQUESTS, found


@needs_chromium
def test_several_words_land_where_they_follow_each_other(site, browser):  # noqa: F811
    """« clause sociale » lands on a passage that says « clause sociale », not on « Préoccupations
    sociales »; « centre de données » never on « Démarches centrées »; for « 80 PLUS », the pages
    that say « 80 PLUS » come before those that say « plus de 80 % »."""
    base, _ = site
    found = run_search(browser, base, "80 PLUS")
    adjacent = [any(fold(a) == "80" and fold(b) == "plus" for a, b in zip(r["marks"], r["marks"][1:]))
                for r in found["results"]]
    assert adjacent[:2] == [True, True] and adjacent == sorted(adjacent, reverse=True), found["pages"]
    found = run_search(browser, base, "clause sociale")
    first = found["results"][0]
    assert re.search(r"clauses? sociales?", first["excerpt"], re.I), first
    marks = [fold(m) for m in first["marks"]]
    assert any(a.startswith("claus") and b.startswith("social") for a, b in zip(marks, marks[1:])), first
    found = run_search(browser, base, "centre de données")
    for result in found["results"]:
        marks = {fold(m) for m in result["marks"]}
        assert any(m.startswith("centre") and not m.startswith("centree") for m in marks), result
        assert any(m.startswith("donnee") for m in marks), result


@needs_chromium
@pytest.mark.parametrize(("query", "message"), [
    ("", "Saisissez un ou plusieurs mots"),
    ("   ", "Saisissez un ou plusieurs mots"),
    ("le la des", "ces mots sont trop courants"),
    ("les", "ce mot est trop courant"),
    ("a", "une lettre seule ne suffit pas"),
    ("%&*", "ni lettre ni chiffre"),
    ("<b>", "une lettre seule ne suffit pas"),
    ("xyzzyq", "Aucune page ne contient ce mot"),
    ("reconditionné xyzzyq", "Aucune page ne contient tous ces mots"),
])
def test_messages_say_what_to_do(site, browser, query, message):  # noqa: F811
    base, _ = site
    found = run_search(browser, base, query)
    assert message in found["status"], (query, found["status"])
    assert not found["results"] and not found["problems"], found


@needs_chromium
def test_one_labelled_form_and_more_results_on_demand(site, browser):  # noqa: F811
    base, _ = site
    found = run_search(browser, base, None)
    assert len(found["forms"]) == 1 and found["forms"][0], found["forms"]   # one form, named
    page = browser.new_page()
    page.goto(f"{base}/search.html?q={quote('équipements')}", wait_until="networkidle")
    page.wait_for_function("() => !/en cours/.test(document.getElementById('search-status').textContent)")
    assert page.input_value("#search-q") == "équipements"
    assert page.get_attribute("#search-status", "role") == "status"
    before = page.locator("#search-results > li").count()
    assert 1 <= before < 10 and page.is_visible("#search-more")
    page.click("#search-more")
    page.wait_for_function(f"() => document.querySelectorAll('#search-results > li').length > {before}")
    focused = page.evaluate("document.activeElement.closest('#search-results > li') !== null")
    hrefs = page.evaluate("[...document.querySelectorAll('#search-results > li a')].map(a => a.getAttribute('href').split('#')[0])")
    headings = page.evaluate("[...document.querySelectorAll('#search-results > li h2 a')].length")
    page.close()
    assert focused                                           # the first new result has the focus
    assert len(hrefs) == len(set(hrefs)) and headings == len(hrefs)   # each page once, a heading each


class SubPathHandler(QuietHandler):
    """The site served under a sub-path, as on its host (html_baseurl's path)."""
    prefix = "/publications/guide-pratique-achats-numeriques-responsables"

    def translate_path(self, path):
        if not path.startswith(self.prefix + "/"):
            return "/nonexistent"
        return super().translate_path(path[len(self.prefix):])


@needs_chromium
def test_works_from_a_sub_path_says_what_to_do_from_a_file_and_without_javascript(guide_html, browser):  # noqa: F811
    handler = functools.partial(SubPathHandler, directory=str(guide_html))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{httpd.server_address[1]}{SubPathHandler.prefix}"
        found = run_search(browser, base, "reconditionné")
        assert found["results"] and not found["problems"], found
        page = browser.new_page()
        target = found["results"][0]["url"]
        assert target.startswith(base + "/"), target
        response = page.goto(target)
        assert response.status == 200
        page.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    found = run_search(browser, (guide_html).as_uri(), "reconditionné")
    assert "servez le dossier par un serveur web" in found["status"], found["status"]
    assert not [p for p in found["problems"] if p.startswith("pageerror")], found["problems"]
    page = browser.new_context(java_script_enabled=False).new_page()
    page.goto((guide_html / "search.html").as_uri() + "?q=cloud")
    assert "La recherche a besoin de JavaScript" in page.inner_text("main")
    page.context.close()


# -- the built site ------------------------------------------------------------------------------

def fragments(html: Path) -> dict[str, dict]:
    """Pagefind's fragments (one per page: its text, title, sections), by page address."""
    out = {}
    for path in (html / search.BUNDLE_DIR / "fragment").glob("*.pf_fragment"):
        data = gzip.decompress(path.read_bytes())
        assert data.startswith(b"pagefind_dcd")
        fragment = json.loads(data[len(b"pagefind_dcd"):])
        out[fragment["url"].lstrip("/")] = fragment
    return out


def test_bundle_holds_only_what_the_search_page_loads(guide_html):
    bundle = guide_html / search.BUNDLE_DIR
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert set(entry["languages"]) == {"fr"}
    names = {p.name for p in bundle.iterdir()}
    language = entry["languages"]["fr"]
    assert names == {"pagefind.js", "pagefind-entry.json", f"pagefind.{language['hash']}.pf_meta",
                     "wasm.fr.pagefind", "index", "fragment"}, names
    chunks = list((bundle / "index").iterdir())     # small chunks: one query word costs ~8 Ko
    assert len(chunks) >= 8 and max(p.stat().st_size for p in chunks) < 16_000
    for name in ("searchindex.js", "_static/searchtools.js", "_static/language_data.js",
                 "_static/french-stemmer.js", "_static/sphinx_highlight.js", "_static/guide-search.js", "_search"):
        assert not (guide_html / name).exists(), name        # Sphinx's search and ours of 0.1


def test_index_holds_what_readers_read(guide_html):
    pages = fragments(guide_html)
    html_pages = {p.relative_to(guide_html).as_posix() for p in guide_html.rglob("*.html")}
    not_indexed = {"search.html", "404.html"}   # the search page itself, the error page
    assert set(pages) == html_pages - not_indexed, set(pages) ^ (html_pages - not_indexed)
    for url, fragment in pages.items():
        text = fragment["content"]
        assert "\u00ad" not in text and "\u00ad" not in fragment["meta"]["title"], url
        assert not re.search(r"\w#", text), url                             # no « # » permalink
        assert "mise à jour le" not in text, url                             # no version line
        for chrome in ("Accès rapide", "Voir le fil d’Ariane", "Sommaire", "République Française",
                       "Mentions légales", "legifrance.gouv.fr", "Précédent", "Suivant"):
            assert chrome not in text.replace("'", "’") or chrome in ("Sommaire", "Mentions légales"), (url, chrome)
        assert fragment["meta"]["genre"] in search.KIND_LABELS.values(), url
    # each section is a place a result lands, named by its plain title
    produits = pages["labels/produits.html"]
    titled = {a["id"]: a["title"] for a in produits["anchors"] if a.get("title")}
    assert titled["produits-80-plus"] == "80 PLUS" and titled["tco"] == "TCO"
    glossary = {a["id"]: a["title"] for a in pages["glossaire.html"]["anchors"] if a.get("title")}
    assert glossary["term-PUE"] == "PUE"
    # « l’équipement »: Pagefind reads ' (it splits words there), the page keeps ’
    assert "l'équipement" in pages["demarche-numerique-responsable/fin-de-vie.html"]["content"]
    assert "l’équipement" in (guide_html / "demarche-numerique-responsable/fin-de-vie.html").read_text(encoding="utf-8")


def test_site_map_and_chrome_not_searched(guide_html):
    plan = fragments(guide_html)["plan-du-site.html"]["content"]
    assert "Solutions d'impression" not in plan        # the list of titles is not indexed


def test_indexed_text_and_compact_script():
    assert search.indexed_text("<h2>Régle\u00admen\u00adta\u00adtion de l’écolabel</h2>") == \
        "<h2>Réglementation de l'écolabel</h2>"
    js = search.compact_js("/* doc\n   more */\nconst a = 1;  // kept: not a whole line\n  // dropped\n"
                           "  if (a) { b('</mark>'); }\n")
    assert js == "const a = 1;  // kept: not a whole line\nif (a) { b('<\\/mark>'); }"


# -- Pagefind missing or failing -----------------------------------------------------------------

def _root(rootdir, tmp_path) -> Path:
    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-linkify", src)
    return src


def test_missing_pagefind_is_a_finding_at_package_json(rootdir, tmp_path):
    proc, report = build_root(_root(rootdir, tmp_path), tmp_path / "out",
                              "-D", f"guide_pagefind={tmp_path / 'absent' / 'pagefind'}")
    found = [f for f in report["findings"] if f["check"] == "search"]
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert len(found) == 1 and found[0]["code"] == "pagefind-missing", found
    line = next(n for n, text in enumerate((ROOT / "package.json").read_text().splitlines(), 1)
                if '"pagefind"' in text)
    assert found[0]["source"].endswith("package.json") and found[0]["line"] == line
    assert f"package.json:{line}:" in proc.stderr and "make" in found[0]["fix"]
    assert (tmp_path / "out" / "index.html").exists()          # the site is still written
    proc, _ = build_root(_root(rootdir, tmp_path / "w"), tmp_path / "out-w", "-W", "--keep-going",
                         "-D", f"guide_pagefind={tmp_path / 'absent' / 'pagefind'}")
    assert proc.returncode != 0                                  # the strict build fails


def test_failing_pagefind_is_a_finding_with_its_message(rootdir, tmp_path):
    fake = tmp_path / "pagefind"
    fake.write_text("#!/bin/sh\necho 'Error: Failed to parse the site' >&2\nexit 3\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    proc, report = build_root(_root(rootdir, tmp_path), tmp_path / "out", "-D", f"guide_pagefind={fake}")
    found = [f for f in report["findings"] if f["check"] == "search"]
    assert len(found) == 1 and found[0]["code"] == "pagefind-failed", found
    assert "code 3" in found[0]["message"] and "Failed to parse the site" in found[0]["message"]
    assert "Traceback" not in proc.stderr


def test_test_roots_are_indexed_too(rootdir, tmp_path):
    """Every site build runs Pagefind (make html, make live, make check, the tests' builds)."""
    proc, report = build_root(_root(rootdir, tmp_path), tmp_path / "out")
    assert not [f for f in report["findings"] if f["check"] == "search"], report
    assert proc.returncode == 0
    assert (tmp_path / "out" / search.BUNDLE_DIR / "pagefind-entry.json").exists()
    assert not (tmp_path / "out" / ".doctrees" / "pagefind-source").exists()   # its copy, removed


@needs_chromium
@pytest.mark.parametrize("query", ["ecolabel", "80 PLUS"])
def test_announced_count_never_exceeds_the_pages_listed(site, browser, query):  # noqa: F811
    """The reviewer read « 11 pages trouvées » for « ecolabel », then paged to 9: candidates that
    miss a word are dropped as they load, so no number is announced before all are checked."""
    base, _ = site
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.goto(f"{base}/search.html?q={quote(query)}", wait_until="networkidle")
    page.wait_for_function("() => !/en cours/.test(document.getElementById('search-status').textContent)")
    announced = []
    for _ in range(20):
        status = page.inner_text("#search-status")
        listed = page.locator("#search-results > li").count()
        numbers = [int(n) for n in re.findall(r"(\d+)\u00a0(?:première|page)", status)]
        announced.append((numbers, listed, status))
        if not page.is_visible("#search-more"):
            break
        page.click("#search-more")
        page.wait_for_function(f"""() => document.querySelectorAll('#search-results > li').length > {listed}
            || document.getElementById('search-more').hidden""")   # (the rest may all miss a word)
    ctx.close()
    final_listed = announced[-1][1]
    assert announced[-1][0] == [final_listed], announced[-1]      # the end: the exact number
    for numbers, listed, status in announced:
        assert all(n == listed <= final_listed for n in numbers), (status, listed, final_listed)
