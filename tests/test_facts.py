"""The guide's facts, exactly: what a buyer relies on, page by page, on the built site and in the PDF.

The facts live in tests/facts.toml (decree and article numbers, dates, percentages, the CPV codes
of each line of decree n° 2021-254, the levels of each P2I unit of work, the columns of the annex
templates, the numbered sourcing questions, one name per fiche, and what no page may say).
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag

FACTS = tomllib.loads((Path(__file__).with_name("facts.toml")).read_text(encoding="utf-8"))

# Skeleton of a text: no spaces of any kind, no hyphens (the PDF hyphenates words at line ends
# with U+2010 or a soft hyphen), one kind of apostrophe, no capitals (a sentence may start with
# the fact). What remains are the words and figures, accents included.
_DROP = re.compile(r"[\s\u00ad\u2010\u2011\ufffe\-]+")


def skeleton(text: str) -> str:
    return _DROP.sub("", text.replace("\u2019", "'")).casefold()


def words(text: str) -> str:
    """Visible text with its spaces normalised and soft hyphens (the site's hyphenation points
    in long heading words) dropped, for messages and regular expressions."""
    return re.sub(r"\s+", " ", text.replace("\u2019", "'").replace("\u00ad", "")).strip()


# --- the built site -------------------------------------------------------------------------

@cache
def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def page(html: Path, doc: str) -> BeautifulSoup:
    path = html / f"{doc}.html"
    assert path.exists(), f"page {doc} absente du site construit"
    return _soup(path)


def content(html: Path, doc: str) -> Tag:
    """The page's own content: <main> without its navigation (previous / next pages)."""
    main = page(html, doc).find("main") or page(html, doc).body
    main = BeautifulSoup(str(main), "html.parser")
    for nav in main.find_all("nav"):
        nav.decompose()
    for link in main.select("a.headerlink"):
        link.decompose()
    return main


def table_caption(table: Tag) -> str:
    """A table's caption: its <caption>, or the element its aria-labelledby names (the site's
    DSFR tables keep the caption outside their scrolling box)."""
    if table.caption:
        return table.caption.get_text()
    root = table.find_parent("main") or table.find_parent()
    label = root.find(id=table.get("aria-labelledby", "")) if table.get("aria-labelledby") else None
    return label.get_text() if label else ""


def tables(html: Path, doc: str, caption: str) -> list[Tag]:
    found = [t for t in content(html, doc).find_all("table")
             if skeleton(caption) in skeleton(table_caption(t))]
    assert found, f"{doc} : aucun tableau dont la légende contient « {caption} »"
    return found


def rows(table: Tag) -> tuple[list[str], list[list[Tag]]]:
    head = [words(th.get_text(" ")) for th in table.select("thead th")]
    body = [tr.find_all(["td", "th"], recursive=False) for tr in table.select("tbody > tr")]
    return head, body


def cell_items(cell: Tag) -> list[str]:
    """The entries of a table cell: its list items, or its paragraphs, or its lines."""
    items = cell.find_all("li")
    if not items:
        items = cell.find_all("p") or [cell]
    lines = []
    for item in items:
        for br in item.find_all("br"):
            br.replace_with("\n")
        lines += [words(line) for line in item.get_text(" ").split("\n")]
    return [line for line in lines if line]


# --- the PDF ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pdf_words(guide_pdf) -> str:
    """The PDF's text, words rejoined where a line end hyphenated them."""
    import pypdfium2 as pdfium
    doc = pdfium.PdfDocument(str(guide_pdf))
    try:
        text = "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    finally:
        doc.close()
    return words(re.sub(r"[\u00ad\u2010\ufffe]\s*", "", text))  # pdfium reads a soft hyphen as U+FFFE


@pytest.fixture(scope="module")
def pdf_text(pdf_words) -> str:
    return skeleton(pdf_words)


def in_order(haystack: str, needles: list[str], start: int = 0, window: int = 3000) -> bool:
    """Every needle found after the previous one, each within `window` characters."""
    pos = start
    for needle in needles:
        found = haystack.find(needle, pos, pos + window + len(needle))
        if found < 0:
            return False
        pos = found + len(needle)
    return True


def occurrences(haystack: str, needle: str) -> list[int]:
    return [m.start() for m in re.finditer(re.escape(needle), haystack)]


def _ids(entries, key):
    return [e[key] if isinstance(e[key], str) else "+".join(e[key]) for e in entries]


# --- texts --------------------------------------------------------------------------------------

