"""The findings every check shares: each build, full, incremental or no-op, serial or parallel,
reports every current finding, and the exit code says so."""

from __future__ import annotations

import shutil

import pytest

from conftest import build_root, marker_line


@pytest.fixture
def meta_root(rootdir, tmp_path):
    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-metadata", src)
    return src


def keys(report):
    return sorted((f["source"], f["line"], f["code"]) for f in report["findings"])


def test_a_no_op_rebuild_reports_every_finding_again(meta_root, tmp_path):
    out = tmp_path / "out"
    first, before = build_root(meta_root, out, "-W", "--keep-going")
    written = (out / "bonne.html").stat().st_mtime_ns
    again, after = build_root(meta_root, out, "-W", "--keep-going")  # nothing changed
    assert (out / "bonne.html").stat().st_mtime_ns == written   # nothing was re-read…
    assert keys(after) == keys(before) and after["count"] == before["count"] > 0   # …all reported
    typo = marker_line(meta_root / "faute-de-frappe.md", "udpated:")
    assert ("faute-de-frappe.md", typo, "unknown-key") in keys(after)
    assert first.returncode == again.returncode == 1       # -W: findings fail the build, each time


def test_the_missing_pdf_is_reported_by_every_build(meta_root, tmp_path):
    out = tmp_path / "out"
    for _ in range(2):
        proc, report = build_root(meta_root, out, "-D", "guide_pdf_link=1")
        assert [f["code"] for f in report["findings"] if f["check"] == "pdf"] == ["pdf-missing"]
        assert "PDF introuvable" in proc.stderr


def test_same_findings_with_one_and_many_processes(meta_root, tmp_path):
    _, serial = build_root(meta_root, tmp_path / "j1", jobs="1")
    _, parallel = build_root(meta_root, tmp_path / "j2", jobs="2")
    assert keys(serial) == keys(parallel) and len(keys(serial)) >= 12
