"""Polite GETs for onboarding a site, through the crawler's own fetcher (:func:`scrapers.fetch.fetch`).

robots.txt is fetched first for every host and obeyed (RFC 9309: an unreachable one, 5xx or 429, forbids
the host); requests to one host go one at a time through a shared :class:`~scrapers.politeness.HostGate`,
spaced by the crawl delay or robots.txt's Crawl-delay, whichever is larger; a site gets at most
``budget`` requests. Nothing is stored: onboarding only looks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

import httpx

from archive.parse.text import decode_html
from scrapers.errors import FetchError
from scrapers.fetch import decoded_body, fetch
from scrapers.politeness import HostGate, Robots, host_key
from scrapers.robots import MAX_ROBOTS_BYTES, robots_text
from scrapers.settings import CrawlSettings


@dataclass(frozen=True)
class Page:
    """A fetched response, decoded: ``url`` is the final URL after same-host redirects."""

    url: str
    status: int
    body: bytes = field(repr=False)
    headers: list[tuple[str, str]]
    captured_at: datetime

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    @property
    def text(self) -> str:
        """The body decoded as the parser decodes it (HTTP charset, ``<meta charset>``, detection)."""
        return decode_html(self.body, self.header("content-type")).text


class SiteClient:
    """GETs for one site being onboarded; ``problems`` says what could not be fetched and why."""

    def __init__(
        self,
        settings: CrawlSettings,
        client: httpx.AsyncClient,
        gate: HostGate,
        *,
        budget: int,
        on_fetch: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self.client = client
        self.gate = gate
        self.budget = budget
        self.on_fetch = on_fetch
        self.fetched = 0
        self.problems: list[str] = []
        self.disallowed: list[str] = []
        self._robots: dict[str, Robots | None] = {}

    def _note(self, message: str) -> None:
        if message not in self.problems:
            self.problems.append(message)

    async def robots(self, url: str) -> Robots | None:
        """The robots.txt of ``url``'s host (fetched once); None when the host may not be crawled."""
        key = host_key(url)
        if key not in self._robots:
            self._robots[key] = await self._fetch_robots(url)
        return self._robots[key]

    async def _fetch_robots(self, url: str) -> Robots | None:
        if not self.settings.obey_robots:
            return Robots(None, allow_all=True)
        parts = urlsplit(url)
        robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
        try:
            async with self.gate.slot(robots_url, self.settings.delay):
                result = await fetch(
                    self.client,
                    robots_url,
                    self.settings,
                    max_bytes=MAX_ROBOTS_BYTES,
                    off_host_redirects=True,
                    truncate=True,
                )
        except FetchError as exc:
            self._note(f"{robots_url}: {exc}")
            return None
        self._count(robots_url)
        if result.status >= 500 or result.status == 429:
            self._note(f"{robots_url}: HTTP {result.status}; RFC 9309 forbids crawling the host meanwhile")
            return None
        text = robots_text(decoded_body(result.final, MAX_ROBOTS_BYTES + 1), result.truncated)
        return Robots.from_status(result.status, text, self.settings.user_agent)

    def _count(self, url: str) -> None:
        self.fetched += 1
        self.budget -= 1
        if self.on_fetch is not None:
            self.on_fetch(url)

    async def get(
        self, url: str, *, accept: tuple[str, ...] | None = None, max_bytes: int | None = None
    ) -> Page | None:
        """``url`` fetched politely; None when robots.txt forbids it, the budget is spent or it failed
        (the reason is in :attr:`problems`, or :attr:`disallowed`)."""
        robots = await self.robots(url)
        if robots is None:
            return None
        if not robots.allowed(url):
            self.disallowed.append(url)
            return None
        if self.budget <= 0:
            self._note(f"request budget spent before {url}")
            return None
        delay = max(self.settings.delay, robots.crawl_delay() or 0.0)
        try:
            async with self.gate.slot(url, delay):
                result = await fetch(self.client, url, self.settings, accept=accept, max_bytes=max_bytes)
        except FetchError as exc:
            self._count(url)
            self._note(str(exc))
            return None
        self._count(url)
        if result.off_host is not None:
            self._note(f"{url}: redirects to another host: {result.off_host}")
            return None
        final = result.final
        headers = [(k, v) for k, v in final.response_headers if k.lower() != "content-encoding"]
        limit = max_bytes or self.settings.max_decoded
        return Page(final.url, final.status, decoded_body(final, limit), headers, final.captured_at)
