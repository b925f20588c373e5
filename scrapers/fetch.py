"""Fetching one URL politely and completely: the raw response, ready to be written to WARC.

Redirects are followed here (not by httpx) so that every hop is captured. The body is read raw (still
content-encoded, as it came over the wire) up to a byte limit — refused outright when ``Content-Length``
announces more, or cut at it on request (robots.txt) — and within ``total_timeout`` per attempt and
``url_budget`` per URL (every attempt, the waits between them and redirect hops), so neither a huge nor
a trickling body can exhaust us.
:func:`decoded_body` undoes the content encoding with a limit, so a compression bomb is cut short.
A response of a type the caller does not accept is refused before its body is read.
"""

from __future__ import annotations

import asyncio
import random
import ssl
import zlib
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import httpx

from archive.parse.text import decode_html
from archive.urls import same_host
from archive.warc import Exchange
from scrapers.errors import FetchError, TooLarge, UnwantedContent
from scrapers.settings import CrawlSettings

_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class FetchResult:
    """The final response of a fetch and every exchange on the way (redirect hops first).

    ``off_host`` is set when the last response redirects to another host, which is not followed;
    ``truncated`` when the final body was cut at the byte limit (a fetch with ``truncate``).
    """

    url: str
    exchanges: list[Exchange] = field(default_factory=list)
    off_host: str | None = None
    truncated: bool = False

    @property
    def final(self) -> Exchange:
        return self.exchanges[-1]

    @property
    def status(self) -> int:
        return self.final.status

    def header(self, name: str) -> str | None:
        return header(self.final, name)


def header(exchange: Exchange, name: str) -> str | None:
    """A response header of ``exchange`` (first one, case-insensitive)."""
    lname = name.lower()
    return next((v for k, v in exchange.response_headers if k.lower() == lname), None)


def media_type(value: str | None) -> str | None:
    """``text/html; charset=utf-8`` → ``text/html``; None for a missing or empty header."""
    if not value:
        return None
    return value.split(";", 1)[0].strip().lower() or None


def make_client(settings: CrawlSettings, *, verify: bool = True) -> httpx.AsyncClient:
    """An httpx client with the crawler's identity and timeouts; redirects are handled by :func:`fetch`."""
    timeout = httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout)
    return httpx.AsyncClient(
        headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
        timeout=timeout,
        follow_redirects=False,
        verify=verify,
        trust_env=False,
        limits=httpx.Limits(max_connections=64, max_keepalive_connections=16),
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


def _server_ip(response: httpx.Response) -> str | None:
    stream = response.extensions.get("network_stream")
    try:
        address = stream.get_extra_info("server_addr") if stream is not None else None
    except Exception:  # a transport without socket info: the WARC record simply has no IP header
        return None
    return str(address[0]) if isinstance(address, tuple) and address else None


async def _read_once(
    client: httpx.AsyncClient,
    url: str,
    headers: dict[str, str],
    limit: int,
    accept: Collection[str] | None,
    truncate: bool,
) -> tuple[Exchange, bool]:
    captured_at = datetime.now(UTC)
    truncated = False
    async with client.stream("GET", url, headers=headers) as response:
        response_headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw]
        declared = response.headers.get("content-length", "")
        if not truncate and declared.isdigit() and int(declared) > limit:
            raise TooLarge(url, f"body larger than {limit} bytes ({int(declared)} announced)")
        kind = media_type(response.headers.get("content-type"))
        if accept is not None and response.status_code == 200 and kind is not None and kind not in accept:
            raise UnwantedContent(url, kind, response.status_code)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_raw():
            if size + len(chunk) > limit:
                if not truncate:
                    raise TooLarge(url, f"body larger than {limit} bytes")
                # Keep the first ``limit`` bytes and stop reading; closing the stream drops the rest.
                chunks.append(chunk[: limit - size])
                truncated = True
                break
            size += len(chunk)
            chunks.append(chunk)
        exchange = Exchange(
            url=url,
            status=response.status_code,
            reason=response.reason_phrase,
            response_headers=response_headers,
            body=b"".join(chunks),
            request_headers=[
                (k.decode("latin-1"), v.decode("latin-1")) for k, v in response.request.headers.raw
            ],
            http_version=response.http_version,
            captured_at=captured_at,
            ip_address=_server_ip(response),
        )
        return exchange, truncated


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    settings: CrawlSettings,
    *,
    conditional: dict[str, str] | None = None,
    accept: Collection[str] | None = None,
    max_bytes: int | None = None,
    off_host_redirects: bool = False,
    redirect_hosts: Collection[str] = (),
    truncate: bool = False,
) -> FetchResult:
    """GET ``url`` following redirects, retrying transient failures with backoff and jitter.

    ``conditional`` holds If-None-Match / If-Modified-Since headers (sent to the first URL only);
    ``accept`` the media types a 200 may have (a missing Content-Type is accepted); ``max_bytes`` the
    body limit (default ``settings.max_body``): a larger body is refused, or with ``truncate`` cut at
    the limit (``FetchResult.truncated``). Redirects to another host are followed only with
    ``off_host_redirects`` (robots.txt) or to a host named in ``redirect_hosts`` (an attachment's file
    server); otherwise the result stops there with ``off_host`` set.
    The whole fetch — every attempt, the waits between them, every redirect hop — takes at most
    ``settings.url_budget`` seconds; then it gives up with a retryable :class:`FetchError`.
    Raises :class:`FetchError` when the URL cannot be fetched; HTTP error statuses (404, 500 after
    retries) are results, not errors.
    """
    exchanges: list[Exchange] = []
    current = url
    chain = [url]
    headers = dict(conditional or {})
    limit = max_bytes or settings.max_body
    deadline = asyncio.get_running_loop().time() + settings.url_budget
    while True:
        exchange, truncated = await _fetch_with_retries(
            client, current, settings, headers, limit, accept, truncate, deadline
        )
        exchanges.append(exchange)
        location = header(exchange, "location")
        if exchange.status not in _REDIRECTS or not location:
            return FetchResult(url=url, exchanges=exchanges, truncated=truncated)
        target = urljoin(current, location.strip())
        if not (off_host_redirects or same_host(target, url) or urlsplit(target).netloc in redirect_hosts):
            return FetchResult(url=url, exchanges=exchanges, off_host=target)
        if target in chain:
            raise FetchError(url, f"redirect loop: {' → '.join([*chain, target])}", retryable=False)
        if len(exchanges) > settings.max_redirects:
            raise FetchError(url, f"more than {settings.max_redirects} redirects: {' → '.join(chain)}")
        chain.append(target)
        current = target
        headers = {}


