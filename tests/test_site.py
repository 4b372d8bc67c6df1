"""What a reader relies on in the built site (issue: the guide as a Sphinx + MyST site)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import DOCS

SITE_TITLE = "Guide pratique pour des achats numériques responsables"
FICHES = ["bureautique", "impression", "reseaux", "hebergement", "prestations-intellectuelles",
          "logiciels"]
# The sidebar order of the original site (../shared/brief/layout.md), then the news.
NAV_ORDER = [
    "introduction.html",
    "demarche-numerique-responsable/index.html",
    "labels/index.html",
    "fiches-pratiques/index.html",
    "glossaire.html",
    "equipe-projet.html",
    "actualites/index.html",
]


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def source_pages() -> list[str]:
    return sorted(p.relative_to(DOCS).with_suffix("").as_posix() for p in DOCS.rglob("*.md")
                  if not p.relative_to(DOCS).parts[0].startswith("_"))  # _fragments: included


def test_every_page_is_built(guide_html):
    missing = [d for d in source_pages() if not (guide_html / f"{d}.html").exists()]
    assert not missing
    assert len(source_pages()) >= 23  # 21 pages of the guide + news index + the post


def test_every_page_is_reachable_from_the_navigation(guide_html):
    seen, todo = set(), ["index.html"]
    while todo:
        page = todo.pop()
        if page in seen:
            continue
        seen.add(page)
        html = soup(guide_html / page)
        nav = html.select_one("nav.sommaire")
        assert nav is not None, f"{page} n'a pas de sommaire"
        # the sommaire, and the footer's links to the site's own pages (legal notice…)
        for a in nav.select("a[href]") + html.select("footer.site-footer a[href]:not([href^=http])"):
            href = a["href"].split("#")[0]
            if not href or href.endswith(".pdf"):
                continue
            target = (guide_html / page).parent.joinpath(href).resolve()
            todo.append(target.relative_to(guide_html.resolve()).as_posix())
    expected = {f"{d}.html" for d in source_pages()}
    assert expected <= seen, sorted(expected - seen)


def test_sidebar_order_is_the_original_one(guide_html):
    top = [a["href"] for a in soup(guide_html / "index.html").select("nav.sommaire li.toctree-l1 > a")]
    assert top == NAV_ORDER
    fiches = [a["href"] for a in
              soup(guide_html / "fiches-pratiques/bureautique.html").select("nav.sommaire li.toctree-l2 > a")]
    assert fiches == [f"{f}.html" if f != "bureautique" else "#" for f in FICHES]
    labels = [a.get_text(strip=True) for a in
              soup(guide_html / "index.html").select("nav.sommaire li.toctree-l1 > a")]
    assert labels[:4] == ["Introduction", "La démarche vers un numérique responsable",
                          "Les labels", "Fiches pratiques par segment d’achats"]


def test_current_page_is_marked_in_the_sidebar(guide_html):
    page = soup(guide_html / "labels/produits.html")
    current = page.select("nav.sommaire [aria-current=page]")
    assert [a.get_text(strip=True) for a in current] == ["Produits"]  # the menu label of the page
    assert current[0]["href"] == "#"


def test_landing_page_has_six_cards_to_the_six_fiches(guide_html):
    page = soup(guide_html / "index.html")
    cards = page.select(".fr-card.fr-enlarge-link:not(.fr-card--download)")  # sphinx-design cards, as DSFR cards
    assert len(cards) == 6
    links = [card.select_one(".fr-card__title a")["href"] for card in cards]
    assert links == [f"fiches-pratiques/{f}.html" for f in FICHES]
    for card in cards:
        img = card.select_one("img")
        assert img is not None and img.get("alt") == ""  # decorative pictogram
        assert card.select_one("a").get_text(strip=True)  # the link has an accessible name


def test_landing_page_sections_and_version_facts(guide_html):
    page = soup(guide_html / "index.html")
    h2 = [h.get_text(strip=True).rstrip("#") for h in page.select("main h2")]
    for title in ("Fiches pratiques familles d’achats", "Informations", "Contribuer", "Consulter"):
        assert title in h2
    text = " ".join(page.select_one("main").get_text(" ", strip=True).split())  # (no-break spaces)
    assert "version bêta" in text and "V1 – avril 2022" in text
    assert page.select_one('main a[href="introduction.html"]')


def test_news_index_lists_the_post_newest_first(guide_html):
    page = soup(guide_html / "actualites/index.html")
    items = page.select("ul.news-list > li")
    assert items, "la page Actualités ne liste aucun billet"
    dates = [li.time["datetime"] for li in items]
    assert dates == sorted(dates, reverse=True)
    assert "Publication du Guide pratique" in items[0].get_text()
    post = soup(guide_html / "actualites/2021-04-30-publication-version-beta.html")
    webinar = [a for a in post.select("main a") if "scalelite" in a.get("href", "")]
    assert len(webinar) == 2  # {news-link} in the text and the front matter's linkTitle


def test_html_lang_and_titles(guide_html):
    for path in guide_html.rglob("*.html"):
        if path.name in {"genindex.html"}:
            continue
        page = soup(path)
        assert page.html["lang"] == "fr", path
        title = page.title.get_text()
        if path.name == "index.html" and path.parent == guide_html:
            assert title == SITE_TITLE
        else:
            assert title.endswith(f" – {SITE_TITLE}"), (path, title)
            h1 = page.h1.get_text(strip=True).rstrip("#").replace("\u00ad", "")  # soft hyphens
            if path.name != "search.html":
                assert title.startswith(h1), (path, title, h1)


def test_breadcrumbs_and_prev_next(guide_html):
    page = soup(guide_html / "fiches-pratiques/impression.html")
    crumbs = [li.get_text(strip=True) for li in page.select("nav.breadcrumb li")]
    assert crumbs[0] == "Accueil du guide" and crumbs[-1] == "Solutions d’impression"
    assert "Fiches pratiques par segment d’achats" in crumbs
    prev = page.select_one(".prev-next a.prev")["href"]
    nxt = page.select_one(".prev-next a.next")["href"]
    assert prev == "bureautique.html" and nxt == "reseaux.html"


def test_search_index_is_french(guide_html):
    entry = json.loads((guide_html / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert set(entry["languages"]) == {"fr"}      # Pagefind's French stemmer (tests/test_search.py)
    options = (guide_html / "_static/documentation_options.js").read_text(encoding="utf-8")
    assert "LANGUAGE: 'fr'" in options


def test_every_term_resolves_to_the_glossary(guide_html):
    glossary = soup(guide_html / "glossaire.html")
    ids = {tag["id"] for tag in glossary.select("dl.glossary dt[id], dl.glossary dt [id]")}
    assert len(ids) >= 37
    used = 0
    for path in guide_html.rglob("*.html"):
        for a in soup(path).select("a.reference.internal"):
            href = a.get("href", "")
            if "#term-" in href:
                used += 1
                assert href.startswith("glossaire.html#") or "/glossaire.html#" in href or \
                    (path.name == "glossaire.html" and href.startswith("#")), (path, href)
                assert href.split("#", 1)[1] in ids, (path, href)
    assert used >= 20


def test_abbreviations_are_marked(guide_html):
    page = soup(guide_html / "fiches-pratiques/bureautique.html")
    titles = {abbr.get_text(): abbr["title"] for abbr in page.select("abbr[title]")}
    assert {"AGEC", "CPV", "OIT", "CCTP"} <= set(titles) and all(titles.values())
    glossary_links = [a for a in page.select("a.reference.internal") if "#term-" in a["href"]]
    assert any("DEEE" in a["href"] or "deee" in a["href"] for a in glossary_links)


def test_licence_footer_on_every_page(guide_html):
    for path in guide_html.rglob("*.html"):
        footer = soup(path).select_one("footer.site-footer")
        assert footer is not None, path
        assert footer.select_one('a[rel=license]'), path


@pytest.mark.sphinx("html", testroot="linkify")
def test_linkify_links_urls_but_not_file_names(app):
    app.build()
    html = (Path(app.outdir) / "index.html").read_text(encoding="utf-8")
    assert '<a class="reference external" href="https://ecoresponsable.numerique.gouv.fr/publications/">' in html
    assert "http://bureautique.md" not in html and "bureautique.md" in html
    assert 'href="http://www.example.org"' not in html


def test_no_myst_syntax_leaks_into_the_pages(guide_html):
    """Markup MyST does not parse (in an {abbr} title, say) would reach readers as is."""
    leak = re.compile(r"\]\{lang=|\{(?:term|abbr|doc|ref|download)\}`|^:::|\{\{ ?\w+ ?\}\}", re.M)
    offenders = []
    for path in guide_html.rglob("*.html"):
        page = soup(path)
        for tag in page.select("script, style"):
            tag.decompose()
        texts = [page.get_text("\n")] + [v for t in page.find_all(True) for k, v in t.attrs.items()
                                          if isinstance(v, str) and k in ("title", "alt", "aria-label")]
        offenders += [(path.name, m.group(0)) for text in texts for m in leak.finditer(text)]
    assert not offenders


def test_no_placeholder_left_in_the_sources():
    bad = re.compile(r"à compléter|à rédiger|lorem ipsum|TODO|TBD", re.IGNORECASE)
    offenders = [str(p) for p in DOCS.rglob("*.md") if bad.search(p.read_text(encoding="utf-8"))]
    assert not offenders


def test_glossary_synonyms_are_one_entry(guide_html):
    """« DEEE » and « D3E » over one definition: one entry « DEEE, D3E » (two <dt> in a row looked
    like a term without a definition), each term still the target of its {term} links."""
    glossary = soup(guide_html / "glossaire.html")
    entries = glossary.select("dl.glossary > dt")
    lonely = [dt.get_text(strip=True) for dt in entries if dt.find_next_sibling() is None
              or dt.find_next_sibling().name != "dd"]
    assert not lonely, lonely
    texts = {" ".join(dt.get_text().split()).rstrip("#") for dt in entries}
    assert {"DEEE, D3E", "Chrome hexavalent, Chrome(VI)"} <= texts, sorted(texts)
    for term in ("term-DEEE", "term-D3E", "term-Chrome-hexavalent", "term-Chrome-VI"):
        assert glossary.select_one(f"dl.glossary dt#{term}, dl.glossary dt #{term}"), term


def test_permalinks_are_beside_headings_not_inside(guide_html):
    """No « # » inside a heading (its accessible name would end in « # »); each permalink is
    named for where it goes and is no tab stop."""
    inside, unnamed = [], []
    for path in guide_html.rglob("*.html"):
        page = soup(path)
        inside += [(path.name, h.get_text()) for h in page.select(":is(h1,h2,h3,h4,h5,h6) a.headerlink")]
        unnamed += [(path.name, a.get("href")) for a in page.select("a.headerlink")
                    if a.get("tabindex") != "-1" or not a.get("aria-label", "").startswith("Lien vers ")]
    assert not inside, inside[:5]
    assert not unnamed, unnamed[:5]
    heading = soup(guide_html / "fiches-pratiques/hebergement.html").select_one("#hebergement-reglementation")
    link = heading.select_one("a.headerlink")
    assert link["aria-label"] == "Lien vers la section « 1. Réglementation applicable »"


def test_pdf_size_in_decimal_units(guide_html):
    """771 241 octets are « 771 ko » (the DSFR's download links and the SI count 1 000 octets to
    the ko; « 753 Ko » was a count of 1 024)."""
    pdf = next((guide_html / "telechargements").glob("*.pdf"))
    size = pdf.stat().st_size
    expected = (f"{round(size / 1000)}\u00a0ko" if size < 999_500
                else f"{size / 1e6:.1f}".replace(".", ",") + "\u00a0Mo")
    for path in ("index.html", "fiches-pratiques/bureautique.html"):
        labels = [a.get_text() for a in soup(guide_html / path).select('a[href*="telechargements/"][href$=".pdf"]')]
        assert labels and all(f"(pdf {expected})" in label for label in labels), (path, labels, expected)


#: English passages of the pages: marked lang="en" wherever they are (RGAA 8.7)
ENGLISH = ["Typical electric consumption", "Forest Stewardship Council", "Restriction of Hazardous Substances"]


def test_english_passages_are_marked(guide_html):
    unmarked = []
    for path in guide_html.rglob("*.html"):
        main = soup(path).select_one("main")
        for text in main.find_all(string=lambda t: any(e in t for e in ENGLISH)):
            if text.find_parent(attrs={"lang": "en"}) is None:
                unmarked.append((path.relative_to(guide_html).as_posix(), text.strip()[:60]))
    assert not unmarked, unmarked


def test_80_plus_levels_named_the_same_way(guide_html):
    """The labels page and the hébergement fiche name the six 80 PLUS levels alike, by the
    names the certification gives them (the beta's table translated two of six)."""
    table = soup(guide_html / "labels/produits.html").select_one("#produits-table-80plus")
    levels = [re.sub(r"^80 PLUS ", "", tr.select_one("td, th").get_text(strip=True))
              for tr in table.select("tbody tr")]
    assert levels == ["Standard", "Bronze", "Silver", "Gold", "Platinum", "Titanium"], levels
    fiche = soup(guide_html / "fiches-pratiques/hebergement.html").select_one("main").get_text(" ")
    note = fiche[fiche.index("ces niveaux"):][:300]
    assert all(level in note for level in levels), note


def test_page_chrome_keeps_french_spaces(guide_html):
    """The reviewer found ordinary spaces before « : ? ; » in what the template writes: footer,
    previous/next links (Jinja's striptags turns no-break spaces into spaces), breadcrumb, title,
    the 404 page and the search hint. A line may then start with « ? »."""
    bad = []
    for path in sorted(guide_html.rglob("*.html")):
        page = soup(path)
        parts = page.select(".fr-footer, .guide-prev-next, .fr-breadcrumb, title, .guide-search-hint, main .guide-error")
        for part in parts:
            for match in re.finditer(r".{0,25} [:;?!»]", part.get_text()):
                bad.append((path.relative_to(guide_html).as_posix(), match.group()))
    assert not bad, bad[:10]


def test_legal_numbers_never_break_at_their_hyphen(guide_html):
    """The reviewer saw « décret n° 2020- / 1455 » and « L. 2143- / 5 » at 320–375 px: a number
    with hyphens is kept whole (and joined to « n° », « L. » by a no-break space); an address's
    digits are left to the address."""
    page = (guide_html / "demarche-numerique-responsable" / "fin-de-vie.html").read_text(encoding="utf-8")
    assert 'n°\u00a0<span class="nowrap">2020-1455</span>' in page
    produits = soup(guide_html / "labels" / "produits.html")
    kept = {span.get_text() for span in produits.select("main span.nowrap")}
    assert "2143-5" in kept, sorted(kept)[:20]
    for path in guide_html.rglob("*.html"):
        for link in soup(path).select("main a[href^=http]"):
            if "://" in link.get_text() or "www." in link.get_text():
                assert not link.select("span.nowrap"), (path.name, str(link)[:200])
