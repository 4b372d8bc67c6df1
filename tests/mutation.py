"""make mutation: how much of the extension the tests really check, measured by mutmut.

mutmut 3 changes the code of `_ext/guide/` one small edit at a time (a comparison, a constant,
a call argument, a returned value…) and runs, for each of these mutants, the tests that execute
the function it sits in; a mutant whose tests still pass « survived »: nothing checks what it
broke. The score of a module is the share of its mutants killed (a timeout counts as killed).

mutmut names mutants after the module path of the file (`src/guide/links.py` ->
`guide.links`), so each run happens in a staging folder, `_build/mutation/<module>/`, where
the extension sits in `src/guide/` and the tests in `tests/`. Each module is tested against
the test files of its own concern (TESTS below, builds in this process, see conftest.build;
the tests that run sphinx-build as a command cannot see a mutant and are never selected):
against the whole suite, a surviving mutant of a function every build calls would re-run a
hundred builds, and the run would take a day on this machine's 2 cores. Hypothesis runs 25
examples per property there, always the same.

The extension has about 5 800 mutants (mutmut mutates every literal, operator, argument…) and
a mutant costs a few seconds (its tests are Sphinx builds): by default each module is measured
on a random sample of 150 of its mutants, always the same (MUTATION_SAMPLE=0: all of them),
and the score is given with its 95 % confidence interval (Wilson).

    .venv/bin/python tests/mutation.py                 # every module
    .venv/bin/python tests/mutation.py links metadata  # some modules
    .venv/bin/python tests/mutation.py --report [links] # scores (and survivors) of the last runs
    .venv/bin/python tests/mutation.py --show links NAME…   # the diff of mutants

The scores and the survivors judged harmless are in tests/README.md.
"""

from __future__ import annotations

import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGES = ROOT / "_build" / "mutation"
CHECKS = ["tests/test_findings.py"]
#: module -> the test files of its concern
TESTS = {
    "links": ["tests/test_links.py"],
    "metadata": ["tests/test_metadata.py", "tests/test_front_matter.py"],
    "licence": ["tests/test_licence.py"],
    "linkcheck": ["tests/test_linkcheck.py"],
    "findings": CHECKS, "collector": CHECKS, "reports": CHECKS, "config": CHECKS,
    "release": CHECKS, "__init__": CHECKS,
    "theme": ["tests/test_licence.py", "tests/test_typography.py"],
    "typography": ["tests/test_typography.py"],
    "news": ["tests/test_typography.py"],
    "pdf": ["tests/test_findings.py"],
}
# What the guide's own conf.py needs (test_typography builds with it), copied beside the tests.
PROJECT_FILES = ["conf.py", "_templates", "_static", "CHANGELOG.md", "REUSE.toml", "LICENSES"]
KILLED = {1, 3, 36, -24, 24, 152, 255}   # a failing test, or a timeout
SURVIVED = {0}
NO_TESTS = {5, 33}


