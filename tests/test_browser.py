"""The site in a real browser (Debian's Chromium driven by Playwright): accessibility (axe-core
and what axe cannot see), eco-design budget with EcoIndex, responsive layout and print styles.
Writes the per-page budget table and screenshots (landing page, a fiche, the glossary, a search,
at 375 and 1 280 px; two pages and a table at 320 px) to _build/reports/."""

from __future__ import annotations

import asyncio
import functools
import json
import re
import shutil
import statistics
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import ROOT, build_root

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
REPORTS = ROOT / "_build" / "reports"
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium absent : lancez « make test »")]


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class PagesHandler(QuietHandler):
    """A static host as GitHub Pages (and most others) behave: an address that does not exist,
    at any depth, gets the site's /404.html with the status 404."""

    not_found: Path | None = None

    def send_error(self, code, message=None, explain=None):
        if code != 404 or self.not_found is None or not self.not_found.exists():
            return super().send_error(code, message, explain)
        body = self.not_found.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        return None


def site_path(html_dir: Path) -> str:
    """The path the site is published under (its 404 page's addresses start there)."""
    page = html_dir / "404.html"
    if page.exists():
        import re
        found = re.search(r'href="(/[^"]*?)_static/', page.read_text(encoding="utf-8"))
        if found:
            return found.group(1)
    return "/"


@pytest.fixture(scope="module")
def site(guide_html, tmp_path_factory):
    """The built site served as a static host publishes it: under its path, a missing address
    answered by its 404 page."""
    path = site_path(guide_html)
    root = folder = guide_html.resolve()
    if path.strip("/"):
        root = tmp_path_factory.mktemp("www")
        folder = root.joinpath(*path.strip("/").split("/"))
        folder.parent.mkdir(parents=True, exist_ok=True)
        folder.symlink_to(guide_html.resolve(), target_is_directory=True)
    handler = functools.partial(type("Host", (PagesHandler,), {"not_found": folder / "404.html"}),
                                directory=str(root))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}{path.rstrip('/')}", guide_html
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


def pages_of(html_dir: Path) -> list[str]:
    return sorted(p.relative_to(html_dir).as_posix() for p in html_dir.rglob("*.html"))


LINE_BREAKS = """(h1, allowed) => {
    // Where a text (the page title, an e-mail address…) goes to a new line inside a word, and
    // what ends the line there; `allowed`: [before, after] the break that are fine.
    const out = [];
    const walker = document.createTreeWalker(h1, NodeFilter.SHOW_TEXT);
    const chars = [];
    for (let n = walker.nextNode(); n; n = walker.nextNode())
        for (let i = 0; i < n.data.length; i++) chars.push([n, i]);
    let lastTop = null, prev = '';
    for (const [n, i] of chars) {
        const ch = n.data[i], r = document.createRange();
        r.setStart(n, i); r.setEnd(n, i + 1);
        // (after a soft hyphen's break, the next letter also reports the hyphen's box on the
        // line before: its own glyph is the last box)
        const rect = [...r.getClientRects()].filter(x => x.width > 0).pop();
        if (!rect) { prev = ch; continue; }
        if (lastTop !== null && rect.top > lastTop + 4 && !/\\s/.test(prev) && !/\\s/.test(ch)
            && !allowed[0].includes(prev) && !allowed[1].includes(ch))
            out.push(prev + '|' + ch);
        lastTop = rect.top; prev = ch;
    }
    return out; }"""
H1_BREAKS = f"""() => ({LINE_BREAKS})(document.querySelector('main h1'),
    [['\\u00ad', '-', '/', '’', "'"], []])"""
#: an e-mail address breaks after its « @ » or a hyphen, or before a dot
MAIL_BREAKS = f"""() => [...document.querySelectorAll('main a[href^="mailto:"]')]
    .flatMap(a => ({LINE_BREAKS})(a, [['@', '-'], ['.']]).map(b => a.textContent + ' : ' + b))"""


