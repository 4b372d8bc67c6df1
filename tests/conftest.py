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
