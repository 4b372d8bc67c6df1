"""One reporting model for every check of the guide (links, metadata, licence, assets, PDF).

A finding is a small immutable record: check, severity, file, line, message (French), how to fix.
- Findings about one page, made while it is read, are kept in the page's record (collector.py:
  purged when the page is re-read, merged from parallel readers) and emitted on every build,
  even for pages that were not re-read.
- Checks that need the whole project (links between pages, release facts, assets) run on
  `env-updated`, which Sphinx emits on every build, no-op included; the footers of the
  written pages are checked at `build-finished`. They call `emit()`.
- Every finding goes through Sphinx's logger with `location` and `type="guide"`,
  `subtype=<check>`: `-W`, `--keep-going` and `suppress_warnings = ["guide.links"]` work as usual.
- At the end of the build, the findings are written to `_reports/findings.json` and
  `_reports/findings.junit.xml` in the output directory, and a summary table closes the log.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

from . import collector, reports

logger = logging.getLogger("guide")

CHECKS = ("links", "metadata", "licence", "assets", "pdf", "search")
REPORT_DIR = "_reports"


@dataclass(frozen=True)
class Finding:
    source: str                  # file, relative to the project root (docs/labels/produits.md)
    line: int | None
    check: str                   # one of CHECKS
    code: str                    # stable identifier, e.g. "anchor-unknown"
    message: str                 # what is wrong, in French
    fix: str = ""                # how to fix it, in French
    severity: str = "error"      # "error" or "warning"
    docname: str | None = field(default=None, compare=False)

    def text(self) -> str:
        return f"{self.message}{' ; ' + self.fix if self.fix else ''}"

    def sort_key(self) -> tuple:
        return (self.source, self.line or 0, self.check, self.code, self.message)

    def where(self) -> str:
        return f"{self.source}:{self.line}" if self.line else self.source


def relative_source(app: Sphinx, docname: str | None = None, path: str | Path | None = None) -> str:
    """docs/x.md for a docname (or any path), relative to the project root (conf.py's folder)."""
    if path is None and docname is not None:
        path = app.env.doc2path(docname)
    if path is None:
        return ""
    return _relative(str(path), str(app.confdir))


@functools.lru_cache(maxsize=4096)
def _relative(path: str, root: str) -> str:
    try:
        return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()


def make(app: Sphinx, check: str, code: str, message: str, fix: str = "", *,
         docname: str | None = None, path: str | Path | None = None, line: int | None = None,
         severity: str = "error") -> Finding:
    return Finding(source=relative_source(app, docname, path), line=line, check=check, code=code,
                   message=message, fix=fix, severity=severity, docname=docname)


# -- emission -----------------------------------------------------------------------------------

def _emitted(app: Sphinx) -> dict[Finding, None]:
    """The findings of the current build, in emission order (a dict: ordered, no duplicates)."""
    if not hasattr(app, "_guide_emitted"):
        app._guide_emitted = {}  # noqa: SLF001 - per-application state, never global
    return app._guide_emitted


def emit(app: Sphinx, finding: Finding) -> None:
    """Log a finding through Sphinx (file:line, type guide.<check>) and keep it for the reports."""
    if finding in _emitted(app):
        return
    _emitted(app)[finding] = None
    location, text = None, finding.text()
    if finding.docname and finding.docname in app.env.all_docs:
        location = (finding.docname, finding.line)
    elif finding.source and finding.line:
        location = f"{Path(app.confdir, finding.source)}:{finding.line}"
    elif finding.source and not text.startswith(finding.source):
        text = f"{finding.source} : {text}"
    # Every finding is a Sphinx warning, so that `-W` makes any of them fail the build.
    logger.warning(text, location=location, type="guide", subtype=finding.check)


def _new_build(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """Each build reports its own findings (one application may build more than once)."""
    _emitted(app).clear()


def _emit_page_findings(app: Sphinx, env: BuildEnvironment) -> None:
    """On every build, re-read or not: what each page's reading found (see collector.py)."""
    records = collector.pages(env)
    for docname in sorted(env.found_docs & records.keys()):
        for finding in sorted(records[docname].findings, key=Finding.sort_key):
            emit(app, finding)


# -- reports ------------------------------------------------------------------------------------

def active_checks(app: Sphinx) -> list[str]:
    """The checks this project runs: the search's only where it asks for Pagefind."""
    return [c for c in CHECKS if c != "search" or getattr(app.config, "guide_pagefind", "")]


def write_reports(app: Sphinx, findings: list[Finding], error: str = "") -> tuple[Path, Path]:
    """_reports/findings.json and findings.junit.xml: one suite per check, a passing case
    « aucune anomalie » for a check that found nothing, a failing case per finding. `error`:
    the build stopped before checking anything (its cause is the one finding)."""
    outdir = Path(app.outdir) / REPORT_DIR
    ordered = sorted(findings, key=Finding.sort_key)
    records = [{k: v for k, v in asdict(f).items() if k != "docname"} for f in ordered]
    builder = getattr(app, "builder", None)
    data = {"builder": builder.name if builder else None, "count": len(records),
            "findings": records}
    if error:
        data["error"] = error
    json_path = reports.write_json(outdir / "findings.json", data)
    suites = []
    for check in active_checks(app):
        cases = [reports.Case(f"{f.where()} {f.code}", f"guide.{check}", f.source, f.line or 0,
                              failure=(f.code, f.message, f"{f.where()}: {f.text()}"))
                 for f in ordered if f.check == check]
        suites.append(reports.Suite(f"guide.{check}", cases or [
            reports.Case("aucune anomalie", f"guide.{check}")]))
    junit_path = reports.write_junit(outdir / "findings.junit.xml", suites, "guide")
    return json_path, junit_path


def _finish(app: Sphinx, exception) -> None:
    if exception is not None:
        return
    findings = list(_emitted(app))
    json_path, junit_path = write_reports(app, findings)
    counts = Counter(f.check for f in findings)
    rows = " · ".join(f"{check} : {counts.get(check, 0)}" for check in active_checks(app))
    logger.info("")
    logger.info(f"Vérifications du guide — {len(findings)} anomalie(s) ({rows})")
    logger.info(f"Rapports : {relative_source(app, path=json_path)}, "
                f"{relative_source(app, path=junit_path)}")


def setup_findings(app: Sphinx) -> None:
    collector.setup_collector(app)
    app.connect("env-before-read-docs", _new_build, priority=100)
    # `env-updated` comes after every read, even when no page changed; `env-check-consistency`
    # (Sphinx skips it on a no-op build) would report nothing then. Project-wide checks
    # connect to `env-updated` too (links, metadata, licence, pdf), after this one.
    app.connect("env-updated", _emit_page_findings, priority=400)
    app.connect("build-finished", _finish, priority=900)
