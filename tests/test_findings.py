"""The findings every check shares: each build, full, incremental or no-op, serial or parallel,
reports every current finding; the reports CI reads say the same as the log; the exit code is
the one Sphinx documents (0, 1 with -W when there is a finding, 2 for an error); settings and
the release file are validated with a clear message."""

from __future__ import annotations

import json
import re
from xml.etree import ElementTree as ET

import pytest

from conftest import build_root, marker_line


@pytest.fixture
def meta_root(copy_root):
    return copy_root("metadata")


def keys(report):
    return sorted((f["source"], f["line"], f["code"]) for f in report["findings"])


# -- every build reports every current finding ---------------------------------------------------

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


def test_a_no_op_rebuild_in_process_reports_every_finding_again(meta_root, build):
    _, before = build(meta_root)
    app, after = build(meta_root)
    assert "no targets are out of date" in re.sub(r"\x1b\[[0-9;]*m", "", app.status.getvalue())
    assert keys(after) == keys(before) and len(keys(after)) >= 11


def test_the_missing_pdf_is_reported_by_every_build(meta_root, build):
    for _ in range(2):
        app, report = build(meta_root, guide_pdf_link=True)
        assert [f["code"] for f in report["findings"] if f["check"] == "pdf"] == ["pdf-missing"]
        assert "PDF introuvable" in app.warning.getvalue()


def test_same_findings_with_one_and_many_processes(meta_root, build, tmp_path):
    _, serial = build(meta_root, outdir=tmp_path / "j1")
    _, parallel = build(meta_root, parallel=2, outdir=tmp_path / "j2")
    assert keys(serial) == keys(parallel) and len(keys(serial)) >= 11


def test_same_findings_with_the_command_and_many_processes(meta_root, tmp_path):
    serial, one = build_root(meta_root, tmp_path / "j1", jobs="1")
    parallel, many = build_root(meta_root, tmp_path / "j2", jobs="2")
    assert keys(one) == keys(many) and len(keys(one)) >= 11
    assert serial.returncode == parallel.returncode == 0    # without -W, findings are warnings


# -- the reports CI reads ----------------------------------------------------------------------

def test_reports_hold_one_failure_per_finding_with_its_file_and_line(meta_root, build):
    app, report = build(meta_root)
    assert report["builder"] == "html" and report["count"] == len(report["findings"]) >= 11
    junit = ET.parse(app.outdir / "_reports" / "findings.junit.xml").getroot()
    failures = [(case.get("file"), int(case.get("line")), case.find("failure").get("type"))
                for case in junit.iter("testcase") if case.find("failure") is not None]
    assert sorted(failures) == sorted((f["source"], f["line"] or 0, f["code"])
                                      for f in report["findings"])
    assert int(junit.get("failures")) == int(junit.get("tests")) - 3 == report["count"]
    for case in junit.iter("testcase"):
        failure = case.find("failure")
        if failure is not None:
            assert re.match(rf"^{re.escape(case.get('file'))}(:\d+)?: ", failure.text)
    assert (junit.tag, junit.get("name"), junit.get("skipped")) == ("testsuites", "guide", "0")
    for suite in junit.iter("testsuite"):
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(cases) and suite.get("skipped") == "0"
        assert int(suite.get("failures")) == sum(c.find("failure") is not None for c in cases)
    # the checks that found nothing say so with a passing case
    passing = {s.get("name") for s in junit.iter("testsuite") if s.get("failures") == "0"}
    # (the root's front matter has licence faults: guide.licence fails; no Pagefind: no search check)
    assert passing == {"guide.links", "guide.assets", "guide.pdf"}
    assert "Vérifications du guide — " in app.status.getvalue()


