"""External link check (`guidelinks` builder) against HTTP servers started here on 127.0.0.1."""

from __future__ import annotations

import asyncio
import email.utils
import json
import shutil
import socket
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.etree import ElementTree as ET

import pytest

from conftest import build_root
from guide.linkcheck import (ANSWER, BROKEN, FAIL, RETRY, TIMEOUT, Checker, Outcome, Policy,
                             Step, next_step, parse_retry_after)


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
            cls.times[self.path].append(time.monotonic())
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
                after = "1" if p != "/429d" else email.utils.formatdate(time.time() + 2, usegmt=True)
                return self.send(int(p[1:4]), headers={"Retry-After": after})
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
                                     "max_active": 0, "lock": threading.Lock(),
                                     "times": defaultdict(list)})
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
    shutil.copytree(rootdir / "test-linkcheck", src)
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


def run_linkcheck(build, src, **overrides):
    """The guidelinks builder, in this process; (app, report, occurrences by marker)."""
    app, _ = build(src, "guidelinks", outdir=src.parent / "build", **overrides)
    report = json.loads((app.outdir / "linkcheck.json").read_text(encoding="utf-8"))
    by_marker = {}
    lines = (src / "index.md").read_text(encoding="utf-8").splitlines()
    for occ in report["occurrences"]:
        marker = lines[occ["line"] - 1].split(" : ")[0]
        by_marker[marker] = occ
    return app, report, by_marker


def test_every_status_is_found_and_reported(server, rootdir, tmp_path, build):
    base, handler = server
    src, links = make_project(tmp_path, rootdir, base)
    app, report, occ = run_linkcheck(build, src)
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
    assert occ["HANG"]["reason"] == "pas de réponse en 1 s"               # a timeout, by type
    assert occ["REFUSED"]["reason"] == "connexion impossible (ClientConnectorError)"
    # each occurrence has its own file:line, the URL used twice is reported twice
    lines = (src / "index.md").read_text(encoding="utf-8").splitlines()
    assert all(lines[o["line"] - 1].startswith(m + " : ") for m, o in occ.items())
    assert report["summary"] == {"ok": 10, "redirected": 2, "broken": 6, "timeout": 1}
    # findings with location for writers, the build's status 1, the JUnit report
    warnings = app.warning.getvalue()
    assert f"index.md:{occ['NOT-FOUND']['line']}: WARNING: lien externe cassé" in warnings
    assert "redirige (permanente, 301)" in warnings and "redirige (temporaire" not in warnings
    assert app.statuscode == 1
    junit = (app.outdir / "linkcheck.junit.xml").read_text(encoding="utf-8")
    assert junit.count("<failure") == 8 and junit.count("<testcase") == 19  # 6 broken, 1 timeout, 1 301


def test_one_fetch_per_page_head_first_and_get_for_anchors(server, rootdir, tmp_path, build):
    base, handler = server
    src, _ = make_project(tmp_path, rootdir, base)
    run_linkcheck(build, src)
    counts = handler.counts
    assert counts[("HEAD", "/ok")] == 1 and counts[("GET", "/ok")] == 0  # twice in the page, fetched once
    assert counts[("GET", "/anchors")] == 1 and counts[("HEAD", "/anchors")] == 0  # 3 anchors, 1 GET
    assert counts[("HEAD", "/nohead")] == 1 and counts[("GET", "/nohead")] == 1
    assert counts[("HEAD", "/500")] == 2  # retried once, then reported
    assert counts[("HEAD", "/404")] == 1  # a 404 is never retried


def test_retry_after_seconds_and_http_date_are_honoured(server, rootdir, tmp_path, build):
    base, handler = server
    src, _ = make_project(tmp_path, rootdir, base)
    run_linkcheck(build, src)
    for path in ("/429s", "/429d", "/503s"):
        first, second = handler.times[path]   # the 429/503, then the retry it asked to wait for
        assert second - first >= 0.9, (path, second - first)


def test_per_host_limit_is_never_exceeded(server, rootdir, tmp_path, build):
    base, handler = server
    # /hang is left out: the client gives up after its timeout while the server still sleeps.
    src, _ = make_project(tmp_path, rootdir, base, "guide_linkcheck_per_host = 1\n"
                          "guide_linkcheck_ignore = [r\"/hang$\"]\n")
    run_linkcheck(build, src)
    assert handler.max_active == 1


