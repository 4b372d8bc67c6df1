"""Version metadata: one seeded defect per page of tests/roots/test-metadata, each expected at the
line that holds it with its French message; good pages give nothing. Builds run in this process
(sphinx.testing); the exit codes and -j are tested through the command in test_findings.py."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT, marker_line

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
def meta_root(copy_root):
    return copy_root("metadata")


def by_key(report, check="metadata"):
    return {(f["source"], f["line"], f["code"]): f"{f['message']} ; {f['fix']}"
            for f in report["findings"] if f["check"] == check}


def add_page(root, name, text, encoding="utf-8"):
    data = text.encode(encoding) if isinstance(text, str) else text
    (root / f"{name}.md").write_bytes(data)
    index = root / "index.md"
    index.write_text(index.read_text(encoding="utf-8").replace("billet\n", f"billet\n{name}\n"),
                     encoding="utf-8")


def page(**front) -> str:
    fields = {"title": "Une page", "description": "Une page de test pour une seule règle.",
              "type": "page", "date": "2021-04-29", "updated": "2021-04-29", **front}
    return "---\n" + "".join(f"{k}: {v}\n" for k, v in fields.items() if v is not None) + \
        "---\n\n# Une page\n\nDu texte.\n"


def test_each_rule_reports_its_defect_at_its_line(meta_root, build):
    app, report = build(meta_root)
    found, expected = by_key(report), expected_findings(meta_root)
    assert set(found) == set(expected), set(found) ^ set(expected)
    for key, words in expected.items():
        assert words in found[key], (key, found[key])
    assert not [k for k in found if k[0] in ("bonne.md", "index.md")]
    # through Sphinx's logger, with file:line and type guide.metadata
    line = marker_line(meta_root / "faute-de-frappe.md", "udpated:")
    assert f"faute-de-frappe.md:{line}: WARNING: « udpated » : clé inconnue" in app.warning.getvalue()
    assert "[guide.metadata]" in app.warning.getvalue()


def test_a_page_larger_than_one_megabyte_is_reported(meta_root, build):
    add_page(meta_root, "enorme", page(title="Énorme") + "```\n" + ("x" * 99 + "\n") * 10_001 + "```\n")
    _, report = build(meta_root)
    assert ("enorme.md", 1, "page-too-large") in by_key(report)


def test_a_latin1_page_is_reported_at_its_first_bad_byte(meta_root, build):
    ascii_front = page(description="Une page sans accent avant son corps de texte.")
    add_page(meta_root, "latin1", ascii_front + "Ligne juste.\nDéjà.\n", encoding="latin-1")
    _, report = build(meta_root)
    line = (meta_root / "latin1.md").read_bytes().split(b"\n").index("Déjà.".encode("latin-1")) + 1
    assert ("latin1.md", line, "not-utf8") in by_key(report)


def test_an_impossible_date_is_a_finding_at_its_line(meta_root, build):
    add_page(meta_root, "impossible", page(date="2021-31-12", updated="2021-04-31"))
    app, report = build(meta_root)
    found = by_key(report)
    for marker in ("date: 2021-31-12", "updated: 2021-04-31"):
        key = ("impossible.md", marker_line(meta_root / "impossible.md", marker), "invalid-date")
        assert "cette date n'existe pas" in found[key], found
    assert "Traceback" not in app.warning.getvalue()


def test_a_date_in_the_future_is_reported(meta_root, build, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1609459200")  # 2021-01-01: every page is « future »
    _, report = build(meta_root)
    found = by_key(report)
    assert ("bonne.md", marker_line(meta_root / "bonne.md", "date: "), "date-in-future") in found
    assert ("bonne.md", marker_line(meta_root / "bonne.md", "updated: "), "date-in-future") in found
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1640995200")  # 2022-01-01: none is
    _, report = build(meta_root, outdir=meta_root.parent / "later")
    assert not [k for k in by_key(report) if k[2] == "date-in-future"]


def test_a_page_updated_after_the_release_is_reported(meta_root, build):
    add_page(meta_root, "tardive", page(updated="2021-12-01"))
    _, report = build(meta_root)
    line = marker_line(meta_root / "tardive.md", "updated:")
    assert "2021-11-23" in by_key(report)[("tardive.md", line, "updated-after-release")]


def test_a_post_announcing_another_release_is_reported(meta_root, build):
    billet = meta_root / "billet.md"
    billet.write_text(billet.read_text(encoding="utf-8").replace("announces: beta",
                                                                 "announces: v2"), encoding="utf-8")
    _, report = build(meta_root)
    line = marker_line(billet, "announces:")
    assert "« v2 »" in by_key(report)[("billet.md", line, "news-unknown-release")]


def test_a_duplicated_key_is_reported_at_its_second_line(meta_root, build):
    add_page(meta_root, "double", page().replace("type: page\n", "type: page\ntitle: Encore\n"))
    _, report = build(meta_root)
    line = marker_line(meta_root / "double.md", "title: Encore")
    assert "deux fois" in by_key(report)[("double.md", line, "duplicate-key")]


def test_the_page_kinds_are_the_projects_setting(meta_root, build):
    # With one kind requiring only a title, the guide's kinds (fiche, news) become unknown.
    _, report = build(meta_root, guide_page_kinds={"page": ["title"]})
    found = by_key(report)
    assert ("bonne.md", marker_line(meta_root / "bonne.md", "type: fiche"), "invalid-enum") in found
    assert not [k for k in found if k[0] == "dates.md" and k[2] == "missing-key"]


def test_changelog_must_match_the_release(meta_root, build):
    changelog = meta_root / "CHANGELOG.md"
    changelog.write_text("# Historique\n\n## [v1] – 2022-04-01\n\n- V1.\n", encoding="utf-8")
    _, report = build(meta_root)
    mismatch = [f for f in report["findings"] if f["code"] == "changelog-mismatch"]
    assert [f["line"] for f in mismatch] == [marker_line(changelog, "## [v1]")]
    assert [f["source"] for f in mismatch] == ["CHANGELOG.md"]
    changelog.unlink()
    _, report = build(meta_root, outdir=meta_root.parent / "sans")
    assert [f["code"] for f in report["findings"] if f["source"] == "CHANGELOG.md"] == \
        ["changelog-missing"]


def test_the_release_comes_from_the_configured_table(meta_root, build):
    (meta_root / "autre.toml").write_text(
        (meta_root / "release.toml").read_text(encoding="utf-8").replace("[release]",
                                                                        "[projet.version]")
        .replace('version = "beta"', 'version = "v2"'), encoding="utf-8")
    app, report = build(meta_root, guide_release_file="autre.toml",
                        guide_release_table="projet.version")
    # Sphinx's version, author and copyright come from it (conf.py does not set them)
    assert app.config.version == "bêta" and app.config.author == "Équipe de test"
    assert app.config.copyright == "2021, Équipe de test"
    line = marker_line(meta_root / "billet.md", "announces:")
    assert "« v2 »" in by_key(report)[("billet.md", line, "news-unknown-release")]


def test_reuse_lint_passes_on_the_repository():
    proc = subprocess.run([sys.executable, "-m", "reuse", "--root", str(ROOT), "lint"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:]
