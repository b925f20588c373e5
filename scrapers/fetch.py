"""Fetching one URL politely and completely: the raw response, ready to be written to WARC.

Redirects are followed here (not by httpx) so that every hop is captured. The body is read raw (still
content-encoded, as it came over the wire) up to ``max_body`` bytes; :func:`decoded_body` undoes the
content encoding with the same limit, so a compression bomb is cut short instead of filling memory.
"""

from __future__ import annotations

import asyncio
import random
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

import httpx

from archive.warc import Exchange
from scrapers.errors import FetchError
from scrapers.settings import CrawlSettings

_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class FetchResult:
    """The final response of a fetch and every exchange on the way (redirect hops first)."""

    url: str
    exchanges: list[Exchange] = field(default_factory=list)

    @property
    def final(self) -> Exchange:
        return self.exchanges[-1]

    @property
    def status(self) -> int:
        return self.final.status

    def header(self, name: str) -> str | None:
        lname = name.lower()
        return next((v for k, v in self.final.response_headers if k.lower() == lname), None)


def make_client(settings: CrawlSettings, *, verify: bool = True) -> httpx.AsyncClient:
    """An httpx client with the crawler's identity and timeouts; redirects are handled by :func:`fetch`."""
    timeout = httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout)
    return httpx.AsyncClient(
        headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
        timeout=timeout,
        follow_redirects=False,
        verify=verify,
        trust_env=False,
    )


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP-date; None if invalid."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


async def _read_once(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], settings: CrawlSettings
) -> Exchange:
    captured_at = datetime.now(UTC)
    async with client.stream("GET", url, headers=headers) as response:
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_raw():
            size += len(chunk)
            if size > settings.max_body:
                raise FetchError(url, f"body larger than {settings.max_body} bytes", retryable=False)
            chunks.append(chunk)
        return Exchange(
            url=url,
            status=response.status_code,
            reason=response.reason_phrase,
            response_headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw],
            body=b"".join(chunks),
            request_headers=[
                (k.decode("latin-1"), v.decode("latin-1")) for k, v in response.request.headers.raw
            ],
            http_version=response.http_version,
            captured_at=captured_at,
        )


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    settings: CrawlSettings,
    *,
    conditional: dict[str, str] | None = None,
) -> FetchResult:
    """GET ``url`` following redirects, retrying transient failures with backoff and jitter.

    ``conditional`` holds If-None-Match / If-Modified-Since headers. Raises :class:`FetchError` when the
    URL cannot be fetched; HTTP error statuses (404, 500 after retries) are results, not errors.
    """
    exchanges: list[Exchange] = []
    current = url
    seen = {url}
    while True:
        exchange = await _fetch_with_retries(client, current, settings, conditional or {})
        exchanges.append(exchange)
        location = next((v for k, v in exchange.response_headers if k.lower() == "location"), None)
        if exchange.status not in (301, 302, 303, 307, 308) or not location:
            return FetchResult(url=url, exchanges=exchanges)
        if len(exchanges) > settings.max_redirects:
            raise FetchError(url, f"more than {settings.max_redirects} redirects", retryable=False)
        current = urljoin(current, location)
        if current in seen:
            raise FetchError(url, f"redirect loop at {current}", retryable=False)
        seen.add(current)


async def _fetch_with_retries(
    client: httpx.AsyncClient, url: str, settings: CrawlSettings, headers: dict[str, str]
) -> Exchange:
    attempt = 0
    while True:
        wait: float | None = None
        try:
            exchange = await _read_once(client, url, headers, settings)
        except httpx.TimeoutException as exc:
            error: FetchError = FetchError(url, f"timeout ({type(exc).__name__})")
        except (httpx.TransportError, httpx.DecodingError) as exc:
            error = FetchError(url, f"connection error: {exc or type(exc).__name__}")
        except httpx.InvalidURL as exc:
            raise FetchError(url, f"invalid URL: {exc}", retryable=False) from exc
        else:
            if exchange.status not in _RETRY_STATUS or attempt >= settings.retries:
                return exchange
            retry_after = next((v for k, v in exchange.response_headers if k.lower() == "retry-after"), None)
            wait = retry_after_seconds(retry_after)
            if wait is not None and wait > settings.max_retry_after:
                return exchange
            error = FetchError(url, f"HTTP {exchange.status}")
        if attempt >= settings.retries:
            raise error
        if wait is None:
            # Exponential backoff with full jitter, so many crawlers do not retry in lockstep.
            wait = settings.backoff * (2**attempt) * random.uniform(0.5, 1.0)
        attempt += 1
        await asyncio.sleep(wait)


def decoded_body(exchange: Exchange, limit: int) -> bytes:
    """The response body with its Content-Encoding undone, at most ``limit`` bytes."""
    encoding = next((v for k, v in exchange.response_headers if k.lower() == "content-encoding"), "")
    encoding = encoding.strip().lower()
    if encoding in ("gzip", "x-gzip", "deflate"):
        wbits = 47 if encoding != "deflate" else zlib.MAX_WBITS
        try:
            decompressor = zlib.decompressobj(wbits)
            return decompressor.decompress(exchange.body, limit)
        except zlib.error:
            if encoding == "deflate":  # some servers send raw deflate without the zlib header
                try:
                    return zlib.decompressobj(-zlib.MAX_WBITS).decompress(exchange.body, limit)
                except zlib.error:
                    return b""
            return b""
    return exchange.body[:limit]
