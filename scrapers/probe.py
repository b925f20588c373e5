"""``deptnews sources check --probe``: try each source's robots.txt, listings, feeds and sitemaps live.

A probe fetches (politely: robots.txt obeyed, one request at a time per host with the crawl delay, at
most one retry) and stores nothing. A source passes when robots.txt allows its listings, every listing
answers 200 on its own host and links to at least one article matching ``article_pattern``, and every
feed and sitemap parses and lists such articles. Each problem is reported in one line, with a hint
when the cause is a known one (a merged department redirecting elsewhere, a broken certificate chain).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from archive.sources import Source
from scrapers.discover import listing_links, looks_like_article, parse_html
from scrapers.errors import FetchError
from scrapers.feeds import parse_feed
from scrapers.fetch import FetchResult, decoded_body, decoded_text, fetch, make_client
from scrapers.politeness import HostGate, Robots
from scrapers.robots import MAX_ROBOTS_BYTES, robots_text
from scrapers.settings import CrawlSettings


@dataclass
class ProbeReport:
    """The outcome for one source: ``ok`` and one line per thing checked."""

    source: str
    verified: bool
    ok: bool = True
    lines: list[str] = field(default_factory=list)

    def good(self, line: str) -> None:
        self.lines.append(f"ok    {line}")

    def bad(self, line: str) -> None:
        self.ok = False
        self.lines.append(f"FAIL  {line}")

    def note(self, line: str) -> None:
        self.lines.append(f"note  {line}")


async def probe_sources(sources: list[Source], settings: CrawlSettings) -> list[ProbeReport]:
    """Probe every source (``host_concurrency`` at a time); reports in the order of ``sources``."""
    quick = settings.model_copy(update={"retries": min(settings.retries, 1)})
    gate = HostGate()
    limit = asyncio.Semaphore(settings.host_concurrency)
    async with make_client(quick) as strict, make_client(quick, verify=False) as lax:

        async def one(source: Source) -> ProbeReport:
            async with limit:
                return await _Probe(source, quick, gate, lax if source.insecure_tls else strict).run()

        return list(await asyncio.gather(*(one(s) for s in sources)))


class _Probe:
    def __init__(self, source: Source, settings: CrawlSettings, gate: HostGate, client: httpx.AsyncClient):
        self.source = source
        self.settings = settings
        self.gate = gate
        self.client = client
        self.report = ProbeReport(source.id, source.verified)
        self.delay = settings.delay if source.delay is None else source.delay

    async def _get(
        self,
        url: str,
        *,
        accept: tuple[str, ...] | None = None,
        max_bytes: int | None = None,
        off_host_redirects: bool = False,
        truncate: bool = False,
    ) -> FetchResult | None:
        async with self.gate.slot(url, self.delay):
            try:
                return await fetch(
                    self.client,
                    url,
                    self.settings,
                    accept=accept,
                    max_bytes=max_bytes,
                    off_host_redirects=off_host_redirects,
                    truncate=truncate,
                )
            except FetchError as exc:
                self.report.bad(_explain(exc))
                return None

    async def run(self) -> ProbeReport:
        if self.source.insecure_tls:
            self.report.note("TLS certificates are not verified for this source (insecure_tls = true)")
        robots = await self._robots()
        if robots is None:
            return self.report
        self.delay = max(self.delay, robots.crawl_delay() or 0.0)
        for url in self.source.listings:
            await self._listing(url, robots)
        for url in [*self.source.feeds, *self.source.sitemaps]:
            await self._feed(url, robots)
        return self.report

    async def _robots(self) -> Robots | None:
        parts = urlsplit(self.source.listings[0])
        url = f"{parts.scheme}://{parts.netloc}/robots.txt"
        result = await self._get(url, max_bytes=MAX_ROBOTS_BYTES, off_host_redirects=True, truncate=True)
        if result is None:
            return None
        if result.status >= 500 or result.status == 429:
            self.report.bad(f"{url}: HTTP {result.status}; RFC 9309 forbids crawling the host meanwhile")
            return None
        text = robots_text(decoded_body(result.final, MAX_ROBOTS_BYTES + 1), result.truncated)
        robots = Robots.from_status(result.status, text, self.settings.user_agent)
        details = [f"HTTP {result.status}"]
        if (delay := robots.crawl_delay()) is not None:
            details.append(f"Crawl-delay {delay:g} s")
        if robots.sitemaps:
            details.append("sitemaps: " + ", ".join(robots.sitemaps[:3]))
        self.report.good(f"{url}: " + "; ".join(details))
        return robots

    def _allowed(self, url: str, robots: Robots) -> bool:
        if robots.allowed(url):
            return True
        self.report.bad(f"{url}: disallowed by robots.txt")
        return False

    def _answered(self, url: str, result: FetchResult) -> bool:
        if result.off_host:
            self.report.bad(
                f"{url}: redirects to another host: {result.off_host} "
                "(a merged or renamed department? update the source)"
            )
            return False
        if result.status != 200:
            self.report.bad(f"{url}: HTTP {result.status}")
            return False
        return True

    async def _listing(self, url: str, robots: Robots) -> None:
        if not self._allowed(url, robots):
            return
        result = await self._get(url, accept=self.settings.page_types)
        if result is None or not self._answered(url, result):
            return
        body = decoded_text(result.final, self.settings.max_decoded)
        links = listing_links(body, result.final.url, self.source, self.settings.max_links_per_page)
        if not links.articles:
            doc = parse_html(body)
            hrefs = [str(a.get("href") or "") for a in doc.iter("a")] if doc is not None else []
            guesses = sum(looks_like_article(h) for h in hrefs)
            self.report.bad(
                f"{url}: no link matches article_pattern {self.source.article_pattern!r}"
                + (f" ({guesses} link(s) look like articles)" if guesses else "")
            )
            return
        paging = f"next page {links.next_page}" if links.next_page else "no next page found"
        self.report.good(f"{url}: HTTP 200, {len(links.articles)} article link(s), {paging}")

    async def _feed(self, url: str, robots: Robots) -> None:
        if not self._allowed(url, robots):
            return
        result = await self._get(url, accept=self.settings.feed_types, max_bytes=self.settings.max_feed_bytes)
        if result is None or not self._answered(url, result):
            return
        feed = parse_feed(decoded_body(result.final, self.settings.max_decoded), result.final.url)
        if feed.kind == "unknown":
            self.report.bad(f"{url}: not an RSS/Atom feed or a sitemap")
            return
        if feed.kind == "sitemapindex":
            self.report.good(f"{url}: sitemap index of {len(feed.entries)} sitemap(s)")
            return
        matching = [e for e in feed.entries if self.source.is_article_url(e.url)]
        if not matching:
            self.report.bad(
                f"{url}: {feed.kind} with {len(feed.entries)} entries, none matches article_pattern"
            )
            return
        self.report.good(f"{url}: {feed.kind}, {len(matching)} of {len(feed.entries)} entries are articles")


def _explain(exc: FetchError) -> str:
    text = str(exc)
    if "connection error" in text or "timeout" in text or "took longer" in text:
        return f"{text} (site down, moved, or no network from here?)"
    return text
