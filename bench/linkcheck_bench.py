#!/usr/bin/env python3
"""Benchmark: our external link check (`-b guidelinks`) against Sphinx's `-b linkcheck`.

600 URLs on 15 local hosts (distinct ports on 127.0.0.1), 100 ms latency each, with a few
404s, redirects and 429s (Retry-After: 1), referenced from 30 generated pages. In one run:
Sphinx linkcheck with its defaults, Sphinx with linkcheck_workers = 32, ours cold, ours warm
(cache). The servers count the requests in flight per host: the report gives the maximum seen
during our run, to show the per-host limit held. Then the build-time overhead of the internal
checks on the real guide (profiled: time spent in the checks / time of the rest of the build).

Usage: .venv/bin/python bench/linkcheck_bench.py [--hosts 15] [--urls 600] [--latency 0.1]
Prints a Markdown table (paste it in bench/README.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]


class Farm:
    """15 aiohttp servers in a background thread; counts in-flight requests per host."""

    def __init__(self, hosts: int, latency: float):
        self.hosts, self.latency = hosts, latency
        self.fixed_429 = True          # scenario 1: a few URLs answer 429 once
        self.limited: set[str] = set()  # scenario 2: hosts that answer 429 above 8 requests at once
        self.active = defaultdict(int)
        self.max_active = defaultdict(int)
        self.requests = 0
        self.seen_429 = set()
        self.ports: list[int] = []
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()

    def reset(self):
        self.max_active.clear()
        self.requests = 0
        self.seen_429.clear()

    async def handle(self, request: web.Request):
        host = request.host
        self.active[host] += 1
        self.max_active[host] = max(self.max_active[host], self.active[host])
        self.requests += 1
        try:
            if host in self.limited and self.active[host] > 8:
                await asyncio.sleep(self.latency / 10)
                return web.Response(status=429, headers={"Retry-After": "1"})
            await asyncio.sleep(self.latency)
            name = request.match_info["name"]
            if name.startswith("final-"):
                return web.Response(text="<html><body>ok</body></html>", content_type="text/html")
            n = int(name.split("-")[1])
            if n % 50 == 7:
                return web.Response(status=404)
            if n % 50 == 13:
                raise web.HTTPMovedPermanently(location=f"/final-{n}")
            if self.fixed_429 and n % 100 == 21 and (host, name) not in self.seen_429:
                self.seen_429.add((host, name))
                return web.Response(status=429, headers={"Retry-After": "1"})
            return web.Response(text="<html><body><h1 id='top'>ok</h1></body></html>",
                                content_type="text/html")
        finally:
            self.active[host] -= 1

    def start(self):
        def run():
            asyncio.set_event_loop(self.loop)
            app = web.Application()
            app.router.add_route("*", "/{name}", self.handle)
            runner = web.AppRunner(app, access_log=None)
            self.loop.run_until_complete(runner.setup())
            for _ in range(self.hosts):
                site = web.TCPSite(runner, "127.0.0.1", 0)
                self.loop.run_until_complete(site.start())
                self.ports.append(site._server.sockets[0].getsockname()[1])
            self.ready.set()
            self.loop.run_forever()

        threading.Thread(target=run, daemon=True).start()
        self.ready.wait(10)


def make_project(dest: Path, ports: list[int], urls: int) -> None:
    shutil.copytree(ROOT / "tests" / "roots" / "test-linkify", dest)
    with open(dest / "conf.py", "a", encoding="utf-8") as conf:
        conf.write("\nguide_pdf_link = False\nlinkcheck_timeout = 10\nlinkcheck_retries = 1\n")
    pages = 30
    per_page = urls // pages
    toc = "\n".join(f"page{i:02d}" for i in range(pages))
    (dest / "index.md").write_text(
        "---\ntitle: Banc d'essai\ndescription: Pages générées pour mesurer la vérification des liens.\n"
        f"type: home\ndate: 2021-04-29\nupdated: 2021-04-29\n---\n\n# Banc d'essai\n\n```{{toctree}}\n{toc}\n```\n",
        encoding="utf-8")
    n = 0
    for i in range(pages):
        lines = []
        for _ in range(per_page):
            port = ports[n % len(ports)]
            lines.append(f"- <http://127.0.0.1:{port}/page-{n}>")
            n += 1
        (dest / f"page{i:02d}.md").write_text(
            f"---\ntitle: Page {i}\ndescription: Une page générée qui contient des liens à vérifier.\n"
            f"type: page\ndate: 2021-04-29\nupdated: 2021-04-29\n---\n\n# Page {i}\n\n" + "\n".join(lines) + "\n",
            encoding="utf-8")


def timed(cmd: list[str]) -> float:
    env = dict(os.environ, GUIDE_ROOT=str(ROOT), PYTHONDONTWRITEBYTECODE="1")
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    elapsed = time.monotonic() - start
    if proc.returncode not in (0, 1):
        print(proc.stderr[-2000:], file=sys.stderr)
    return elapsed


def internal_overhead() -> tuple[float, float]:
    """Seconds of the real guide's build spent in our internal checks, and the rest."""
    with tempfile.TemporaryDirectory() as tmp:
        prof = Path(tmp) / "build.prof"
        cmd = [sys.executable, "-m", "cProfile", "-o", str(prof), "-m", "sphinx", "-q", "-c", str(ROOT),
               "-b", "html", "-D", "guide_pdf_link=0", str(ROOT / "docs"), str(Path(tmp) / "html")]
        start = time.monotonic()
        subprocess.run(cmd, capture_output=True, env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
        total = time.monotonic() - start
        stats = pstats.Stats(str(prof))
        checks = 0.0
        for (filename, _, name), (_, _, _, cumulative, _) in stats.stats.items():
            if filename.endswith(("guide/links.py", "guide/metadata.py", "guide/licence.py")) and name in (
                    "collect", "check_internal", "_source_read", "check_consistency", "check_assets",
                    "check_footers"):
                checks += cumulative
        return checks, total


SCENARIOS = {
    "1": "quelques URL répondent une fois 429 (Retry-After: 1)",
    "2": "3 hôtes sur 15 répondent 429 (Retry-After: 1) au-delà de 8 requêtes simultanées",
}


def phase(outdir: str) -> float | None:
    """Our own check phase (network + cache), from the JSON report of the run."""
    try:
        return json.loads((Path(outdir) / "linkcheck.json").read_text(encoding="utf-8"))["elapsed"]
    except (OSError, ValueError, KeyError):
        return None


def measure(farm: Farm, scenario: str, label: str, cmd: list[str], outdir: str | None) -> tuple:
    """(label, seconds, our check phase, requests, max in flight per host) of one run."""
    farm.reset()
    seconds = timed(cmd)
    per_host = max(farm.max_active.values() or [0])
    print(f"[{scenario}] {label}: {seconds:.2f} s, {farm.requests} requêtes, "
          f"max simultané par hôte {per_host}", file=sys.stderr)
    return label, seconds, phase(outdir) if outdir else None, farm.requests, per_host


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hosts", type=int, default=15)
    ap.add_argument("--urls", type=int, default=600)
    ap.add_argument("--latency", type=float, default=0.1)
    a = ap.parse_args()
    farm = Farm(a.hosts, a.latency)
    farm.start()
    py = sys.executable
    tables = {}
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        make_project(src, farm.ports, a.urls)
        for scenario in SCENARIOS:
            farm.fixed_429 = scenario == "1"
            farm.limited = {f"127.0.0.1:{p}" for p in farm.ports[:3]} if scenario == "2" else set()
            out = Path(tmp) / f"s{scenario}"
            sphinx = [py, "-m", "sphinx", "-q", "-b"]
            ours = [*sphinx, "guidelinks", str(src), f"{out}/ours"]
            runs = [
                ("Sphinx linkcheck (défaut, 5 workers)",
                 [*sphinx, "linkcheck", str(src), f"{out}/sphinx5"], None),
                ("Sphinx linkcheck (linkcheck_workers = 32)",
                 [*sphinx, "linkcheck", "-D", "linkcheck_workers=32", str(src), f"{out}/sphinx32"], None),
                ("guidelinks, cache froid", ours, f"{out}/ours"),
                ("guidelinks, cache chaud", ours, f"{out}/ours"),   # same output dir: the cache
            ]
            tables[scenario] = [measure(farm, scenario, *run) for run in runs]
    checks, total = internal_overhead()
    print(f"\n{a.urls} URL, {a.hosts} hôtes, latence {a.latency * 1000:.0f} ms")
    for scenario, rows in tables.items():
        by = {r[0]: r for r in rows}
        cold = by["guidelinks, cache froid"]
        print(f"\nScénario {scenario} : {SCENARIOS[scenario]}\n")
        print("| Exécution | Durée totale (s) | Phase de vérification (s) | Requêtes | "
              "Max. simultané par hôte | Rapport |")
        print("|---|---:|---:|---:|---:|---|")
        for label, seconds, check_phase, requests, per_host in rows:
            if label.startswith("Sphinx"):
                ratio = f"le nôtre {seconds / cold[1]:.1f}× plus rapide"
            elif label == "guidelinks, cache chaud":
                ratio = (f"{cold[1] / seconds:.1f}× plus rapide qu'à froid (phase : "
                         f"{cold[2] / check_phase:.0f}×)" if check_phase else "")
            else:
                ratio = "référence"
            shown = f"{check_phase:.2f}" if check_phase is not None else "—"
            print(f"| {label} | {seconds:.2f} | {shown} | {requests} | {per_host} | {ratio} |")
    print(f"\nVérifications internes sur le vrai guide : {checks:.2f} s sur une construction de "
          f"{total:.2f} s, soit {100 * checks / (total - checks):.1f} % de surcoût.")


if __name__ == "__main__":
    main()
