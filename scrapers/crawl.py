"""The crawl of a set of sources: discovery (listings, feeds, sitemaps), then the articles it finds and
their attachments; every response to WARC, then to the crawl state.

One asyncio task per source, ``host_concurrency`` sources at a time; requests to one host go through its
:class:`~scrapers.politeness.HostGate` (``concurrency`` at once, default 1, spaced by the largest of the
source's delay, the crawler's and robots.txt's Crawl-delay). This module holds what all sources share —
HTTP clients, robots.txt, the gate, error accounting, attachments requested — and :mod:`scrapers.walk`
what one source does, seeing this module only as :class:`scrapers.services.RunServices`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import httpx

from archive.sources import Source
from archive.urls import same_host
from archive.warc import WarcWriter
from scrapers.capture import Recorder
from scrapers.errors import FetchError, SourceAbandoned, UnwantedContent
from scrapers.fetch import FetchResult, decoded_body, fetch, make_client
from scrapers.politeness import HostGate, Robots, host_key
from scrapers.progress import NullProgress, Progress
from scrapers.report import SourceReport
from scrapers.robots import MAX_ROBOTS_BYTES, robots_text
from scrapers.settings import CrawlSettings
from scrapers.state import CrawlState
from scrapers.walk import SourceWalk

__all__ = ["Crawler", "SourceAbandoned", "SourceReport"]

log = logging.getLogger(__name__)


@dataclass
class _HostRobots:
    robots: Robots | None  # None: robots.txt could not be fetched at all (the host is unreachable)
    error: str | None = None


class Crawler:
    """Crawls sources into a WARC writer and a crawl state; one instance per run."""

    def __init__(
        self,
        settings: CrawlSettings,
        state: CrawlState,
        writer: WarcWriter,
        *,
        progress: Progress | None = None,
    ) -> None:
        self.settings = settings
        self.state = state
        self.writer = writer
        self.recorder = Recorder(writer, state)
        self.progress: Progress = progress or NullProgress()
        self.gate = HostGate()
        self._robots: dict[str, _HostRobots] = {}
        self._robots_locks: dict[str, asyncio.Lock] = {}
        self._clients: dict[bool, httpx.AsyncClient] = {}
        self.reports: dict[str, SourceReport] = {}
        """Every started source's report, live (what an interrupted run did so far)."""
        self._attachments: set[str] = set()  # attachment URLs requested in this run, by any source

    async def run(self, sources: list[Source]) -> dict[str, SourceReport]:
        """Crawl every source; never raises for a failing site (its report says what failed)."""
        limit = asyncio.Semaphore(self.settings.host_concurrency)
        self._clients = {True: make_client(self.settings, verify=True)}
        if any(s.insecure_tls for s in sources):
            self._clients[False] = make_client(self.settings, verify=False)
        try:

            async def one(source: Source) -> tuple[str, SourceReport]:
                async with limit:
                    report = self.reports.setdefault(source.id, SourceReport())
                    if source.insecure_tls:
                        log.warning(
                            "source %s: TLS certificates are not verified (insecure_tls = true)",
                            source.id,
                            extra={"source": source.id, "event": "insecure-tls"},
                        )
                    try:
                        await SourceWalk(self, source, report).run()
                    except SourceAbandoned as exc:
                        report.error(str(exc))
                        log.error("source %s abandoned: %s", source.id, exc, extra={"source": source.id})
                    self.progress.source_done(source.id, report)
                    return source.id, report

            results = await asyncio.gather(*(one(s) for s in sources))
        finally:
            for client in self._clients.values():
                await client.aclose()
        return dict(results)

    # -- shared services for SourceWalk (scrapers.services.RunServices) ---------------------------------

    def claim_attachment(self, url: str) -> bool:
        """True the first time ``url`` is asked for in this run; an attachment is requested once per run."""
        if url in self._attachments:
            return False
        self._attachments.add(url)
        return True

    def delay(self, source: Source, robots: Robots | None) -> float:
        delays = [self.settings.delay if source.delay is None else source.delay]
        if robots is not None and (crawl_delay := robots.crawl_delay()) is not None:
            delays.append(crawl_delay)
        return max(delays)

    def recheck_after(self, source: Source) -> timedelta:
        return source.recheck_after if source.recheck_after is not None else self.settings.recheck_after

    def retry_at_for(self, failures: int, retryable: bool, source: Source) -> timedelta:
        """How long a failed URL waits before it is tried again (doubling per failure, capped)."""
        cap = self.recheck_after(source)
        if not retryable:
            return cap
        wait = self.settings.retry_failed_after * (1 << min(failures, 20))
        return min(wait, max(cap, self.settings.retry_failed_after))

    async def robots_for(self, source: Source, url: str) -> Robots | None:
        """The robots.txt of ``url``'s host (fetched once per run and saved to WARC); None when robots are
        not obeyed. Raises :class:`SourceAbandoned` when the host cannot be reached at all."""
        if not self.settings.obey_robots:
            return None
        key = host_key(url)
        async with self._robots_locks.setdefault(key, asyncio.Lock()):
            if key not in self._robots:
                self._robots[key] = await self._fetch_robots(source, url)
        entry = self._robots[key]
        if entry.robots is None:
            raise SourceAbandoned(entry.error or f"{key} unreachable")
        return entry.robots

    async def _fetch_robots(self, source: Source, url: str) -> _HostRobots:
        parts = urlsplit(url)
        robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
        self.state.discover([robots_url], source=source.id, kind="robots")
        client = self.client(source)
        async with self.gate.slot(robots_url, self.delay(source, None), source.concurrency):
            try:
                # A larger file is cut at the limit (RFC 9309 §2.5), not refused: the host stays crawlable.
                result = await fetch(
                    client,
                    robots_url,
                    self.settings,
                    max_bytes=MAX_ROBOTS_BYTES,
                    off_host_redirects=True,
                    truncate=True,
                )
            except FetchError as exc:
                log.warning("robots.txt unreachable, not crawling %s: %s", parts.netloc, exc)
                return _HostRobots(None, f"robots.txt unreachable: {exc}")
        recheck = self.recheck_after(source)
        if result.truncated:
            # Half a response is not an archival capture (no WARC-Truncated support yet): state only.
            self.recorder.unsaved(result, source=source.id, kind="robots", recheck_after=recheck)
            log.warning(
                "%s is larger than %d bytes: its first %d bytes are obeyed",
                robots_url,
                MAX_ROBOTS_BYTES,
                MAX_ROBOTS_BYTES,
                extra={"source": source.id, "url": robots_url, "event": "robots-cut"},
            )
        else:
            self.recorder.save(result, source=source.id, kind="robots", recheck_after=recheck)
        if result.status >= 500 or result.status == 429:
            # RFC 9309 §2.3.1.4: an unreachable robots.txt means the whole host is disallowed.
            return _HostRobots(None, f"robots.txt answered HTTP {result.status}: host not crawled")
        decoded = decoded_body(result.final, MAX_ROBOTS_BYTES + 1)
        text = robots_text(decoded, result.truncated)
        robots = Robots.from_status(result.status, text, self.settings.user_agent)
        asked = robots.crawl_delay()
        if asked is not None and asked > self.settings.max_crawl_delay:
            return _HostRobots(
                None,
                f"robots.txt asks for a Crawl-delay of {asked:g} s, more than max_crawl_delay "
                f"({self.settings.max_crawl_delay:g} s): host not crawled",
            )
        return _HostRobots(robots)

    def client(self, source: Source) -> httpx.AsyncClient:
        return self._clients[not source.insecure_tls]

    async def get(
        self,
        source: Source,
        url: str,
        kind: str,
        report: SourceReport,
        *,
        accept: Collection[str] | None,
        max_bytes: int | None = None,
        conditional: dict[str, str] | None = None,
    ) -> FetchResult | None:
        """Fetch ``url`` for ``source`` politely; None when robots.txt forbids it or the fetch failed
        (counted in ``report`` and recorded in the state). Raises :class:`SourceAbandoned` when the
        source's host cannot be reached (an unreachable attachment host only fails that attachment)."""
        try:
            robots = await self.robots_for(source, url)
        except SourceAbandoned as exc:
            if kind != "attachment" or any(same_host(url, u) for u in (source.homepage, *source.listings)):
                raise
            report.error(f"{url}: {exc}")
            self.record_failure(source, url, kind, str(exc), None)
            return None
        if robots is not None and not robots.allowed(url):
            report.skipped_robots += 1
            self.state.failed(
                url,
                source=source.id,
                kind=kind,
                error="disallowed by robots.txt",
                retry_at=self.state.now() + self.recheck_after(source),
            )
            log.info("robots.txt disallows %s", url, extra={"source": source.id, "url": url})
            return None
        self.progress.update(source.id, report, url)
        async with self.gate.slot(url, self.delay(source, robots), source.concurrency):
            try:
                result = await fetch(
                    self.client(source),
                    url,
                    self.settings,
                    conditional=conditional,
                    accept=accept,
                    max_bytes=max_bytes,
                    redirect_hosts=source.attachment_hosts if kind == "attachment" else (),
                )
            except UnwantedContent as exc:
                report.fetched += 1
                report.skipped_type += 1
                self._failed(source, url, kind, exc, status=exc.status)
                log.info("%s", exc, extra={"source": source.id, "url": url, "event": "skipped-type"})
                return None
            except FetchError as exc:
                report.error(str(exc))
                self._failed(source, url, kind, exc)
                log.warning("%s", exc, extra={"source": source.id, "url": url, "event": "failed"})
                return None
        report.fetched += len(result.exchanges)
        return result

    def _failed(
        self, source: Source, url: str, kind: str, exc: FetchError, status: int | None = None
    ) -> None:
        self.record_failure(source, url, kind, str(exc), status, retryable=exc.retryable)

    def record_failure(
        self, source: Source, url: str, kind: str, error: str, status: int | None, *, retryable: bool = True
    ) -> None:
        """Record a failed URL in the state with the time of its next attempt (backing off per failure).

        ``status`` is kept only for answers that stay as they are (an unwanted content type); an error
        status (5xx, 429, 403 after retries) leaves a pending URL pending and a known one as it was.
        """
        previous = self.state.get(url)
        failures = previous.failures if previous is not None else 0
        wait = self.retry_at_for(failures, retryable, source)
        self.state.failed(
            url, source=source.id, kind=kind, error=error, retry_at=self.state.now() + wait, status=status
        )
