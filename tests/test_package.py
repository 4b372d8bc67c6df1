"""The extension is a package: `pip install .` from the repository into an empty virtual
environment gives a `guide` extension that builds another project (tests/roots/test-minimal,
with its own conf.py) and reports its findings, with the exit codes Sphinx documents.

The environment gets the package from the repository (built by pip, as anyone would install
it); its dependencies (Sphinx, MyST…) are this project's, seen through a path file, so that the
test downloads nothing and takes seconds."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow

SKIP = shutil.ignore_patterns(".venv", "node_modules", "_build", ".git", ".hypothesis", "mutants",
                              ".pytest_cache", "__pycache__", "build", "*.egg-info", "docs")


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("package")
    repo = base / "depot"
    shutil.copytree(ROOT, repo, ignore=SKIP)
    env = base / "venv"
    # An empty environment (not even pip: this project's pip installs into it, --python).
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True,
                   timeout=120)
    python = env / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                                "['purelib'])"], capture_output=True, text=True,
                               check=True).stdout.strip())
    # The dependencies: this project's installed packages, after the new environment's own.
    (site / "zz-dependances.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    proc = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install",
                           "--no-deps", "--quiet", str(repo)], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return env


def run(env: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(env / "bin" / "python"), *args], capture_output=True, text=True,
                          timeout=300, cwd=env.parent)


def test_pip_install_gives_the_extension_as_a_package(venv):
    proc = run(venv, "-c", "import guide, importlib.metadata as m; print(guide.__file__); "
                           "print(m.version('sphinx-guide-checks'))")
    where, version = proc.stdout.split()
    assert Path(where).is_relative_to(venv) and "site-packages" in where   # not _ext/
    import guide
    assert version == guide.__version__


def test_the_installed_extension_builds_another_project(venv, rootdir, tmp_path):
    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-minimal", src)
    proc = run(venv, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", str(src),
               str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((tmp_path / "out" / "_reports" / "findings.json").read_text("utf-8"))
    assert report["count"] == 0
    page = (tmp_path / "out" / "article.html").read_text(encoding="utf-8")
    assert 'href="https://creativecommons.org/licenses/by/4.0/deed.fr" rel="license"' in page
    # the same project with a broken link and a front matter of another kind: reported, exit 1
    article = src / "article.md"
    article.write_text(article.read_text(encoding="utf-8").replace("date: 2024-01-20",
                                                                   "date: 2024-01-20\nauteur: moi"))
    index = src / "index.md"
    index.write_text(index.read_text(encoding="utf-8").replace("#la-suite", "#la-fin"))
    proc = run(venv, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", str(src),
               str(tmp_path / "out"))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert "article.md:4: WARNING: « auteur » : clé inconnue" in proc.stderr
    assert "index.md:8: WARNING: lien interne cassé vers « article.md#la-fin » : ancre inconnue" \
        in proc.stderr
