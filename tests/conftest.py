"""Shared fixtures: the real guide built once per test session, and Sphinx's test roots."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest_plugins = ("sphinx.testing.fixtures",)

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
os.environ.setdefault("GUIDE_ROOT", str(ROOT))  # test roots load the real conf.py from there


@pytest.fixture(scope="session")
def rootdir() -> Path:
    """Where sphinx.testing finds the test roots (tests/roots/test-<name>/)."""
    return Path(__file__).parent / "roots"


def sphinx_build(builder: str, outdir: Path, *extra: str, jobs: str = "auto") -> subprocess.CompletedProcess:
    """Run sphinx-build on the real guide exactly as the Makefile does (strict, parallel)."""
    cmd = [sys.executable, "-m", "sphinx", "-c", str(ROOT), "-j", jobs, "-W", "--keep-going",
           "-b", builder, *extra, str(DOCS), str(outdir)]
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)


@pytest.fixture(scope="session")
def guide_html(tmp_path_factory) -> Path:
    """The real guide's HTML, built once with -W --keep-going (any warning fails here)."""
    out = tmp_path_factory.mktemp("guide") / "html"
    proc = sphinx_build("html", out, "-d", str(out.parent / "doctrees"))
    assert proc.returncode == 0, f"la construction du guide a échoué :\n{proc.stderr[-6000:]}"
    return out


def build_root(src: Path, out: Path, *extra: str, jobs: str = "1") -> tuple[subprocess.CompletedProcess, dict]:
    """Build a test root (or a copy of one) with sphinx-build; return the process and the JSON report."""
    cmd = [sys.executable, "-m", "sphinx", "-j", jobs, "-q", "-b", "html", *extra, str(src), str(out)]
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", GUIDE_ROOT=str(ROOT))
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    report = out / "_reports" / "findings.json"
    import json
    data = json.loads(report.read_text(encoding="utf-8")) if report.exists() else {"findings": []}
    return proc, data


def marker_line(path: Path, marker: str) -> int:
    """1-based line of the first line holding `marker` (tests name lines, never hard-code them)."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if marker in line:
            return number
    raise AssertionError(f"{marker} absent de {path}")
