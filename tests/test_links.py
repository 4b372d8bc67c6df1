"""Internal link check: every seeded defect found at its line, with a suggestion; correct under
-j and in incremental builds."""

from __future__ import annotations

import re

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
def links_root(copy_root):
    return copy_root("links")


def link_findings(report):
    return sorted((f["source"], f["line"], f["code"], f["message"] + " ; " + f["fix"])
                  for f in report["findings"] if f["check"] == "links")


def test_every_seeded_defect_is_found_at_its_line(links_root, build):
    _, report = build(links_root)
    found = link_findings(report)
    expected = {(marker_line(links_root / "a.md", m), code) for m, (code, _) in EXPECTED.items()}
    assert {(line, code) for _, line, code, _ in found} == expected
    for marker, (code, words) in EXPECTED.items():
        line = marker_line(links_root / "a.md", marker)
        text = next(t for _, ln, c, t in found if ln == line and c == code)
        assert words in text, (marker, text)
    assert all(source == "a.md" for source, *_ in found)  # nothing in the good links


def test_findings_are_logged_with_file_line_and_type(links_root, build):
    app, _ = build(links_root)
    warnings = app.warning.getvalue()
    line = marker_line(links_root / "a.md", "BROKEN-ANCHOR")
    assert f"a.md:{line}: WARNING: lien interne cassé vers" in warnings
    assert "[guide.links]" in warnings
    assert "myst.xref_missing" not in warnings  # ours replace MyST's bare message


def test_suppress_warnings_silences_the_check(links_root, build):
    app, _ = build(links_root, suppress_warnings=["guide.links"])
    assert "[guide.links]" not in app.warning.getvalue()


def test_builtin_messages_are_kept_when_asked(links_root, build):
    app, _ = build(links_root, guide_links_replace_builtin=False)
    assert "[guide.links]" in app.warning.getvalue()
    assert "myst.xref_missing" in app.warning.getvalue()


def test_strict_build_exits_1_on_a_broken_link(links_root, tmp_path):
    proc, _ = build_root(links_root, tmp_path / "out", "-W", "--keep-going")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr[-2000:]


def test_same_findings_with_one_and_many_processes(links_root, build, tmp_path):
    _, serial = build(links_root, outdir=tmp_path / "j1")
    _, parallel = build(links_root, parallel=2, outdir=tmp_path / "j2")
    assert link_findings(serial) == link_findings(parallel)
    assert len(link_findings(serial)) == len(EXPECTED)


def test_removing_an_anchor_flags_the_unchanged_page_that_uses_it(links_root, build):
    a = links_root / "a.md"  # a missing download would make Sphinx re-read a.md every time
    a.write_text(a.read_text(encoding="utf-8").replace("{download}`absent.pdf`", ""), "utf-8")
    _, before = build(links_root)
    good_line = marker_line(links_root / "a.md", "[ancre de B](b.md#b-reglementation)")
    assert not [f for f in link_findings(before) if f[1] == good_line]
    b = links_root / "b.md"
    b.write_text(b.read_text(encoding="utf-8").replace("(b-reglementation)=\n", ""), encoding="utf-8")
    app, after = build(links_root)  # incremental: only b.md is re-read
    status = re.sub(r"\x1b\[[0-9;]*m", "", app.status.getvalue())
    assert "0 added, 1 changed, 0 removed" in status  # b.md only: a.md is not re-read
    flagged = [f for f in link_findings(after) if f[1] == good_line]
    assert flagged and flagged[0][2] == "anchor-unknown"


def test_external_urls_are_collected_with_every_occurrence(links_root, build):
    from guide.links import external_links
    app, _ = build(links_root)
    urls = [(d, link.target, link.line) for d, link in external_links(app.env)]
    line = marker_line(links_root / "a.md", "<https://example.org/page>")
    assert ("a", "https://example.org/page", line) in urls
