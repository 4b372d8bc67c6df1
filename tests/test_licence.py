"""Licence facts: the footer of each published page shows the licence the page declares (or the
guide's), through a rel="license" link; a template that drops or falsifies it fails the build."""

from __future__ import annotations

import re
import shutil

import pytest
from bs4 import BeautifulSoup

from conftest import ROOT, build_root, marker_line

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
def meta_root(rootdir, tmp_path):
    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-metadata", src)
    (src / "nc.md").write_text(NON_COMMERCIAL, encoding="utf-8")
    index = src / "index.md"
    index.write_text(index.read_text(encoding="utf-8").replace("billet\n", "billet\nnc\n"),
                     encoding="utf-8")
    return src


def footer_licence(page):
    footer = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").find("footer")
    link = footer.find("a", rel="license")
    return link.get_text(" ", strip=True), link["href"]


def templates_with(tmp_path, change):
    """The guide's templates with one change made to the layout."""
    templates = tmp_path / "templates"
    templates.mkdir()
    layout = (ROOT / "_templates" / "layout.html").read_text(encoding="utf-8")
    (templates / "layout.html").write_text(change(layout), encoding="utf-8")
    shutil.copy(ROOT / "_templates" / "search.html", templates / "search.html")
    return templates


def licence_findings(report):
    return {(f["source"], f["code"]) for f in report["findings"] if f["check"] == "licence"}


def test_the_footer_shows_the_licence_the_page_declares(meta_root, tmp_path):
    proc, report = build_root(meta_root, tmp_path / "out")
    name, href = footer_licence(tmp_path / "out" / "nc.html")
    assert "CC-BY-NC-4.0" in name and href == "https://spdx.org/licenses/CC-BY-NC-4.0.html"
    assert footer_licence(tmp_path / "out" / "bonne.html")[1].startswith(
        "https://creativecommons.org/licenses/by/4.0/")                      # CC-BY-4.0
    assert "Etalab" in footer_licence(tmp_path / "out" / "dates.html")[0]   # the guide's
    assert not licence_findings(report), report["findings"]


def test_a_footer_showing_another_licence_is_a_finding(meta_root, tmp_path):
    # A template that always shows the guide's licence, whatever the page declares.
    templates = templates_with(tmp_path, lambda t: t.replace(
        '{{ guide_footer.licence_url|e }}', 'https://github.com/etalab/licence-ouverte/blob/master/LO.md'))
    proc, report = build_root(meta_root, tmp_path / "out", "-W", "--keep-going", "-D",
                              f"templates_path={templates}")
    mismatch = [f for f in report["findings"] if f["code"] == "footer-licence-mismatch"]
    assert {f["source"] for f in mismatch} == {"nc.md", "bonne.md"}
    nc = next(f for f in mismatch if f["source"] == "nc.md")
    assert nc["line"] == marker_line(meta_root / "nc.md", "licence:")
    assert "CC-BY-NC-4.0" in nc["message"] and proc.returncode == 1


def test_footer_dropped_by_a_template_override_fails_the_build(meta_root, tmp_path):
    templates = templates_with(tmp_path, lambda t: re.sub(
        r"\{%- block footer %\}.*?\{%- endblock %\}", "", t, flags=re.S))
    proc, report = build_root(meta_root, tmp_path / "out", "-W", "--keep-going", "-D",
                              f"templates_path={templates}")
    missing = {f["source"] for f in report["findings"] if f["code"] == "footer-missing"}
    assert missing >= {"bonne.md", "index.md", "nc.md"} and proc.returncode == 1


def test_a_licence_link_without_rel_license_is_no_footer(meta_root, tmp_path):
    templates = templates_with(tmp_path, lambda t: t.replace(' rel="license"', ""))
    proc, report = build_root(meta_root, tmp_path / "out", "-W", "--keep-going", "-D",
                              f"templates_path={templates}")
    missing = {f["source"] for f in report["findings"] if f["code"] == "footer-missing"}
    assert missing >= {"bonne.md", "index.md"} and proc.returncode == 1
