"""Link validity, external part: `make linkcheck` (builder `guidelinks`), never the default build.

Compared with Sphinx's own `linkcheck`: every occurrence is reported (file:line of each); each
page is fetched once however many #fragments point into it, and the fragments are checked in
the fetched HTML; concurrency is bounded globally *and* per host, with a minimum interval
between two requests to the same host; HEAD first, GET when HEAD is refused; timeouts per
request and a deadline for the whole run; retries with backoff; 429/503 `Retry-After`
(seconds or HTTP date) honoured per host; redirects followed and reported (permanent or
temporary) against allowed-redirect rules; a cache with a time-to-live skips recent successes
(failures are never cached); a summary by status, a JSON report (one record per occurrence)
and a JUnit file. Only http/https are fetched. Like Sphinx's, the build exits with status 1
when a link is broken.

What to do after each attempt (retry now, later, for the whole host, or stop) is decided by one
pure function, `next_step()`, of the attempt's outcome, the counts of retries so far and the
clock: it is tested alone, under a given time, as Sphinx tests its `limit_rate`.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import re
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

from sphinx.application import Sphinx
from sphinx.builders.dummy import DummyBuilder
from sphinx.util import logging

from . import findings, reports
from .config import GuideConfig, settings
from .links import external_links

logger = logging.getLogger(__name__)

OK, REDIRECTED, BROKEN, TIMEOUT, IGNORED = "ok", "redirected", "broken", "timeout", "ignored"
RATE_LIMITED = (429, 503)


# -- the retry and rate-limit policy: one pure function ---------------------------------------

def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date), at time `now`."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now)


@dataclass(frozen=True)
class Policy:
    retries: int = 2               # retries after a transient failure (no answer, 5xx, 429)
    backoff: float = 0.5           # wait before the first of them, doubled for each next one
    max_retry_after: float = 120.0  # a longer Retry-After is not waited for: the link fails
    rate_limit_waits: int = 3      # Retry-After waits per URL, on top of the retries
    timeout: float = 15.0          # for the message only

    @classmethod
    def from_settings(cls, cfg: GuideConfig) -> Policy:
        return cls(cfg.linkcheck_retries, cfg.linkcheck_backoff, cfg.linkcheck_max_retry_after,
                   timeout=cfg.linkcheck_timeout)


@dataclass(frozen=True)
class Outcome:
    """What one attempt gave: a status code (and its Retry-After), or an exception."""
    code: int | None = None
    retry_after: str | None = None
    error: BaseException | None = None


RETRY, ANSWER, FAIL = "retry", "answer", "fail"


@dataclass(frozen=True)
class Step:
    action: str              # RETRY, ANSWER (classify the response), FAIL (status + reason)
    wait: float = 0.0        # seconds before the next attempt
    host_wide: bool = False  # the wait holds every request to the host (Retry-After)
    rate_limit: bool = False  # counts as a Retry-After wait, not as a retry
    status: str = ""
    reason: str = ""


def next_step(policy: Policy, outcome: Outcome, retries: int, waits: int, now: float) -> Step:
    """What to do after an attempt, given the retries and Retry-After waits already made."""
    backoff = policy.backoff * 2 ** retries
    if outcome.code is None:
        if retries < policy.retries:
            return Step(RETRY, backoff)
        if isinstance(outcome.error, TimeoutError):  # asyncio's and aiohttp's timeouts
            return Step(FAIL, status=TIMEOUT, reason=f"pas de réponse en {policy.timeout:g} s")
        return Step(FAIL, status=BROKEN,
                    reason=f"connexion impossible ({type(outcome.error).__name__})")
    if outcome.code in RATE_LIMITED:
        wait = parse_retry_after(outcome.retry_after, now)
        if wait is not None:
            if wait > policy.max_retry_after:
                return Step(FAIL, status=BROKEN, reason=(
                    f"HTTP {outcome.code}, Retry-After de {wait:g} s, au-delà des "
                    f"{policy.max_retry_after:g} s de guide_linkcheck_max_retry_after"))
            if waits < policy.rate_limit_waits:
                return Step(RETRY, wait, host_wide=True, rate_limit=True)
            return Step(ANSWER)
        if retries < policy.retries:  # limited without a date: slow the whole host down
            return Step(RETRY, backoff, host_wide=True)
        return Step(ANSWER)
    if outcome.code >= 500 and retries < policy.retries:
        return Step(RETRY, backoff)
    return Step(ANSWER)


# -- results ------------------------------------------------------------------------------------

@dataclass
class PageResult:
    status: str
    code: int | None = None
    reason: str = ""
    final_url: str = ""
    redirects: list[tuple[int, str]] = field(default_factory=list)
    permanent: bool = False
    anchors: set[str] | None = None
    cached: bool = False


@dataclass(frozen=True)
class Occurrence:
    uri: str
    docname: str
    source: str
    line: int
    status: str
    code: int | None
    reason: str
    redirect_to: str = ""
    cached: bool = False
    permanent: bool = False   # a redirected link: every hop is 301 or 308 (a finding)

    @property
    def failed(self) -> bool:
        """Broken, timed out, or permanently redirected (not allowed): a finding, a JUnit
        failure and exit status 1."""
        return self.status in (BROKEN, TIMEOUT) or (self.status == REDIRECTED and self.permanent)


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value and (name == "id" or (name == "name" and tag == "a")):
                self.ids.add(value)


# -- the requests ------------------------------------------------------------------------------

class HostGate:
    """Per-host politeness: at most `limit` requests at once, `interval` s between two starts,
    and no start before `not_before` (set by Retry-After). The clock and the sleep are the
    event loop's, or a test's."""

    def __init__(self, limit: int, interval: float, clock=None, sleep=None):
        self.sem = asyncio.Semaphore(limit)
        self.lock = asyncio.Lock()
        self.interval = interval
        self.last_start: float | None = None
        self.not_before = 0.0
        self.clock = clock or (lambda: asyncio.get_running_loop().time())
        self.sleep = sleep or asyncio.sleep

    def hold(self, seconds: float) -> None:
        """No request to this host for `seconds` from now (never shortens a longer hold)."""
        self.not_before = max(self.not_before, self.clock() + seconds)

    async def __aenter__(self):
        await self.sem.acquire()
        async with self.lock:
            start = self.not_before
            if self.last_start is not None:
                start = max(start, self.last_start + self.interval)
            wait = start - self.clock()
            if wait > 0:
                await self.sleep(wait)
            self.last_start = self.clock()
        return self

    async def __aexit__(self, *exc):
        self.sem.release()


class Checker:
    def __init__(self, cfg: GuideConfig, cache: dict, *, clock=None, sleep=None, wall=time.time):
        self.c = cfg
        self.policy = Policy.from_settings(cfg)
        self.cache = cache
        self.ignore = [re.compile(p) for p in cfg.linkcheck_ignore]
        self.allowed = [(re.compile(s), re.compile(t))
                        for s, t in cfg.linkcheck_allowed_redirects.items()]
        self.gates: dict[str, HostGate] = {}
        self.requests = 0
        self.slots: asyncio.Semaphore | None = None  # global limit, made inside the event loop
        self.clock, self.sleep, self.wall = clock, sleep or asyncio.sleep, wall

    def gate(self, url: str) -> HostGate:
        host = urlsplit(url).netloc
        if host not in self.gates:
            self.gates[host] = HostGate(self.c.linkcheck_per_host, self.c.linkcheck_host_interval,
                                        self.clock, self.sleep)
        return self.gates[host]

    def headers(self, url: str) -> dict:
        out = {"User-Agent": self.c.linkcheck_user_agent,
               "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}
        for prefix, extra in self.c.linkcheck_headers.items():
            if url.startswith(prefix) or prefix == "*":
                out.update(extra)
        return out

    def accepted(self, code: int) -> bool:
        return 200 <= code < 300 or code in self.c.linkcheck_accepted_status

    async def request(self, session, method: str, url: str):
        """One URL through its host's gate, with the retries next_step() decides.
        Returns (code, headers, body, None) or (None, {}, b"", failing Step)."""
        import aiohttp

        retries = waits = 0
        gate = self.gate(url)
        slots = self.slots or asyncio.Semaphore(1)
        while True:
            code, headers, body = None, {}, b""
            try:
                # Host first, then a global slot: a task queued behind a slow or rate-limited
                # host never holds one of the global slots while it waits.
                async with gate, slots:
                    self.requests += 1
                    async with session.request(method, url, headers=self.headers(url),
                                               allow_redirects=False) as resp:
                        body = await resp.read() if method == "GET" else b""
                        code, headers = resp.status, resp.headers
                outcome = Outcome(code, headers.get("Retry-After"))
            except (TimeoutError, aiohttp.ClientError) as exc:
                outcome = Outcome(error=exc)
            step = next_step(self.policy, outcome, retries, waits, self.wall())
            if step.action == RETRY:
                if step.rate_limit:
                    waits += 1
                else:
                    retries += 1
                if step.host_wide:
                    gate.hold(step.wait)  # every request to the host waits, this one too
                else:
                    await self.sleep(step.wait)
                continue
            if step.action == FAIL:
                return None, {}, b"", step
            return code, headers, body, None

    async def check_page(self, session, url: str, need_anchors: bool) -> PageResult:
        redirects: list[tuple[int, str]] = []
        seen = {url}
        current = url
        method = "GET" if need_anchors else "HEAD"
        for _ in range(10):
            code, headers, body, failed = await self.request(session, method, current)
            if failed is None and method == "HEAD" and code in (400, 403, 405, 501):
                method = "GET"  # HEAD refused: ask again with GET
                code, headers, body, failed = await self.request(session, method, current)
            if failed is not None:
                return PageResult(failed.status, None, failed.reason, current, redirects)
            if code in (301, 302, 303, 307, 308) and headers.get("Location"):
                target = urljoin(current, headers["Location"])
                redirects.append((code, target))
                if target in seen:
                    return PageResult(BROKEN, code, "boucle de redirections", target, redirects)
                seen.add(target)
                current = target
                continue
            if not self.accepted(code):
                return PageResult(BROKEN, code, f"HTTP {code}", current, redirects)
            anchors = None
            if need_anchors and body:
                parser = _Ids()
                try:
                    parser.feed(body.decode("utf-8", errors="replace"))
                except Exception:  # noqa: BLE001 - malformed HTML: no anchors found
                    pass
                anchors = parser.ids
            if redirects:
                permanent = all(c in (301, 308) for c, _ in redirects)
                return PageResult(REDIRECTED, code, "", current, redirects, permanent, anchors)
            return PageResult(OK, code, "", current, redirects, False, anchors)
        return PageResult(BROKEN, None, "trop de redirections (plus de 10)", current, redirects)

    def redirect_allowed(self, src: str, dst: str) -> bool:
        return any(s.match(src) and t.match(dst) for s, t in self.allowed)

    def from_cache(self, url: str, need_anchors: bool, now: float) -> PageResult | None:
        hit = self.cache.get(url)
        if not hit or self.c.linkcheck_refresh or \
                now - hit.get("checked", 0) >= self.c.linkcheck_cache_ttl or \
                (need_anchors and hit.get("anchors") is None):
            return None
        return PageResult(hit["status"], hit.get("code"), "", hit.get("final_url", url),
                          [tuple(r) for r in hit.get("redirects", [])], hit.get("permanent", False),
                          set(hit["anchors"]) if hit.get("anchors") is not None else None,
                          cached=True)

    async def run(self, pages: dict[str, set[str]]) -> dict[str, PageResult]:
        import aiohttp

        results: dict[str, PageResult] = {}
        now = self.wall()
        todo = []
        for url, fragments in sorted(pages.items()):
            if any(rx.search(url) for rx in self.ignore):
                results[url] = PageResult(IGNORED, reason="ignorée (guide_linkcheck_ignore)")
                continue
            need = bool(fragments) and self.c.linkcheck_anchors
            cached = self.from_cache(url, need, now)
            if cached is not None:
                results[url] = cached
            else:
                todo.append((url, need))
        self.slots = asyncio.Semaphore(self.c.linkcheck_workers)
        timeout = aiohttp.ClientTimeout(total=self.c.linkcheck_timeout)
        connector = aiohttp.TCPConnector(limit=self.c.linkcheck_workers, limit_per_host=0,
                                         ttl_dns_cache=300)

        async def one(session, url, need):
            results[url] = await self.check_page(session, url, need)

        # Interleave the hosts so that the first requests reach every host at once.
        by_host: dict[str, list] = defaultdict(list)
        for url, need in todo:
            by_host[urlsplit(url).netloc].append((url, need))
        queues = list(by_host.values())
        todo = [queue[i] for i in range(max(map(len, queues), default=0)) for queue in queues
                if i < len(queue)]

        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
            tasks = [asyncio.ensure_future(one(session, url, need)) for url, need in todo]
            if tasks:
                done, pending = await asyncio.wait(tasks, timeout=self.c.linkcheck_deadline)
                for task in pending:
                    task.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
        for url, _ in todo:
            results.setdefault(url, PageResult(TIMEOUT, reason="délai global dépassé "
                                               f"({self.c.linkcheck_deadline:g} s)"))
        for url, res in results.items():
            if res.status in (OK, REDIRECTED) and not res.cached:
                self.cache[url] = {"status": res.status, "code": res.code, "checked": now,
                                   "final_url": res.final_url, "redirects": res.redirects,
                                   "permanent": res.permanent,
                                   "anchors": sorted(res.anchors) if res.anchors is not None else None}
            elif res.status in (BROKEN, TIMEOUT):
                self.cache.pop(url, None)  # failures are never cached
        return results


# -- the builder ------------------------------------------------------------------------------

class GuideLinkcheckBuilder(DummyBuilder):
    name = "guidelinks"
    epilog = "Rapport des liens externes : %(outdir)s/linkcheck.json"

    def finish(self) -> None:
        app, cfg = self._app, settings(self._app)
        occurrences = external_links(self.env)
        pages: dict[str, set[str]] = defaultdict(set)
        for _, link in occurrences:
            page, fragment = urldefrag(link.target)
            pages[page]
            if fragment:
                pages[page].add(fragment)
        cache_path = Path(cfg.linkcheck_cache or Path(self.outdir) / "linkcheck-cache.json")
        if not cache_path.is_absolute():
            cache_path = Path(app.confdir) / cache_path
        cache = load_cache(cache_path)
        checker = Checker(cfg, cache)
        started = time.monotonic()
        logger.info(f"Liens externes : {len(occurrences)} occurrence(s), {len(pages)} page(s) à "
                    f"vérifier sur {len({urlsplit(p).netloc for p in pages})} hôte(s)")
        results = asyncio.run(checker.run(dict(pages)))
        elapsed = time.monotonic() - started
        save_cache(cache_path, cache)

        records = [occurrence(app, checker, cfg, docname, link, results)
                   for docname, link in occurrences]
        # A fragment {include}d by several pages is one occurrence, at its own file and line.
        unique: dict[tuple, Occurrence] = {}
        for rec in records:
            unique.setdefault((rec.uri, rec.source, rec.line), rec)
        records = list(unique.values())
        for rec in records:
            if rec.status in (BROKEN, TIMEOUT):
                findings.emit(app, findings.make(
                    app, "links", f"external-{rec.status}",
                    f"lien externe cassé « {rec.uri} » : {rec.reason or rec.status}",
                    "corrigez l'adresse, remplacez-la par une source vivante, ou ajoutez-la à "
                    "guide_linkcheck_ignore si elle ne peut pas être vérifiée",
                    line=rec.line, **_where(app, rec)))
            elif rec.status == REDIRECTED:
                res = results[urldefrag(rec.uri)[0]]
                kind = "permanente" if res.permanent else "temporaire"
                message = f"« {rec.uri} » redirige ({kind}, {res.redirects[0][0]}) vers {rec.redirect_to}"
                if res.permanent:
                    findings.emit(app, findings.make(
                        app, "links", "external-redirect", message,
                        "remplacez l'adresse par sa cible, ou permettez la redirection dans "
                        "guide_linkcheck_allowed_redirects", line=rec.line, **_where(app, rec),
                        severity="warning"))
                else:
                    logger.info(f"{rec.source}:{rec.line}: {message}")
        write_reports(Path(self.outdir), records, elapsed, checker.requests)
        if any(r.failed for r in records):
            # As Sphinx's linkcheck: broken links fail, reports written. A permanent redirect
            # is a finding too (findings.json), so it fails here and in linkcheck.junit.xml.
            app.statuscode = 1
        counts = Counter(r.status for r in records)
        logger.info("")
        logger.info(f"Liens externes vérifiés en {elapsed:.1f} s ({checker.requests} requête(s)) :")
        for status in (OK, REDIRECTED, BROKEN, TIMEOUT, IGNORED):
            logger.info(f"  {status:<10} {counts.get(status, 0):>5}")
        logger.info(f"  dont {sum(1 for r in records if r.cached)} depuis le cache ({cache_path})")


def _where(app: Sphinx, rec: Occurrence) -> dict:
    """Where a finding of this occurrence is: its page, or the fragment the page includes."""
    if rec.source == findings.relative_source(app, rec.docname):
        return {"docname": rec.docname}
    return {"path": Path(app.confdir, rec.source)}


def occurrence(app: Sphinx, checker: Checker, cfg: GuideConfig, docname: str, link,
               results: dict[str, PageResult]) -> Occurrence:
    """The result of one occurrence: its page's result, then its own #fragment."""
    page, fragment = urldefrag(link.target)
    res = results[page]
    status, reason, code = res.status, res.reason, res.code
    redirect_to = res.final_url if res.redirects else ""
    if status in (OK, REDIRECTED) and fragment and cfg.linkcheck_anchors and \
            res.anchors is not None and fragment not in res.anchors:
        status, reason = BROKEN, f"ancre #{fragment} absente de la page"
    if status == REDIRECTED and checker.redirect_allowed(page, res.final_url):
        status, reason = OK, f"redirection permise vers {res.final_url}"
    # A link of an {include}d fragment is at the fragment's file and line (links.Link.source).
    source = findings.relative_source(app, path=link.source) if getattr(link, "source", "") \
        else findings.relative_source(app, docname)
    return Occurrence(link.target, docname, source, link.line, status, code, reason,
                      redirect_to, res.cached, status == REDIRECTED and res.permanent)