def stage(module: str) -> Path:
    """A fresh staging folder: the extension in src/, the tests, the project files."""
    STAGE = STAGES / module
    # Nothing kept from an earlier run: mutmut 3.8 re-collects which test runs which function
    # only for the tests it has not seen, so a function split or added since (links.py's
    # _collect_node) was tied to the new tests only and its mutants « survived » the old ones;
    # and mutants are numbered per function, so an earlier « killed » may name another mutant.
    shutil.rmtree(STAGE, ignore_errors=True)
    STAGE.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", ".hypothesis", ".pytest_cache")
    shutil.copytree(ROOT / "_ext" / "guide", STAGE / "src" / "guide", ignore=ignore)
    shutil.copytree(ROOT / "tests", STAGE / "tests", ignore=ignore)
    for name in PROJECT_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, STAGE / name, ignore=ignore)
        elif src.exists():
            shutil.copy2(src, STAGE / name)
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    # the tests import the extension from mutmut's copy (mutants/src), never from _ext/
    pyproject = re.sub(r'pythonpath = \[[^\]]*\]', 'pythonpath = ["tests"]', pyproject)
    pyproject += f"""
[tool.mutmut]
source_paths = ["src/guide"]
pytest_add_cli_args_test_selection = {json.dumps(TESTS[module])}
pytest_add_cli_args = ["-m", "not slow and not browser", "-p", "no:cacheprovider",
                       "--deselect", "tests/test_metadata.py::test_reuse_lint_passes_on_the_repository"]
also_copy = {json.dumps(PROJECT_FILES)}
"""
    (STAGE / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    return STAGE


def run(module: str, children: int, sample: int) -> int:
    """mutmut on one module: every mutant, or a random sample of `sample` (always the same)."""
    env = dict(os.environ, HYPOTHESIS_PROFILE="mutation", PYTHONDONTWRITEBYTECODE="1")
    mutmut = [str(Path(sys.executable).with_name("mutmut")), "run", "--max-children",
              str(children)]
    where = stage(module)
    if sample:
        # A first run that matches no mutant makes mutmut generate them all (and collect which
        # test runs which function); then the sample is run.
        # (mutmut then fails its filter on purpose, with a traceback nobody needs to read)
        subprocess.run([*mutmut, f"guide.{module}.x_aucun_mutant"], cwd=where, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        names = sample_of(module, _codes(module))
    else:
        names = [f"guide.{module}.*" if module != "__init__" else "guide.x_*"]
    return subprocess.run([*mutmut, *names], cwd=where, env=env,
                          stdout=subprocess.DEVNULL).returncode


def _codes(module: str) -> dict:
    meta = STAGES / module / "mutants" / "src" / "guide" / f"{module}.py.meta"
    if not meta.exists():
        return {}
    return json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]


def sample_of(module: str, codes: dict) -> list[str]:
    """The module's sample: always the same mutants for the same code."""
    size = int(os.environ.get("MUTATION_SAMPLE", "150")) or len(codes)
    return sorted(random.Random(module).sample(sorted(codes), min(size, len(codes))))


def results() -> dict[str, Counter]:
    """Per module, over its sample: killed, survived, no tests, other (mutmut's .meta files)."""
    out: dict[str, Counter] = {}
    for module in sorted(TESTS):
        codes = _codes(module)
        if not codes:
            continue
        count = Counter()
        count["mutants"] = len(codes)
        for code in (codes[name] for name in sample_of(module, codes)):
            count["killed" if code in KILLED else "survived" if code in SURVIVED else
                  "no tests" if code in NO_TESTS else "not checked" if code is None else "other"] += 1
        out[module] = count
    return out


def survivors(module: str) -> list[str]:
    codes = _codes(module)
    return [k for k in sample_of(module, codes) if codes[k] in SURVIVED | NO_TESTS]


def report() -> str:
    lines = ["| Module | Mutants | Essayés | Tués | Survivants | Sans test | Score (IC 95 %) |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for module, c in results().items():
        total = c.pop("mutants")
        tried = sum(c.values()) - c["not checked"]
        if not tried:
            continue
        score = c["killed"] / tried
        # Wilson interval: the uncertainty of a score measured on a sample of the mutants
        z, n = 1.96, tried
        centre = (score + z * z / (2 * n)) / (1 + z * z / n)
        half = z * math.sqrt(score * (1 - score) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        if tried == total:   # every mutant tried: no sampling uncertainty
            half = 0.0
        interval = f" ({max(0, centre - half):.0%}–{min(1, centre + half):.0%})" if half else ""
        lines.append(f"| `{module}.py` | {total} | {tried} | {c['killed']} | {c['survived']} | "
                     f"{c['no tests']} | {score:.0%}{interval} |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--report"]:
        print(report())
        for module in argv[1:]:
            print(f"\n## {module}")
            for name in survivors(module):
                print(name)
        return 0
    if argv[:1] == ["--show"]:
        mutmut = Path(sys.executable).with_name("mutmut")
        for name in argv[2:]:
            subprocess.run([str(mutmut), "show", name], cwd=STAGES / argv[1])
        return 0
    status = 0
    sample = int(os.environ.get("MUTATION_SAMPLE", "150"))
    for module in argv or sorted(TESTS):
        print(f"mutmut : {module} ({', '.join(TESTS[module])})", flush=True)
        status |= run(module, int(os.environ.get("MUTATION_CHILDREN", "2")), sample)
    print(report())
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
