"""Version metadata and licence checks: one seeded defect per page of tests/roots/test-metadata,
each expected at its exact line with its French message; the real guide has none."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, build_root, marker_line

EXPECTED = {  # (page, marker on the line the finding must point to, code) -> words of the message
    ("faute-de-frappe.md", "udpated:", "unknown-key"): "vouliez-vous dire « updated » ?",
    ("faute-de-frappe.md", "type: fichee", "invalid-enum"): "valeurs permises",
    ("faute-de-frappe.md", "---", "missing-key"): "« updated »",
    ("dates.md", "updated: 2021-04-01", "updated-before-date"): "antérieure à la publication",
    ("version-nombre.md", "date: 29/04/2021", "invalid-date"): "AAAA-MM-JJ",
    ("version-nombre.md", "version: 1.10", "version-not-string"): 'version: "1.10"',
    ("version-nombre.md", "version: 1.10", "version-mismatch"): "« beta »",
    ("yaml-casse.md", 'description: "des guillemets', "yaml-malformed"): "YAML illisible",
    ("liste.md", "- title", "front-matter-not-mapping"): "une liste",
    ("vide.md", "---", "empty-page"): "vide",
    ("licence.md", "licence: CC-BY-4", "licence-unknown"): "CC-BY-4.0",
    ("billet.md", "date: 2021-04-01", "news-before-release"): "avant la publication",
}


def expected_findings(root):
    """EXPECTED with each marker turned into its line in the copied test root."""
    return {(page, marker_line(root / page, marker), code): words
            for (page, marker, code), words in EXPECTED.items()}


@pytest.fixture
def meta_root(rootdir, tmp_path):
    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-metadata", src)
    return src


def by_key(report, check="metadata"):
    return {(f["source"], f["line"], f["code"]): f"{f['message']} ; {f['fix']}"
            for f in report["findings"] if f["check"] == check}


def test_each_rule_reports_its_defect_at_its_line(meta_root, tmp_path):
    _, report = build_root(meta_root, tmp_path / "out")
    found, expected = by_key(report), expected_findings(meta_root)
    assert set(found) == set(expected), set(found) ^ set(expected)
    for key, words in expected.items():
        assert words in found[key], (key, found[key])
    assert not [k for k in found if k[0] == "bonne.md"]


def test_bad_input_never_crashes_the_build(meta_root, tmp_path):
    (meta_root / "latin1.md").write_bytes(
        "---\ntitle: Été\ndescription: Une page enregistrée en Latin-1 par erreur.\ntype: page\n"
        "date: 2021-04-29\nupdated: 2021-04-29\n---\n\n# Été\n\nDéjà.\n".encode("latin-1"))
    big = "---\ntitle: Énorme\ndescription: Une page de plus de cinq mégaoctets de texte.\n" \
          "type: page\ndate: 2021-04-29\nupdated: 2021-04-29\n---\n\n# Énorme\n\n" + \
          ("Une ligne de texte répétée. " * 40 + "\n\n") * 4500
    (meta_root / "enorme.md").write_text(big, encoding="utf-8")
    index = meta_root / "index.md"
    index.write_text(index.read_text(encoding="utf-8").replace("billet\n", "billet\nlatin1\nenorme\n"),
                     encoding="utf-8")
    proc, report = build_root(meta_root, tmp_path / "out")
    assert "Traceback" not in proc.stderr and proc.returncode == 0, proc.stderr[-3000:]
    found = by_key(report)
    assert ("enorme.md", 1, "page-too-large") in found
    assert any(k[0] == "latin1.md" and k[2] == "not-utf8" for k in found), found
    assert (tmp_path / "out" / "bonne.html").exists()  # the rest of the build went on


def test_a_date_in_the_future_is_reported(meta_root, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1609459200")  # 2021-01-01: every page is « future »
    _, report = build_root(meta_root, tmp_path / "out")
    assert ("bonne.md", 5, "date-in-future") in by_key(report)


def test_changelog_must_match_the_release(meta_root, tmp_path):
    release_dir = tmp_path / "release"
    release_dir.mkdir()
    shutil.copy(ROOT / "pyproject.toml", release_dir / "pyproject.toml")
    (release_dir / "CHANGELOG.md").write_text("# Historique\n\n## [v1] – 2022-04-01\n\n- V1.\n",
                                               encoding="utf-8")
    _, report = build_root(meta_root, tmp_path / "out", "-D",
                           f"guide_release_file={release_dir / 'pyproject.toml'}")
    mismatch = [f for f in report["findings"] if f["code"] == "changelog-mismatch"]
    assert len(mismatch) == 1 and mismatch[0]["line"] == 3


def test_reports_are_written_for_ci(meta_root, tmp_path):
    from xml.etree import ElementTree as ET
    _, report = build_root(meta_root, tmp_path / "out")
    junit = ET.parse(tmp_path / "out" / "_reports" / "findings.junit.xml").getroot()
    assert int(junit.get("failures")) == report["count"] == len(report["findings"])
    for case in junit.iter("testcase"):
        failure = case.find("failure")
        if failure is not None:
            assert re.match(r"^[\w./-]+\.md(:\d+)?: ", failure.text)


def test_reuse_lint_passes_on_the_repository():
    proc = subprocess.run([sys.executable, "-m", "reuse", "--root", str(ROOT), "lint"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:]


def test_an_asset_without_licence_is_reported(tmp_path):
    from guide.licence import unlicensed_assets
    (tmp_path / "docs" / "_images").mkdir(parents=True)
    (tmp_path / "docs" / "_images" / "a.svg").write_text("<svg/>")
    (tmp_path / "docs" / "_images" / "b.svg").write_text("<svg/>")
    (tmp_path / "docs" / "_images" / "b.svg.license").write_text(
        "SPDX-License-Identifier: etalab-2.0\nSPDX-FileCopyrightText: 2021 DINUM\n")
    (tmp_path / "REUSE.toml").write_text('version = 1\n')
    assert [p.name for p in unlicensed_assets(tmp_path)] == ["a.svg"]
    (tmp_path / "REUSE.toml").write_text(
        'version = 1\n[[annotations]]\npath = "docs/**"\nSPDX-FileCopyrightText = "2021 DINUM"\n'
        'SPDX-License-Identifier = "etalab-2.0"\n')
    assert unlicensed_assets(tmp_path) == []


IMPOSSIBLE = """---
title: Dates impossibles
description: Un 31 avril et un treizième mois, que YAML refuse de lire comme des dates.
type: page
date: 2021-31-12
updated: 2021-04-31
---

# Dates impossibles

Du texte.
"""


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_impossible_date_is_a_finding_at_its_line_not_a_crash(meta_root, tmp_path, jobs):
    (meta_root / "impossible.md").write_text(IMPOSSIBLE, encoding="utf-8")
    index = meta_root / "index.md"
    index.write_text(index.read_text(encoding="utf-8").replace("billet\n", "billet\nimpossible\n"),
                     encoding="utf-8")
    proc, report = build_root(meta_root, tmp_path / "out", jobs=jobs)
    assert "Traceback" not in proc.stderr and "Exception" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = {(f["line"], f["code"]): f["message"] for f in report["findings"]
             if f["source"] == "impossible.md"}
    date_line = marker_line(meta_root / "impossible.md", "date: 2021-31-12")
    updated_line = marker_line(meta_root / "impossible.md", "updated: 2021-04-31")
    assert "2021-31-12" in found[(date_line, "invalid-date")]
    assert "2021-04-31" in found[(updated_line, "invalid-date")]
    assert f"impossible.md:{updated_line}: WARNING:" in proc.stderr
