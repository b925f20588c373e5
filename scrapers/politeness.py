"""Per-host politeness: one request at a time per host, a delay between them, and robots.txt."""

from __future__ import annotations

import asyncio
import time
import urllib.robotparser
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit


def host_key(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{parts.port or ''}"


class HostGate:
    """Serializes requests per host and spaces them ``delay`` seconds apart (start to start)."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._last: dict[str, float] = {}

    @asynccontextmanager
    async def slot(self, url: str, delay: float) -> AsyncIterator[None]:
        key = host_key(url)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            wait = self._last.get(key, float("-inf")) + delay - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._last[key] = time.monotonic()
            yield


class Robots:
    """A parsed robots.txt for one host (RFC 9309: 4xx allows everything, 5xx or no answer allows nothing)."""

    def __init__(self, text: str | None, *, allow_all: bool = False, user_agent: str = "deptnews") -> None:
        self._parser = urllib.robotparser.RobotFileParser()
        self._agent = user_agent
        if text is None:
            text = "User-agent: *\nDisallow:" if allow_all else "User-agent: *\nDisallow: /"
        self._parser.parse(text.splitlines())

    @classmethod
    def from_status(cls, status: int, text: str, user_agent: str) -> Robots:
        if 200 <= status < 300:
            return cls(text, user_agent=user_agent)
        if 400 <= status < 500:
            return cls(None, allow_all=True, user_agent=user_agent)
        return cls(None, user_agent=user_agent)

    def allowed(self, url: str) -> bool:
        return self._parser.can_fetch(self._agent, url)

    def crawl_delay(self) -> float | None:
        delay = self._parser.crawl_delay(self._agent)
        return float(delay) if delay is not None else None
