"""Internal link check: every seeded defect found at its line, with a suggestion; correct under
-j and in incremental builds."""

from __future__ import annotations

import shutil

import pytest

from conftest import build_root, marker_line

EXPECTED = {  # marker in a.md -> (finding code, words the message or fix must hold)
    "BROKEN-ANCHOR": ("anchor-unknown", "#b-reglementation"),
    "BROKEN-PAGE": ("page-unknown", "c.md"),
    "BROKEN-LABEL": ("label-unknown", "b-reglementation"),
    "BROKEN-TERM": ("term-unknown", "acv"),
    "BROKEN-LOCAL": ("target-unknown", "#a-haut"),
    "BROKEN-DOWNLOAD": ("file-unknown", "absent.pdf"),
    "BROKEN-RAW": ("anchor-unknown", "#zzz"),
    ":link: c": ("page-unknown", "« c »"),
}


@pytest.fixture
def links_root(rootdir, tmp_path):
    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-links", src)
    return src


def link_findings(report):
    return sorted((f["source"], f["line"], f["code"], f["message"] + " ; " + f["fix"])
                  for f in report["findings"] if f["check"] == "links")


def test_every_seeded_defect_is_found_at_its_line(links_root, tmp_path):
    proc, report = build_root(links_root, tmp_path / "out")
    found = link_findings(report)
    expected = {(marker_line(links_root / "a.md", m), code) for m, (code, _) in EXPECTED.items()}
    assert {(line, code) for _, line, code, _ in found} == expected
    for marker, (code, words) in EXPECTED.items():
        line = marker_line(links_root / "a.md", marker)
        text = next(t for _, ln, c, t in found if ln == line and c == code)
        assert words in text, (marker, text)
    assert all(source == "a.md" for source, *_ in found)  # nothing in the good links


def test_findings_are_logged_with_file_line_and_type(links_root, tmp_path):
    proc, _ = build_root(links_root, tmp_path / "out")
    line = marker_line(links_root / "a.md", "BROKEN-ANCHOR")
    assert f"a.md:{line}: WARNING: lien interne cassé vers" in proc.stderr
    assert "[guide.links]" in proc.stderr
    assert "myst.xref_missing" not in proc.stderr  # ours replace MyST's bare message


def test_suppress_warnings_silences_the_check(links_root, tmp_path):
    proc, _ = build_root(links_root, tmp_path / "out", "-D", "suppress_warnings=guide.links")
    assert "[guide.links]" not in proc.stderr


def test_strict_build_fails_on_a_broken_link(links_root, tmp_path):
    proc, _ = build_root(links_root, tmp_path / "out", "-W", "--keep-going")
    assert proc.returncode != 0


def test_same_findings_with_one_and_many_processes(links_root, tmp_path):
    _, serial = build_root(links_root, tmp_path / "j1", jobs="1")
    _, parallel = build_root(links_root, tmp_path / "j2", jobs="2")
    assert link_findings(serial) == link_findings(parallel)
    assert link_findings(serial)


def test_removing_an_anchor_flags_the_unchanged_page_that_uses_it(links_root, tmp_path):
    out = tmp_path / "out"
    _, before = build_root(links_root, out)
    good_line = marker_line(links_root / "a.md", "[ancre de B](b.md#b-reglementation)")
    assert not [f for f in link_findings(before) if f[1] == good_line]
    b = links_root / "b.md"
    b.write_text(b.read_text(encoding="utf-8").replace("(b-reglementation)=\n", ""), encoding="utf-8")
    _, after = build_root(links_root, out, "-v")  # incremental: only b.md is re-read
    flagged = [f for f in link_findings(after) if f[1] == good_line]
    assert flagged and flagged[0][2] == "anchor-unknown"


def test_external_urls_are_collected_with_every_occurrence(links_root, tmp_path):
    import pickle
    out = tmp_path / "out"
    build_root(links_root, out, "-d", str(tmp_path / "doctrees"))
    env = pickle.loads((tmp_path / "doctrees" / "environment.pickle").read_bytes())
    urls = [(d, link.target) for d, page in env.guide_pages.items() for link in page.links
            if link.kind == "external"]
    assert ("a", "https://example.org/page") in urls
