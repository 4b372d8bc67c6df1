"""External link check (`guidelinks` builder) against HTTP servers started here on 127.0.0.1."""

from __future__ import annotations

import email.utils
import json
import shutil
import socket
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import build_root
from guide.linkcheck import parse_retry_after


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    counts: dict = None      # (method, path) -> number of requests
    active = 0
    max_active = 0
    lock = threading.Lock()
    state: dict = None

    def log_message(self, *args):
        pass

    def send(self, code, body=b"", headers=None):
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_one(self):
        cls = type(self)
        with cls.lock:
            cls.counts[(self.command, self.path)] += 1
            cls.active += 1
            cls.max_active = max(cls.max_active, cls.active)
        try:
            time.sleep(0.02)
            self.route()
        finally:
            with cls.lock:
                cls.active -= 1

    do_GET = do_HEAD = handle_one

    def route(self):
        p, st = self.path, type(self).state
        if p in ("/ok", "/ok2", "/final"):
            return self.send(200, b"<html><body>ok</body></html>")
        if p == "/anchors":
            return self.send(200, b'<html><body><h2 id="present">x</h2><a name="ancien"></a></body></html>')
        if p in ("/404", "/410", "/500"):
            return self.send(int(p[1:]))
        if p == "/r301":
            return self.send(301, headers={"Location": "/final"})
        if p == "/r302":
            return self.send(302, headers={"Location": "/r307"})
        if p == "/r307":
            return self.send(307, headers={"Location": "/r308"})
        if p == "/r308":
            return self.send(308, headers={"Location": "/final"})
        if p == "/loop1":
            return self.send(302, headers={"Location": "/loop2"})
        if p == "/loop2":
            return self.send(302, headers={"Location": "/loop1"})
        if p == "/nohead":
            return self.send(405 if self.command == "HEAD" else 200, b"<html></html>")
        if p in ("/429s", "/429d", "/503s"):
            key = p
            st[key] = st.get(key, 0) + 1
            if st[key] == 1:
                after = "1" if p != "/429d" else email.utils.formatdate(time.time() + 1, usegmt=True)
                return self.send(int(p[1:4]), headers={"Retry-After": after})
            st[key + "-ok-at"] = time.time()
            st[key + "-first-at"] = st.get(key + "-first-at") or time.time()
            return self.send(200)
        if p == "/hang":
            time.sleep(3)
            return self.send(200)
        if p == "/header":
            return self.send(200 if self.headers.get("X-Token") == "secret" else 403)
        if p == "/teapot":
            return self.send(418)
        return self.send(404)


@pytest.fixture
def server():
    handler = type("H", (Handler,), {"counts": defaultdict(int), "state": {}, "active": 0,
                                     "max_active": 0, "lock": threading.Lock()})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", handler
    httpd.shutdown()
    httpd.server_close()


def refused_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


PAGE = """---
title: Liens externes
description: Une page qui pointe vers des serveurs de test locaux, justes et cassés.
type: page
date: 2021-04-29
updated: 2021-04-29
---

# Liens externes

{links}
"""


def make_project(tmp_path, rootdir, base, extra_conf=""):
    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-linkify", src)
    links = {
        "OK": f"{base}/ok", "OK-AGAIN": f"{base}/ok", "NOT-FOUND": f"{base}/404", "GONE": f"{base}/410",
        "ERROR": f"{base}/500", "PERMANENT": f"{base}/r301", "CHAIN": f"{base}/r302",
        "LOOP": f"{base}/loop1", "NO-HEAD": f"{base}/nohead", "RETRY-S": f"{base}/429s",
        "RETRY-D": f"{base}/429d", "UNAVAILABLE": f"{base}/503s", "HANG": f"{base}/hang",
        "REFUSED": f"http://127.0.0.1:{refused_port()}/x", "ANCHOR-OK": f"{base}/anchors#present",
        "ANCHOR-NAME": f"{base}/anchors#ancien", "ANCHOR-MISSING": f"{base}/anchors#absente",
        "HEADER": f"{base}/header", "TEAPOT": f"{base}/teapot", "MAIL": "mailto:contact@example.org",
    }
    body = "\n\n".join(f"{name} : <{url}>" if not url.startswith("mailto") else f"{name} : [écrire]({url})"
                       for name, url in links.items())
    (src / "index.md").write_text(PAGE.format(links=body), encoding="utf-8")
    with open(src / "conf.py", "a", encoding="utf-8") as conf:
        conf.write(f"""
guide_pdf_link = False
guide_linkcheck_timeout = 1.0
guide_linkcheck_retries = 1
guide_linkcheck_backoff = 0.05
guide_linkcheck_host_interval = 0.01
guide_linkcheck_per_host = 2
guide_linkcheck_workers = 8
guide_linkcheck_headers = {{"{base}/header": {{"X-Token": "secret"}}}}
guide_linkcheck_accepted_status = [418]
{extra_conf}
""")
    return src, links