def test_cache_skips_recent_successes_never_failures_and_can_be_forced(server, rootdir, tmp_path,
                                                                      build):
    base, handler = server
    src, _ = make_project(tmp_path, rootdir, base)
    app, _, _ = run_linkcheck(build, src)
    cache = json.loads((app.outdir / "linkcheck-cache.json").read_text(encoding="utf-8"))
    assert f"{base}/ok" in cache and f"{base}/404" not in cache and f"{base}/hang" not in cache
    before = dict(handler.counts)
    _, report, occ = run_linkcheck(build, src)
    assert handler.counts[("HEAD", "/ok")] == before[("HEAD", "/ok")]      # from the cache
    assert handler.counts[("HEAD", "/404")] == before[("HEAD", "/404")] + 1  # failures re-checked
    assert occ["OK"]["cached"] and not occ["NOT-FOUND"]["cached"]
    assert occ["ANCHOR-MISSING"]["status"] == "broken"   # anchors checked from the cached ids
    run_linkcheck(build, src, guide_linkcheck_refresh=True)
    assert handler.counts[("HEAD", "/ok")] == before[("HEAD", "/ok")] + 1


def test_an_expired_cache_entry_is_checked_again(server, rootdir, tmp_path, build):
    base, handler = server
    src, _ = make_project(tmp_path, rootdir, base, "guide_linkcheck_cache_ttl = 0.0\n")
    run_linkcheck(build, src)
    run_linkcheck(build, src)
    assert handler.counts[("HEAD", "/ok")] == 2


def test_allowed_redirects_and_ignore_patterns(server, rootdir, tmp_path, build):
    base, _ = server
    src, _ = make_project(tmp_path, rootdir, base, f"""
guide_linkcheck_allowed_redirects = {{r"{base}/r301": r"{base}/final"}}
guide_linkcheck_ignore = [r"/hang$", r"/loop1$"]
""")
    _, _, occ = run_linkcheck(build, src)
    assert occ["PERMANENT"]["status"] == "ok" and "permise" in occ["PERMANENT"]["reason"]
    assert occ["HANG"]["status"] == "ignored" and occ["LOOP"]["status"] == "ignored"
    assert occ["CHAIN"]["status"] == "redirected"   # not allowed: only r301 -> final is


def test_anchors_are_not_checked_when_turned_off(server, rootdir, tmp_path, build):
    base, handler = server
    src, _ = make_project(tmp_path, rootdir, base, "guide_linkcheck_anchors = False\n")
    _, _, occ = run_linkcheck(build, src)
    assert occ["ANCHOR-MISSING"]["status"] == "ok"
    assert handler.counts[("GET", "/anchors")] == 0   # HEAD is enough without anchors


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
    shutil.copytree(rootdir / "test-linkcheck", src)
    (src / "index.md").write_text(PAGE.format(links=f"<{base}/ok> <{base}/anchors#present>"),
                                  encoding="utf-8")
    proc, _ = build_root(src, tmp_path / "out", "-b", "guidelinks", "-W", "--keep-going")
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((tmp_path / "out" / "linkcheck.json").read_text(encoding="utf-8"))
    assert report["summary"] == {"ok": 2}


def test_a_link_of_an_included_fragment_is_one_occurrence_at_the_fragment(server, rootdir,
                                                                        tmp_path, build):
    """Review M1: a fragment included by two pages is checked and reported once, at its own
    file and line."""
    base, _ = server
    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-linkcheck", src)
    (src / "_fragments").mkdir()
    (src / "_fragments" / "clause.md").write_text(f"Une clause.\n\nFRAG : <{base}/404>\n",
                                                  encoding="utf-8")
    include = "```{include} _fragments/clause.md\n```\n"
    (src / "index.md").write_text(PAGE.format(links=f"<{base}/ok>\n\n{include}\n```{{toctree}}\n"
                                              "autre\n```"), encoding="utf-8")
    (src / "autre.md").write_text(PAGE.format(links=include), encoding="utf-8")
    with open(src / "conf.py", "a", encoding="utf-8") as conf:
        conf.write('\nexclude_patterns = ["_fragments"]\n')
    app, _ = build(src, "guidelinks", outdir=tmp_path / "build")
    report = json.loads((app.outdir / "linkcheck.json").read_text(encoding="utf-8"))
    broken = [(o["source"], o["line"]) for o in report["occurrences"] if o["status"] == "broken"]
    assert broken == [("_fragments/clause.md", 3)]
    assert app.warning.getvalue().count("lien externe cassé") == 1
    assert "_fragments/clause.md:3: WARNING: lien externe cassé" in app.warning.getvalue()
    junit = (app.outdir / "linkcheck.junit.xml").read_text(encoding="utf-8")
    assert junit.count("<failure") == 1 and 'file="_fragments/clause.md" line="3"' in junit


