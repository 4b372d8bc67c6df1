"""French typography, applied to the text of every page (site and PDF alike).

Writers type ordinary spaces; the build makes the ones French typography wants unbreakable,
as LaTeX's babel-french does, so that a line never starts with « ; », « ? » or « » » and a
figure never leaves its unit behind:

- before ; ! ? : a narrow no-break space (U+202F); before : a no-break space (U+00A0);
- inside « guillemets » : a no-break space after « and before » ; the English quotes that
  MyST's smart quotes make of "…" become « … »;
- between a number and % or € : a narrow no-break space;
- thousands: « 1 000 volts », « 800 000 tonnes » : a narrow no-break space between the groups
  of digits, so that a number never splits over two lines;
- a reference stays with its number: « n° 617/2013 », « p. 25 », « art. 5 », « article 19 »,
  and the article prefixes of the codes « L. 541-1-1 », « R. 2111-12 », « D. 543-1 » : a
  no-break space;
- a hyphen typed between spaces as a dash (« PC fixes - portables ») is an en dash with a
  no-break space before it (« PC fixes – portables »), so that no line starts with it; the
  same for an en dash typed between spaces.

Only spaces the writer typed are changed (nothing is added: « Quoi? » stays as typed, and
URLs are never touched). Code, literal blocks, raw HTML and math are left alone.
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform

NNBSP, NBSP = "\u202f", "\u00a0"

_RULES = [
    # MyST's smart quotes turn "…" into English quotes: French text wants « … ».
    (re.compile(r"“[ \u00a0\u202f]*"), "«" + NBSP),
    (re.compile(r"[ \u00a0\u202f]*”"), NBSP + "»"),
    (re.compile(r"[ \u00a0\u202f]+(?=[;!?])"), NNBSP),
    (re.compile(r"[ \u00a0\u202f]+(?=:(?:\s|$))"), NBSP),
    (re.compile(r"(?<=«)[ \u00a0\u202f]+"), NBSP),
    (re.compile(r"[ \u00a0\u202f]+(?=»)"), NBSP),
    (re.compile(r"(?<=\d)[ \u00a0\u202f]+(?=[%€](?:\W|$))"), NNBSP),
    # thousands, a group of one to three digits then groups of three: « 1 000 000 »
    (re.compile(r"(?<![\d,.\u202f])\d{1,3}(?: \d{3})+(?![\d,])"),
     lambda m: m.group().replace(" ", NNBSP)),
    (re.compile(r"(\b(?:[nN]°|p\.|art\.|[aA]rticle|[LRD]\.)) +(?=\d)"), r"\1" + NBSP),
    (re.compile(r"(?<=\S) +[-–] +(?=\S)"), NBSP + "– "),
]

_SKIP = (nodes.literal, nodes.literal_block, nodes.raw, nodes.math, nodes.math_block,
         nodes.comment, nodes.system_message)


def french_spaces(text: str) -> str:
    for rx, space in _RULES:
        text = rx.sub(space, text)
    return text


def _skipped(node: nodes.Node) -> bool:
    parent = node.parent
    while parent is not None:
        if isinstance(parent, _SKIP):
            return True
        parent = parent.parent
    return False


class FrenchSpaces(SphinxTransform):
    """Runs on every page once it is parsed."""

    default_priority = 760

    def apply(self, **kwargs) -> None:
        if not (self.config.language or "").startswith("fr"):
            return
        if isinstance(self.document.get("title"), str):  # front matter title: the <title> tag
            self.document["title"] = french_spaces(self.document["title"])
        for text in list(self.document.findall(nodes.Text)):
            new = french_spaces(str(text))
            if new != text and not _skipped(text):
                text.parent.replace(text, nodes.Text(new))


def setup_typography(app: Sphinx) -> None:
    app.add_transform(FrenchSpaces)