def run_linkcheck(src, out, *extra):
    proc, _ = build_root(src, out, "-b", "guidelinks", *extra)
    report = json.loads((out / "linkcheck.json").read_text(encoding="utf-8"))
    by_marker = {}
    lines = (src / "index.md").read_text(encoding="utf-8").splitlines()
    for occ in report["occurrences"]:
        marker = lines[occ["line"] - 1].split(" : ")[0]
        by_marker[marker] = occ
    return proc, report, by_marker


def test_every_status_is_found_and_reported(server, rootdir, tmp_path):
    base, handler = server
    src, links = make_project(tmp_path, rootdir, base)
    proc, report, occ = run_linkcheck(src, tmp_path / "out")
    expected = {
        "OK": "ok", "OK-AGAIN": "ok", "NOT-FOUND": "broken", "GONE": "broken", "ERROR": "broken",
        "PERMANENT": "redirected", "CHAIN": "redirected", "LOOP": "broken", "NO-HEAD": "ok",
        "RETRY-S": "ok", "RETRY-D": "ok", "UNAVAILABLE": "ok", "HANG": "timeout",
        "REFUSED": "broken", "ANCHOR-OK": "ok", "ANCHOR-NAME": "ok", "ANCHOR-MISSING": "broken",
        "HEADER": "ok", "TEAPOT": "ok",
    }
    assert {m: o["status"] for m, o in occ.items()} == expected
    assert "MAIL" not in occ  # mailto: is never fetched
    assert occ["NOT-FOUND"]["code"] == 404 and occ["GONE"]["code"] == 410
    assert "boucle" in occ["LOOP"]["reason"]
    assert occ["CHAIN"]["redirect_to"].endswith("/final")
    assert "#absente" in occ["ANCHOR-MISSING"]["reason"]
    # each occurrence has its own file:line, the URL used twice is reported twice
    assert occ["OK"]["line"] != occ["OK-AGAIN"]["line"]
    assert report["summary"]["broken"] == 6
    # findings with location for writers and a non-zero exit in strict mode
    assert f"index.md:{occ['NOT-FOUND']['line']}: WARNING: lien externe cassé" in proc.stderr
    assert "redirige (permanente, 301)" in proc.stderr
    junit = (tmp_path / "out" / "linkcheck.junit.xml").read_text(encoding="utf-8")
    assert junit.count("<failure") == 7  # 6 broken + 1 timeout


def test_one_fetch_per_page_head_first_and_get_for_anchors(server, rootdir, tmp_path):
    base, handler = server
    src, _ = make_project(tmp_path, rootdir, base)
    run_linkcheck(src, tmp_path / "out")
    counts = handler.counts
    assert counts[("HEAD", "/ok")] == 1 and counts[("GET", "/ok")] == 0  # twice in the page, fetched once
    assert counts[("GET", "/anchors")] == 1 and counts[("HEAD", "/anchors")] == 0  # 3 anchors, 1 GET
    assert counts[("HEAD", "/nohead")] == 1 and counts[("GET", "/nohead")] == 1
    assert counts[("HEAD", "/500")] == 2  # retried once, then reported


def test_retry_after_seconds_and_http_date_are_honoured(server, rootdir, tmp_path):
    base, handler = server
    src, _ = make_project(tmp_path, rootdir, base)
    started = time.time()
    run_linkcheck(src, tmp_path / "out")
    for path in ("/429s", "/429d", "/503s"):
        assert handler.counts[("HEAD", path)] == 2
        assert handler.state[path + "-ok-at"] - started >= 0.9  # waited for Retry-After


def test_per_host_limit_is_never_exceeded(server, rootdir, tmp_path):
    base, handler = server
    # /hang is left out: the client gives up after its timeout while the server still sleeps.
    src, _ = make_project(tmp_path, rootdir, base, "guide_linkcheck_per_host = 1\n"
                          "guide_linkcheck_ignore = [r\"/hang$\"]\n")
    run_linkcheck(src, tmp_path / "out")
    assert handler.max_active == 1


