"""Licence facts: the page's licence is a real SPDX id; the footer of each published page shows,
through a rel="license" link, the licence the page declares (or the release's); a template that
drops or falsifies it is reported; every asset has its licence declared (REUSE)."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from conftest import marker_line

NON_COMMERCIAL = """---
title: Pas d'usage commercial
description: Une page publiée sous une autre licence que celle du guide.
type: page
date: 2021-04-29
updated: 2021-04-29
licence: CC-BY-NC-4.0
---

# Pas d'usage commercial

Du texte.
"""


@pytest.fixture
def meta_root(copy_root):
    src = copy_root("metadata")
    (src / "nc.md").write_text(NON_COMMERCIAL, encoding="utf-8")
    index = src / "index.md"
    index.write_text(index.read_text(encoding="utf-8").replace("billet\n", "billet\nnc\n"),
                     encoding="utf-8")
    return src


def footer_licence(page):
    footer = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").find("footer")
    link = footer.find("a", rel="license")
    return link.get_text(" ", strip=True), link["href"]


def change_layout(root, old, new):
    layout = root / "_templates" / "layout.html"
    text = layout.read_text(encoding="utf-8")
    assert old in text
    layout.write_text(text.replace(old, new), encoding="utf-8")


def licence_findings(report):
    """The footer findings (licence.md's seeded unknown id aside)."""
    return sorted((f["source"], f["code"], f["line"]) for f in report["findings"]
                  if f["check"] == "licence" and f["code"] != "licence-unknown")


def test_the_footer_shows_the_licence_the_page_declares(meta_root, build):
    app, report = build(meta_root)
    name, href = footer_licence(app.outdir / "nc.html")
    assert name == "CC-BY-NC-4.0" and href == "https://spdx.org/licenses/CC-BY-NC-4.0.html"
    assert footer_licence(app.outdir / "bonne.html") == (          # CC-BY-4.0, from the table
        "Creative Commons Attribution 4.0 International",
        "https://creativecommons.org/licenses/by/4.0/deed.fr")
    assert footer_licence(app.outdir / "dates.html")[0] == "Licence Ouverte / Etalab 2.0"  # release's
    # an unknown id is reported once, at its line, and the footer keeps the release's licence
    line = marker_line(meta_root / "licence.md", "licence: CC-BY-4")
    assert licence_findings(report) == [] and \
        [(f["source"], f["line"], f["check"]) for f in report["findings"]
         if f["code"] == "licence-unknown"] == [("licence.md", line, "licence")]   # review M10
    assert footer_licence(app.outdir / "licence.html")[0] == "Licence Ouverte / Etalab 2.0"


def test_the_licence_table_is_a_setting(meta_root, build):
    app, _ = build(meta_root, guide_licences={
        "CC-BY-NC-4.0": ["Creative Commons BY-NC 4.0", "https://creativecommons.org/licenses/by-nc/4.0/"],
        "etalab-2.0": ["Licence Ouverte 2.0", "https://www.etalab.gouv.fr/licence-ouverte"]})
    assert footer_licence(app.outdir / "nc.html") == (
        "Creative Commons BY-NC 4.0", "https://creativecommons.org/licenses/by-nc/4.0/")
    assert footer_licence(app.outdir / "dates.html")[0] == "Licence Ouverte 2.0"


def test_a_footer_showing_another_licence_is_a_finding(meta_root, build):
    # A template that always shows the release's licence, whatever the page declares.
    change_layout(meta_root, "{{ guide_footer.licence_url|e }}",
                  "https://github.com/etalab/licence-ouverte/blob/master/LO.md")
    app, report = build(meta_root)
    assert licence_findings(report) == sorted([
        ("bonne.md", "footer-licence-mismatch", marker_line(meta_root / "bonne.md", "licence:")),
        ("nc.md", "footer-licence-mismatch", marker_line(meta_root / "nc.md", "licence:"))])
    nc = next(f for f in report["findings"] if f["source"] == "nc.md")
    assert (nc["message"], nc["fix"]) == (
        "le pied de page de nc.html renvoie à https://github.com/etalab/licence-ouverte/blob/"
        "master/LO.md, pas à la licence « CC-BY-NC-4.0 » que la page déclare",
        "le gabarit doit montrer guide_footer.licence_url")
    assert "[guide.licence]" in app.warning.getvalue()


def test_a_footer_naming_another_licence_is_a_finding(meta_root, build):
    # The right address, but the text the reader sees names the release's licence (review H1).
    change_layout(meta_root, "{{ guide_footer.licence_name|e }}", "Licence Ouverte / Etalab 2.0")
    app, report = build(meta_root)
    assert footer_licence(app.outdir / "nc.html") == (
        "Licence Ouverte / Etalab 2.0", "https://spdx.org/licenses/CC-BY-NC-4.0.html")
    assert licence_findings(report) == sorted([
        ("bonne.md", "footer-licence-mismatch", marker_line(meta_root / "bonne.md", "licence:")),
        ("nc.md", "footer-licence-mismatch", marker_line(meta_root / "nc.md", "licence:"))])
    nc = next(f for f in report["findings"] if f["source"] == "nc.md")
    assert (nc["message"], nc["fix"]) == (
        "le pied de page de nc.html montre « Licence Ouverte / Etalab 2.0 », pas la licence "
        "« CC-BY-NC-4.0 » que la page déclare",
        "le texte du lien rel=\"license\" doit nommer la licence : guide_footer.licence_name "
        "(« CC-BY-NC-4.0 ») ou son identifiant SPDX")


def test_a_footer_may_name_the_licence_by_its_spdx_id(meta_root, build):
    change_layout(meta_root, "{{ guide_footer.licence_name|e }}",
                  "licence {{ guide_footer.licence|e }}")
    _, report = build(meta_root)
    assert licence_findings(report) == []


def test_a_footer_dropped_by_the_template_is_a_finding_on_every_page(meta_root, build):
    change_layout(meta_root, '<footer class="pied">', '<div class="pied">')
    app, report = build(meta_root)
    missing = {f["source"] for f in report["findings"] if f["code"] == "footer-missing"}
    assert missing == {d + ".md" for d in app.env.found_docs}
    bonne = next(f for f in report["findings"] if f["source"] == "bonne.md")
    assert (bonne["check"], bonne["line"], bonne["message"], bonne["fix"]) == (
        "licence", None, "la page publiée bonne.html n'a pas de pied de page de licence (lien "
        "rel=\"license\" dans <footer>)", "ajoutez au gabarit (layout.html), dans <footer>, "
        "<a rel=\"license\" href=\"{{ guide_footer.licence_url }}\">{{ guide_footer.licence_name }}"
        "</a>, ou réglez guide_licence_footer = False")


def test_a_licence_link_without_rel_license_is_no_footer(meta_root, build):
    change_layout(meta_root, ' rel="license"', "")
    app, report = build(meta_root)
    missing = {f["source"] for f in report["findings"] if f["code"] == "footer-missing"}
    assert missing == {d + ".md" for d in app.env.found_docs}


def test_a_licence_link_outside_the_footer_does_not_count(meta_root, build):
    layout = meta_root / "_templates" / "layout.html"
    text = layout.read_text(encoding="utf-8")
    link = text[text.index("<p>Publié"):text.index("</p>\n</footer>") + 4]
    layout.write_text(text.replace(link, "").replace("</footer>", f"</footer>\n<div>{link}</div>"),
                      encoding="utf-8")
    app, report = build(meta_root)
    missing = {f["source"] for f in report["findings"] if f["code"] == "footer-missing"}
    assert missing == {d + ".md" for d in app.env.found_docs}


def test_a_licence_ref_needs_its_text_and_for_the_footer_its_name(meta_root, build):
    page = meta_root / "nc.md"
    page.write_text(page.read_text(encoding="utf-8").replace("CC-BY-NC-4.0", "LicenseRef-Maison"),
                    encoding="utf-8")
    line = marker_line(page, "licence:")
    _, report = build(meta_root)
    assert [(f["code"], f["line"], f["message"], f["fix"]) for f in report["findings"]
            if f["source"] == "nc.md"] == [("licence-unknown", line, "licence « LicenseRef-Maison » "
                                            "non déclarée", "ajoutez son texte dans "
                                            "LICENSES/LicenseRef-Maison.txt")]
    (meta_root / "LICENSES").mkdir()
    (meta_root / "LICENSES" / "LicenseRef-Maison.txt").write_text("Texte de la licence.")
    _, report = build(meta_root, outdir=meta_root.parent / "o2")
    assert [(f["code"], f["line"], f["message"]) for f in report["findings"]
            if f["source"] == "nc.md"] == [("footer-licence-mismatch", line, "la licence "
                                            "« LicenseRef-Maison » n'a ni nom ni adresse à montrer "
                                            "en pied de page")]
    assert next(f["fix"] for f in report["findings"] if f["source"] == "nc.md") == \
        "déclarez son nom et l'adresse de son texte dans guide_licences (conf.py)"
    app, report = build(meta_root, outdir=meta_root.parent / "o3", guide_licences={
        "LicenseRef-Maison": ["Licence de la maison", "https://example.org/licence"]})
    assert not [f for f in report["findings"] if f["source"] == "nc.md"]
    assert footer_licence(app.outdir / "nc.html") == ("Licence de la maison",
                                                      "https://example.org/licence")


def test_reuse_globs(tmp_path):
    from guide.licence import unlicensed_assets
    for name in ("docs/a.svg", "docs/img/b.svg", "docs/img/c.png", "_static/d.css",
                 "_static/sous/e.css", "_static/f.woff2"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    (tmp_path / "REUSE.toml").write_text("version = 1\n")   # no annotation at all
    assert len(unlicensed_assets(tmp_path)) == 6
    (tmp_path / "REUSE.toml").write_text(
        'version = 1\n[[annotations]]\npath = ["docs/**/*.svg", "_static/*.css"]\n'
        'SPDX-FileCopyrightText = "2021 DINUM"\nSPDX-License-Identifier = "etalab-2.0"\n')
    missing = [p.relative_to(tmp_path).as_posix() for p in unlicensed_assets(tmp_path)]
    # REUSE.toml globs: * stays in a folder, ** crosses folders (so docs/**/*.svg needs one)
    assert missing == ["docs/a.svg", "docs/img/c.png", "_static/f.woff2", "_static/sous/e.css"]


def test_the_footer_check_can_be_turned_off(meta_root, build):
    change_layout(meta_root, ' rel="license"', "")
    _, report = build(meta_root, guide_licence_footer=False)
    assert not [f for f in report["findings"] if f["code"] == "footer-missing"]


def test_an_asset_without_licence_is_reported(meta_root, build):
    (meta_root / "images").mkdir()
    (meta_root / "images" / "a.svg").write_text("<svg/>")
    (meta_root / "images" / "b.svg").write_text("<svg/>")
    (meta_root / "images" / "b.svg.license").write_text(
        "SPDX-License-Identifier: etalab-2.0\nSPDX-FileCopyrightText: 2021 DINUM\n")
    _, report = build(meta_root, guide_asset_folders=["images"])
    assets = [(f["source"], f["line"], f["code"], f["message"], f["fix"])
              for f in report["findings"] if f["check"] == "assets"]
    assert assets == [("images/a.svg", None, "asset-without-licence",
                       "ni licence ni crédit déclarés pour ce fichier",
                       "ajoutez son chemin à une annotation de REUSE.toml (licence + auteur) ou "
                       "un fichier a.svg.license")]
    (meta_root / "REUSE.toml").write_text(
        'version = 1\n[[annotations]]\npath = "images/**"\nSPDX-FileCopyrightText = "2021 DINUM"\n'
        'SPDX-License-Identifier = "etalab-2.0"\n')
    _, report = build(meta_root, guide_asset_folders=["images"], outdir=meta_root.parent / "o2")
    assert not [f for f in report["findings"] if f["check"] == "assets"]


def test_licence_ids(tmp_path):
    from guide.licence import spdx_problem
    assert spdx_problem("etalab-2.0") is None and spdx_problem("CC-BY-NC-4.0") is None
    message, fix = spdx_problem("CC-BY-4")
    assert "CC-BY-4" in message and "CC-BY-4.0" in fix
    assert spdx_problem("MIT OR Apache-2.0") is not None   # one licence, not an expression
    assert spdx_problem("") is not None
    assert spdx_problem("LicenseRef-Maison", tmp_path) is not None
    (tmp_path / "LicenseRef-Maison.txt").write_text("Texte.")
    assert spdx_problem("LicenseRef-Maison", tmp_path) is None


def test_a_licence_id_in_the_wrong_case_is_told_its_spdx_spelling(meta_root, build):
    """Review L1: SPDX reads ids in any case, spdx.org's addresses and the footer do not."""
    from guide.licence import spdx_problem
    assert spdx_problem("cc-by-4.0") == ("licence « cc-by-4.0 » : identifiant SPDX mal écrit",
                                         "écrivez-le « CC-BY-4.0 » (majuscules et minuscules "
                                         "comprises)")
    assert spdx_problem("Etalab-2.0")[1] == "écrivez-le « etalab-2.0 » (majuscules et " \
        "minuscules comprises)"
    page = meta_root / "licence.md"
    page.write_text(page.read_text(encoding="utf-8").replace("licence: CC-BY-4",
                                                             "licence: cc-by-4.0"), encoding="utf-8")
    _, report = build(meta_root)
    assert [(f["line"], f["code"], f["message"], f["fix"]) for f in report["findings"]
            if f["source"] == "licence.md"] == [
        (marker_line(page, "licence: cc-by-4.0"), "licence-unknown", "licence « cc-by-4.0 » : "
         "identifiant SPDX mal écrit", "écrivez-le « CC-BY-4.0 » (majuscules et minuscules "
         "comprises)")]
