"""The site's search index (see _ext/guide/search.py): blocks of text with their anchors, terms as
Sphinx stems them, excerpts around the word found, files split by prefix; and, on the built
guide, no page Sphinx's own index would find is missed."""

from __future__ import annotations

import json
import pickle

from docutils import nodes

from guide import search


def doc(*children) -> nodes.document:
    from docutils.frontend import get_default_settings
    from docutils.parsers.rst import Parser
    from docutils.utils import new_document
    document = new_document("test", get_default_settings(Parser))
    document.extend(children)
    return document


def section(ids, title, *children) -> nodes.section:
    node = nodes.section(ids=ids)
    node += nodes.title(text=title)
    node.extend(children)
    return node


def test_blocks_carry_the_anchor_of_their_section_or_glossary_entry():
    glossary = nodes.definition_list("", nodes.definition_list_item(
        "", nodes.term("DEEE", "DEEE", ids=["term-DEEE"]),
        nodes.definition("", nodes.paragraph(text="Déchets d’équipements électriques."))))
    tree = doc(section(["page"], "Titre de la page",
                       nodes.paragraph(text="Introduction."),
                       section(["fin-de-vie"], "Fin de vie", nodes.paragraph(text="Les DEEE sont collectés."),
                               nodes.comment(text="jamais cherché"), glossary)))
    blocks = search.page_blocks(tree)
    assert [(b.anchor, b.kind, b.text) for b in blocks] == [
        ("", "title", "Titre de la page"),
        ("", "text", "Introduction."),
        ("fin-de-vie", "heading", "Fin de vie"),
        ("fin-de-vie", "text", "Les DEEE sont collectés."),
        ("term-DEEE", "heading", "DEEE"),
        ("term-DEEE", "text", "Déchets d’équipements électriques."),
    ]


def test_terms_are_sphinx_french_stems_numbers_kept_stop_words_dropped():
    terms = search.Terms()
    assert terms.term("reconditionnés") == terms.term("reconditionné") == terms.lang.stem("reconditionnés")
    assert terms.term("80") == "80"          # Sphinx drops numbers: « 80 PLUS » needs them
    assert terms.term("les") is None and terms.term("d") is None


def test_excerpt_is_a_window_around_the_word_cut_at_spaces():
    text = " ".join(f"mot{i}" for i in range(100)) + " cible " + " ".join(f"mot{i}" for i in range(100))
    pos = text.index("cible")
    cut = search.excerpt(text, pos)
    assert "cible" in cut and cut.startswith("… ") and cut.endswith(" …")
    assert len(cut) <= search.EXCERPT + 4
    assert " mot" in cut and not cut[2:].startswith("ot")   # whole words only
    assert search.excerpt("court", 0) == "court"


def test_a_page_gives_one_hit_per_term_best_place_first():
    tree = doc(section(["p"], "Le cloud souverain",
                       nodes.paragraph(text="Un paragraphe sur le cloud et encore le cloud."),
                       section(["serveurs"], "Serveurs reconditionnés",
                               nodes.paragraph(text="Des serveurs reconditionnés, garantis."))))
    entries = search.page_entries(search.page_blocks(tree), search.Terms())
    anchor, _, score, text = entries["cloud"]
    assert anchor == "" and score > search.SCORE_TITLE         # in the page title
    anchor, section_title, score, text = entries[search.Terms().term("reconditionnés")]
    assert anchor == "serveurs" and search.SCORE_HEADING < score < search.SCORE_TITLE
    assert text.startswith("Serveurs reconditionnés — Des serveurs")   # heading, then its section


def test_index_files_split_by_longer_prefixes_and_a_word_finds_its_file():
    sizes = {f"rec{c}{i}": 700 for c in "aeiou" for i in range(10)} | {"re": 10, "cloud": 10}
    keys = search.shard_keys(sizes, limit=8_000)
    assert "re" in keys and {"reca", "rece", "reci", "reco", "recu"} <= set(keys)
    assert "rec" not in keys   # no term is « rec » itself: no file for it
    key_set = set(keys)
    assert search.key_of("reco3", key_set) == "reco"
    assert search.key_of("re", key_set) == "re"
    assert search.key_of("écologi", {"ec", "eco"}) == "eco"     # accents folded in file names
    for term in sizes:   # every word a query is a prefix of (3 letters or more) shares its file
        assert search.key_of(term, key_set) == search.key_of(term[:4], key_set) or len(term) < 4


def test_built_index_finds_every_page_sphinx_would(guide_build):
    """Sphinx's own index (searchindex.js, written by the same build) as the reference: for each
    of its terms, the pages it lists are all in ours."""
    html = guide_build / "html"
    raw = (html / "searchindex.js").read_text(encoding="utf-8")
    sphinx = json.loads(raw[raw.index("(") + 1: raw.rindex(")")])
    ours: dict[str, dict[str, list]] = {}
    for path in (html / search.OUT_DIR).glob("*.js"):
        text = path.read_text(encoding="utf-8")
        key, shard = json.loads("[" + text[text.index("(") + 1: text.rindex(")")] + "]")
        assert key == path.stem
        ours.update(shard)
    data = json.loads((html / "search.html").read_text(encoding="utf-8")
                      .split('id="guide-search-data">')[1].split("</script>")[0])
    url_of = {d: f"{d}.html" for d in sphinx["docnames"]}
    assert sorted(data["shards"]) == sorted(p.stem for p in (html / search.OUT_DIR).glob("*.js"))
    missed = []
    terms = search.Terms()
    # Terms no query can reach: Sphinx keeps « Au », « Avec » (capitals, from titles), « a », and
    # stems of stop words (« avions » → « avion »), while queries drop stop words before stemming.
    unreachable = {terms.lang.stem(w) for w in terms.lang.stopwords}
    for field in ("terms", "titleterms"):
        for term, docs in sphinx[field].items():
            if term != term.lower() or term in unreachable or len(term) < 2:
                continue
            docs = [docs] if isinstance(docs, int) else docs
            found = {data["pages"][hit[0]][0] for hit in ours.get(term, [])}
            missed += [(term, url_of[sphinx["docnames"][d]]) for d in docs
                       if url_of[sphinx["docnames"][d]] not in found]
    assert not missed, missed[:20]
    for hits in ours.values():      # one hit per page and term
        pages = [h[0] for h in hits]
        assert len(pages) == len(set(pages))
    doctree = pickle.loads((guide_build / "doctrees" / "glossaire.doctree").read_bytes())
    assert any(b.anchor.startswith("term-") for b in search.page_blocks(doctree))