def test_cache_skips_recent_successes_never_failures_and_can_be_forced(server, rootdir, tmp_path):
    base, handler = server
    src, _ = make_project(tmp_path, rootdir, base)
    out = tmp_path / "out"
    run_linkcheck(src, out)
    cache = json.loads((out / "linkcheck-cache.json").read_text(encoding="utf-8"))
    assert f"{base}/ok" in cache and f"{base}/404" not in cache and f"{base}/hang" not in cache
    before = dict(handler.counts)
    _, report, occ = run_linkcheck(src, out)
    assert handler.counts[("HEAD", "/ok")] == before[("HEAD", "/ok")]      # from the cache
    assert handler.counts[("HEAD", "/404")] == before[("HEAD", "/404")] + 1  # failures re-checked
    assert occ["OK"]["cached"] and not occ["NOT-FOUND"]["cached"]
    run_linkcheck(src, out, "-D", "guide_linkcheck_refresh=1")
    assert handler.counts[("HEAD", "/ok")] == before[("HEAD", "/ok")] + 1


def test_allowed_redirects_and_ignore_patterns(server, rootdir, tmp_path):
    base, _ = server
    src, _ = make_project(tmp_path, rootdir, base, f"""
guide_linkcheck_allowed_redirects = {{r"{base}/r301": r"{base}/final"}}
guide_linkcheck_ignore = [r"/hang$", r"/loop1$"]
""")
    _, _, occ = run_linkcheck(src, tmp_path / "out")
    assert occ["PERMANENT"]["status"] == "ok" and "permise" in occ["PERMANENT"]["reason"]
    assert occ["HANG"]["status"] == "ignored" and occ["LOOP"]["status"] == "ignored"


def test_broken_links_exit_1_and_the_reports_are_still_written(server, rootdir, tmp_path):
    """As Sphinx's linkcheck: exit status 1 when a link is broken, with or without -W."""
    base, _ = server
    src, _ = make_project(tmp_path, rootdir, base, "guide_linkcheck_ignore = [r\"/hang$\"]\n")
    for extra in ([], ["-W", "--keep-going"]):
        out = tmp_path / f"out{len(extra)}"
        proc, _ = build_root(src, out, "-b", "guidelinks", *extra)
        assert proc.returncode == 1, proc.stderr[-3000:]
        assert "Traceback" not in proc.stderr
        report = json.loads((out / "linkcheck.json").read_text(encoding="utf-8"))
        assert report["summary"]["broken"] == 6
        assert (out / "linkcheck.junit.xml").exists()


def test_only_good_links_exit_0(server, rootdir, tmp_path):
    base, _ = server
    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-linkify", src)
    (src / "index.md").write_text(PAGE.format(links=f"<{base}/ok> <{base}/anchors#present>"),
                                  encoding="utf-8")
    with open(src / "conf.py", "a", encoding="utf-8") as conf:
        conf.write("\nguide_pdf_link = False\n")
    proc, _ = build_root(src, tmp_path / "out", "-b", "guidelinks", "-W", "--keep-going")
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_deadline_stops_the_whole_run(server, rootdir, tmp_path):
    base, _ = server
    src, _ = make_project(tmp_path, rootdir, base, "guide_linkcheck_deadline = 0.5\n"
                          "guide_linkcheck_timeout = 5.0\n")
    started = time.time()
    _, report, occ = run_linkcheck(src, tmp_path / "out")
    assert time.time() - started < 30
    assert "délai global" in occ["HANG"]["reason"]


def test_bad_configuration_is_a_clear_error(rootdir, tmp_path):
    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-linkify", src)
    with open(src / "conf.py", "a", encoding="utf-8") as conf:
        conf.write('\nguide_linkcheck_workers = "beaucoup"\n')
    proc, _ = build_root(src, tmp_path / "out", "-b", "guidelinks", "-W")
    assert proc.returncode != 0
    assert "guide_linkcheck_workers = 'beaucoup' : attendu int" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_retry_after_parsing():
    assert parse_retry_after("7") == 7.0
    now = time.time()
    assert 29 <= parse_retry_after(email.utils.formatdate(now + 30, usegmt=True), now) <= 31
    assert parse_retry_after("n'importe quoi") is None and parse_retry_after(None) is None
