"""Passages in another language: `[greenwashing]{lang=en}` (MyST's attrs_inline).

MyST 5 keeps only `class` and `id` of a span's attributes and drops `lang`, so the site showed a
bare `<span>` and screen readers read « greenwashing » with a French voice (RGAA 8.7). Our parser
is MyST's own with one change: a span's `lang` becomes the class `language-<lang>`, which
docutils' HTML writer turns into the `lang` attribute (`<span lang="en">`) — on the site and in
the HTML WeasyPrint lays out; the PDF post-processing (pdftags.py) then puts /Lang on the
passage's tag.
"""

from __future__ import annotations

import re

from docutils import nodes
from myst_parser.config.main import MdParserConfig, TopmatterReadError, merge_file_level, read_topmatter
from myst_parser.mdit_to_docutils.sphinx_ import SphinxRenderer
from myst_parser.parsers.mdit import create_md_parser
from myst_parser.parsers.sphinx_ import MystParser
from myst_parser.warnings_ import create_warning
from sphinx.application import Sphinx

_LANG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")  # BCP 47, as HTML's lang takes it


def language_of(node: nodes.Element) -> str | None:
    """The language a span was marked with (`{lang=en}` → "en"), or None."""
    for cls in node.get("classes", []):
        if cls.startswith("language-"):
            return cls.removeprefix("language-")
    return None


class LangRenderer(SphinxRenderer):
    """MyST's renderer, keeping the `lang` of `[text]{lang=xx}`."""

    def render_span(self, token) -> None:
        before = len(self.current_node.children)
        super().render_span(token)
        lang = str(token.attrs.get("lang", "")).strip()
        if not lang:
            return
        span = self.current_node.children[before]
        if _LANG.match(lang):
            span["classes"].append(f"language-{lang}")
        else:
            self.create_warning(f"lang={lang!r} : code de langue invalide (attendu : en, de, es…)",
                                "lang", wtype="guide", line=span.line or 0)


class GuideMystParser(MystParser):
    """MyST's Sphinx parser with LangRenderer (the body of MystParser.parse, renderer swapped)."""

    def parse(self, inputstring: str, document: nodes.document) -> None:
        config: MdParserConfig = document.settings.env.myst_config
        try:
            topmatter = read_topmatter(inputstring)
        except TopmatterReadError:
            pass  # reported during the render, as MyST does
        else:
            if topmatter:
                def warning(wtype, msg):
                    return create_warning(document, msg, wtype, line=1, append_to=document)
                config = merge_file_level(config, topmatter, warning)
        parser = create_md_parser(config, LangRenderer)
        parser.options["document"] = document
        parser.render(inputstring)


def setup_lang(app: Sphinx) -> None:
    app.add_source_parser(GuideMystParser, override=True)
