"""Licence facts: the page's licence (front matter) is a real SPDX id, every page of the build
carries its licence footer, and every asset (image, pictogram, font, download) in docs/ and
_static/ has its licence and credit declared the REUSE way (REUSE.toml or a .license file).
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

from license_expression import get_spdx_licensing
from sphinx.application import Sphinx
from sphinx.builders.html import StandaloneHTMLBuilder

from . import findings
from .config import settings

CHECK = "licence"


@lru_cache(maxsize=1)
def _spdx():
    return get_spdx_licensing()


def licence_problem(app: Sphinx, spdx_id: str) -> tuple[str, str] | None:
    """None if `spdx_id` is a known SPDX licence (or a LicenseRef- declared in LICENSES/),
    otherwise (message, how to fix)."""
    return spdx_problem(spdx_id, Path(app.confdir) / "LICENSES")


def spdx_problem(spdx_id: str, licenses_dir: Path | None = None) -> tuple[str, str] | None:
    """The same, for a project whose licence texts are in `licenses_dir` (REUSE's LICENSES/)."""
    if spdx_id.startswith("LicenseRef-"):
        if licenses_dir is not None and (licenses_dir / f"{spdx_id}.txt").exists():
            return None
        return (f"licence « {spdx_id} » non déclarée",
                f"ajoutez son texte dans LICENSES/{spdx_id}.txt")
    if spdx_id.strip() and " " not in spdx_id.strip() and not _spdx().validate(spdx_id).errors:
        canonical = _canonical().get(spdx_id.casefold(), spdx_id)
        if canonical != spdx_id:
            # SPDX accepts any case, but its addresses (spdx.org/licenses/CC-BY-4.0.html) and
            # the footer's table do not (review L1)
            return (f"licence « {spdx_id} » : identifiant SPDX mal écrit",
                    f"écrivez-le « {canonical} » (majuscules et minuscules comprises)")
        return None
    import difflib
    keys = sorted(_spdx().known_symbols)
    close = difflib.get_close_matches(spdx_id, keys, n=3, cutoff=0.6)
    hint = f"identifiants proches : {', '.join(close)}" if close else \
        "utilisez un identifiant SPDX (https://spdx.org/licenses/), par exemple etalab-2.0"
    return f"licence « {spdx_id} » : identifiant SPDX inconnu", hint


@lru_cache(maxsize=1)
def _canonical() -> dict[str, str]:
    """Each SPDX id as SPDX writes it, by its case-folded form."""
    return {key.casefold(): key for key in _spdx().known_symbols}


def licence_info(app: Sphinx, spdx_id: str) -> tuple[str, str] | None:
    """(name shown to readers, URL of the text) of a licence: from the guide's table, else, for
    any SPDX id, the id and its page on spdx.org; None for what has neither (a LicenseRef-
    without an entry in the table, an unknown id)."""
    known = licences(app)
    if spdx_id in known:
        return known[spdx_id]
    if not spdx_id.startswith("LicenseRef-") and licence_problem(app, spdx_id) is None:
        return spdx_id, f"https://spdx.org/licenses/{spdx_id}.html"
    return None


def licences(app: Sphinx) -> dict[str, tuple[str, str]]:
    return settings(app).licences


def expected_licence(app: Sphinx, docname: str) -> str:
    """The licence a page's footer must show: the one it declares, else the guide's."""
    from .collector import pages
    from .release import release_of
    declared = pages(app.env).get(docname, None)
    declared = declared.meta.get("licence") if declared else None
    return declared if isinstance(declared, str) else release_of(app).licence


# -- REUSE: licence information of assets ------------------------------------------------------

def _glob_to_regex(pattern: str) -> re.Pattern:
    """REUSE.toml globs: `*` stays within a folder, `**` crosses folders."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out += ".*"
            i += 2
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        else:
            out += re.escape(pattern[i])
            i += 1
    return re.compile(out + r"\Z")


def reuse_annotations(root: Path) -> list[tuple[re.Pattern, str]]:
    path = root / "REUSE.toml"
    if not path.exists():
        return []
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    out = []
    for ann in data.get("annotations", []):
        paths = ann.get("path", [])
        for p in [paths] if isinstance(paths, str) else paths:
            if ann.get("SPDX-License-Identifier") and ann.get("SPDX-FileCopyrightText"):
                out.append((_glob_to_regex(p), ann["SPDX-License-Identifier"]))
    return out


def unlicensed_assets(root: Path, folders=("docs", "_static")) -> list[Path]:
    annotations = reuse_annotations(root)
    missing = []
    for folder in folders:
        for path in sorted((root / folder).rglob("*")):
            if root not in path.parents:
                continue
            if not path.is_file() or path.suffix in {".md", ".license"} or \
                    any(part.startswith(".") for part in path.relative_to(root).parts):
                continue
            rel = path.relative_to(root).as_posix()
            if path.with_name(path.name + ".license").exists():
                continue
            if not any(rx.match(rel) for rx, _ in annotations):
                missing.append(path)
    return missing


def check_assets(app: Sphinx, env) -> None:
    """env-updated (every build): every asset has its licence and credit declared."""
    root = Path(app.confdir)
    for path in unlicensed_assets(root, settings(app).asset_folders):
        findings.emit(app, findings.make(
            app, "assets", "asset-without-licence",
            "ni licence ni crédit déclarés pour ce fichier",
            "ajoutez son chemin à une annotation de REUSE.toml (licence + auteur) "
            f"ou un fichier {path.name}.license", path=path))


# -- every page carries its footer -------------------------------------------------------------

class _FooterProbe(HTMLParser):
    """The rel="license" links inside the page's <footer> elements: (target, text shown)."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.licence_links: list[str] = []
        self.licence_texts: list[str] = []
        self._text: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "footer":
            self.depth += 1
        elif tag == "a" and self.depth and "license" in (attrs.get("rel") or "").lower().split():
            self.licence_links.append(attrs.get("href") or "")
            self._text = []

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._text is not None:
            self.licence_texts.append(" ".join("".join(self._text).split()))
            self._text = None
        elif tag == "footer" and self.depth:
            self.depth -= 1


def _names(text: str, name: str, spdx_id: str) -> bool:
    """Whether the text of a licence link names the licence: its name (guide_licences) or its
    SPDX id, as words (« CC-BY-4.0 » does not name CC-BY-NC-4.0, nor the reverse)."""
    text = " ".join(text.split()).casefold()
    for wanted in {" ".join(name.split()).casefold(), spdx_id.casefold()}:
        if wanted and re.search(rf"(?<![\w.-]){re.escape(wanted)}(?![\w-]|\.\w)", text):
            return True
    return False


def check_footers(app: Sphinx, exception) -> None:
    """build-finished: every page written by the HTML builder has a footer whose rel="license"
    link goes to the licence the page declares (or the guide's)."""
    if exception is not None or not isinstance(app.builder, StandaloneHTMLBuilder) or \
            app.builder.name != "html" or not settings(app).licence_footer:
        return
    from .collector import pages
    outdir = Path(app.outdir)
    records = pages(app.env)
    for docname in sorted(app.env.found_docs):
        page = outdir / f"{docname}.html"
        if not page.exists():
            continue
        probe = _FooterProbe()
        probe.feed(page.read_text(encoding="utf-8"))
        published = page.relative_to(outdir).as_posix()
        if not probe.licence_links:
            findings.emit(app, findings.make(
                app, CHECK, "footer-missing",
                f"la page publiée {published} n'a pas de pied de page de licence (lien "
                "rel=\"license\" dans <footer>)",
                "ajoutez au gabarit (layout.html), dans <footer>, <a rel=\"license\" "
                "href=\"{{ guide_footer.licence_url }}\">{{ guide_footer.licence_name }}</a>, "
                "ou réglez guide_licence_footer = False",
                docname=docname, line=None))
            continue
        expected = expected_licence(app, docname)
        info = licence_info(app, expected)
        if info is None and licence_problem(app, expected):
            continue  # not a licence at all: reported once, as licence-unknown, at its line
        record = records.get(docname)
        line = record.lines.get("licence") if record else None
        if info is not None and all(href == info[1] for href in probe.licence_links):
            wrong = sorted({t for t in probe.licence_texts if not _names(t, info[0], expected)})
            if wrong:
                shown = ", ".join(f"« {t} »" if t else "un lien sans texte" for t in wrong)
                findings.emit(app, findings.make(
                    app, CHECK, "footer-licence-mismatch",
                    f"le pied de page de {published} montre {shown}, pas la licence "
                    f"« {expected} » que la page déclare",
                    "le texte du lien rel=\"license\" doit nommer la licence : "
                    f"guide_footer.licence_name (« {info[0]} ») ou son identifiant SPDX",
                    docname=docname, line=line))
            continue
        if info is None or any(href != info[1] for href in probe.licence_links):
            shown = ", ".join(sorted(set(probe.licence_links)))
            findings.emit(app, findings.make(
                app, CHECK, "footer-licence-mismatch",
                f"le pied de page de {published} renvoie à {shown}, pas à la licence "
                f"« {expected} » que la page déclare" if info else
                f"la licence « {expected} » n'a ni nom ni adresse à montrer en pied de page",
                "le gabarit doit montrer guide_footer.licence_url" if info else
                "déclarez son nom et l'adresse de son texte dans guide_licences (conf.py)",
                docname=docname, line=line))


def setup_licence(app: Sphinx) -> None:
    app.connect("env-updated", check_assets)
    app.connect("build-finished", check_footers, priority=500)