async def _fetch_with_retries(
    client: httpx.AsyncClient,
    url: str,
    settings: CrawlSettings,
    headers: dict[str, str],
    limit: int,
    accept: Collection[str] | None,
    truncate: bool,
    deadline: float,
) -> tuple[Exchange, bool]:
    loop = asyncio.get_running_loop()
    attempt = 0
    while True:
        if loop.time() >= deadline:
            raise _out_of_time(url, settings)
        # Each attempt ends at its own timeout or at the URL's deadline, whichever comes first.
        ends = min(loop.time() + settings.total_timeout, deadline)
        try:
            async with asyncio.timeout_at(ends):
                exchange, truncated = await _read_once(client, url, headers, limit, accept, truncate)
        except TimeoutError:
            if ends >= deadline:
                raise _out_of_time(url, settings) from None
            error = FetchError(url, f"took longer than {settings.total_timeout:g} s")
        except httpx.TimeoutException as exc:
            error = FetchError(url, f"timeout ({type(exc).__name__})")
        except httpx.ConnectError as exc:
            if _is_certificate_error(exc):
                raise FetchError(
                    url,
                    f"TLS certificate not accepted ({exc}); if the site's chain is known to be broken, "
                    "set insecure_tls = true for the source",
                    retryable=False,
                ) from exc
            error = FetchError(url, f"connection error: {exc or type(exc).__name__}")
        except (httpx.TransportError, httpx.DecodingError) as exc:
            error = FetchError(url, f"connection error: {exc or type(exc).__name__}")
        except httpx.InvalidURL as exc:
            raise FetchError(url, f"invalid URL: {exc}", retryable=False) from exc
        else:
            if exchange.status not in _RETRY_STATUS or attempt >= settings.retries:
                return exchange, truncated
            asked = retry_after_seconds(header(exchange, "retry-after"))
            if asked is not None and asked > settings.max_retry_after:
                return exchange, truncated  # not waited out: the URL is tried again in a later run
            wait = _backoff(settings, attempt) if asked is None else asked
            if loop.time() + wait >= deadline:
                return exchange, truncated  # no time left to wait: this answer stands
            attempt += 1
            await asyncio.sleep(wait)
            continue
        if attempt >= settings.retries:
            raise error
        wait = _backoff(settings, attempt)
        if loop.time() + wait >= deadline:
            raise _out_of_time(url, settings, error.message)
        attempt += 1
        await asyncio.sleep(wait)


def _backoff(settings: CrawlSettings, attempt: int) -> float:
    """Exponential backoff with full jitter, so many crawlers do not retry in lockstep."""
    return float(settings.backoff * (2**attempt) * random.uniform(0.5, 1.0))


def _out_of_time(url: str, settings: CrawlSettings, last: str | None = None) -> FetchError:
    """The URL's time budget is spent (retryable: a later run tries again); ``last``: the last error."""
    reason = f"gave up after its time budget (url_budget {settings.url_budget:g} s)"
    return FetchError(url, f"{last}; {reason}" if last else reason)


def _is_certificate_error(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def decoded_text(exchange: Exchange, limit: int) -> str:
    """The response body as text: Content-Encoding undone (:func:`decoded_body`), then decoded with the
    charset of its ``Content-Type`` header, its ``<meta charset>`` or detection, as the parser does."""
    return decode_html(decoded_body(exchange, limit), header(exchange, "content-type")).text


def decoded_body(exchange: Exchange, limit: int) -> bytes:
    """The response body with its Content-Encoding undone, at most ``limit`` bytes."""
    encoding = (header(exchange, "content-encoding") or "").strip().lower()
    if encoding in ("gzip", "x-gzip", "deflate"):
        wbits = 47 if encoding != "deflate" else zlib.MAX_WBITS
        try:
            return zlib.decompressobj(wbits).decompress(exchange.body, limit)
        except zlib.error:
            if encoding == "deflate":  # some servers send raw deflate without the zlib header
                try:
                    return zlib.decompressobj(-zlib.MAX_WBITS).decompress(exchange.body, limit)
                except zlib.error:
                    return b""
            return b""
    return exchange.body[:limit]
