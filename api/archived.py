"""Serving archived bytes from our origin without letting them act: the CDXJ lookups behind the Memento
and attachment endpoints, and the sandboxed response they answer with.

An archived payload may hold anything a department site ever served, script included. It is sent as the
record capture endpoint (:func:`api.routes.records.capture`) sends it: under :data:`CAPTURE_CSP` (sandboxed:
no script, no forms, no same-origin; nothing loaded), never sniffed, and as a download unless it is HTML
or plain text — those two are shown inline, sandboxed, as the capture view shows them.
"""

from __future__ import annotations

from urllib.parse import quote, unquote, urljoin, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from api.problems import Problem
from api.routes.common import context
from api.routes.records import CAPTURE_CSP
from archive.cdxj import CdxEntry, lookup, surt_key
from archive.errors import CdxError, WarcError
from archive.model import CaptureRef
from archive.warc import Capture, read_capture

INLINE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
"""Shown inline (sandboxed); every other type is a download (the capture endpoint's rule)."""
MAX_REDIRECTS = 5


def not_archived(url: str) -> Problem:
    return Problem(404, "not-archived", "Not archived", f"no capture of {url[:300]} in the archive's index")


def unreadable(exc: Exception) -> Problem:
    return Problem(503, "capture-unreadable", "Capture unreadable", str(exc))


async def captures(request: Request, url: str) -> list[CdxEntry]:
    """Every capture of ``url`` (its SURT key) in the CDXJ index, oldest first; a 404 ``not-archived``
    problem when there is none (or ``url`` has no SURT key), 503 when the index cannot be read."""
    try:
        key = surt_key(url)
    except CdxError:
        raise not_archived(url) from None
    try:
        found = await run_in_threadpool(lookup, context(request).cdx.path, key)
    except CdxError as exc:
        raise unreadable(exc) from None
    if not found:
        raise not_archived(url)
    return found


def payload_entry(entries: list[CdxEntry], entry: CdxEntry) -> CdxEntry:
    """The capture holding ``entry``'s payload: itself, or for a revisit the latest earlier response of the
    same key with the same digest (the capture the revisit refers to); itself if none is indexed."""
    if not entry.revisit:
        return entry
    originals = [
        e for e in entries if not e.revisit and e.digest == entry.digest and e.timestamp <= entry.timestamp
    ]
    return originals[-1] if originals else entry


async def read(request: Request, entry: CdxEntry) -> Capture:
    """The capture an index entry points at, read from its WARC file (503 if it cannot be)."""
    ref = CaptureRef(
        url=entry.url,
        captured_at=entry.datetime,
        status=entry.status or 0,
        warc_file=entry.filename,
        offset=entry.offset,
        length=entry.length,
        warc_record_id="",
    )
    try:
        return await run_in_threadpool(read_capture, context(request).home.warc_dir, ref)
    except WarcError as exc:
        raise unreadable(exc) from None


async def latest_file(request: Request, url: str) -> tuple[CdxEntry, Capture]:
    """The latest successful (2xx) capture of ``url``, following archived redirects (at most
    :data:`MAX_REDIRECTS`); a 404 ``not-archived`` problem when there is none."""
    for _ in range(MAX_REDIRECTS + 1):
        entries = await captures(request, url)
        ok = [e for e in entries if e.status is not None and 200 <= e.status < 300]
        if ok:
            entry = ok[-1]
            return entry, await read(request, payload_entry(entries, entry))
        moved = [e for e in entries if e.status is not None and 300 <= e.status < 400]
        if not moved:
            break
        hop = await read(request, moved[-1])
        location = next((v for k, v in hop.headers if k.lower() == "location"), None)
        if not location:
            break
        url = urljoin(hop.url, location)
    raise not_archived(url)


def download_name(url: str) -> str:
    """A ``Content-Disposition`` value naming the file after the last segment of ``url``'s path
    (RFC 6266: an ASCII ``filename`` and the exact name in ``filename*``)."""
    segment = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]) or "attachment"
    exact = "".join(c for c in segment if c.isprintable() and c not in '"\\/')[:200] or "attachment"
    plain = "".join(c if c.isascii() and c.isprintable() and c not in "%;" else "_" for c in exact)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(exact, safe='')}"


def sandboxed(
    capture: Capture, *, headers: dict[str, str], download: bool = False, status: int | None = None
) -> Response:
    """The archived payload of ``capture`` with its original content type, sandboxed; a download when
    ``download`` or when its type is not shown inline."""
    content_type = capture.content_type or "application/octet-stream"
    if not (content_type.isascii() and content_type.isprintable()):
        content_type = "application/octet-stream"  # a header value must be ASCII; this one cannot be sent
    out = {
        "Content-Security-Policy": CAPTURE_CSP,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cross-Origin-Resource-Policy": "same-origin",
        "X-Deptnews-Original-Status": str(status if status is not None else capture.ref.status),
        **headers,
    }
    if download or not content_type.split(";")[0].strip().lower().startswith(INLINE_TYPES):
        out.setdefault("Content-Disposition", download_name(capture.url) if download else "attachment")
    return Response(capture.body, media_type=content_type, headers=out)