@pytest.fixture(scope="module")
def phone(site, browser) -> dict:
    """Every page once at 320 px (the narrowest phone): what the phone tests look at."""
    base, html_dir = site
    REPORTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 320, "height": 700})
    facts = {}
    for path in pages_of(html_dir):
        page.goto(f"{base}/{path}")
        facts[path] = {"scroll_width": page.evaluate("document.documentElement.scrollWidth"),
                       "h1_permalinks": page.locator("h1 a.headerlink").count(),
                       "h1_breaks": page.evaluate(H1_BREAKS),
                       "mail_breaks": page.evaluate(MAIL_BREAKS)}
        if path in ("index.html", "fiches-pratiques/hebergement.html"):
            page.screenshot(path=str(REPORTS / f"{path.split('/')[-1][:-5]}-320.png"), full_page=False)
    page.close()
    return facts


def measure(browser, url: str, width: int = 1280) -> dict:
    """Load a page in a fresh context (empty cache) and measure what it costs."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    responses = []
    page.on("response", lambda r: responses.append(r))
    page.goto(url, wait_until="networkidle")
    size = 0
    hosts = set()
    for r in responses:
        hosts.add(urlsplit(r.url).hostname)
        try:
            size += len(r.body())
        except Exception:  # noqa: BLE001 - redirects have no body
            pass
    dom = page.evaluate("""() => {
        const all = document.getElementsByTagName('*').length;
        const svgKids = [...document.querySelectorAll('svg')].reduce((n, s) => n + s.getElementsByTagName('*').length, 0);
        return all - svgKids; }""")
    fonts = page.evaluate("""() => [...new Set([...document.querySelectorAll('body *')]
        .map(e => getComputedStyle(e).fontFamily))]""")
    context.close()
    return {"bytes": size, "requests": len(responses), "dom": dom, "hosts": sorted(hosts), "fonts": fonts}


def ecoindex(dom: int, size_kb: float, requests: int):
    from concurrent.futures import ThreadPoolExecutor

    from ecoindex.compute import compute_ecoindex
    # Playwright's sync API owns this thread's event loop: compute in another thread.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, compute_ecoindex(nodes=dom, size=size_kb,
                                                         requests=requests)).result()


def test_axe_finds_no_wcag_a_aa_violation_on_any_page(site, browser):
    from axe_playwright_python.sync_playwright import Axe
    base, html_dir = site
    axe = Axe()
    problems = {}
    context = browser.new_context()
    page = context.new_page()
    for path in pages_of(html_dir) + ["search.html?q=DEEE"]:  # and search results on screen
        page.goto(f"{base}/{path}", wait_until="networkidle")
        results = axe.run(page, options=WCAG)
        violations = results.response["violations"]
        if violations:
            problems[path] = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
    context.close()
    assert not problems, json.dumps(problems, indent=1, ensure_ascii=False)


def test_budget_per_page_and_ecoindex(site, browser):
    import ecoindex.compute as eco_pkg  # noqa: F401 - the version is written down in the report
    from importlib.metadata import version
    base, html_dir = site
    rows = []
    for path in pages_of(html_dir):
        m = measure(browser, f"{base}/{path}")
        score = ecoindex(m["dom"], m["bytes"] / 1024, m["requests"])
        rows.append({"page": path, **m, "ecoindex": round(score.score, 1),
                     "grade": str(getattr(score.grade, "value", score.grade))})
    REPORTS.mkdir(parents=True, exist_ok=True)
    sizes = [r["bytes"] for r in rows]
    summary = {"ecoindex_compute": version("ecoindex-compute"), "median_bytes": statistics.median(sizes),
               "max_bytes": max(sizes), "max_requests": max(r["requests"] for r in rows), "pages": rows}
    (REPORTS / "budget.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False), encoding="utf-8")
    table = ["| Page | Octets | Requêtes | DOM | EcoIndex | Note |", "|---|---:|---:|---:|---:|:-:|"]
    table += [f"| {r['page']} | {r['bytes']:,} | {r['requests']} | {r['dom']} | {r['ecoindex']} | {r['grade']} |"
              .replace(",", "\u202f") for r in rows]
    (REPORTS / "budget.md").write_text("\n".join(table) + "\n", encoding="utf-8")

    assert statistics.median(sizes) <= 200_000
    for r in rows:
        assert r["bytes"] <= 300_000, r
        assert r["requests"] <= 15, r
        assert r["hosts"] == ["127.0.0.1"], r          # no third-party request
        families = {f.split(",")[0].strip().strip('"') for f in r["fonts"]}
        assert len(families) <= 2, (r["page"], families)
    grade_a = ["index.html"] + [r["page"] for r in rows if r["page"].endswith("/index.html")]
    for r in rows:
        if r["page"] in grade_a:
            assert r["ecoindex"] >= 80, r


def test_template_share_of_the_dom_is_small(browser, rootdir, tmp_path):
    """A page whose content is one paragraph: what remains is the template's own weight."""
    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-linkify", src)
    (src / "index.md").write_text("---\ntitle: Un paragraphe\ndescription: Une page d'un seul "
                                  "paragraphe, pour mesurer le gabarit.\ntype: page\ndate: 2021-04-29\n"
                                  "updated: 2021-04-29\n---\n\n# Un paragraphe\n\nUn paragraphe.\n",
                                  encoding="utf-8")
    build_root(src, tmp_path / "out", "-D", "guide_pdf_link=0")
    page = browser.new_page()
    page.goto((tmp_path / "out" / "index.html").as_uri())
    dom = page.evaluate("document.getElementsByTagName('*').length")
    hidden = page.evaluate("""() => [...document.querySelectorAll('nav, ul, li')]
        .filter(e => getComputedStyle(e).display === 'none').length""")
    page.close()
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / "gabarit.json").write_text(json.dumps({"template_dom": dom, "hidden": hidden}) + "\n",
                                          encoding="utf-8")
    assert dom <= 200, dom
    assert hidden == 0  # no hidden duplicate of the navigation