def test_a_permanent_redirect_fails_every_report_and_the_exit_code(server, rootdir, tmp_path, build):
    """Review M4: a permanent redirect not allowed is a finding, so it is a failure in
    linkcheck.junit.xml and the exit status is 1, as in findings.json; a temporary one is
    information only, in every report."""
    base, _ = server
    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-linkcheck", src)
    (src / "index.md").write_text(PAGE.format(links=f"P : <{base}/r301>\n\nT : <{base}/r302>"),
                                  encoding="utf-8")
    app, report = build(src, "guidelinks", outdir=tmp_path / "build")
    occurrences = json.loads((app.outdir / "linkcheck.json").read_text("utf-8"))["occurrences"]
    assert [(o["status"], o["permanent"]) for o in occurrences] == [
        ("redirected", True), ("redirected", False)]
    assert [f["code"] for f in report["findings"]] == ["external-redirect"]
    junit = ET.parse(app.outdir / "linkcheck.junit.xml").getroot()
    failed = [c.get("name") for c in junit.iter("testcase") if c.find("failure") is not None]
    assert failed == [f"index.md:11 {base}/r301"] and junit.get("failures") == "1"
    assert app.statuscode == 1


def test_deadline_stops_the_whole_run(server, rootdir, tmp_path, build):
    base, _ = server
    src, _ = make_project(tmp_path, rootdir, base, "guide_linkcheck_deadline = 0.5\n"
                          "guide_linkcheck_timeout = 5.0\n")
    started = time.monotonic()
    _, report, occ = run_linkcheck(build, src)
    assert time.monotonic() - started < 30
    assert occ["HANG"]["status"] == "timeout" and "délai global" in occ["HANG"]["reason"]


def test_the_user_agent_and_headers_are_settings(server, rootdir, tmp_path, build):
    base, handler = server
    seen = []
    original = handler.route

    def route(self):
        seen.append(self.headers.get("User-Agent"))
        return original(self)

    handler.route = route
    src, _ = make_project(tmp_path, rootdir, base, 'guide_linkcheck_user_agent = "mon-robot/2"\n')
    run_linkcheck(build, src)
    assert seen and set(seen) == {"mon-robot/2"}


# -- the retry and rate-limit policy, under a given clock (as Sphinx tests its limit_rate) -------

NOW = 1_700_000_000.0          # the clock these tests give next_step()
POLICY = Policy(retries=2, backoff=0.5, max_retry_after=120.0, rate_limit_waits=3, timeout=15)


def http_date(seconds_from_now: float) -> str:
    return email.utils.formatdate(NOW + seconds_from_now, usegmt=True)


@pytest.mark.parametrize(("outcome", "retries", "waits", "expected"), [
    # no answer: retried with a doubling backoff, then classified by the exception's type
    (Outcome(error=TimeoutError()), 0, 0, Step(RETRY, 0.5)),
    (Outcome(error=TimeoutError()), 1, 0, Step(RETRY, 1.0)),
    (Outcome(error=TimeoutError()), 2, 0, Step(FAIL, status=TIMEOUT, reason="pas de réponse en 15 s")),
    (Outcome(error=ConnectionRefusedError()), 2, 0,
     Step(FAIL, status=BROKEN, reason="connexion impossible (ConnectionRefusedError)")),
    # Retry-After, in seconds or as an HTTP date: waited for by the whole host, not a retry
    (Outcome(429, "7"), 0, 0, Step(RETRY, 7.0, host_wide=True, rate_limit=True)),
    (Outcome(503, "7"), 2, 2, Step(RETRY, 7.0, host_wide=True, rate_limit=True)),
    (Outcome(429, http_date(30)), 0, 0, Step(RETRY, 30.0, host_wide=True, rate_limit=True)),
    (Outcome(429, http_date(-30)), 0, 0, Step(RETRY, 0.0, host_wide=True, rate_limit=True)),
    (Outcome(429, "7"), 0, 3, Step(ANSWER)),                   # three waits: the 429 stands
    (Outcome(429, "120"), 0, 0, Step(RETRY, 120.0, host_wide=True, rate_limit=True)),
    (Outcome(429, "121"), 0, 0, Step(FAIL, status=BROKEN, reason=(
        "HTTP 429, Retry-After de 121 s, au-delà des 120 s de guide_linkcheck_max_retry_after"))),
    # rate-limited without a usable Retry-After: the host is slowed down like a backoff
    (Outcome(429), 0, 0, Step(RETRY, 0.5, host_wide=True)),
    (Outcome(503, "demain"), 1, 0, Step(RETRY, 1.0, host_wide=True)),
    (Outcome(429), 2, 0, Step(ANSWER)),
    # server errors: retried; anything else is the answer
    (Outcome(500), 0, 0, Step(RETRY, 0.5)),
    (Outcome(502), 1, 5, Step(RETRY, 1.0)),
    (Outcome(500), 2, 0, Step(ANSWER)),
    (Outcome(404), 0, 0, Step(ANSWER)),
    (Outcome(200, "7"), 0, 0, Step(ANSWER)),
    (Outcome(301), 0, 0, Step(ANSWER)),
])
def test_next_step(outcome, retries, waits, expected):
    assert next_step(POLICY, outcome, retries, waits, NOW) == expected


