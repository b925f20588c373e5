"""The crawl of a set of sources: listings, then the articles they link to, every response to WARC.

One asyncio task per source; requests to one host go one at a time with the configured delay (the
larger of the source's, the crawler's and robots.txt's Crawl-delay); different hosts proceed in
parallel up to ``host_concurrency``.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict, dataclass, field
from urllib.parse import urlsplit

import httpx

from archive.sources import Source
from archive.warc import Exchange, WarcWriter
from scrapers.discover import listing_links
from scrapers.errors import FetchError
from scrapers.fetch import FetchResult, decoded_body, fetch, make_client
from scrapers.politeness import HostGate, Robots, host_key
from scrapers.settings import CrawlSettings
from scrapers.state import CrawlState

log = logging.getLogger(__name__)


@dataclass
class SourceReport:
    """What one source's crawl did."""

    fetched: int = 0
    new: int = 0
    unchanged: int = 0
    failed: int = 0
    skipped_robots: int = 0
    listing_pages: int = 0
    errors: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {k: v for k, v in asdict(self).items() if isinstance(v, int)}


class Crawler:
    """Crawls sources into a WARC writer and a crawl state; reusable for one run."""

    def __init__(self, settings: CrawlSettings, state: CrawlState, writer: WarcWriter) -> None:
        self.settings = settings
        self.state = state
        self.writer = writer
        self._gate = HostGate()
        self._robots: dict[str, Robots] = {}
        self._robots_lock = asyncio.Lock()

    async def run(self, sources: list[Source]) -> dict[str, SourceReport]:
        """Crawl every source; never raises for a failing site (its report says what failed)."""
        limit = asyncio.Semaphore(self.settings.host_concurrency)
        async with make_client(self.settings) as client:

            async def one(source: Source) -> tuple[str, SourceReport]:
                async with limit:
                    return source.id, await self.crawl_source(client, source)

            results = await asyncio.gather(*(one(s) for s in sources))
        return dict(results)

    def _delay(self, source: Source, robots: Robots | None) -> float:
        delays = [self.settings.delay if source.delay is None else source.delay]
        if robots is not None and (crawl_delay := robots.crawl_delay()) is not None:
            delays.append(crawl_delay)
        return max(delays)

    def _save(self, result: FetchResult, source: Source, kind: str) -> None:
        """Write every exchange of a fetch to WARC, then record it in the state (in that order)."""
        for exchange in result.exchanges:
            ref = self.writer.write_exchange(exchange)
            self.state.fetched(
                exchange.url,
                source=source.id,
                kind=kind,
                status=exchange.status,
                etag=_header(exchange, "etag"),
                last_modified=_header(exchange, "last-modified"),
                digest=ref.payload_digest,
                warc_file=ref.warc_file,
                warc_offset=ref.offset,
            )

    async def _get(
        self, client: httpx.AsyncClient, source: Source, url: str, report: SourceReport
    ) -> FetchResult | None:
        robots = await self._robots_for(client, source, url) if self.settings.obey_robots else None
        if robots is not None and not robots.allowed(url):
            report.skipped_robots += 1
            log.info("robots.txt disallows %s", url)
            return None
        async with self._gate.slot(url, self._delay(source, robots)):
            try:
                result = await fetch(client, url, self.settings)
            except FetchError as exc:
                report.failed += 1
                report.errors.append(str(exc))
                self.state.failed(url, source=source.id, kind="article", error=str(exc))
                log.warning("%s", exc)
                return None
        report.fetched += len(result.exchanges)
        return result

    async def _robots_for(self, client: httpx.AsyncClient, source: Source, url: str) -> Robots:
        key = host_key(url)
        async with self._robots_lock:
            if key in self._robots:
                return self._robots[key]
            parts = urlsplit(url)
            robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
            async with self._gate.slot(robots_url, 0):
                try:
                    result = await fetch(client, robots_url, self.settings)
                except FetchError as exc:
                    log.warning("robots.txt unreachable, not crawling %s: %s", key, exc)
                    robots = Robots(None, user_agent=self.settings.user_agent)
                else:
                    self._save(result, source, "robots")
                    text = decoded_body(result.final, 512 * 1024).decode("utf-8", "replace")
                    robots = Robots.from_status(result.status, text, self.settings.user_agent)
            self._robots[key] = robots
            return robots

    async def crawl_source(self, client: httpx.AsyncClient, source: Source) -> SourceReport:
        report = SourceReport()
        max_pages = min(source.max_pages, self.settings.max_pages or source.max_pages)
        seen_articles: set[str] = set()
        for listing in source.listings:
            page: str | None = listing
            seen_pages: set[str] = set()
            while page is not None and len(seen_pages) < max_pages and page not in seen_pages:
                seen_pages.add(page)
                result = await self._get(client, source, page, report)
                if result is None:
                    break
                self._save(result, source, "listing")
                report.listing_pages += 1
                if result.status != 200:
                    report.failed += 1
                    report.errors.append(f"{page}: HTTP {result.status}")
                    break
                html = decoded_body(result.final, self.settings.max_body).decode("utf-8", "replace")
                links = listing_links(html, result.final.url, source)
                # Sidebars repeat links on every page: count each article once per run.
                listed = [u for u in links.articles if u not in seen_articles]
                seen_articles.update(listed)
                fresh = [u for u in listed if self._is_new(u)]
                for article in fresh:
                    await self._fetch_article(client, source, article, report)
                report.unchanged += len(listed) - len(fresh)
                # Incremental runs: once a page lists only known articles, older pages hold nothing new.
                if listed and not fresh and len(seen_pages) > 1:
                    break
                page = links.next_page
        return report

    def _is_new(self, url: str) -> bool:
        known = self.state.get(url)
        return known is None or known.status is None

    async def _fetch_article(
        self, client: httpx.AsyncClient, source: Source, url: str, report: SourceReport
    ) -> None:
        result = await self._get(client, source, url, report)
        if result is None:
            return
        self._save(result, source, "article")
        if result.status == 200:
            report.new += 1
        else:
            report.failed += 1
            report.errors.append(f"{url}: HTTP {result.status}")


def _header(exchange: Exchange, name: str) -> str | None:
    return next((v for k, v in exchange.response_headers if k.lower() == name), None)
