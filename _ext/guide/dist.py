"""`make dist`: the folder to publish, with only what readers need.

    python -m guide.dist _build/html _build/dist

Copies the built site, leaving out what Sphinx writes for itself or for other tools:

- build state: `.doctrees/` (pickles that hold the build machine's paths), `.buildinfo` and its
  `.bak`, `_sources/`, the intersphinx inventory `objects.inv`;
- the check reports `_reports/` (CI keeps them as artefacts; they name the build's files);
- every file at the top of `_static/`, and Sphinx's `searchindex.js`, that no published page,
  stylesheet or script names (outside its comments): the scripts and stylesheets Sphinx's
  `basic` theme and sphinx-design copy into every build (doctools.js, searchtools.js,
  basic.css, sphinx-design.min.css…) that the guide's pages do not load, and the PDF's own
  stylesheet. Sub-folders of `_static/` (the DSFR, fonts) are kept whole.

Then it checks that no published text file holds the path of the build (a leak of the build
machine's layout) and fails, naming the file, if one does.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

#: Sphinx's build state and reports: never published
INTERNAL = {".doctrees", ".buildinfo", ".buildinfo.bak", "_sources", "objects.inv", "_reports"}
#: files whose text can name another file (a page, a stylesheet, a script)
TEXT_SUFFIXES = {".html", ".css", ".js", ".json", ".svg", ".txt", ".xml"}


_NAME = re.compile(r"[\w.-]+")
#: comments of scripts and stylesheets: a name there loads nothing (language_data.js says it is
#: « used by searchtools.js », which no page loads)
_COMMENT = re.compile(r"/\*.*?\*/|^\s*//[^\n]*", re.DOTALL | re.MULTILINE)
#: files Sphinx writes at the site's root for its own search page (the guide's does not load it)
ROOT_CANDIDATES = ("searchindex.js",)


def _names(path: Path) -> set[str]:
    if path.suffix not in TEXT_SUFFIXES:
        return set()
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix in (".js", ".css"):
        text = _COMMENT.sub(" ", text)
    return set(_NAME.findall(text))


def unused_static(site: Path) -> list[Path]:
    """Files at the top of _static/ that nothing published names: neither a page, nor a file
    outside _static/'s top, nor (in turn) a file of _static/ one of those names."""
    static = site / "_static"
    candidates = {p for p in static.iterdir() if p.is_file()} if static.is_dir() else set()
    candidates |= {site / name for name in ROOT_CANDIDATES if (site / name).is_file()}
    named: set[str] = set()
    for path in site.rglob("*"):
        if path.is_file() and path not in candidates:
            named |= _names(path)
    kept: set[Path] = set()
    while True:
        new = {p for p in candidates - kept if p.name in named}
        if not new:
            return sorted(candidates - kept)
        kept |= new
        for path in new:
            named |= _names(path)


def leaks(site: Path, paths: list[Path]) -> list[str]:
    """Published text files that hold one of `paths` (the build's own folders)."""
    needles = [str(p) for p in paths if str(p) not in ("", "/")]
    found = []
    for p in sorted(site.rglob("*")):
        if p.is_file() and p.suffix in TEXT_SUFFIXES:
            text = p.read_text(encoding="utf-8", errors="replace")
            found += [f"{p.relative_to(site)} : {n}" for n in needles if n in text]
    return found


def publish(html: Path, dist: Path) -> list[str]:
    """Copy `html` into a fresh `dist`, without what readers do not need; return what was left out."""
    html, dist = Path(html).resolve(), Path(dist).resolve()
    if not (html / "index.html").exists():
        raise SystemExit(f"{html} : pas de site construit (index.html absent) ; lancez « make html »")
    if dist.exists():
        shutil.rmtree(dist)
    left_out = sorted(name for name in os.listdir(html) if name in INTERNAL)
    shutil.copytree(html, dist, ignore=lambda folder, names: INTERNAL & set(names)
                    if Path(folder) == html else set())
    for path in unused_static(dist):
        left_out.append(path.relative_to(dist).as_posix())
        path.unlink()
    problems = leaks(dist, [html, html.parent, Path.cwd()])
    if problems:
        raise SystemExit("chemins de la machine de construction dans le site publié :\n  "
                         + "\n  ".join(problems))
    return left_out


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage : python -m guide.dist DOSSIER_HTML DOSSIER_À_PUBLIER", file=sys.stderr)
        return 2
    left_out = publish(Path(args[0]), Path(args[1]))
    print(f"Site prêt à publier : {args[1]} (laissés de côté : {', '.join(left_out) or 'rien'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
