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

CHECK = "licence"


@lru_cache(maxsize=1)
def _spdx():
    return get_spdx_licensing()


def licence_problem(app: Sphinx, spdx_id: str) -> tuple[str, str] | None:
    """None if `spdx_id` is a known SPDX licence (or a LicenseRef- declared in LICENSES/),
    otherwise (message, how to fix)."""
    if spdx_id.startswith("LicenseRef-"):
        if (Path(app.confdir) / "LICENSES" / f"{spdx_id}.txt").exists():
            return None
        return (f"licence « {spdx_id} » non déclarée",
                f"ajoutez son texte dans LICENSES/{spdx_id}.txt")
    if not _spdx().validate(spdx_id).errors and " " not in spdx_id.strip():
        return None
    import difflib
    keys = sorted(_spdx().known_symbols)
    close = difflib.get_close_matches(spdx_id, keys, n=3, cutoff=0.6)
    hint = f"identifiants proches : {', '.join(close)}" if close else \
        "utilisez un identifiant SPDX (https://spdx.org/licenses/), par exemple etalab-2.0"
    return f"licence « {spdx_id} » : identifiant SPDX inconnu", hint


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
    root = Path(app.confdir)
    for path in unlicensed_assets(root):
        findings.emit(app, findings.make(
            app, "assets", "asset-without-licence",
            "ni licence ni crédit déclarés pour ce fichier",
            "ajoutez son chemin à une annotation de REUSE.toml (licence + auteur) "
            f"ou un fichier {path.name}.license", path=path))


# -- every page carries its footer -------------------------------------------------------------

class _FooterProbe(HTMLParser):
    def __init__(self):
        super().__init__()
        self.in_footer = 0
        self.licence_link = False
        self.footer = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "footer" and "site-footer" in (attrs.get("class") or ""):
            self.footer = True
            self.in_footer += 1
        elif tag == "footer" and self.in_footer:
            self.in_footer += 1
        elif tag == "a" and self.in_footer and "license" in (attrs.get("rel") or "").split():
            self.licence_link = True

    def handle_endtag(self, tag):
        if tag == "footer" and self.in_footer:
            self.in_footer -= 1


def check_footers(app: Sphinx, exception) -> None:
    if exception is not None or not isinstance(app.builder, StandaloneHTMLBuilder) or \
            app.builder.name != "html":
        return
    outdir = Path(app.outdir)
    for docname in sorted(app.env.found_docs):
        page = outdir / f"{docname}.html"
        if not page.exists():
            continue
        probe = _FooterProbe()
        probe.feed(page.read_text(encoding="utf-8"))
        if not (probe.footer and probe.licence_link):
            findings.emit(app, findings.make(
                app, CHECK, "footer-missing",
                f"la page publiée {page.relative_to(outdir).as_posix()} n'a pas de pied de page "
                "de licence (lien rel=\"license\")",
                "le gabarit _templates/layout.html doit garder le bloc footer du guide",
                docname=docname, line=None))


def setup_licence(app: Sphinx) -> None:
    app.connect("env-updated", check_assets)
    app.connect("build-finished", check_footers, priority=500)