def test_keyboard_skip_link_focus_titles_and_headings(site, browser):
    base, html_dir = site
    page = browser.new_page()
    titles = {}
    for path in pages_of(html_dir):
        page.goto(f"{base}/{path}")
        page.keyboard.press("Tab")
        first = page.evaluate("""() => [document.activeElement.closest('.fr-skiplinks') !== null,
                                         document.activeElement.getAttribute('href')]""")
        assert first == [True, "#contenu"], (path, first)  # the DSFR's skip links, « Contenu » first
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none", path  # visible focus
        titles[path] = page.title()
        levels = page.evaluate("[...document.querySelectorAll('main h1, main h2, main h3, main h4, main h5, main h6')].map(h => +h.tagName[1])")
        assert levels.count(1) == 1, (path, levels)
        for a, b in zip(levels, levels[1:]):
            assert b <= a + 1, (path, levels)
    page.close()
    assert len(set(titles.values())) == len(titles)  # unique titles
    assert all(t.endswith("Guide pratique pour des achats numériques responsables") for t in titles.values())


def test_landing_cards_reachable_by_keyboard_with_a_name(site, browser):
    base, _ = site
    page = browser.new_page()
    page.goto(f"{base}/index.html")
    reached = []
    for _ in range(80):
        page.keyboard.press("Tab")
        info = page.evaluate("""() => { const a = document.activeElement;
            return [a.closest('.guide-grid .fr-card__title') !== null, a.getAttribute('href'), a.textContent.trim()] }""")
        if info[0] and info not in reached:
            reached.append(info)
    page.close()
    assert [r[1] for r in reached] == [f"fiches-pratiques/{f}.html" for f in
                                        ("bureautique", "impression", "reseaux", "hebergement",
                                         "prestations-intellectuelles", "logiciels")]
    assert all(r[2] for r in reached)


def test_search_by_keyboard_finds_pages(site, browser):
    base, _ = site
    page = browser.new_page()
    page.goto(f"{base}/index.html")
    page.focus("#q")
    page.keyboard.type("reconditionnés")
    page.keyboard.press("Enter")
    page.wait_for_selector("#search-results li", timeout=15000)
    assert page.locator("#search-results li").count() >= 3
    page.close()


