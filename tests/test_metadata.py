"""Version metadata: one seeded defect per page of tests/roots/test-metadata, each expected at the
line that holds it with its French message; good pages give nothing. Builds run in this process
(sphinx.testing); the exit codes and -j are tested through the command in test_findings.py."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT, marker_line

FIX_YAML = "vérifiez l'indentation, les deux-points, les guillemets et les étiquettes « !! » de cette ligne"
EXPECTED = {  # (page, marker on the line the finding must point to, code) -> message ; fix
    ("faute-de-frappe.md", "udpated:", "unknown-key"):
        "« udpated » : clé inconnue ; vouliez-vous dire « updated » ?",
    ("faute-de-frappe.md", "type: fichee", "invalid-enum"):
        "« type: fichee » : valeur non permise ; valeurs permises : home, page, fiche, news",
    ("faute-de-frappe.md", "---", "missing-key"):
        "clé obligatoire « updated » absente (page de type « page ») ; ajoutez « updated: … » "
        "au front matter",
    ("dates.md", "updated: 2021-04-01", "updated-before-date"):
        "mise à jour (2021-04-01) antérieure à la publication (2021-04-29) ; corrigez "
        "« updated » : il ne peut précéder « date »",
    ("version-nombre.md", "date: 29/04/2021", "invalid-date"):
        "« date: 29/04/2021 » n'est pas une date AAAA-MM-JJ ; écrivez une date réelle, par "
        "exemple « date: 2021-04-29 »",
    ("version-nombre.md", "version: 1.10", "version-not-string"):
        "« version: 1.10 » est lu par YAML comme le nombre 1.1, pas comme du texte (« 1.10 » "
        "deviendrait « 1.1 ») ; écrivez la version entre guillemets : version: \"1.10\"",
    ("yaml-casse.md", 'description: "des guillemets', "yaml-malformed"):
        "front matter YAML illisible : guillemets ouverts et jamais fermés (PyYAML : while "
        f"scanning a quoted scalar found unexpected end of stream) ; {FIX_YAML}",
    ("liste.md", "- title", "front-matter-not-mapping"):
        "le front matter est une liste, pas une suite de clés « clé: valeur » ; écrivez une clé "
        "par ligne, par exemple « title: Mon titre »",
    ("vide.md", "---", "empty-page"):
        "la page est vide (aucun contenu après le front matter) ; écrivez au moins son titre "
        "« # … » et un paragraphe, ou supprimez le fichier",
    ("licence.md", "licence: CC-BY-4", "licence-unknown"):
        "licence « CC-BY-4 » : identifiant SPDX inconnu ; identifiants proches : CC-BY-4.0, "
        "CC-BY-3.0, CC-BY-2.5",
    ("billet.md", "date: 2021-04-01", "news-before-release"):
        "billet daté du 2021-04-01, avant la publication de la version qu'il annonce "
        "(2021-04-29) ; corrigez « date »",
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
    # and nothing in bonne.md, index.md; the page's licence is the licence check's (review M10)
    assert {**by_key(report), **by_key(report, "licence")} == expected_findings(meta_root)
    assert all(f["check"] == ("licence" if f["code"] == "licence-unknown" else "metadata")
               and f["severity"] == "error" for f in report["findings"]), report["findings"]
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
    for key, value in (("date", "2021-31-12"), ("updated", "2021-04-31")):
        line = marker_line(meta_root / "impossible.md", f"{key}: {value}")
        assert found[("impossible.md", line, "invalid-date")] == \
            f"« {key}: {value} » : cette date n'existe pas ; écrivez une date réelle, par " \
            f"exemple « {key}: 2021-04-29 »"
    assert "Traceback" not in app.warning.getvalue()


def test_a_date_in_the_future_is_reported(meta_root, build, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1609459200")  # 2021-01-01: every page is « future »
    _, report = build(meta_root)
    found = by_key(report)
    line = marker_line(meta_root / "bonne.md", "date: ")
    assert found[("bonne.md", line, "date-in-future")] == "« date: 2021-04-29 » est dans le " \
        "futur ; une page ne peut être publiée ou mise à jour qu'à une date passée"
    assert ("bonne.md", marker_line(meta_root / "bonne.md", "updated: "), "date-in-future") in found
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1640995200")  # 2022-01-01: none is
    _, report = build(meta_root, outdir=meta_root.parent / "later")
    assert not [k for k in by_key(report) if k[2] == "date-in-future"]


def test_a_page_updated_after_the_release_is_reported(meta_root, build):
    add_page(meta_root, "tardive", page(updated="2021-12-01"))
    _, report = build(meta_root)
    line = marker_line(meta_root / "tardive.md", "updated:")
    assert by_key(report)[("tardive.md", line, "updated-after-release")] == "page mise à jour " \
        "le 2021-12-01, après la dernière mise à jour publiée (2021-11-23) ; mettez à jour " \
        "« updated » dans release.toml (et CHANGELOG.md)"


def test_a_page_of_another_version_is_reported(meta_root, build):
    add_page(meta_root, "autre", page(version='"v2"'))
    _, report = build(meta_root)
    line = marker_line(meta_root / "autre.md", "version:")
    assert by_key(report)[("autre.md", line, "version-mismatch")] == "version « v2 » différente " \
        "de la version publiée (« beta ») ; retirez la clé « version » ou alignez-la sur release.toml"


def test_a_post_announcing_another_release_is_reported(meta_root, build):
    billet = meta_root / "billet.md"
    billet.write_text(billet.read_text(encoding="utf-8").replace("announces: beta",
                                                                 "announces: v2"), encoding="utf-8")
    _, report = build(meta_root)
    line = marker_line(billet, "announces:")
    assert by_key(report)[("billet.md", line, "news-unknown-release")] == "le billet annonce " \
        "la version « v2 », qui n'est pas la version publiée (« beta ») ; corrigez « announces »"


def test_a_duplicated_key_is_reported_at_its_second_line(meta_root, build):
    add_page(meta_root, "double", page().replace("type: page\n", "type: page\ntitle: Encore\n"))
    _, report = build(meta_root)
    line = marker_line(meta_root / "double.md", "title: Encore")
    assert by_key(report)[("double.md", line, "duplicate-key")] == "« title » : clé écrite " \
        f"deux fois (lignes 2 et {line}) ; YAML ne garde que la dernière ; gardez une seule " \
        "ligne pour cette clé"


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
    assert mismatch[0]["message"] == "dernière entrée de CHANGELOG.md « v1 – 2022-04-01 » " \
        "différente de la version publiée « bêta – 2021-11-23 » (release.toml)"
    changelog.write_text("# Historique\n\nRien encore.\n", encoding="utf-8")
    _, report = build(meta_root, outdir=meta_root.parent / "vide")
    assert [(f["code"], f["line"], f["check"], f["message"], f["fix"]) for f in report["findings"]
            if f["source"] == "CHANGELOG.md"] == [(
                "changelog-empty", 1, "metadata", "CHANGELOG.md ne contient aucune entrée "
                "« ## [version] – AAAA-MM-JJ »", "ajoutez l'entrée de la version beta")]
    changelog.unlink()
    _, report = build(meta_root, outdir=meta_root.parent / "sans")
    assert [(f["code"], f["check"], f["fix"]) for f in report["findings"]
            if f["source"] == "CHANGELOG.md"] == [
        ("changelog-missing", "metadata",
         "créez-le : une entrée « ## [version] – AAAA-MM-JJ » par version")]
    _, report = build(meta_root, outdir=meta_root.parent / "non", guide_changelog="")
    assert not [f for f in report["findings"] if f["source"] == "CHANGELOG.md"]


def test_another_project_is_not_asked_for_the_guides_changelog_nor_pdf(copy_root, build):
    """Review M11: by default no CHANGELOG is required and no PDF is offered (the guide's
    conf.py asks for both); a page updated late is not told about a changelog."""
    src = copy_root("minimal")
    app, report = build(src)
    assert app.config.guide_changelog == "" and app.config.guide_pdf_link is False
    assert [f for f in report["findings"] if f["check"] in ("pdf", "metadata")] == []
    late = src / "article.md"
    late.write_text(late.read_text(encoding="utf-8").replace(
        "date: 2024-01-20", "date: 2024-01-20\nupdated: 2024-03-01"), encoding="utf-8")
    app, report = build(src, outdir=src.parent / "tard")
    assert [(f["code"], f["message"], f["fix"]) for f in report["findings"]] == [(
        "updated-after-release", "page mise à jour le 2024-03-01, après la dernière mise à jour "
        "publiée (2024-02-01)", "mettez à jour « updated » dans version.toml")]


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


# -- the reader and the checker alone (pure functions of the page's text) -----------------------

def check(text, **rules):
    from guide.metadata import Rules, check_front_matter
    kinds = rules.pop("kinds", {"page": ("title",)})
    return check_front_matter(text, Rules(kinds=kinds, **rules))


def test_nesting_deeper_than_50_levels_is_refused_before_parsing():
    from guide.metadata import read_front_matter
    deep = lambda n: "---\ntitle: T\nliste: " + "[" * n + "]" * n + "\n---\n# T\n"  # noqa: E731
    assert read_front_matter(deep(50)).problems == []
    fm = read_front_matter(deep(51))
    assert [(p.code, p.line, p.message) for p in fm.problems] == [(
        "yaml-malformed", 3, "front matter YAML illisible : imbrication de plus de 50 niveaux")]
    fm = read_front_matter("---\na: [\n  [x],\n  " + "[" * 60 + "]" * 60 + "\n]\n---\n")
    assert [p.line for p in fm.problems] == [4]   # the line where the 51st level opens
    fm = read_front_matter("---\na: [" + ", ".join(["[]"] * 60) + "]\nb: 1\n---\n")  # wide
    assert fm.problems == [] and fm.lines == {"a": 2, "b": 3}


def test_an_unreadable_value_names_its_tag_and_line():
    _, problems = check("---\ntitle: T\nvalue: !!bool peut-être\n---\n# T\n")
    assert [(p.code, p.line, p.message) for p in problems] == [(
        "yaml-malformed", 3, "front matter YAML illisible : valeur illisible (bool : "
        "'peut-être')")]


def test_values_of_the_wrong_type_are_described():
    _, problems = check("---\ntitle: 12\n---\n# T\n")
    assert [(p.code, p.message, p.fix) for p in problems] == [(
        "invalid-type", "« title » : un nombre au lieu d'un texte",
        "mettez la valeur entre guillemets")]
    _, problems = check("---\ntitle: !!binary AAEC\norphan: oui\n---\n# T\n")
    assert sorted((p.line, p.message, p.fix) for p in problems) == [
        (2, "« title » : des données binaires au lieu d'un texte",
         "mettez la valeur entre guillemets"),
        (3, "« orphan » : du texte au lieu d'un booléen", "écrivez true ou false")]


@pytest.mark.parametrize(("line", "code", "message", "fix"), [
    ("updated:", "invalid-date", "« updated » est vide",
     "écrivez une date réelle, par exemple « updated: 2021-04-29 »"),
    ("updated: 20210429", "invalid-date", "« updated: 20210429 » n'est pas une date AAAA-MM-JJ",
     "écrivez une date réelle, par exemple « updated: 2021-04-29 »"),
    ("updated: 2021-4-30", "invalid-date", "« updated: 2021-4-30 » n'est pas une date AAAA-MM-JJ",
     "écrivez une date réelle, par exemple « updated: 2021-04-29 »"),
    ("licence:", "licence-invalid", "« licence » est vide",
     "écrivez un identifiant SPDX, par exemple « licence: etalab-2.0 »"),
    ("licence: 2", "licence-invalid", "« licence: 2 » n'est pas un identifiant de licence",
     "écrivez un identifiant SPDX, par exemple « licence: etalab-2.0 »"),
    ("title:", "invalid-type", "« title » est vide", "écrivez sa valeur après « title: »"),
])
def test_empty_and_numeric_values_get_the_right_fix(line, code, message, fix):
    """Review M5, M6: a date is asked for as a date, a licence as an SPDX id; « 2021-4-30 »
    is a format problem, not a day that does not exist."""
    _, problems = check(f"---\n{line}\n---\n# T\n")
    assert [(p.code, p.line, p.message, p.fix) for p in problems
            if p.code != "missing-key"] == [(code, 2, message, fix)]


def test_front_matter_licence_errors_are_the_licence_check(meta_root, build):
    """Review M10: filed under guide.licence, so that the summary, the JUnit suite and
    suppress_warnings = ["guide.licence"] see them."""
    app, report = build(meta_root)
    codes = {(f["check"], f["code"]) for f in report["findings"] if f["source"] == "licence.md"}
    assert codes == {("licence", "licence-unknown")}
    assert "[guide.licence]" in app.warning.getvalue()


def test_long_values_are_cut_in_messages():
    _, problems = check("---\ntitle: T\ntype: " + "x" * 100 + "\n---\n# T\n")
    assert problems[0].message == f"« type: {'x' * 59}… » : valeur non permise"


def test_the_version_is_quoted_as_written_wherever_it_stands():
    _, problems = check("---\nversion: 2.10\ntitle: T\n---\n# T\n")
    assert problems[0].fix == 'écrivez la version entre guillemets : version: "2.10"'


def test_one_finding_per_defect_even_when_several_rules_see_it():
    _, problems = check("---\ndate: 29/04/2021\n---\n# T\n",
                        kinds={"page": ("title", "description", "date")})
    assert sorted((p.code, p.line, p.message) for p in problems) == [
        ("invalid-date", 2, "« date: 29/04/2021 » n'est pas une date AAAA-MM-JJ"),
        ("missing-key", 1, "clé obligatoire « description » absente (page de type « page »)"),
        ("missing-key", 1, "clé obligatoire « title » absente (page de type « page »)")]


def test_lengths_and_addresses_are_said_with_their_bounds():
    from guide.metadata import Rules, check_front_matter
    rules = Rules(kinds={"news": ("title", "link")}, default_kind="news")
    _, problems = check_front_matter("---\ntitle: " + "t" * 201 + "\nlink: ftp://x\n---\n# T\n",
                                     rules)
    assert sorted((p.line, p.message, p.fix) for p in problems) == [
        (2, "« title » fait 201 caractères", "écrivez-en de 1 à 200"),
        (3, "« link: ftp://x » n'est pas une adresse web", "écrivez l'adresse complète, https://…")]


def test_a_page_without_front_matter_or_in_latin1_is_told_how_to_fix_it():
    _, problems = check("# Titre\n\nDéj\ufffd vu.\n")
    assert [(p.code, p.line, p.message, p.fix) for p in problems] == [
        ("not-utf8", 3, "le fichier n'est pas en UTF-8 (caractères illisibles)",
         "réenregistrez-le en UTF-8 dans votre éditeur"),
        ("no-front-matter", 1, "la page n'a pas de front matter",
         "ajoutez en tête un bloc --- avec title ---")]


def test_an_unclosed_front_matter_is_said_so_at_line_1(meta_root, build):
    """Review M7: the closing --- deleted is not « no front matter »; and the opening ---
    is not left to MyST (« Document or section may not begin with a transition »)."""
    add_page(meta_root, "ouverte", page().replace("updated: 2021-04-29\n---\n",
                                                   "updated: 2021-04-29\n"))
    app, report = build(meta_root)
    assert [(f["line"], f["code"], f["message"], f["fix"]) for f in report["findings"]
            if f["source"] == "ouverte.md"] == [
        (1, "front-matter-unclosed", "front matter non fermé",
         "ajoutez une ligne --- après la dernière clé")]
    warnings = app.warning.getvalue()
    assert "ouverte.md:1: WARNING: front matter non fermé ; ajoutez une ligne --- après la " \
        "dernière clé [guide.metadata]" in warnings
    assert "transition" not in warnings


def test_a_control_character_is_reported_at_its_line(meta_root, build):
    """Review M8: PyYAML refuses it before parsing, without a mark: it was said at line 1."""
    add_page(meta_root, "controle", page(type="page\x07"))
    _, report = build(meta_root)
    line = marker_line(meta_root / "controle.md", "type: page")
    assert by_key(report)[("controle.md", line, "yaml-malformed")] == "front matter YAML " \
        "illisible : caractère de contrôle invisible U+0007 ; retapez cette ligne (le caractère " \
        "ne s'affiche pas dans la plupart des éditeurs)"


def test_text_after_a_closed_quote_is_said_in_french():
    """Review L8: PyYAML's « while parsing a block mapping… » comes with its French meaning."""
    _, problems = check('---\ntitle: T\ndescription: "Une page" de test\n---\n# T\n')
    assert [(p.code, p.line, p.message) for p in problems] == [(
        "yaml-malformed", 3, "front matter YAML illisible : texte inattendu après une valeur "
        "(guillemets fermés avant la fin de la valeur, ou indentation irrégulière) (PyYAML : "
        "while parsing a block mapping expected <block end>, but found '<scalar>')")]


def test_an_unknown_key_gets_a_suggestion_only_when_it_is_close():
    """Review L4: « auteur » is no typo of « date »."""
    _, problems = check("---\ntitle: T\nauteur: moi\ntitel: T\n---\n# T\n")
    assert sorted((p.line, p.message, p.fix) for p in problems) == [
        (3, "« auteur » : clé inconnue", "clés permises pour une page « page » : date, "
         "description, licence, orphan, title, type, updated, version"),
        (4, "« titel » : clé inconnue", "vouliez-vous dire « title » ?")]


def test_the_missing_front_matter_fix_lists_the_projects_required_keys():
    """Another project's keys, not the guide's (review M11)."""
    _, problems = check("# Titre\n", kinds={"article": ("title", "date")}, default_kind="article")
    assert [(p.code, p.fix) for p in problems] == [
        ("no-front-matter", "ajoutez en tête un bloc --- avec title et date ---")]