@pytest.mark.parametrize("entry", FACTS["page"], ids=_ids(FACTS["page"], "doc"))
def test_page_states_its_facts(entry, guide_html, pdf_text):
    text = skeleton(content(guide_html, entry["doc"]).get_text(" "))
    missing = [t for t in entry["texts"] + entry.get("web_texts", []) if skeleton(t) not in text]
    assert not missing, f"{entry['doc']} (site) : faits absents {missing}"
    if entry.get("pdf", True):
        missing = [t for t in entry["texts"] if skeleton(t) not in pdf_text]
        assert not missing, f"{entry['doc']} (PDF) : faits absents {missing}"


# --- decree n° 2021-254: one row per line of its table ---------------------------------------

@pytest.mark.parametrize("doc", FACTS["decree_lines"][0]["pages"])
def test_decree_table_has_one_row_per_decree_line(doc, guide_html):
    """One row per line of the decree's table: its products, each with its CPV code, then the
    line's two percentages (which apply to the line as a whole)."""
    spec = FACTS["decree_lines"][0]
    (table,) = tables(guide_html, doc, spec["caption"])
    head, body = rows(table)
    assert head == [words(h) for h in spec["header"]], f"{doc} : colonnes {head}"
    got = [([tuple(re.match(r"(\d{8}-\d) (.*)", item).groups()) if re.match(r"\d{8}-\d ", item)
             else ("?", item) for item in cell_items(r[0])], [words(c.get_text(" ")) for c in r[1:]])
           for r in body]
    want = [(list(zip(line["codes"], map(words, line["products"]))), line["percent"])
            for line in spec["line"]]
    assert got == want, (f"{doc} : le tableau du décret doit reprendre ses lignes, chaque produit "
                         f"avec son code CPV, les pourcentages une fois par ligne")


def test_decree_table_lines_in_the_pdf(pdf_text):
    spec = FACTS["decree_lines"][0]
    for line in spec["line"]:
        row = skeleton("".join(c + p for c, p in zip(line["codes"], line["products"])) +
                       "".join(line["percent"]))
        assert len(occurrences(pdf_text, row)) >= len(spec["pages"]), \
            f"PDF : la ligne {line['codes']} du décret n'est pas une ligne du tableau"


# --- the P2I units of work: every level of every row ---------------------------------------

def test_units_of_work_keep_every_level(guide_html):
    spec = FACTS["units_of_work"][0]
    (table,) = tables(guide_html, spec["page"], spec["caption"])
    _, body = rows(table)
    got = {words(r[0].get_text(" ")): (words(r[1].get_text(" ")), cell_items(r[2])) for r in body}
    assert list(got) == [r["number"] for r in spec["row"]]
    for r in spec["row"]:
        label, levels = got[r["number"]]
        assert label == words(r["label"]), f"unité {r['number']} : intitulé « {label} »"
        assert len(levels) == len(r["levels"]), (f"unité {r['number']} : {len(levels)} niveau(x) au "
                                                  f"lieu de {len(r['levels'])} : {levels}")
        assert levels == [words(x) for x in r["levels"]], f"unité {r['number']}"


def test_units_of_work_in_the_pdf(pdf_text):
    for r in FACTS["units_of_work"][0]["row"]:
        needles = [skeleton(r["label"]), *(skeleton(x) for x in r["levels"])]
        assert any(in_order(pdf_text, needles, s, 400) for s in occurrences(pdf_text, needles[0])), \
            f"PDF : unité d'œuvre {r['number']} incomplète"


# --- tables: columns, rows, template columns ---------------------------------------------

TABLES = [(doc, t) for t in FACTS["table"] for doc in t["pages"]]


@pytest.mark.parametrize("doc,spec", TABLES, ids=[f"{d}:{t['caption'][:30]}" for d, t in TABLES])
def test_table(doc, spec, guide_html, pdf_text):
    for table in tables(guide_html, doc, spec["caption"]):
        head, body = rows(table)
        if "header" in spec:
            assert head == [words(h) for h in spec["header"]], f"{doc} : colonnes {head}"
        assert len(body) == spec["rows"], f"{doc} : {len(body)} lignes au lieu de {spec['rows']}"
        for column in spec.get("empty", []):
            i = head.index(words(column))
            filled = [words(r[i].get_text(" ")) for r in body if words(r[i].get_text(" "))]
            assert not filled, f"{doc} : la colonne « {column} » du modèle doit rester vide"
        text = skeleton(table.get_text(" "))
        missing = [c for c in spec.get("cells", []) if skeleton(c) not in text]
        assert not missing, f"{doc} : cellules absentes {missing}"
    # In the PDF: the caption, then the column headings in their order.
    needles = [skeleton(spec["caption"]), *(skeleton(h) for h in spec.get("header", []))]
    spots = occurrences(pdf_text, needles[0])
    assert spots, f"PDF : tableau « {spec['caption']} » absent"
    assert any(in_order(pdf_text, needles, s, 600) for s in spots), \
        f"PDF : colonnes du tableau « {spec['caption']} »"


