"""Memento (RFC 7089) for the API: URIs, Link headers, TimeMaps, and choosing a memento by datetime.

The URIs follow pywb's conventions, under ``/api/v1`` (the original URL appended as is, query included):

- TimeGate ``URI-G``: ``/api/v1/timegate/<URI-R>``
- TimeMap ``URI-T``:  ``/api/v1/timemap/link/<URI-R>``
- Memento ``URI-M``:  ``/api/v1/memento/<14-digit timestamp>/<URI-R>``

A memento is one line of the CDXJ index (:mod:`archive.cdxj`) for the original's SURT key: mementos of
``http://`` and ``https://``, ``www.`` and not, or of query strings in another order are the same
resource, as pywb also takes them. Datetimes have the index's resolution, one second.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import quote_from_bytes, unquote, urlsplit

from starlette.requests import Request

from api.parameters import PARAMETERS, bad_parameter
from api.routes.common import base_url
from archive.cdxj import CdxEntry, timestamp_datetime
from archive.errors import CdxError

LINK_FORMAT = "application/link-format"
MAX_URL = 4096
"""The longest original URL a Memento request may name, in characters."""
TIMEGATE = "api/v1/timegate/"
TIMEMAP = "api/v1/timemap/link/"
MEMENTO = "api/v1/memento/"
# Left as they are in a URI inside <…>: the unreserved and reserved characters and "%". Everything else
# (space, quotes, angle brackets, controls, non-ASCII bytes) is percent-encoded, so a URI is always a
# valid link target and a valid (ASCII) header value.
_URI_SAFE = "!#$%&'()*+,/:;=?@[]~-._"


def uri(raw: str | bytes) -> str:
    """``raw`` with every character that may not stand in a URI percent-encoded (UTF-8)."""
    data = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else raw
    return quote_from_bytes(data, safe=_URI_SAFE)


def http_date(moment: datetime) -> str:
    """An IMF-fixdate (``Fri, 05 Jan 2024 08:30:00 GMT``), as Memento-Datetime and datetime= take."""
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def original_url(request: Request, prefix: str) -> str:
    """The original URL a Memento request names after ``prefix`` (``api/v1/timegate/``…), query included,
    read from the raw request target. A URL sent percent-encoded as a whole (``http%3A%2F%2F…``) is
    decoded once; ``http:/x`` (a proxy merged the slashes) becomes ``http://x``; a URL without a scheme
    gets ``http://``. A 400 ``invalid-parameter`` (parameter ``url``) if no http(s) URL with a host is
    left."""
    raw_path: bytes = request.scope.get("raw_path") or request.url.path.encode("utf-8")
    root = request.scope.get("root_path", "").encode("utf-8")
    path = raw_path.removeprefix(root)
    marker = b"/" + prefix.encode("ascii")
    at = path.find(marker)
    target = path[at + len(marker) :] if at >= 0 else b""
    query: bytes = request.scope.get("query_string", b"")
    if query:
        target += b"?" + query
    url = uri(target)
    if re.match(r"(?i)https?%3A", url):
        url = uri(unquote(url))
    url = re.sub(r"(?i)^(https?):/+", lambda m: m.group(1).lower() + "://", url)
    if not re.match(r"(?i)[a-z][a-z0-9+.-]*://", url):
        url = "http://" + url
    parts = urlsplit(url)
    if len(url) > MAX_URL:
        raise bad_parameter("url", f"at most {MAX_URL} characters")
    try:
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port that is no number
    except ValueError:
        host = None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise bad_parameter("url", f"expected an http(s) URL after /{prefix}, got {url[:100]!r}")
    return url


def accept_datetime(request: Request) -> datetime | None:
    """The ``Accept-Datetime`` of the request (None if absent); a 400 problem if it is not an HTTP date
    (RFC 7089 §4.1)."""
    raw = request.headers.get("accept-datetime")
    if raw is None:
        return None
    try:
        moment = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError, OverflowError):
        moment = None
    if moment is None:
        raise bad_parameter("Accept-Datetime", f"expected an HTTP date, got {raw[:50]!r}")
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def partial_timestamp(raw: str) -> datetime:
    """A timestamp of 1 to 14 digits (``2024``, ``20240105``, …), missing digits taken as the earliest
    moment they allow (pywb pads the same way); a 400 problem otherwise."""
    PARAMETERS["timestamp"].read(raw)
    padded = raw + "00010101000000"[len(raw) :]
    try:
        return timestamp_datetime(padded)
    except CdxError:
        raise bad_parameter("timestamp", f"not a valid moment: {raw!r}") from None


def closest(entries: Sequence[CdxEntry], moment: datetime | None) -> CdxEntry:
    """The memento closest to ``moment`` (the latest when None; of two as close, the earlier). ``entries``
    is not empty and in timestamp order."""
    if moment is None:
        return entries[-1]
    return min(entries, key=lambda e: abs((e.datetime - moment).total_seconds()))


class Uris:
    """The Memento URIs of one original resource on this server."""

    def __init__(self, request: Request, original: str) -> None:
        self.base = str(base_url(request))  # the public URL when one is configured
        self.original = uri(original)

    @property
    def timegate(self) -> str:
        return self.base + TIMEGATE + self.original

    @property
    def timemap(self) -> str:
        return self.base + TIMEMAP + self.original

    def memento(self, entry: CdxEntry) -> str:
        return f"{self.base}{MEMENTO}{entry.timestamp}/{uri(entry.url)}"

    def links(self) -> str:
        """The ``Link`` header of a memento or TimeGate response: original, timegate, timemap."""
        return ", ".join(
            [
                f'<{self.original}>; rel="original"',
                f'<{self.timegate}>; rel="timegate"',
                f'<{self.timemap}>; rel="timemap"; type="{LINK_FORMAT}"',
            ]
        )

    def timemap_body(self, entries: Sequence[CdxEntry]) -> str:
        """The TimeMap (RFC 7089 §5.1.1, ``application/link-format`` RFC 6690): the original, this
        TimeMap with the span it covers, the TimeGate, then every memento with its datetime."""
        first, last = entries[0].datetime, entries[-1].datetime
        links = [
            f'<{self.original}>; rel="original"',
            f'<{self.timemap}>; rel="self"; type="{LINK_FORMAT}"; '
            f'from="{http_date(first)}"; until="{http_date(last)}"',
            f'<{self.timegate}>; rel="timegate"',
        ]
        for i, entry in enumerate(entries):
            rel = " ".join(
                [*(["first"] if i == 0 else []), *(["last"] if i == len(entries) - 1 else []), "memento"]
            )
            links.append(f'<{self.memento(entry)}>; rel="{rel}"; datetime="{http_date(entry.datetime)}"')
        return ",\n".join(links) + "\n"
