"""Per-host politeness: a bounded number of requests in flight per host, spaced by a delay, and robots.txt."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

from scrapers.robots import RobotsRules, product_token


def host_key(url: str) -> str:
    """The unit of politeness: scheme, host and port."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{parts.port or ''}"


class HostGate:
    """Limits requests per host: at most ``concurrency`` at once, starts spaced ``delay`` seconds apart.

    The first caller for a host fixes its concurrency for the life of the gate (one gate per run).
    """

    def __init__(self) -> None:
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._spacing: dict[str, asyncio.Lock] = {}
        self._last: dict[str, float] = {}

    @asynccontextmanager
    async def slot(self, url: str, delay: float, concurrency: int = 1) -> AsyncIterator[None]:
        key = host_key(url)
        slots = self._slots.setdefault(key, asyncio.Semaphore(max(1, concurrency)))
        spacing = self._spacing.setdefault(key, asyncio.Lock())
        async with slots:
            async with spacing:
                wait = self._last.get(key, float("-inf")) + delay - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                self._last[key] = time.monotonic()
            yield


class Robots:
    """robots.txt of one host for our User-Agent (RFC 9309: 4xx allows everything, 5xx or no answer
    allows nothing)."""

    def __init__(self, text: str | None, *, allow_all: bool = False, user_agent: str = "deptnews") -> None:
        if text is not None:
            self._rules = RobotsRules.parse(text)
        else:
            self._rules = RobotsRules.allow_all() if allow_all else RobotsRules.disallow_all()
        self._token = product_token(user_agent)

    @classmethod
    def from_status(cls, status: int, text: str, user_agent: str) -> Robots:
        if 200 <= status < 300:
            return cls(text, user_agent=user_agent)
        if 400 <= status < 500:
            return cls(None, allow_all=True, user_agent=user_agent)
        return cls(None, user_agent=user_agent)

    def allowed(self, url: str) -> bool:
        return self._rules.allowed(url, self._token)

    def crawl_delay(self) -> float | None:
        return self._rules.crawl_delay(self._token)

    @property
    def sitemaps(self) -> list[str]:
        """``Sitemap:`` URLs the file names (discovery hints for ``sources check``)."""
        return list(self._rules.sitemaps)