def test_reports_of_a_clean_project_say_there_is_nothing(copy_root, build):
    src = copy_root("metadata")
    for page in ("faute-de-frappe", "dates", "version-nombre", "yaml-casse", "liste", "vide",
                 "licence", "billet"):
        (src / f"{page}.md").unlink()
    index = src / "index.md"
    index.write_text(re.sub(r"```\{toctree\}.*```", "```{toctree}\nbonne\n```",
                            index.read_text(encoding="utf-8"), flags=re.S), encoding="utf-8")
    app, report = build(src)
    assert report == {"builder": "html", "count": 0, "findings": []}
    junit = ET.parse(app.outdir / "_reports" / "findings.junit.xml").getroot()
    assert (junit.get("tests"), junit.get("failures")) == ("5", "0")
    assert [s.get("name") for s in junit.iter("testsuite")] == \
        ["guide.links", "guide.metadata", "guide.licence", "guide.assets", "guide.pdf"]
    assert app.warning.getvalue() == ""


def test_reports_are_replaced_whole(meta_root, build):
    """Written to a temporary file then renamed: no *.tmp left, valid JSON every time."""
    app, _ = build(meta_root)
    reports = app.outdir / "_reports"
    assert sorted(p.name for p in reports.iterdir()) == ["findings.json", "findings.junit.xml"]
    json.loads((reports / "findings.json").read_text(encoding="utf-8"))


def test_junit_counts_are_those_of_its_cases(tmp_path):
    from guide import reports
    path = reports.write_junit(tmp_path / "r.xml", [
        reports.Suite("a", [reports.Case("ok", "a"), reports.Case("saute", "a", skipped="ignorée"),
                            reports.Case("casse", "a", "p.md", 3, failure=("code", "m", "p.md:3: m"))],
                      time=1.5),
        reports.Suite("b", [reports.Case("ok", "b")])], "tout")
    root = ET.parse(path).getroot()
    assert (root.tag, root.get("name"), root.get("tests"), root.get("failures"),
            root.get("skipped")) == ("testsuites", "tout", "4", "1", "1")
    a, b = root.findall("testsuite")
    assert [(s.get("name"), s.get("tests"), s.get("failures"), s.get("skipped")) for s in (a, b)] \
        == [("a", "3", "1", "1"), ("b", "1", "0", "0")]
    assert a.get("time") == "1.500" and b.get("time") is None
    broken = a.findall("testcase")[2]
    assert (broken.get("file"), broken.get("line"), broken.get("classname")) == ("p.md", "3", "a")
    failure = broken.find("failure")
    assert (failure.get("type"), failure.get("message"), failure.text) == ("code", "m", "p.md:3: m")
    assert a.findall("testcase")[1].find("skipped").get("message") == "ignorée"
    assert a.findall("testcase")[0].get("file") is None


def test_reports_writer_leaves_the_old_report_when_writing_fails(tmp_path, monkeypatch):
    from guide import reports
    target = tmp_path / "r.json"
    reports.write_json(target, {"count": 1})

    def broken(*args, **kwargs):
        raise OSError("disque plein")

    monkeypatch.setattr(reports.os, "replace", broken)
    with pytest.raises(OSError):
        reports.write_json(target, {"count": 2})
    assert json.loads(target.read_text()) == {"count": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]   # no temporary file left


# -- what each finding says, where, and the summary that closes the log ----------------------

