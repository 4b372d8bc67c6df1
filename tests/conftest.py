"""Shared fixtures: the real guide built once per test session, and Sphinx's test roots."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

pytest_plugins = ("sphinx.testing.fixtures",)

# What every build loads, imported once here: under mutation testing (tests/mutation.py) each
# mutant's tests run in a process forked after the collection, which then saves ~4 s a mutant.
import guide  # noqa: E402, F401
import myst_parser.sphinx_ext.main  # noqa: E402, F401
import sphinx.builders.html  # noqa: E402, F401
import sphinx_design.extension  # noqa: E402, F401

# Property tests: 100 examples each in `make test`; 25, always the same, under mutation testing
# (tests/mutation.py), where they run once per mutant.
_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile("default", max_examples=100, deadline=None,
                          suppress_health_check=_SLOW_OK)
settings.register_profile("mutation", max_examples=25, deadline=None, derandomize=True,
                          database=None, suppress_health_check=_SLOW_OK)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

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
def guide_build(tmp_path_factory) -> Path:
    """The real guide built once, as `make` does: the PDF, then the site that links it, both
    strict (-W --keep-going: any warning or finding fails here). Returns the build folder.
    GUIDE_TEST_BUILD=_build reuses a build made by `make` instead (quick runs while working)."""
    if os.environ.get("GUIDE_TEST_BUILD"):
        return (ROOT / os.environ["GUIDE_TEST_BUILD"]).resolve()
    build = tmp_path_factory.mktemp("guide")
    proc = sphinx_build("guidepdf", build / "pdf", "-d", str(build / "doctrees-pdf"))
    assert proc.returncode == 0, f"la construction du PDF a échoué :\n{proc.stderr[-6000:]}"
    proc = sphinx_build("html", build / "html", "-d", str(build / "doctrees"))
    assert proc.returncode == 0, f"la construction du site a échoué :\n{proc.stderr[-6000:]}"
    return build


@pytest.fixture(scope="session")
def guide_html(guide_build) -> Path:
    return guide_build / "html"


@pytest.fixture(scope="session")
def guide_pdf(guide_build) -> Path:
    return next((guide_build / "pdf").glob("*.pdf"))


def build_root(src: Path, out: Path, *extra: str, jobs: str = "1") -> tuple[subprocess.CompletedProcess, dict]:
    """Build a test root (or a copy of one) with the sphinx-build command, as a writer or CI
    does (exit code, parallel processes); return the process and the JSON report."""
    cmd = [sys.executable, "-m", "sphinx", "-j", jobs, "-q", "-b", "html", *extra, str(src), str(out)]
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", GUIDE_ROOT=str(ROOT))
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    return proc, findings_report(out)


def findings_report(out: Path) -> dict:
    report = Path(out) / "_reports" / "findings.json"
    return json.loads(report.read_text(encoding="utf-8")) if report.exists() else {"findings": []}


@pytest.fixture
def copy_root(rootdir, tmp_path):
    """copy_root("metadata") -> a fresh copy of tests/roots/test-metadata, to edit and build."""
    def copy(name: str, dest: str = "src") -> Path:
        src = tmp_path / dest
        shutil.copytree(rootdir / f"test-{name}", src)
        return src
    return copy


@pytest.fixture
def build(make_app):
    """build(src, **confoverrides) -> (app, report): a build in this process (sphinx.testing),
    fast and seen by the mutation tester; `builder=`, `parallel=`, `outdir=` are Sphinx's."""
    def run(src: Path, builder: str = "html", *, parallel: int = 0, outdir: Path | None = None,
            **confoverrides):
        kwargs = {"builddir": outdir} if outdir else {}
        app = make_app(builder, srcdir=Path(src), confoverrides=confoverrides, parallel=parallel,
                       **kwargs)
        app.build()
        return app, findings_report(app.outdir)
    return run


def marker_line(path: Path, marker: str) -> int:
    """1-based line of the first line holding `marker` (tests name lines, never hard-code them)."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if marker in line:
            return number
    raise AssertionError(f"{marker} absent de {path}")