# --- numbered questions ------------------------------------------------------------------------

@pytest.mark.parametrize("doc", FACTS["questions"][0]["pages"])
def test_numbered_questions_and_their_follow_ups(doc, guide_html):
    items = [words(li.get_text(" ")) for li in content(guide_html, doc).find_all("li")]
    for q in FACTS["questions"][0]["items"]:
        found = [i for i in items if i.startswith(q["number"] + " ")]
        assert found, f"{doc} : question {q['number']} absente"
        missing = [h for h in q["has"] if h not in found[0]]
        assert not missing, f"{doc} : la question {q['number']} perd {missing} : « {found[0]} »"


def test_numbered_questions_in_the_pdf(pdf_text):
    """Each run of questions 4.1 … 4.5 in the PDF, cut at each number: every question keeps
    its follow-ups."""
    spec = FACTS["questions"][0]
    numbers = [skeleton(q["number"]) for q in spec["items"]]
    runs = 0
    for start in occurrences(pdf_text, numbers[0]):
        cuts = [start]
        for number in numbers[1:]:
            found = pdf_text.find(number, cuts[-1] + 1, cuts[-1] + 1500)
            if found < 0:
                break
            cuts.append(found)
        if len(cuts) < len(numbers):
            continue
        runs += 1
        cuts.append(cuts[-1] + 600)
        for q, begin, end in zip(spec["items"], cuts, cuts[1:]):
            missing = [h for h in q["has"] if skeleton(h) not in pdf_text[begin:end]]
            assert not missing, f"PDF : la question {q['number']} perd {missing}"
    assert runs >= len(spec["pages"]), f"PDF : {runs} série(s) de questions 4.1 à 4.5"


# --- one name per fiche ---------------------------------------------------------------------

def test_one_name_per_fiche(guide_html):
    """Every menu entry, card and list item that links a fiche calls it by its name (or, for
    the previous / next links and the breadcrumb, by its page title)."""
    for spec in FACTS["names"]:
        target = (guide_html / f"{spec['doc']}.html").resolve()
        title = words(content(guide_html, spec["doc"]).find("h1").get_text(" "))
        names = {words(spec["name"]), title}
        wrong = set()
        for path in guide_html.rglob("*.html"):
            soup = _soup(path)
            # menus everywhere; on the index pages (cards, lists of fiches), every link
            links = soup.select("nav a[href]")
            if path.name == "index.html" and soup.find("main"):
                links += soup.find("main").select("a[href]")
            for a in links:
                href = a["href"].split("#")
                if href[0] and (path.parent / href[0]).resolve() == target and len(href) == 1:
                    text = re.sub(r"^(Précédent|Suivant)\s*", "", words(a.get_text(" ")))
                    if text not in names:
                        wrong.add(f"{path.relative_to(guide_html)} : « {text} »")
        assert not wrong, f"{spec['doc']} s'appelle « {spec['name']} » partout : {sorted(wrong)}"


# --- what no page may say -----------------------------------------------------------------

def test_no_page_says_what_the_beta_wrote(guide_html, pdf_words):
    spec = FACTS["absent"][0]
    patterns = [re.compile(words(p), re.IGNORECASE) for p in spec["patterns"]]  # apostrophes as in text
    found = []
    for path in sorted(guide_html.rglob("*.html")):
        doc = path.relative_to(guide_html).with_suffix("").as_posix()
        if doc in spec["except"] or doc.startswith("_") or doc in ("search", "genindex"):
            continue
        text = words(content(guide_html, doc).get_text(" "))
        found += [f"{doc} : « {m.group(0)} »" for p in patterns for m in p.finditer(text)]
    found += [f"PDF : « {m.group(0)} »" for p in patterns for m in p.finditer(pdf_words)]
    assert not found, "à déplacer dans CHANGELOG.md ou à corriger : " + "; ".join(found)
