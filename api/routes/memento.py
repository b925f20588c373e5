"""Memento (RFC 7089) over the CDXJ index: a TimeGate, a TimeMap and the mementos themselves.

- ``GET /api/v1/timegate/<URI-R>``: 302 to the memento closest to ``Accept-Datetime`` (default: the
  latest), ``Vary: accept-datetime``, ``Link`` to the original, the TimeGate and the TimeMap.
- ``GET /api/v1/timemap/link/<URI-R>``: every memento with its datetime, ``application/link-format``.
- ``GET /api/v1/memento/<timestamp>/<URI-R>``: the archived response captured at that second, its payload
  with the original content type, sandboxed (:mod:`api.archived`), with ``Memento-Datetime`` and ``Link``;
  another timestamp (1 to 14 digits) is a 302 to the closest memento, as in pywb.

A URL never captured is a 404 ``not-archived`` problem. The query string of these URIs is the original
URL's, so no query parameter is refused. See :mod:`api.memento` for the URIs.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.archived import captures, payload_entry, read, sandboxed
from api.memento import (
    LINK_FORMAT,
    MEMENTO,
    TIMEGATE,
    TIMEMAP,
    Uris,
    accept_datetime,
    closest,
    http_date,
    original_url,
    partial_timestamp,
)


async def timegate(request: Request) -> Response:
    """302 to the memento closest to Accept-Datetime (RFC 7089 §4.1, pattern 2: URI-G ≠ URI-R)."""
    url = original_url(request, TIMEGATE)
    wanted = accept_datetime(request)
    entries = await captures(request, url)
    uris = Uris(request, url)
    chosen = closest(entries, wanted)
    headers = {
        "Location": uris.memento(chosen),
        "Vary": "accept-datetime",
        "Link": uris.links(),
        "Cache-Control": "no-cache",
    }
    return Response(status_code=302, headers=headers)


async def timemap(request: Request) -> Response:
    """Every memento of the original resource, oldest first (RFC 7089 §5)."""
    url = original_url(request, TIMEMAP)
    entries = await captures(request, url)
    body = Uris(request, url).timemap_body(entries)
    return Response(body, media_type=LINK_FORMAT, headers={"Cache-Control": "no-cache"})


async def memento(request: Request) -> Response:
    """The memento captured at ``timestamp`` (14 digits), or a 302 to the closest one."""
    timestamp = request.path_params["timestamp"]
    moment = partial_timestamp(timestamp)
    url = original_url(request, f"{MEMENTO}{timestamp}/")
    entries = await captures(request, url)
    uris = Uris(request, url)
    exact = [e for e in entries if e.timestamp == timestamp]
    if not exact:
        target = uris.memento(closest(entries, moment))
        return Response(status_code=302, headers={"Location": target, "Link": uris.links()})
    entry = exact[-1]
    capture = await read(request, payload_entry(entries, entry))
    headers = {
        "Memento-Datetime": http_date(entry.datetime),
        "Link": uris.links(),
        "Cache-Control": "public, max-age=86400, immutable",
    }
    return sandboxed(capture, headers=headers, status=entry.status or capture.ref.status)


routes = [
    Route("/api/v1/timegate/{url:path}", timegate, name="timegate"),
    Route("/api/v1/timemap/link/{url:path}", timemap, name="timemap"),
    Route("/api/v1/memento/{timestamp}/{url:path}", memento, name="memento"),
]