def test_responsive_cards_and_no_horizontal_scroll(site, browser, phone):
    base, html_dir = site
    REPORTS.mkdir(parents=True, exist_ok=True)
    xs, folded = {}, {}
    for width in (375, 1280):
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto(f"{base}/index.html")
        boxes = [page.locator(".guide-grid .fr-card").nth(i).bounding_box() for i in range(6)]
        xs[width] = [round(b["x"]) for b in boxes]
        page.screenshot(path=str(REPORTS / f"accueil-{width}.png"), full_page=True)
        page.goto(f"{base}/fiches-pratiques/impression.html")
        folded[width] = page.evaluate("!document.querySelector('#sommaire details').open")
        if width == 375:  # the folded summary still opens from the keyboard
            page.focus("#sommaire summary")
            page.keyboard.press("Enter")
            assert page.evaluate("document.querySelector('#sommaire details').open")
            page.keyboard.press("Enter")
        page.screenshot(path=str(REPORTS / f"fiche-impression-{width}.png"), full_page=False)
        for shot, path in (("glossaire", "glossaire.html"), ("recherche", "search.html?q=reconditionné")):
            page.goto(f"{base}/{path}", wait_until="networkidle")
            page.screenshot(path=str(REPORTS / f"{shot}-{width}.png"), full_page=False)
        page.close()
    assert folded == {375: True, 1280: False}           # the summary is folded on a phone only
    assert len(set(xs[375])) == 1                       # one column on a phone
    assert len(set(xs[1280][:3])) == 3 and xs[1280][:3] == xs[1280][3:]  # three per row
    wide = {path: f["scroll_width"] for path, f in phone.items() if f["scroll_width"] > 320}
    assert not wide, wide                               # no horizontal scroll at 320 px


def test_print_stylesheet_hides_navigation_and_shows_urls(site, browser):
    base, _ = site
    page = browser.new_page()
    page.goto(f"{base}/fiches-pratiques/bureautique.html")
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.querySelector('nav.sommaire')).display") == "none"
    assert page.evaluate("getComputedStyle(document.querySelector('header form[role=search]')).display") == "none"
    after = page.evaluate("""() => { const a = document.querySelector('main a.reference.external[href^="http"]');
        return getComputedStyle(a, '::after').content; }""")
    assert "http" in after
    page.close()


# -- Search: tests/test_search.py (queries, excerpts, budget, messages) -------------------------

def test_search_page_crumbs(site, browser):
    base, _ = site
    page = browser.new_page()
    page.goto(f"{base}/search.html")
    crumbs = page.evaluate("[...document.querySelectorAll('.fr-breadcrumb li')].map(li => li.textContent.trim())")
    page.close()
    assert crumbs == ["Accueil du guide", "Rechercher"]


# -- Phones and keyboard -------------------------------------------------------------------------

def test_h1_breaks_only_at_hyphens_on_a_phone(phone):
    """At 320 px a long French word of a page title breaks where French hyphenation allows,
    with a hyphen, never in the middle of a syllable; no invisible « # » line under it."""
    assert not {path for path, f in phone.items() if f["h1_permalinks"]}
    bad = {path: f["h1_breaks"] for path, f in phone.items() if f["h1_breaks"]}
    assert not bad, bad


def test_email_addresses_break_between_their_parts_on_a_phone(phone):
    """At 320 px an address goes to the next line after its « @ » or before a dot, never in
    the middle of « gouv »."""
    assert any(path for path, f in phone.items() if "accessibilite" in path)
    bad = {path: f["mail_breaks"] for path, f in phone.items() if f["mail_breaks"]}
    assert not bad, bad


def accessibility_tree(page) -> list[dict]:
    """Chromium's own accessibility tree (roles and computed names), as screen readers get it."""
    cdp = page.context.new_cdp_session(page)
    try:
        return [n for n in cdp.send("Accessibility.getFullAXTree")["nodes"] if not n.get("ignored")]
    finally:
        cdp.detach()


def test_headings_named_by_their_text_and_permalinks_out_of_the_tab_order(site, browser):
    """A screen reader's list of headings reads « Informations », not « Informations # »; the
    « # » permalinks have a name saying where they go and are no tab stop (they were 43 of the
    105 tab stops of the hébergement fiche at 375 px)."""
    base, _ = site
    page = browser.new_page(viewport={"width": 375, "height": 800})
    for path in ("fiches-pratiques/hebergement.html", "glossaire.html",
                 "demarche-numerique-responsable/analyse-cycle-de-vie.html"):
        page.goto(f"{base}/{path}")
        texts = page.evaluate("""() => [...document.querySelectorAll('main :is(h1,h2,h3,h4,h5,h6)')]
            .map(h => h.textContent.replace(/\u00ad/g, '').replace(/\\s+/g, ' ').trim())""")
        tree = accessibility_tree(page)
        names = [" ".join((n.get("name") or {}).get("value", "").replace("\u00ad", "").split())
                 for n in tree if (n.get("role") or {}).get("value") == "heading"]
        assert sorted(n for n in names if n in texts) == sorted(texts), \
            (path, [n for n in names if n not in texts])
        links = page.evaluate("""() => [...document.querySelectorAll('a.headerlink')]
            .map(a => ({tab: a.tabIndex, name: a.getAttribute('aria-label') || ''}))""")
        assert links, path
        assert all(link["tab"] == -1 for link in links), path
        assert all(re.match(r"Lien vers (la section|le terme|la figure)", link["name"])
                   for link in links), (path, links[:3])
        link_names = {(n.get("name") or {}).get("value", "") for n in tree
                      if (n.get("role") or {}).get("value") == "link"}
        assert "#" not in link_names, path
    page.close()


