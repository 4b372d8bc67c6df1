"""The one writer of the reports CI reads: JSON and JUnit XML, each written atomically (to a
temporary file in the same folder, then renamed), so that a reader never sees half a report and
a failed write never replaces a good one.

Used by the findings of every build (`_reports/findings.json`, `findings.junit.xml`) and by the
external link check (`linkcheck.json`, `linkcheck.junit.xml`).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET


REPORT_MODE = 0o644


def write_atomic(path: Path, data: bytes) -> Path:
    """Write `data` to `path` so that `path` holds either its old content or all of `data`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        # mkstemp makes the file private (0600): a report is published with the site, readable
        # by the web server as the pages are (review L5)
        os.chmod(tmp, REPORT_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_json(path: Path, data) -> Path:
    return write_atomic(path, (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode())


@dataclass
class Case:
    """One JUnit test case: a finding (failure), a success, or a skipped item."""
    name: str
    classname: str
    file: str = ""
    line: int = 0
    failure: tuple[str, str, str] | None = None   # (type, message, text)
    skipped: str | None = None


@dataclass
class Suite:
    name: str
    cases: list[Case] = field(default_factory=list)
    time: float | None = None


def write_junit(path: Path, suites: list[Suite], name: str) -> Path:
    """<testsuites> with one <testsuite> per suite; the counts are computed, never typed."""
    root = ET.Element("testsuites", name=name)
    total = failures = skipped = 0
    for suite in suites:
        s_failures = sum(c.failure is not None for c in suite.cases)
        s_skipped = sum(c.skipped is not None for c in suite.cases)
        element = ET.SubElement(root, "testsuite", name=suite.name, tests=str(len(suite.cases)),
                                failures=str(s_failures), skipped=str(s_skipped))
        if suite.time is not None:
            element.set("time", f"{suite.time:.3f}")
        for case in suite.cases:
            attrs = {"classname": case.classname, "name": case.name}
            if case.file:
                attrs.update(file=case.file, line=str(case.line or 0))
            item = ET.SubElement(element, "testcase", attrs)
            if case.failure is not None:
                kind, message, text = case.failure
                ET.SubElement(item, "failure", type=kind, message=message).text = text
            elif case.skipped is not None:
                ET.SubElement(item, "skipped", message=case.skipped)
        total, failures, skipped = total + len(suite.cases), failures + s_failures, \
            skipped + s_skipped
    root.set("tests", str(total))
    root.set("failures", str(failures))
    root.set("skipped", str(skipped))
    return write_atomic(path, ET.tostring(root, encoding="utf-8", xml_declaration=True))
