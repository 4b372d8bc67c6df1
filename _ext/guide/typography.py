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
- a date stays whole: « 8 juin 2011 », « 1er janvier » : a no-break space between the day and
  the month and between the month and the year; a value stays with its unit (« 284,75 BTU/h »,
  « 20 kWh », « 500 ko ») : a narrow no-break space, as before % and €;
- « n° » always has its no-break space, even where the writer typed none (« n°2005-829 »);
- ordinals are set as French typography sets them, in superscript: « 1<sup>er</sup> janvier »,
  « XXI<sup>e</sup> siècle » (the text still reads « 1er », « XXIe »);
- a hyphen typed between spaces as a dash (« PC fixes - portables ») is an en dash with a
  no-break space before it (« PC fixes – portables »), so that no line starts with it; the
  same for an en dash typed between spaces.

Only spaces the writer typed are changed, « n° » aside (nothing is added: « Quoi? » stays as typed, and
URLs are never touched). Code, literal blocks, raw HTML and math are left alone.
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform

NNBSP, NBSP = "\u202f", "\u00a0"

_MONTHS = (r"(?:janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|"
           r"décembre)\b")
_UNITS = (r"(?:BTU/h|[kMGT]?Wh?|[kMGT]?o|[kM]?VA|volts?|watts?|kg|g|mm|cm|km|m²|m³|°C|dB\(A\)|dB|"
          r"GHz|MHz|Hz)(?![\w/])")

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
    (re.compile(r"(\b(?:p\.|art\.|[aA]rticle|[LRD]\.))[ \n]+(?=\d)"), r"\1" + NBSP),
    (re.compile(r"\b([nN]°)[ \n]*(?=\d)"), r"\1" + NBSP),
    # a date: « 8 juin 2011 », « 1er janvier »
    (re.compile(r"(?<![\d,.])(\b(?:[1-9]|[12]\d|3[01]|1er))[ \n]+(?=" + _MONTHS + r")"), r"\1" + NBSP),
    (re.compile(r"(" + _MONTHS + r")[ \n]+(?=\d{4}\b)"), r"\1" + NBSP),
    # a value and its unit
    (re.compile(r"(?<=\d)[ \n\u00a0\u202f]+(?=" + _UNITS + r")"), NNBSP),
    (re.compile(r"(?<=\S) +[-–] +(?=\S)"), NBSP + "– "),
]

# « 1er », « 1re », « 2e »; a roman « XXIe » only before « siècle » (« Le », « Ce » are words).
ORDINAL = re.compile(r"\b(1)(er|re)\b|\b(\d+)(e)\b"
                     r"|\b([IVX]+)(e)\b(?=[ \u00a0]+(?:siècles?|et[ \u00a0]+[IVX]+e[ \u00a0]+siècles)\b)")

_SKIP = (nodes.literal, nodes.literal_block, nodes.raw, nodes.math, nodes.math_block,
         nodes.comment, nodes.system_message)


def french_spaces(text: str) -> str:
    for rx, space in _RULES:
        text = rx.sub(space, text)
    return text


def ordinals(text: str) -> list[str | tuple[str, str]]:
    """The text cut at its ordinals: plain strings, and (number, suffix) for each ordinal."""
    out: list[str | tuple[str, str]] = []
    last = 0
    for match in ORDINAL.finditer(text):
        number, suffix = [g for g in match.groups() if g is not None]
        out.append(text[last:match.start()])
        out.append((number, suffix))
        last = match.end()
    out.append(text[last:])
    return [part for part in out if part != ""]


def _with_ordinals(text: str) -> list[nodes.Node]:
    out: list[nodes.Node] = []
    for part in ordinals(text):
        if isinstance(part, tuple):
            out += [nodes.Text(part[0]), nodes.superscript(part[1], part[1], classes=["ordinal"])]
        else:
            out.append(nodes.Text(part))
    return out


# A legal or catalogue number (« 2020-1455 », « R543-172 », « 541-1-1 ») never breaks at its own
# hyphen: « décret n° 2020- / 1455 » at 320 px. (An address's digits are left to its own rules.)
NUMBER = re.compile(r"(?<![\w/.\-])[A-Z]?\d+(?:-\d+)+(?![\w\-])")


def wrap_matches(text: str, pattern: re.Pattern, classes: list[str]) -> list[nodes.Node]:
    """`text` cut at `pattern`'s matches: each match an inline of `classes` (a span), the rest
    plain text. (Also used by pdfbook for the compounds of table cells.)"""
    out: list[nodes.Node] = []
    last = 0
    for match in pattern.finditer(text):
        if match.start() > last:
            out.append(nodes.Text(text[last:match.start()]))
        out.append(nodes.inline(match.group(), match.group(), classes=list(classes)))
        last = match.end()
    if last < len(text):
        out.append(nodes.Text(text[last:]))
    return out


def _numbers_kept(parts: list[nodes.Node], in_address: bool) -> list[nodes.Node]:
    if in_address:
        return parts
    out: list[nodes.Node] = []
    for part in parts:
        if isinstance(part, nodes.Text) and NUMBER.search(str(part)):
            out += wrap_matches(str(part), NUMBER, ["nowrap"])
        else:
            out.append(part)
    return out


def _in_address(node: nodes.Node) -> bool:
    """Text that is an address (a link whose text is its URL, « www.… », an e-mail)."""
    text = str(node)
    return "://" in text or "www." in text or "@" in text


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
            if _skipped(text) or isinstance(text.parent, nodes.superscript):
                continue
            new = french_spaces(str(text))
            parts = _numbers_kept(_with_ordinals(new), _in_address(text))
            if len(parts) > 1 or (parts and not isinstance(parts[0], nodes.Text)):
                index = text.parent.index(text)
                text.parent[index:index + 1] = parts
            elif new != text:
                text.parent.replace(text, nodes.Text(new))


def setup_typography(app: Sphinx) -> None:
    app.add_transform(FrenchSpaces)