#: WCAG 2.5.8 (target size, minimum): a target smaller than 24 × 24 px passes when a circle of
#: 24 px centred on it touches no other target (nor the circle of another small one)
SMALL_TARGETS = """() => {
    const targets = [...document.querySelectorAll('a[href], button, input, summary, [tabindex]')]
        .filter(t => t.checkVisibility({visibilityProperty: true, opacityProperty: true,
                                        contentVisibilityAuto: true}))
        .map(t => ({t, r: t.getBoundingClientRect()})).filter(({r}) => r.width && r.height);
    const small = targets.filter(({r}) => r.width < 24 || r.height < 24);
    const centre = r => [r.left + r.width / 2, r.top + r.height / 2];
    const near = (c, r) => Math.hypot(Math.max(r.left - c[0], 0, c[0] - r.right),
                                      Math.max(r.top - c[1], 0, c[1] - r.bottom)) < 12;
    return small.filter(a => targets.some(b => b.t !== a.t && !a.t.contains(b.t) && !b.t.contains(a.t)
            && (near(centre(a.r), b.r) || (small.includes(b)
                && Math.hypot(...centre(a.r).map((v, i) => v - centre(b.r)[i])) < 24))))
        .map(({t, r}) => (t.getAttribute('aria-label') || t.textContent).trim().slice(0, 30)
                         + ' ' + Math.round(r.width) + '×' + Math.round(r.height)); }"""


def test_every_link_has_a_name_and_a_large_enough_target(site, browser):
    """WCAG 2.4.4 and 2.5.8: no link named « * » or « # » (the weighting tables' « * » was one
    character wide), every target 24 px or spaced as if it were."""
    base, html_dir = site
    page = browser.new_page(viewport={"width": 375, "height": 800})
    bad = {}
    for path in [p for p in pages_of(html_dir) if p.startswith("fiches-pratiques/")] + ["glossaire.html"]:
        page.goto(f"{base}/{path}")
        found = page.evaluate("""() => [...document.querySelectorAll('a[href]')]
            .filter(a => a.tabIndex >= 0 && a.getClientRects().length)
            .map(a => (a.getAttribute('aria-label') || a.textContent).trim())
            .filter(name => !/[^\\W\\d_]{2}/.test(name))""") + page.evaluate(SMALL_TARGETS)
        if found:
            bad[path] = found[:5]
    page.close()
    assert not bad, bad


def test_a_figure_keeps_its_width_on_a_phone_in_a_named_scroll_box(site, browser):
    """The life-cycle diagram at 320 px: drawn at the width its page gives it (its labels
    readable, not 4 px tall), in a box that scrolls, is a tab stop and says so."""
    base, _ = site
    page = browser.new_page(viewport={"width": 320, "height": 800})
    page.goto(f"{base}/demarche-numerique-responsable/analyse-cycle-de-vie.html")
    figure = page.evaluate("""() => { const img = document.querySelector('main figure img');
        const box = img.parentElement, cap = document.getElementById(box.getAttribute('aria-labelledby'));
        return {drawn: img.getBoundingClientRect().width, asked: parseFloat(img.style.width),
                scrolls: box.scrollWidth > box.clientWidth, tab: box.tabIndex, role: box.getAttribute('role'),
                named: cap ? cap.tagName + ' ' + cap.textContent : null,
                hint: cap ? getComputedStyle(cap.querySelector('p'), '::after').content : '',
                page: document.documentElement.scrollWidth} }""")
    page.locator("main figure").screenshot(path=str(REPORTS / "figure-acv-320.png"))
    page.close()
    assert figure["drawn"] >= figure["asked"] >= 500, figure
    assert figure["scrolls"] and figure["tab"] == 0 and figure["role"] == "region", figure
    assert figure["named"] and " ".join(figure["named"].split()).startswith("FIGCAPTION Le cycle de vie"), figure
    assert "défiler" in figure["hint"], figure
    assert figure["page"] <= 320, figure


