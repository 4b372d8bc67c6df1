"""The extension is a package: `pip install .` from the repository into an empty virtual
environment gives a `guide` extension that builds another project (tests/roots/test-minimal,
with its own conf.py) and reports its findings, with the exit codes Sphinx documents.

The environment gets the package from the repository with its declared dependencies, resolved
by pip as anyone would install it (from PyPI, or pip's cache: about a minute the first time): a
module the extension imports but the package does not declare fails here. A static test checks
the same thing without pip: every third-party import of _ext/guide/ is a declared dependency."""

from __future__ import annotations

import ast
import importlib.metadata
import json
import re
import shutil
import subprocess
import sys
import tomllib
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
    # The package and the dependencies it declares, nothing else (no --no-deps, no path file
    # to this project's packages): what `pip install .` gives anyone.
    proc = subprocess.run([sys.executable, "-m", "pip", "--python", str(env / "bin" / "python"),
                           "install", "--quiet", str(repo)], capture_output=True, text=True,
                          timeout=900)
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
    # no DSFR (reserved to State sites) nor Pagefind unless the project asks for them (review H3)
    assert not list((tmp_path / "out").rglob("*dsfr*")) and "pagefind" not in page
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


#: modules only the PDF builder imports: the `pdf` extra (pip install ".[pdf]")
PDF_MODULES = {"pdf", "pdfbook", "pdftags"}


def _requirement_names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!~ ;\[]", r, maxsplit=1)[0].lower().replace("_", "-")
            for r in requirements}


def _imports(path: Path) -> set[str]:
    """Top-level names of the modules a file imports (anywhere in it, lazily or not)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"guide"}


def test_every_import_of_the_extension_is_a_declared_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = _requirement_names(project["dependencies"])
    pdf = runtime | _requirement_names(project["optional-dependencies"]["pdf"])
    distributions = importlib.metadata.packages_distributions()
    missing = set()
    for path in sorted((ROOT / "_ext" / "guide").glob("*.py")):
        declared = pdf if path.stem in PDF_MODULES else runtime
        for module in _imports(path):
            dists = {d.lower().replace("_", "-") for d in distributions.get(module, [module])}
            if not dists & declared:
                missing.add(f"{path.name}: {module} ({', '.join(sorted(dists))})")
    assert not missing, "importé mais non déclaré dans pyproject.toml : " + "; ".join(sorted(missing))