def plain(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


@pytest.fixture
def meta_build(meta_root, build):
    """The metadata root with an empty CHANGELOG (a finding at a file outside the pages, with a
    line) and the PDF link on (a finding at a file, without a line)."""
    (meta_root / "CHANGELOG.md").write_text("# Historique\n", encoding="utf-8")
    app, report = build(meta_root, guide_pdf_link=True)
    return meta_root, app, report


def test_the_summary_line_counts_the_findings_of_each_check(meta_build):
    src, app, report = meta_build
    counts = {check: sum(f["check"] == check for f in report["findings"])
              for check in ("links", "metadata", "licence", "assets", "pdf")}
    assert counts == {"links": 0, "metadata": 11, "licence": 1, "assets": 0, "pdf": 1}
    assert "\n\nVérifications du guide — 13 anomalie(s) (links : 0 · metadata : 11 · " \
           "licence : 1 · assets : 0 · pdf : 1)\n" \
           "Rapports : _build/html/_reports/findings.json, _build/html/_reports/findings.junit.xml\n" \
           in plain(app.status.getvalue())


def test_each_finding_is_a_warning_at_its_file_and_line_with_its_fix(meta_build):
    """A page's finding at the page's line; a file's finding with a line (the CHANGELOG) at
    that file and line; a finding without a line (the PDF) names its file in the text; each
    ends with the check Sphinx's `suppress_warnings` knows it by."""
    src, app, report = meta_build
    warnings = plain(app.warning.getvalue()).splitlines()
    typo = marker_line(src / "faute-de-frappe.md", "udpated:")
    spdx = marker_line(src / "licence.md", "licence:")
    for line in (
        f"{src}/faute-de-frappe.md:{typo}: WARNING: « udpated » : clé inconnue ; vouliez-vous "
        "dire « updated » ? [guide.metadata]",
        f"{src}/licence.md:{spdx}: WARNING: licence « CC-BY-4 » : identifiant SPDX inconnu ; "
        "identifiants proches : CC-BY-4.0, CC-BY-3.0, CC-BY-2.5 [guide.licence]",
        f"{src}/CHANGELOG.md:1: WARNING: CHANGELOG.md ne contient aucune entrée « ## [version] "
        "– AAAA-MM-JJ » ; ajoutez l'entrée de la version beta [guide.metadata]",
        "WARNING: _build/pdf/guide-beta.pdf : PDF introuvable : le site ne peut pas le proposer "
        "au téléchargement ; construisez le PDF avant le site (sphinx-build -b guidepdf), ou "
        "réglez guide_pdf_link = False [guide.pdf]",
    ):
        assert line in warnings, "\n".join(warnings)
    guide = [w for w in warnings if "[guide." in w]
    assert len(guide) == report["count"] == 13     # each finding logged once


def test_the_report_holds_each_finding_whole_in_order(meta_build):
    src, app, report = meta_build
    records = report["findings"]
    assert all(list(r) == ["source", "line", "check", "code", "message", "fix", "severity"]
               for r in records)       # the docname is internal: not in the report
    order = [(r["source"], r["line"] or 0, r["check"], r["code"], r["message"]) for r in records]
    assert order == sorted(order)
    typo = marker_line(src / "faute-de-frappe.md", "udpated:")
    spdx = marker_line(src / "licence.md", "licence:")
    for record in (
        {"source": "CHANGELOG.md", "line": 1, "check": "metadata", "code": "changelog-empty",
         "message": "CHANGELOG.md ne contient aucune entrée « ## [version] – AAAA-MM-JJ »",
         "fix": "ajoutez l'entrée de la version beta", "severity": "error"},
        {"source": "_build/pdf/guide-beta.pdf", "line": None, "check": "pdf",
         "code": "pdf-missing", "message": "PDF introuvable : le site ne peut pas le proposer au "
         "téléchargement", "fix": "construisez le PDF avant le site (sphinx-build -b guidepdf), "
         "ou réglez guide_pdf_link = False", "severity": "error"},
        {"source": "faute-de-frappe.md", "line": typo, "check": "metadata", "code": "unknown-key",
         "message": "« udpated » : clé inconnue", "fix": "vouliez-vous dire « updated » ?",
         "severity": "error"},
        {"source": "licence.md", "line": spdx, "check": "licence", "code": "licence-unknown",
         "message": "licence « CC-BY-4 » : identifiant SPDX inconnu",
         "fix": "identifiants proches : CC-BY-4.0, CC-BY-3.0, CC-BY-2.5", "severity": "error"},
    ):
        assert record in records, records
    # the page's findings in the order of their lines
    page = [r["line"] for r in records if r["source"] == "faute-de-frappe.md"]
    assert page == sorted(page) and len(set(page)) == len(page) == 3


def test_the_junit_report_names_each_case(meta_build):
    src, app, report = meta_build
    junit = ET.parse(app.outdir / "_reports" / "findings.junit.xml").getroot()
    suites = {s.get("name"): s.findall("testcase") for s in junit.iter("testsuite")}
    assert [(c.get("name"), c.get("classname"), c.get("file")) for c in suites["guide.links"]] \
        == [("aucune anomalie", "guide.links", None)]
    (pdf,) = suites["guide.pdf"]
    assert (pdf.get("name"), pdf.get("classname"), pdf.get("file"), pdf.get("line")) == (
        "_build/pdf/guide-beta.pdf pdf-missing", "guide.pdf", "_build/pdf/guide-beta.pdf", "0")
    failure = pdf.find("failure")
    assert (failure.get("type"), failure.get("message"), failure.text) == (
        "pdf-missing", "PDF introuvable : le site ne peut pas le proposer au téléchargement",
        "_build/pdf/guide-beta.pdf: PDF introuvable : le site ne peut pas le proposer au "
        "téléchargement ; construisez le PDF avant le site (sphinx-build -b guidepdf), ou réglez "
        "guide_pdf_link = False")
    changelog = next(c for c in suites["guide.metadata"] if c.get("file") == "CHANGELOG.md")
    assert (changelog.get("name"), changelog.get("line"), changelog.find("failure").text) == (
        "CHANGELOG.md:1 changelog-empty", "1", "CHANGELOG.md:1: CHANGELOG.md ne contient aucune "
        "entrée « ## [version] – AAAA-MM-JJ » ; ajoutez l'entrée de la version beta")


def test_a_suppressed_check_is_silent_in_the_log(meta_root, build):
    app, report = build(meta_root, suppress_warnings=["guide.metadata"])
    warnings = plain(app.warning.getvalue())
    assert "[guide.metadata]" not in warnings and "[guide.licence]" in warnings


def test_a_fixed_page_leaves_the_reports_of_the_next_build(meta_root, build):
    """The same application, built again after a page was fixed: its findings are gone."""
    app, before = build(meta_root)
    page = meta_root / "faute-de-frappe.md"
    page.write_text(page.read_text(encoding="utf-8").replace("udpated:", "updated:")
                    .replace("fichee", "fiche"), encoding="utf-8")
    app.build()
    after = json.loads((app.outdir / "_reports" / "findings.json").read_text(encoding="utf-8"))
    assert [f["source"] for f in before["findings"]].count("faute-de-frappe.md") == 3
    assert "faute-de-frappe.md" not in [f["source"] for f in after["findings"]]
    assert after["count"] == before["count"] - 3


def test_make_fills_every_field(meta_root, build):
    from guide import findings
    app, _ = build(meta_root)
    made = findings.make(app, "links", "code-x", "message x", docname="bonne", line=3)
    assert (made.source, made.line, made.check, made.code, made.message, made.fix,
            made.severity, made.docname) == ("bonne.md", 3, "links", "code-x", "message x", "",
                                             "error", "bonne")
    made = findings.make(app, "pdf", "code-y", "message y", "corrigez", path=app.outdir / "a.pdf",
                         severity="warning")
    assert (made.source, made.line, made.fix, made.severity, made.docname) == (
        "_build/html/a.pdf", None, "corrigez", "warning", None)


def test_relative_source_is_relative_to_the_project(meta_root, build, tmp_path):
    from guide.findings import relative_source
    app, _ = build(meta_root)
    assert relative_source(app, docname="bonne") == "bonne.md"
    assert relative_source(app, path=meta_root / "sous" / "x.md") == "sous/x.md"
    assert relative_source(app, path=str(meta_root / "release.toml")) == "release.toml"
    assert relative_source(app, path=tmp_path / "ailleurs.md") == f"{tmp_path}/ailleurs.md"
    assert relative_source(app) == ""


def test_finding_text_where_and_order():
    from guide.findings import Finding
    with_fix = Finding("a.md", 3, "links", "c", "message", "correction")
    without = Finding("a.md", None, "links", "c", "message")
    assert (with_fix.text(), without.text()) == ("message ; correction", "message")
    assert (with_fix.where(), without.where()) == ("a.md:3", "a.md")
    assert (without.fix, without.severity, without.docname) == ("", "error", None)
    later = Finding("a.md", 9, "assets", "a", "a")
    earlier = Finding("a.md", 2, "links", "z", "z")
    other = Finding("b.md", 1, "assets", "a", "a")
    assert sorted([other, later, with_fix, earlier, without], key=Finding.sort_key) == \
        [without, earlier, with_fix, later, other]
    assert Finding("a.md", 3, "links", "c", "m", docname="a") == \
        Finding("a.md", 3, "links", "c", "m", docname="b")     # the docname is not compared


def test_emit_logs_a_finding_once_at_its_place(meta_root, build):
    from guide import findings
    from guide.findings import Finding
    app, _ = build(meta_root)
    app.warning.seek(0)
    app.warning.truncate()
    at_page = Finding("bonne.md", 4, "links", "c", "message", "correction", docname="bonne")
    elsewhere = Finding("ailleurs.md", 2, "links", "c", "message", docname="retiree")
    no_line = Finding("fichier.txt", None, "assets", "c", "message")
    named = Finding("fichier.txt", None, "assets", "d", "fichier.txt illisible")
    nowhere = Finding("", None, "assets", "c", "message")
    for finding in (at_page, at_page, elsewhere, no_line, named, nowhere):
        findings.emit(app, finding)
    assert plain(app.warning.getvalue()).splitlines() == [
        f"{meta_root}/bonne.md:4: WARNING: message ; correction [guide.links]",
        f"{meta_root}/ailleurs.md:2: WARNING: message [guide.links]",
        "WARNING: fichier.txt : message [guide.assets]",
        "WARNING: fichier.txt illisible [guide.assets]",
        "WARNING: message [guide.assets]",
    ]
    assert list(findings._emitted(app))[-5:] == [at_page, elsewhere, no_line, named, nowhere]


def test_write_reports_with_an_error(meta_root, build):
    from guide import findings
    app, _ = build(meta_root)
    error = findings.make(app, "metadata", "release-unreadable", "illisible", "corrigez",
                          path=meta_root / "release.toml", line=2)
    json_path, junit_path = findings.write_reports(app, [error], error="release.toml:2: illisible")
    assert (json_path, junit_path) == (app.outdir / "_reports" / "findings.json",
                                       app.outdir / "_reports" / "findings.junit.xml")
    assert json.loads(json_path.read_text(encoding="utf-8")) == {
        "builder": "html", "count": 1, "error": "release.toml:2: illisible",
        "findings": [{"source": "release.toml", "line": 2, "check": "metadata",
                      "code": "release-unreadable", "message": "illisible", "fix": "corrigez",
                      "severity": "error"}]}
    junit = ET.parse(junit_path).getroot()
    assert (junit.get("tests"), junit.get("failures")) == ("5", "1")


def test_a_bad_release_file_in_process_leaves_an_error_report(meta_root, make_app):
    """The release is read before any builder exists: the report says so (builder null)."""
    release = meta_root / "release.toml"
    release.write_text(release.read_text(encoding="utf-8").replace(
        "published = 2021-04-29", "published = 2021-02-30"), encoding="utf-8")
    with pytest.raises(SystemExit) as stop:
        make_app("html", srcdir=meta_root)
    assert stop.value.code == 2
    report = json.loads((meta_root / "_build" / "html" / "_reports" / "findings.json")
                        .read_text(encoding="utf-8"))
    line = marker_line(release, "published")
    (finding,) = report["findings"]
    assert report["builder"] is None and report["count"] == 1
    assert report["error"] == f"release.toml:{line}: {finding['message']} ; {finding['fix']}"
    assert (finding["source"], finding["line"], finding["code"], finding["check"]) == (
        "release.toml", line, "release-unreadable", "metadata")


# -- exit codes and clear errors ----------------------------------------------------------------

def test_a_clean_strict_build_exits_0(copy_root, tmp_path):
    src = copy_root("links")
    for page, cut in (("a.md", "## Liens cassés"), ("sous/page.md", "[B sans cette ancre]")):
        (src / page).write_text((src / page).read_text(encoding="utf-8").split(cut)[0],
                                encoding="utf-8")
    proc, report = build_root(src, tmp_path / "out", "-W", "--keep-going")
    assert proc.returncode == 0 and report["count"] == 0, proc.stderr[-2000:]


def test_a_wrong_setting_is_reported_clearly_and_replaced_by_its_default(meta_root, build):
    with open(meta_root / "conf.py", "a", encoding="utf-8") as conf:
        conf.write('guide_linkcheck_workers = "beaucoup"\nguide_pdf_name = "guide.txt"\n'
                   'guide_page_kinds = {"page": ["titre"]}\nguide_linkcheck_ignore = ["("]\n')
    app, _ = build(meta_root)
    warnings = app.warning.getvalue()
    assert "guide_linkcheck_workers = 'beaucoup' : attendu : entier ; valeur par défaut " \
           "utilisée : 128" in warnings
    assert "guide_pdf_name = 'guide.txt' : attendu : un nom de fichier en .pdf" in warnings
    assert "clé(s) inconnue(s) titre pour le type « page »" in warnings
    assert "expression régulière invalide '('" in warnings
    assert warnings.count("[guide.config]") == 4
    assert app.config.guide_linkcheck_workers == 128 and app.config.guide_linkcheck_ignore == []


def test_a_float_setting_can_be_given_with_dash_d(meta_root, tmp_path):
    """Review M9: `-D guide_linkcheck_timeout=2.5` is taken, `=abc` is the extension's clear
    guide.config warning (not Sphinx's « unsupported type »)."""
    proc, _ = build_root(meta_root, tmp_path / "out", "-D", "guide_linkcheck_timeout=2.5", "-D",
                         "guide_linkcheck_cache_ttl=60", "-D", "guide_linkcheck_backoff=abc")
    assert "unsupported type" not in proc.stderr and "guide_linkcheck_timeout" not in proc.stderr
    assert "guide_linkcheck_backoff = 'abc' : attendu : un nombre (par exemple 2.5) ; valeur par " \
        "défaut utilisée : 0.5" in proc.stderr, proc.stderr[-2000:]


def test_float_settings_from_dash_d_are_numbers(meta_root, build):
    from guide.config import settings
    app, _ = build(meta_root, guide_linkcheck_timeout="2.5", guide_linkcheck_deadline="30")
    assert (settings(app).linkcheck_timeout, settings(app).linkcheck_deadline) == (2.5, 30.0)
    assert "guide_linkcheck" not in app.warning.getvalue()


def test_a_wrong_setting_fails_a_strict_build_without_traceback(meta_root, tmp_path):
    proc, _ = build_root(meta_root, tmp_path / "out", "-W", "--keep-going", "-D",
                         "guide_linkcheck_workers=0")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "guide_linkcheck_workers = 0 : attendu : un entier au moins égal à 1" in proc.stderr


@pytest.mark.parametrize(("release", "words"), [
    (None, "fichier de la version illisible"),
    ("[autre]\nversion = 'x'\n", "table [release] absente"),
    ("[release]\nversion = 'x'\n", "clé(s) manquante(s) version_title"),
    ("[release\n", "illisible"),
])
def test_a_bad_release_file_is_a_configuration_error_not_a_traceback(meta_root, tmp_path,
                                                                     release, words):
    if release is None:
        (meta_root / "release.toml").unlink()
    else:
        (meta_root / "release.toml").write_text(release, encoding="utf-8")
    proc, _ = build_root(meta_root, tmp_path / "out")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert "release.toml" in proc.stderr and words in proc.stderr, proc.stderr[-2000:]


@pytest.mark.parametrize(("key", "value", "words"), [
    ("updated", '"hier"', "updated = 'hier' n'est pas une date AAAA-MM-JJ"),
    ("licence", '"etalab-2.O"', "licence = 'etalab-2.O' : ni identifiant SPDX"),
    ("authors", '"moi"', "authors doit être une liste de noms"),
    ("publisher", '""', "publisher doi(ven)t être du texte non vide"),
])
def test_a_wrong_release_value_is_reported_at_its_key(meta_root, tmp_path, key, value, words):
    """Review M3: the key's line, not the table's header."""
    release = meta_root / "release.toml"
    text = release.read_text(encoding="utf-8")
    text = re.sub(rf"^{key} = .*$", f"{key} = {value}", text, flags=re.M)
    release.write_text(text, encoding="utf-8")
    proc, _ = build_root(meta_root, tmp_path / "out")
    line = marker_line(release, f"{key} = ")
    assert proc.returncode == 2 and f"release.toml:{line}: ERROR: " in proc.stderr and \
        words in proc.stderr, proc.stderr[-2000:]


def test_a_bad_release_file_replaces_the_reports_of_the_last_build(meta_root, tmp_path):
    """Review M2: after exit 2, findings.json and the JUnit file do not still present the
    findings of the previous build as current; they carry the error."""
    out = tmp_path / "out"
    proc, report = build_root(meta_root, out)
    assert proc.returncode == 0 and report["count"] > 1
    release = meta_root / "release.toml"
    release.write_text(release.read_text(encoding="utf-8").replace(
        "published = 2021-04-29", "published = 2021-02-30"), encoding="utf-8")
    proc, report = build_root(meta_root, out)
    assert proc.returncode == 2
    assert report["count"] == 1 and report["error"].startswith("release.toml:")
    (finding,) = report["findings"]
    assert (finding["source"], finding["line"], finding["code"]) == (
        "release.toml", marker_line(release, "published"), "release-unreadable")
    assert finding["message"].startswith("fichier de la version illisible")
    junit = ET.parse(out / "_reports" / "findings.junit.xml").getroot()
    assert junit.get("failures") == "1"


def test_release_values_are_checked(tmp_path):
    from guide.release import ReleaseError, load_release
    good = (tmp_path / "ok.toml")
    text = ("[r]\nversion = 'beta'\nversion_title = 'bêta'\ntarget_version = 'V1'\n"
            "published = 2021-04-29\nupdated = 2021-11-23\nlicence = 'etalab-2.0'\n"
            "publisher = 'DINUM'\nauthors = ['DAE']\n")
    good.write_text(text, encoding="utf-8")
    rel = load_release(good, "r", pdf_name="g-{version}-{month}-{year}.pdf")
    assert rel.pdf_name == "g-beta-avril-2021.pdf" and rel.licence_name.startswith("Licence Ouverte")
    for change, words in [("updated = 2021-11-23", "updated = 2021-01-01"),
                          ("licence = 'etalab-2.0'", "licence = 'CC-BY-4'"),
                          ("published = 2021-04-29", "published = 'hier'"),
                          ("authors = ['DAE']", "authors = 'DAE'"),
                          ("version = 'beta'", "version = 2")]:
        bad = tmp_path / "bad.toml"
        bad.write_text(text.replace(change, words), encoding="utf-8")
        with pytest.raises(ReleaseError, match=r"bad\.toml"):
            load_release(bad, "r")