def test_tables_that_nearly_fit_are_laid_out_to_fit(site, browser):
    """At 1 280 px a table scrolls only when it is much wider than the text column (the
    rendements table of nine columns), never for a few pixels (the annexes were 9 px too wide:
    a scroll hint and a tab stop for nothing)."""
    base, html_dir = site
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    near = {}
    for path in ("fiches-pratiques/bureautique.html", "fiches-pratiques/impression.html",
                 "fiches-pratiques/hebergement.html", "labels/produits.html"):
        page.goto(f"{base}/{path}")
        over = page.evaluate("""() => [...document.querySelectorAll('.fr-table__container')]
            .map(c => (c.scrollWidth - c.clientWidth) / c.clientWidth).filter(x => x > 0.002)""")
        if [x for x in over if x < 0.15]:
            near[path] = over
    page.close()
    assert not near, near


def test_printed_home_page_fills_its_first_page_and_ends_with_content(site, browser):
    """On paper: the cards follow the introduction on the first page (not pushed whole to the
    second, leaving it half blank), and the footer is a licence line, not a page of its own."""
    import pypdfium2
    base, _ = site
    page = browser.new_page()
    page.goto(f"{base}/index.html", wait_until="networkidle")
    page.emulate_media(media="print")
    footer = page.evaluate("document.querySelector('footer').getBoundingClientRect().height")
    pdf = pypdfium2.PdfDocument(page.pdf(format="A4"))
    texts = [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    page.close()
    assert "Matériels" in texts[0], texts[0][-300:]
    assert "Consulter" in texts[-1], texts[-1][:300]
    assert footer < 100, footer


def test_a_missing_address_gets_the_404_page_at_any_depth(site, browser):
    """Static hosts answer any missing address with /404.html: the DSFR's « Page non trouvée »,
    styled and with working links wherever the missing address was."""
    from axe_playwright_python.sync_playwright import Axe
    base, _ = site
    for missing in ("page-disparue.html", "fiches-pratiques/ancienne/adresse/profonde.html"):
        page = browser.new_page(viewport={"width": 375, "height": 800})
        failed = []
        page.on("response", lambda r: failed.append((r.status, r.url))
                if r.status >= 400 and r.request.resource_type != "document" else None)
        answer = page.goto(f"{base}/{missing}", wait_until="networkidle")
        assert answer.status == 404, missing
        assert page.inner_text("main h1") == "Page non trouvée", missing
        assert page.title().startswith("Page non trouvée – "), missing
        assert not failed, failed                                          # stylesheets, fonts
        assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("Marianne")
        links = page.evaluate("""() => [...document.querySelectorAll('a[href]:not([href^="#"]), form[action]')]
            .map(a => a.href || a.action).filter(u => u.startsWith(location.origin))
            .map(u => u.split('#')[0]).filter((u, i, all) => all.indexOf(u) === i)""")
        assert len(links) >= 5, links
        for url in links:
            assert page.request.get(url).status == 200, (missing, url)
        if "/" in missing:
            assert not Axe().run(page, options=WCAG).response["violations"]
            page.screenshot(path=str(REPORTS / "404-375.png"))
        page.close()


def test_table_captions_whole_and_scroll_boxes_tab_stops_only_when_they_scroll(site, browser):
    base, html_dir = site
    REPORTS.mkdir(parents=True, exist_ok=True)
    for width in (320, 1280):
        page = browser.new_page(viewport={"width": width, "height": 800})
        scrolling = still = 0
        for path in ("fiches-pratiques/hebergement.html", "fiches-pratiques/impression.html",
                     "labels/produits.html", "index.html"):
            page.goto(f"{base}/{path}")
            tables = page.evaluate("""() => [...document.querySelectorAll('main table')].map(t => {
                const box = t.closest('.fr-table__container') || t;
                const cap = document.getElementById(t.getAttribute('aria-labelledby')) || t.querySelector('caption');
                const c = cap && cap.getBoundingClientRect();
                return {scrolls: box.scrollWidth > box.clientWidth + 1, tabindex: box.getAttribute('tabindex'),
                        role: box.getAttribute('role'), named: box.getAttribute('aria-labelledby') === (cap && cap.id),
                        caption: cap ? cap.textContent : null, capRight: c && c.right, capClipped: cap && cap.scrollWidth > cap.clientWidth,
                        marker: cap && getComputedStyle(cap, '::after').content,
                        cellMargins: [...t.querySelectorAll('td > p:last-child')].map(p => getComputedStyle(p).marginBottom)} })""")
            for t in tables:
                if t["caption"] is not None:  # the caption: outside the box, whole, in the viewport
                    assert t["capRight"] <= width and not t["capClipped"], (path, width, t["caption"])
                if t["scrolls"]:
                    scrolling += 1
                    assert t["tabindex"] == "0" and t["role"] == "region" and t["named"], (path, width, t)
                    assert "défiler" in t["marker"], (path, width, t)      # says that it scrolls
                else:
                    still += 1
                    assert t["tabindex"] is None, (path, width, t)          # not a useless tab stop
                assert set(t["cellMargins"]) <= {"0px"}, (path, t["cellMargins"])  # cells not top-heavy
        if width == 320:
            page.goto(f"{base}/fiches-pratiques/impression.html")
            page.locator(".fr-table").first.screenshot(path=str(REPORTS / "tableau-320.png"))
        page.close()
        assert scrolling and still, (width, scrolling, still)


def test_pdf_link_and_cover_are_one_tab_stop(site, browser):
    base, _ = site
    page = browser.new_page()
    page.goto(f"{base}/index.html")
    stops = page.evaluate("""() => [...document.querySelectorAll('main a[href], main [tabindex]')]
        .filter(a => (a.getAttribute('href') || '').endsWith('.pdf')).length""")
    page.close()
    assert stops == 1


def test_project_stylesheet_last_and_scripts_as_the_statement_says(site, browser):
    """guide.css wins over the DSFR's and sphinx-design's stylesheets by order; pages load no
    script file; the accessibility statement says what the inline script does."""
    base, html_dir = site
    page = browser.new_page()
    inline = False
    for path in pages_of(html_dir):
        page.goto(f"{base}/{path}")
        sheets = page.evaluate("[...document.styleSheets].map(s => (s.href || '').split('/').pop().split('?')[0])")
        assert sheets[-1] == "guide.css", (path, sheets)
        assert sheets[0] == "dsfr.css", (path, sheets)
        files = page.evaluate("[...document.scripts].filter(s => s.src).map(s => s.src.split('/').pop())")
        assert files == [], (path, files)   # (the search page's script is in the page; it imports Pagefind)
        inline = inline or page.evaluate("[...document.scripts].some(s => !s.src && s.type !== 'application/json')")
    page.goto(f"{base}/accessibilite.html")
    statement = page.text_content("main")
    page.close()
    assert inline
    assert "seulement pour la recherche" not in statement
    assert "replie" in statement and "tableaux" in statement and "Pagefind" in statement


def test_dsfr_identity_marianne_and_mandatory_links(site, browser):
    base, html_dir = site
    page = browser.new_page()
    page.goto(f"{base}/fiches-pratiques/bureautique.html", wait_until="networkidle")
    assert page.inner_text(".fr-header .fr-logo").split() == ["RÉPUBLIQUE", "FRANÇAISE"]  # <br>, upper case
    assert page.text_content(".fr-header__service-title").strip() == "Numérique écoresponsable"
    assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("Marianne")
    assert page.evaluate("document.fonts.check('700 16px Marianne') && document.fonts.check('400 16px Marianne')")
    links = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('.fr-footer__bottom-link')]
        .map(a => [a.textContent.trim(), a.getAttribute('href')]))""")
    for label, target in (("Plan du site", "plan-du-site.html"), ("Accessibilité\u00a0: non conforme", "accessibilite.html"),
                          ("Mentions légales", "mentions-legales.html"),
                          ("Données personnelles", "donnees-personnelles.html")):
        assert links[label] == f"../{target}" and (html_dir / target).exists(), (label, links)
    assert page.locator("footer.site-footer.fr-footer a[rel=license]").count() == 1
    page.close()
