"""French typography, applied to the text of every page (site and PDF alike).

Writers type ordinary spaces; the build makes the ones French typography wants unbreakable,
as LaTeX's babel-french does, so that a line never starts with « ; », « ? » or « » » and a
figure never leaves its unit behind:

- before ; ! ? : a narrow no-break space (U+202F); before : a no-break space (U+00A0);
- inside « guillemets » : a no-break space after « and before » ; the English quotes that
  MyST's smart quotes make of "…" become « … »;
- between a number and % or € : a narrow no-break space.

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
