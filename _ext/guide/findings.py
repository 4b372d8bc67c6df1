"""One reporting model for every check of the guide (links, metadata, licence, assets, PDF).

A finding is a small immutable record: check, severity, file, line, message (French), how to fix.
- Checks that look at one page while it is read call `record()`: the finding is kept in the
  environment under that page (purged when the page is re-read, merged from parallel readers),
  so every build reports every current finding, even for pages that were not re-read.
- Checks that need the whole project (links between pages, footers of the written pages…) call
  `emit()` directly.
- Every finding goes through Sphinx's logger with `location` and `type="guide"`,
  `subtype=<check>`: `-W`, `--keep-going` and `suppress_warnings = ["guide.links"]` work as usual.
- At the end of the build, the findings are written to `_reports/findings.json` and
  `_reports/findings.junit.xml` in the output directory, and a summary table closes the log.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

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


# -- storage ------------------------------------------------------------------------------------

def _store(env: BuildEnvironment) -> dict[str, list[Finding]]:
    if not hasattr(env, "guide_findings"):
        env.guide_findings = {}
    return env.guide_findings


def record(env: BuildEnvironment, finding: Finding) -> None:
    """Keep a finding about the page being read; it is emitted at the consistency check."""
    _store(env).setdefault(finding.docname or env.docname, []).append(finding)


def _purge(app, env, docname):
    _store(env).pop(docname, None)


def _merge(app, env, docnames, other):
    mine, theirs = _store(env), _store(other)
    for docname in docnames:
        if docname in theirs:
            mine[docname] = theirs[docname]


# -- emission -----------------------------------------------------------------------------------

def _emitted(app: Sphinx) -> list[Finding]:
    if not hasattr(app, "_guide_emitted"):
        app._guide_emitted = []  # noqa: SLF001 - per-application state, never global
    return app._guide_emitted


def emit(app: Sphinx, finding: Finding) -> None:
    """Log a finding through Sphinx (file:line, type guide.<check>) and keep it for the reports."""
    if finding in _emitted(app):
        return
    _emitted(app).append(finding)
    location, text = None, finding.text()
    if finding.docname and finding.docname in app.env.all_docs:
        location = (finding.docname, finding.line)
    elif finding.source and finding.line:
        location = f"{Path(app.confdir, finding.source)}:{finding.line}"
    elif finding.source and not text.startswith(finding.source):
        text = f"{finding.source} : {text}"
    # Every finding is a Sphinx warning, so that `-W` makes any of them fail the build.
    logger.warning(text, location=location, type="guide", subtype=finding.check)


def _emit_recorded(app: Sphinx, env: BuildEnvironment) -> None:
    for docname in sorted(_store(env)):
        if docname in env.all_docs:
            for finding in sorted(_store(env)[docname], key=Finding.sort_key):
                emit(app, finding)


# -- reports ------------------------------------------------------------------------------------

def write_reports(app: Sphinx, findings: list[Finding]) -> tuple[Path, Path]:
    outdir = Path(app.outdir) / REPORT_DIR
    outdir.mkdir(parents=True, exist_ok=True)
    records = [{k: v for k, v in asdict(f).items() if k != "docname"} for f in sorted(findings, key=Finding.sort_key)]
    json_path = outdir / "findings.json"
    tmp = json_path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({"builder": app.builder.name, "count": len(records),
                               "findings": records}, ensure_ascii=False, indent=2) + "\n",
                   encoding="utf-8")
    tmp.replace(json_path)

    suites = ET.Element("testsuites", name="guide", tests="0", failures="0")
    total = failures = 0
    for check in CHECKS:
        mine = [f for f in sorted(findings, key=Finding.sort_key) if f.check == check]
        suite = ET.SubElement(suites, "testsuite", name=f"guide.{check}",
                              tests=str(max(1, len(mine))), failures=str(len(mine)))
        if not mine:
            ET.SubElement(suite, "testcase", classname=f"guide.{check}", name="aucune anomalie")
            total += 1
        for f in mine:
            case = ET.SubElement(suite, "testcase", classname=f"guide.{check}",
                                 name=f"{f.where()} {f.code}", file=f.source, line=str(f.line or 0))
            fail = ET.SubElement(case, "failure", type=f.code, message=f.message)
            fail.text = f"{f.where()}: {f.text()}"
            total += 1
            failures += 1
    suites.set("tests", str(total))
    suites.set("failures", str(failures))
    junit_path = outdir / "findings.junit.xml"
    tmp = junit_path.with_suffix(".xml.tmp")
    ET.ElementTree(suites).write(tmp, encoding="utf-8", xml_declaration=True)
    tmp.replace(junit_path)
    return json_path, junit_path


def _finish(app: Sphinx, exception) -> None:
    if exception is not None:
        return
    findings = _emitted(app)
    json_path, junit_path = write_reports(app, findings)
    counts = Counter(f.check for f in findings)
    rows = " · ".join(f"{check} : {counts.get(check, 0)}" for check in CHECKS)
    logger.info("")
    logger.info(f"Vérifications du guide — {len(findings)} anomalie(s) ({rows})")
    logger.info(f"Rapports : {relative_source(app, path=json_path)}, "
                f"{relative_source(app, path=junit_path)}")


def setup_findings(app: Sphinx) -> None:
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("env-check-consistency", _emit_recorded)
    app.connect("build-finished", _finish, priority=900)
