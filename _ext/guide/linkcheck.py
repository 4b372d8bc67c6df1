"""Link validity, external part: `make linkcheck` (builder `guidelinks`), never the default build.

Compared with Sphinx's own `linkcheck`: every occurrence is reported (file:line of each); each
page is fetched once however many #fragments point into it, and the fragments are checked in
the fetched HTML; concurrency is bounded globally *and* per host, with a minimum interval
between two requests to the same host; HEAD first, GET when HEAD is refused; timeouts per
request and a deadline for the whole run; retries with backoff; 429/503 `Retry-After`
(seconds or HTTP date) honoured per host; redirects followed and reported (permanent or
temporary) against allowed-redirect rules; a cache with a time-to-live skips recent successes
(failures are never cached); a summary by status, a JSON report (one record per occurrence)
and a JUnit file. Only http/https are fetched.
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
from xml.etree import ElementTree as ET

from sphinx.application import Sphinx
from sphinx.builders.dummy import DummyBuilder
from sphinx.util import logging

from . import findings
from .links import external_links

logger = logging.getLogger(__name__)

# -- configuration: declared once, typed, documented, validated at config-inited ---------------

CONFIG = {
    # name: (default, types, description)
    "guide_linkcheck_workers": (128, (int,), "requêtes simultanées au plus, tous hôtes confondus (comme lychee)"),
    "guide_linkcheck_per_host": (6, (int,), "requêtes simultanées au plus vers un même hôte"),
    "guide_linkcheck_host_interval": (0.02, (int, float), "délai minimal (s) entre deux requêtes vers un même hôte"),
    "guide_linkcheck_timeout": (15.0, (int, float), "délai (s) d'une requête"),
    "guide_linkcheck_deadline": (600.0, (int, float), "durée maximale (s) de toute la vérification"),
    "guide_linkcheck_retries": (2, (int,), "nouvelles tentatives après une erreur passagère"),
    "guide_linkcheck_backoff": (0.5, (int, float), "attente (s) avant la 1re nouvelle tentative, doublée ensuite"),
    "guide_linkcheck_max_retry_after": (120.0, (int, float), "attente maximale (s) acceptée d'un Retry-After"),
    "guide_linkcheck_accepted_status": ([], (list,), "codes HTTP acceptés en plus de 2xx"),
    "guide_linkcheck_ignore": ([], (list,), "expressions régulières d'URL à ne pas vérifier"),
    "guide_linkcheck_headers": ({}, (dict,), "en-têtes par préfixe d'URL ({'https://x/': {'Accept': '…'}})"),
    "guide_linkcheck_allowed_redirects": ({}, (dict,), "redirections permises : {regex source: regex cible}"),
    "guide_linkcheck_anchors": (True, (bool,), "vérifier les #ancres dans le HTML reçu"),
    "guide_linkcheck_cache": ("", (str,), "fichier cache (défaut : linkcheck-cache.json dans le dossier de sortie)"),
    "guide_linkcheck_cache_ttl": (7 * 86400.0, (int, float), "durée de validité (s) d'un succès en cache"),
    "guide_linkcheck_refresh": (False, (bool, int, str), "ignorer le cache (make linkcheck FORCE=1)"),
    "guide_linkcheck_user_agent": ("guide-achats-linkcheck/1.0 (+https://ecoresponsable.numerique.gouv.fr/)",
                                   (str,), "User-Agent des requêtes"),
}


def validate_config(app: Sphinx, config) -> None:
    """A wrong value is reported once, clearly (guide.config), and replaced by its default."""
    if isinstance(config.guide_linkcheck_refresh, str | int):  # -D guide_linkcheck_refresh=1
        config.guide_linkcheck_refresh = str(config.guide_linkcheck_refresh).strip().lower() in (
            "1", "true", "yes", "oui")

    def bad(name: str, problem: str) -> None:
        default = CONFIG[name][0]
        logger.warning(f"conf.py : {name} = {getattr(config, name)!r} : {problem} ; valeur par "
                       f"défaut utilisée : {default!r} ({CONFIG[name][2]})", type="guide",
                       subtype="config")
        setattr(config, name, default)

    for name, (_default, types, _) in CONFIG.items():
        value = getattr(config, name)
        if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
            bad(name, f"attendu {' ou '.join(t.__name__ for t in types)}")
        elif isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
            bad(name, "une valeur positive est attendue")
    for name in ("guide_linkcheck_workers", "guide_linkcheck_per_host"):
        if getattr(config, name) < 1:
            bad(name, "au moins 1")
    for name in ("guide_linkcheck_ignore", "guide_linkcheck_allowed_redirects"):
        value = getattr(config, name)
        for pattern in value if isinstance(value, list) else [p for kv in value.items() for p in kv]:
            try:
                re.compile(pattern)
            except (re.error, TypeError) as exc:
                bad(name, f"expression régulière invalide {pattern!r} ({exc})")
                break
    if not all(isinstance(c, int) for c in config.guide_linkcheck_accepted_status):
        bad("guide_linkcheck_accepted_status", "une liste de codes HTTP entiers est attendue")


# -- results ------------------------------------------------------------------------------------

OK, REDIRECTED, BROKEN, TIMEOUT, IGNORED = "ok", "redirected", "broken", "timeout", "ignored"


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


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value and (name == "id" or (name == "name" and tag == "a")):
                self.ids.add(value)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


class HostGate:
    """Per-host politeness: at most `limit` requests at once, `interval` s between two starts,
    and a `not_before` time set by Retry-After."""

    def __init__(self, limit: int, interval: float):
        self.sem = asyncio.Semaphore(limit)
        self.lock = asyncio.Lock()
        self.interval = interval
        self.last_start = 0.0
        self.not_before = 0.0

    async def __aenter__(self):
        await self.sem.acquire()
        async with self.lock:
            loop = asyncio.get_running_loop()
            wait = max(self.last_start + self.interval, self.not_before) - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            self.last_start = loop.time()
        return self

    async def __aexit__(self, *exc):
        self.sem.release()


class Checker:
    def __init__(self, config, cache: dict):
        self.c = config
        self.cache = cache
        self.ignore = [re.compile(p) for p in config.guide_linkcheck_ignore]
        self.allowed = [(re.compile(s), re.compile(t))
                        for s, t in config.guide_linkcheck_allowed_redirects.items()]
        self.gates: dict[str, HostGate] = {}
        self.requests = 0
        self.slots: asyncio.Semaphore | None = None  # global limit, made inside the event loop

    def gate(self, url: str) -> HostGate:
        host = urlsplit(url).netloc
        if host not in self.gates:
            self.gates[host] = HostGate(self.c.guide_linkcheck_per_host,
                                        self.c.guide_linkcheck_host_interval)
        return self.gates[host]

    def headers(self, url: str) -> dict:
        out = {"User-Agent": self.c.guide_linkcheck_user_agent,
               "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}
        for prefix, extra in self.c.guide_linkcheck_headers.items():
            if url.startswith(prefix) or prefix == "*":
                out.update(extra)
        return out

    def accepted(self, code: int) -> bool:
        return 200 <= code < 300 or code in self.c.guide_linkcheck_accepted_status

    async def request(self, session, method: str, url: str):
        """One request through the host gate, with retries, backoff and Retry-After."""
        import aiohttp

        attempt, delay = 0, self.c.guide_linkcheck_backoff
        gate = self.gate(url)
        while True:
            try:
                # Host first, then a global slot: a task queued behind a slow or rate-limited
                # host never holds one of the global slots while it waits.
                async with gate, self.slots:
                    self.requests += 1
                    async with session.request(method, url, headers=self.headers(url),
                                               allow_redirects=False) as resp:
                        body = await resp.read() if method == "GET" else b""
                        code, headers = resp.status, resp.headers
            except (TimeoutError, aiohttp.ClientError) as exc:
                if attempt < self.c.guide_linkcheck_retries:
                    attempt += 1
                    await asyncio.sleep(delay)
                    delay *= 2
                    continue
                if isinstance(exc, TimeoutError):
                    return None, {}, b"", f"pas de réponse en {self.c.guide_linkcheck_timeout:g} s"
                return None, {}, b"", f"connexion impossible ({type(exc).__name__})"
            if code in (429, 503) and attempt < self.c.guide_linkcheck_retries + 3:
                wait = parse_retry_after(headers.get("Retry-After"))
                if wait is not None and wait <= self.c.guide_linkcheck_max_retry_after:
                    gate.not_before = asyncio.get_running_loop().time() + wait
                    attempt += 1
                    continue
                if wait is None and code == 503 and attempt < self.c.guide_linkcheck_retries:
                    attempt += 1
                    await asyncio.sleep(delay)
                    delay *= 2
                    continue
            elif code >= 500 and attempt < self.c.guide_linkcheck_retries:
                attempt += 1
                await asyncio.sleep(delay)
                delay *= 2
                continue
            return code, headers, body, ""

    async def check_page(self, session, url: str, need_anchors: bool) -> PageResult:
        redirects: list[tuple[int, str]] = []
        seen = {url}
        current = url
        method = "GET" if need_anchors else "HEAD"
        for _ in range(10):
            code, headers, body, error = await self.request(session, method, current)
            if code is None:
                status = TIMEOUT if "réponse" in error else BROKEN
                return PageResult(status, None, error, current, redirects)
            if method == "HEAD" and code in (400, 403, 405, 501):
                method = "GET"  # HEAD refused: ask again with GET
                code, headers, body, error = await self.request(session, method, current)
                if code is None:
                    return PageResult(TIMEOUT if "réponse" in error else BROKEN, None, error,
                                      current, redirects)
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

    async def run(self, pages: dict[str, set[str]]) -> dict[str, PageResult]:
        import aiohttp

        results: dict[str, PageResult] = {}
        now = time.time()
        todo = []
        for url, fragments in sorted(pages.items()):
            if any(rx.search(url) for rx in self.ignore):
                results[url] = PageResult(IGNORED, reason="ignorée (guide_linkcheck_ignore)")
                continue
            hit = self.cache.get(url)
            need = bool(fragments) and self.c.guide_linkcheck_anchors
            if hit and not self.c.guide_linkcheck_refresh and \
                    now - hit["checked"] < self.c.guide_linkcheck_cache_ttl and \
                    (not need or hit.get("anchors") is not None):
                results[url] = PageResult(hit["status"], hit.get("code"), "", hit.get("final_url", url),
                                          [tuple(r) for r in hit.get("redirects", [])],
                                          hit.get("permanent", False),
                                          set(hit["anchors"]) if hit.get("anchors") is not None else None,
                                          cached=True)
                continue
            todo.append((url, need))
        self.slots = asyncio.Semaphore(self.c.guide_linkcheck_workers)
        timeout = aiohttp.ClientTimeout(total=self.c.guide_linkcheck_timeout)
        connector = aiohttp.TCPConnector(limit=self.c.guide_linkcheck_workers, limit_per_host=0,
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
                done, pending = await asyncio.wait(tasks, timeout=self.c.guide_linkcheck_deadline)
                for task in pending:
                    task.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
        for url, _ in todo:
            results.setdefault(url, PageResult(TIMEOUT, reason="délai global dépassé "
                                               f"({self.c.guide_linkcheck_deadline:g} s)"))
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
        app, config = self._app, self.config
        occurrences = external_links(self.env)
        pages: dict[str, set[str]] = defaultdict(set)
        for _, link in occurrences:
            page, fragment = urldefrag(link.target)
            pages[page]
            if fragment:
                pages[page].add(fragment)
        cache_path = Path(config.guide_linkcheck_cache or Path(self.outdir) / "linkcheck-cache.json")
        if not cache_path.is_absolute():
            cache_path = Path(app.confdir) / cache_path
        cache = load_cache(cache_path)
        checker = Checker(config, cache)
        started = time.monotonic()
        logger.info(f"Liens externes : {len(occurrences)} occurrence(s), {len(pages)} page(s) à "
                    f"vérifier sur {len({urlsplit(p).netloc for p in pages})} hôte(s)")
        results = asyncio.run(checker.run(dict(pages)))
        elapsed = time.monotonic() - started
        save_cache(cache_path, cache)

        records: list[Occurrence] = []
        for docname, link in occurrences:
            page, fragment = urldefrag(link.target)
            res = results[page]
            status, reason, code = res.status, res.reason, res.code
            redirect_to = res.final_url if res.redirects else ""
            if status in (OK, REDIRECTED) and fragment and config.guide_linkcheck_anchors and \
                    res.anchors is not None and fragment not in res.anchors:
                status, reason = BROKEN, f"ancre #{fragment} absente de la page"
            if status == REDIRECTED and self_allowed(checker, link.target, res):
                status, reason = OK, f"redirection permise vers {res.final_url}"
            source = findings.relative_source(app, docname)
            records.append(Occurrence(link.target, docname, source, link.line, status, code,
                                      reason, redirect_to, res.cached))
        for rec in records:
            if rec.status in (BROKEN, TIMEOUT):
                findings.emit(app, findings.make(
                    app, "links", f"external-{rec.status}",
                    f"lien externe cassé « {rec.uri} » : {rec.reason or rec.status}",
                    "corrigez l'adresse, remplacez-la par une source vivante, ou ajoutez-la à "
                    "guide_linkcheck_ignore si elle ne peut pas être vérifiée",
                    docname=rec.docname, line=rec.line))
            elif rec.status == REDIRECTED:
                res = results[urldefrag(rec.uri)[0]]
                kind = "permanente" if res.permanent else "temporaire"
                message = f"« {rec.uri} » redirige ({kind}, {res.redirects[0][0]}) vers {rec.redirect_to}"
                if res.permanent:
                    findings.emit(app, findings.make(
                        app, "links", "external-redirect", message,
                        "remplacez l'adresse par sa cible, ou permettez la redirection dans "
                        "guide_linkcheck_allowed_redirects", docname=rec.docname, line=rec.line,
                        severity="warning"))
                else:
                    logger.info(f"{rec.source}:{rec.line}: {message}")
        write_reports(Path(self.outdir), records, elapsed, checker.requests)
        if any(r.status in (BROKEN, TIMEOUT) for r in records):
            app.statuscode = 1  # as Sphinx's linkcheck: broken links fail, reports written
        counts = Counter(r.status for r in records)
        logger.info("")
        logger.info(f"Liens externes vérifiés en {elapsed:.1f} s ({checker.requests} requête(s)) :")
        for status in (OK, REDIRECTED, BROKEN, TIMEOUT, IGNORED):
            logger.info(f"  {status:<10} {counts.get(status, 0):>5}")
        logger.info(f"  dont {sum(1 for r in records if r.cached)} depuis le cache ({cache_path})")


def self_allowed(checker: Checker, uri: str, res: PageResult) -> bool:
    return checker.redirect_allowed(urldefrag(uri)[0], res.final_url)


def load_cache(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def save_cache(path: Path, cache: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(cache, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(path)


def write_reports(outdir: Path, records: list[Occurrence], elapsed: float, requests: int) -> None:
    outdir.mkdir(parents=True, exist_ok=True)
    data = {"elapsed": round(elapsed, 3), "requests": requests,
            "summary": dict(Counter(r.status for r in records)),
            "occurrences": [asdict(r) for r in records]}
    (outdir / "linkcheck.json").write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n",
                                           encoding="utf-8")
    suite = ET.Element("testsuite", name="guide.linkcheck", tests=str(len(records)),
                       failures=str(sum(r.status in (BROKEN, TIMEOUT) for r in records)),
                       time=f"{elapsed:.3f}")
    for r in records:
        case = ET.SubElement(suite, "testcase", classname="guide.linkcheck",
                             name=f"{r.source}:{r.line} {r.uri}", file=r.source, line=str(r.line))
        if r.status in (BROKEN, TIMEOUT):
            ET.SubElement(case, "failure", type=r.status, message=r.reason).text = \
                f"{r.source}:{r.line}: {r.uri} : {r.reason}"
        elif r.status == IGNORED:
            ET.SubElement(case, "skipped", message=r.reason)
    ET.ElementTree(suite).write(outdir / "linkcheck.junit.xml", encoding="utf-8",
                                xml_declaration=True)


def setup_linkcheck(app: Sphinx) -> None:
    for name, (default, types, description) in CONFIG.items():
        app.add_config_value(name, default, "", types=list(types), description=description)
    app.connect("config-inited", validate_config)
    app.add_builder(GuideLinkcheckBuilder)
