"""French typography: the spaces the writer typed become unbreakable where French wants it."""

import re
from pathlib import Path

import pytest

from guide.typography import NBSP, NNBSP, french_spaces, ordinals


@pytest.mark.parametrize(("typed", "expected"), [
    ("Pourquoi ?", f"Pourquoi{NNBSP}?"),
    ("a ; b ! c", f"a{NNBSP}; b{NNBSP}! c"),
    ("suivants :", f"suivants{NBSP}:"),
    ("« citation »", f"«{NBSP}citation{NBSP}»"),
    ("“usage”", f"«{NBSP}usage{NBSP}»"),
    ("4,5 % et 20 €", f"4,5{NNBSP}% et 20{NNBSP}€"),
    # nothing is added where the writer typed no space, and addresses stay as they are
    ("Quoi?", "Quoi?"),
    ("https://example.org/?q=1", "https://example.org/?q=1"),
    ("10:30", "10:30"),
    # a number never splits (thousands), a reference stays with its number
    ("les 20 % les 2 000 personnes", f"les 20{NNBSP}% les 2{NNBSP}000 personnes"),
    ("1 000 volts, 800 000 tonnes, 1 000 000 €",
     f"1{NNBSP}000{NNBSP}volts, 800{NNBSP}000 tonnes, 1{NNBSP}000{NNBSP}000{NNBSP}€"),
    # a date stays whole, a value stays with its unit, « n° » gets its space
    ("du 8 juin 2011, le 1er janvier, le 29 décembre 2020",
     f"du 8{NBSP}juin{NBSP}2011, le 1er{NBSP}janvier, le 29{NBSP}décembre{NBSP}2020"),
    ("284,75 BTU/h, 20 kWh, 500 ko, 45 W, 3 Go",
     f"284,75{NNBSP}BTU/h, 20{NNBSP}kWh, 500{NNBSP}ko, 45{NNBSP}W, 3{NNBSP}Go"),
    ("le décret n°2005-829", f"le décret n°{NBSP}2005-829"),
    ("au 1er\njanvier\n2024, 20\nkWh", f"au 1er{NBSP}janvier{NBSP}2024, 20{NNBSP}kWh"),  # (lines of a source)
    ("en 2021 mars et 45 Wagons, 12 mai", f"en 2021 mars et 45 Wagons, 12{NBSP}mai"),
    ("règlement (UE) n° 617/2013, N° 5", f"règlement (UE) n°{NBSP}617/2013, N°{NBSP}5"),
    ("(voir p. 25) et art. 5", f"(voir p.{NBSP}25) et art.{NBSP}5"),
    ("(article 19) ; Article 3", f"(article{NBSP}19){NNBSP}; Article{NBSP}3"),
    ("articles L. 541-1-1, R. 2111-12 et D. 543-1",
     f"articles L.{NBSP}541-1-1, R.{NBSP}2111-12 et D.{NBSP}543-1"),
    # a hyphen typed as a dash: an en dash that never starts a line
    ("PC fixes - portables - écrans", f"PC fixes{NBSP}– portables{NBSP}– écrans"),
    ("CGDD – DAF", f"CGDD{NBSP}– DAF"),
    # …and what is no such thing stays as typed
    ("ISO 14040 et 14044, en 2021 150 agents", "ISO 14040 et 14044, en 2021 150 agents"),
    ("3,5 000 et 12 34", "3,5 000 et 12 34"),
    ("chap. 12, A. 5, la p. suivante", "chap. 12, A. 5, la p. suivante"),
    ("x-y, écoconception -", "x-y, écoconception -"),
    ("-", "-"),
])
def test_french_spaces(typed, expected):
    assert french_spaces(typed) == expected


@pytest.mark.parametrize(("typed", "expected"), [
    ("le 1er janvier", ["le ", ("1", "er"), " janvier"]),
    ("la 1re fois, la 2e édition", ["la ", ("1", "re"), " fois, la ", ("2", "e"), " édition"]),
    ("au XXIe siècle, XIXe et XXe siècles",
     ["au ", ("XXI", "e"), " siècle, ", ("XIX", "e"), " et ", ("XX", "e"), " siècles"]),
    # words that look like ordinals are none
    ("Le label, Ce siècle, IVe République, 1ers, 12345", ["Le label, Ce siècle, IVe République, 1ers, 12345"]),
])
def test_ordinals_are_found(typed, expected):
    assert ordinals(typed) == expected


def test_ordinals_are_superscript_in_both_outputs(guide_build):
    """« 1er janvier », « XXIe siècle »: the suffix in <sup> on the site and in the book."""
    for html in (guide_build / "html" / "introduction.html", guide_build / "pdf" / "index.html"):
        text = html.read_text(encoding="utf-8")
        assert re.search(r"XXI<sup[^>]*>e</sup> siècle", text), html
    site = (guide_build / "html" / "fiches-pratiques" / "bureautique.html").read_text(encoding="utf-8")
    assert re.search(f"1<sup[^>]*>er</sup>{NBSP}janvier{NBSP}2021", site)
    assert not re.search(r"\b1er\b", re.sub(r"<[^>]+>", "", site.replace("1<sup class=\"ordinal\">er</sup>", "")))


@pytest.mark.sphinx("html", testroot="typography")
def test_typography_in_the_built_page_but_not_in_code(app):
    app.build()
    html = (Path(app.outdir) / "index.html").read_text(encoding="utf-8")
    assert f"<h1>Pourquoi des espaces{NNBSP}?" in html
    assert f"Parce que{NBSP}: le point-virgule{NNBSP}; l’exclamation{NNBSP}!" in html
    assert f"«{NBSP}guillemets{NBSP}»" in html
    assert f"centrées «{NBSP}usage{NBSP}»{NNBSP};" in html   # typed "…", made French
    assert f"4,5{NNBSP}% et 20{NNBSP}€" in html
    assert f"</strong>{NBSP}: puis" in html                # a space at the start of a text node
    assert 'href="https://example.org/?q=1"' in html and "Quoi?" in html
    assert f"limite de 1{NNBSP}000{NNBSP}volts (article{NBSP}19, n°{NBSP}617/2013, article " \
           f'R.{NBSP}<span class="nowrap">2111-12</span>, voir p.{NBSP}25)' in html   # kept whole
    assert f"<h2>PC fixes{NBSP}– portables{NBSP}– écrans<" in html
    code = re.search(r"<code[^>]*>(.*?)</code>", html, re.S).group(1)   # inline code untouched
    assert ";" in code and NBSP not in code and NNBSP not in code
    codes = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<code[^>]*>(.*?)</code>", html, re.S)]
    assert "1 000 - n° 5" in codes
    assert "x ; y ? z" in html and "R. 2111 - 1 000" in html             # code blocks too
