"""`make dist`: the folder a static host publishes holds what readers need, and nothing of the
build (see _ext/guide/dist.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup

from conftest import ROOT

BUILD_STATE = [".doctrees", ".buildinfo", ".buildinfo.bak", "_sources", "objects.inv", "_reports"]


@pytest.fixture(scope="module")
def dist(guide_html, tmp_path_factory) -> Path:
    """`make dist`'s step, run as the Makefile runs it, on the session's build."""
    out = tmp_path_factory.mktemp("dist") / "dist"
    env = dict(os.environ, PYTHONPATH=str(ROOT / "_ext"))
    proc = subprocess.run([sys.executable, "-m", "guide.dist", str(guide_html), str(out)],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return out


def published_problems(site: Path, build_paths: list[Path]) -> list[str]:
    """What a published folder should not hold: build state, unused Sphinx assets, the build
    machine's paths; and what it must: a 404 page, every file a page refers to."""
    problems = [f"{name} publié" for name in BUILD_STATE if (site / name).exists()]
    texts = {p: p.read_text(encoding="utf-8", errors="replace") for p in site.rglob("*")
             if p.is_file() and p.suffix in (".html", ".css", ".js", ".json", ".svg")}
    # what the pages load (link, script, img…), what their stylesheets load (url()), and any
    # file their scripts name (a script may fetch a file by its name)
    loaded: set[Path] = set()
    todo = [p for p in texts if p.suffix == ".html"]
    while todo:
        path = todo.pop()
        text = texts.get(path, "")
        if path.suffix == ".html":
            refs = [t.get("href") or t.get("src") for t in
                    BeautifulSoup(text, "html.parser").select("link[href], script[src], img[src]")]
        elif path.suffix == ".css":
            refs = re.findall(r"url\(\s*[\"']?([^\"')]+)", text)
        else:  # (a name in a comment loads nothing)
            code = re.sub(r"/\*.*?\*/|^\s*//[^\n]*", " ", text, flags=re.DOTALL | re.MULTILINE)
            refs = [f.name for f in (site / "_static").iterdir() if f.name in code]
        for ref in refs:
            target = (site / "_static" / ref) if path.suffix == ".js" else \
                (path.parent / unquote(urlsplit(ref).path)).resolve()
            if target.exists() and target not in loaded:
                loaded.add(target)
                todo.append(target)
    for path in [*sorted((site / "_static").iterdir()), site / "searchindex.js"]:
        if path.is_file() and path.resolve() not in loaded:
            problems.append(f"{path.relative_to(site).as_posix()} publié sans qu'aucune page ne s'en serve")
    for path, text in texts.items():
        problems += [f"{path.relative_to(site)} contient {p}" for p in build_paths if str(p) in text]
    if not (site / "404.html").exists():
        problems.append("pas de page 404.html")
    for page in site.rglob("*.html"):
        if page.name == "404.html":
            continue  # (its addresses start from the site's root: tests/test_browser.py)
        html = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for tag in html.select("[href], [src]"):
            url = tag.get("href") or tag.get("src")
            parts = urlsplit(url)
            if parts.scheme or url.startswith(("#", "//")) or not parts.path:
                continue
            if not (page.parent / unquote(parts.path)).resolve().exists():
                problems.append(f"{page.relative_to(site)} : {url} absent du site publié")
    return problems


def test_dist_publishes_only_what_readers_need(dist, guide_html):
    assert not published_problems(dist, [ROOT, guide_html.resolve()])


def test_dist_refuses_to_publish_the_build_machine_s_paths(tmp_path):
    from guide import dist as dist_module
    site = tmp_path / "html"
    (site / "_static").mkdir(parents=True)
    (site / "index.html").write_text(f"<p>construit dans {site.resolve()}</p>", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"(?s)chemins de la machine de construction.*index\.html"):
        dist_module.publish(site, tmp_path / "dist")