def load_cache(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def save_cache(path: Path, cache: dict) -> None:
    reports.write_atomic(path, json.dumps(cache, ensure_ascii=False, indent=1,
                                          sort_keys=True).encode())


def write_reports(outdir: Path, records: list[Occurrence], elapsed: float, requests: int) -> None:
    """linkcheck.json (one record per occurrence) and linkcheck.junit.xml."""
    reports.write_json(outdir / "linkcheck.json", {
        "elapsed": round(elapsed, 3), "requests": requests,
        "summary": dict(Counter(r.status for r in records)),
        "occurrences": [asdict(r) for r in records]})
    cases = []
    for r in records:
        case = reports.Case(f"{r.source}:{r.line} {r.uri}", "guide.linkcheck", r.source, r.line)
        if r.status in (BROKEN, TIMEOUT):
            case.failure = (r.status, r.reason, f"{r.source}:{r.line}: {r.uri} : {r.reason}")
        elif r.failed:
            reason = f"redirection permanente vers {r.redirect_to}"
            case.failure = ("redirected", reason, f"{r.source}:{r.line}: {r.uri} : {reason}")
        elif r.status == IGNORED:
            case.skipped = r.reason
        cases.append(case)
    reports.write_junit(outdir / "linkcheck.junit.xml",
                        [reports.Suite("guide.linkcheck", cases, elapsed)], "guide.linkcheck")


def setup_linkcheck(app: Sphinx) -> None:
    # guide_linkcheck_*: declared and validated in config.py
    app.add_builder(GuideLinkcheckBuilder)