def test_timeouts_are_classified_by_type_whatever_their_message():
    import aiohttp
    for error in (asyncio.TimeoutError(), aiohttp.ServerTimeoutError("délai"),
                  aiohttp.ConnectionTimeoutError("connexion")):
        assert next_step(POLICY, Outcome(error=error), 2, 0, NOW).status == TIMEOUT
    error = aiohttp.ClientOSError(110, "Connection timed out (réponse)")
    assert next_step(POLICY, Outcome(error=error), 2, 0, NOW).status == BROKEN


def test_retry_after_parsing():
    assert parse_retry_after("7", NOW) == 7.0 and parse_retry_after(" 0 ", NOW) == 0.0
    assert parse_retry_after(http_date(30), NOW) == 30.0
    assert parse_retry_after(http_date(-30), NOW) == 0.0
    for bad in ("n'importe quoi", None, "", "-5", "1.5", "Mon, 99 Foo 2021 00:00:00 GMT"):
        assert parse_retry_after(bad, NOW) is None, bad


class FakeClock:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def time(self):
        return self.now

    async def sleep(self, seconds):
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


class FakeResponse:
    def __init__(self, status, headers=None):
        self.status, self.headers = status, headers or {}

    async def read(self):
        return b"<html></html>"

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        return False


class FakeSession:
    """Answers from a script, recording when (on the fake clock) each request started."""

    def __init__(self, clock, script):
        self.clock, self.script, self.started = clock, list(script), []

    def request(self, method, url, **kwargs):
        self.started.append(self.clock.now)
        status, headers = self.script.pop(0)
        return FakeResponse(status, headers)


def checker_with(clock, **settings):
    from guide.config import GuideConfig
    cfg = GuideConfig(**{"linkcheck_host_interval": 0.0, "linkcheck_backoff": 0.5,
                         "linkcheck_retries": 2, **settings})
    return Checker(cfg, {}, clock=clock.time, sleep=clock.sleep, wall=lambda: NOW + clock.now)


def test_a_retry_after_holds_the_request_until_it_has_passed():
    clock = FakeClock()
    session = FakeSession(clock, [(429, {"Retry-After": "7"}), (200, {})])
    code, _, _, failed = asyncio.run(checker_with(clock).request(session, "HEAD", "http://h/a"))
    assert (code, failed) == (200, None)
    assert session.started == [0.0, 7.0] and clock.sleeps == [7.0]


def test_a_retry_after_holds_every_request_to_the_host():
    clock = FakeClock()
    checker = checker_with(clock)
    session = FakeSession(clock, [(429, {"Retry-After": http_date(30)}), (200, {}), (200, {})])

    async def both():
        await checker.request(session, "HEAD", "http://h/a")
        return await checker.request(session, "HEAD", "http://h/b")   # same host, later

    asyncio.run(both())
    assert session.started == [0.0, 30.0, 30.0]


def test_backoff_doubles_between_retries_then_the_error_stands():
    clock = FakeClock()
    session = FakeSession(clock, [(500, {})] * 3)
    code, _, _, failed = asyncio.run(checker_with(clock).request(session, "HEAD", "http://h/a"))
    assert code == 500 and failed is None
    assert session.started == [0.0, 0.5, 1.5] and clock.sleeps == [0.5, 1.0]


def test_a_too_long_retry_after_fails_at_once():
    clock = FakeClock()
    session = FakeSession(clock, [(429, {"Retry-After": "3600"})])
    code, _, _, failed = asyncio.run(checker_with(clock).request(session, "HEAD", "http://h/a"))
    assert code is None and failed.status == BROKEN and "3600 s" in failed.reason
    assert clock.sleeps == []


def test_the_host_interval_spaces_the_starts():
    clock = FakeClock()
    checker = checker_with(clock, linkcheck_host_interval=0.25)
    session = FakeSession(clock, [(200, {})] * 3)

    async def three():
        for path in "abc":
            await checker.request(session, "HEAD", f"http://h/{path}")

    asyncio.run(three())
    assert session.started == [0.0, 0.25, 0.5]
