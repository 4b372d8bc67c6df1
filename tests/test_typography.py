"""French typography: the spaces the writer typed become unbreakable where French wants it."""

import re
from pathlib import Path

import pytest

from guide.typography import NBSP, NNBSP, french_spaces


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
    ("les 20 % les 2 000 personnes", f"les 20{NNBSP}% les 2 000 personnes"),
])
def test_french_spaces(typed, expected):
    assert french_spaces(typed) == expected


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
    code = re.search(r"<code[^>]*>(.*?)</code>", html, re.S).group(1)   # inline code untouched
    assert ";" in code and NBSP not in code and NNBSP not in code
    assert "x ; y ? z" in html                                           # code blocks too
