"""The raw WARC files: ``/api/v1/warcs`` lists them with sizes, SHA-256 and record counts, and
``/api/v1/warcs/{warc}`` serves one, with HTTP Range requests (206 and ``Content-Range``), a strong
``ETag`` and ``Repr-Digest`` (RFC 9530) from the SHA-256. Only names in the listing are ever opened.
``/api/v1/cdx`` serves the merged CDXJ index."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from api.problems import Problem, problem_response
from api.routes.common import absolute_url, context, model_response
from api.warc_models import WarcOut, WarcsOut
from archive.cdxindex import WarcFileInfo
from archive.errors import WarcError

_RANGE = re.compile(r"bytes=([0-9]{0,18})-([0-9]{0,18})")


def _not_found(name: str) -> Problem:
    return Problem(404, "warc-not-found", "WARC file not found", f"no WARC file named {name[:200]!r}")


def _listing(request: Request) -> WarcsOut:
    ctx = context(request)
    try:
        infos = ctx.warcs.list()
    except WarcError as exc:
        raise Problem(503, "capture-unreadable", "Capture unreadable", str(exc)) from None
    return WarcsOut(
        warcs=[
            WarcOut(
                name=info.warc,
                bytes=info.size,
                sha256=info.sha256,
                records=info.records,
                modified=datetime.fromtimestamp(info.mtime_ns / 1e9, UTC),
                url=absolute_url(request, "warc", warc=info.warc),
            )
            for info in infos
        ],
        cdx=absolute_url(request, "cdx") if ctx.cdx.path.is_file() else None,
    )


async def warcs(request: Request) -> Response:
    """Every complete WARC file, oldest first."""
    return model_response(await run_in_threadpool(_listing, request))


def single_range(header: str | None, size: int) -> tuple[int, int] | str | None:
    """How to answer a ``Range`` header for a file of ``size`` bytes: ``(first, last)`` inclusive for one
    satisfiable byte range, ``"unsatisfiable"`` (416), or None to send the whole file — no header, another
    unit, several ranges or a malformed one (RFC 9110 §14.2 lets a server ignore those)."""
    if header is None:
        return None
    match = _RANGE.fullmatch(header.strip())
    if match is None:
        return None
    first_raw, last_raw = match.groups()
    if not first_raw and not last_raw:
        return None
    if not first_raw:  # the last N bytes
        suffix = int(last_raw)
        if suffix == 0 or size == 0:
            return "unsatisfiable"
        return max(0, size - suffix), size - 1
    first = int(first_raw)
    if last_raw and int(last_raw) < first:
        return None  # invalid: ignored
    if first >= size:
        return "unsatisfiable"
    return first, min(int(last_raw) if last_raw else size - 1, size - 1)


class _WarcFileResponse(FileResponse):
    """Starlette's FileResponse, which serves ranges, after our reading of the ``Range`` header: an
    unsatisfiable range is a 416 problem, a range we ignore is dropped, a good one passed on normalized."""

    def __init__(self, path: str, info: WarcFileInfo, headers: dict[str, str], media_type: str) -> None:
        super().__init__(path, headers=headers, media_type=media_type)
        self.info = info

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = [(k, v) for k, v in scope["headers"] if k != b"range"]
        wanted = single_range(Headers(scope=scope).get("range"), self.info.size)
        if wanted == "unsatisfiable":
            problem = problem_response(
                416,
                "range-not-satisfiable",
                "Range not satisfiable",
                f"the file has {self.info.size} bytes",
            )
            problem.headers["Content-Range"] = f"bytes */{self.info.size}"
            await problem(scope, receive, send)
            return
        if isinstance(wanted, tuple):
            raw.append((b"range", f"bytes={wanted[0]}-{wanted[1]}".encode("ascii")))
        await super().__call__({**scope, "headers": raw}, receive, send)


async def warc(request: Request) -> Response:
    """One WARC file, as stored (``.warc.gz``: gzip members, one per record — offsets in the CDXJ index
    are byte offsets in this file)."""
    name = request.path_params["warc"]
    ctx = context(request)
    try:
        info = await run_in_threadpool(ctx.warcs.info, name)
    except WarcError as exc:
        raise Problem(503, "capture-unreadable", "Capture unreadable", str(exc)) from None
    path = ctx.warcs.path(name)
    if info is None or path is None:
        raise _not_found(name)
    etag = f'"sha256-{info.sha256}"'
    digest = base64.b64encode(bytes.fromhex(info.sha256)).decode("ascii")
    headers = {
        "ETag": etag,
        "Repr-Digest": f"sha-256=:{digest}:",
        "Cache-Control": "public, max-age=86400, immutable",
        "Content-Disposition": f'attachment; filename="{name}"',
    }
    match = request.headers.get("if-none-match", "")
    if etag in [tag.strip().removeprefix("W/") for tag in match.split(",")]:
        kept = {k: v for k, v in headers.items() if k != "Content-Disposition"}
        return Response(status_code=304, headers=kept)
    media = "application/warc" if name.endswith(".warc") else "application/gzip"
    return _WarcFileResponse(str(path), info, headers, media)


async def cdx(request: Request) -> Response:
    """The merged CDXJ index of the complete WARC files (``deptnews cdx`` or a crawl writes it)."""
    path = context(request).cdx.path
    if not path.is_file():
        raise Problem(404, "not-archived", "Not archived", "no CDXJ index yet: run deptnews cdx")
    return FileResponse(path, media_type="text/plain; charset=utf-8", headers={"Cache-Control": "no-cache"})


routes = [
    Route("/api/v1/warcs", warcs, name="warcs"),
    Route("/api/v1/warcs/{warc}", warc, name="warc"),
    Route("/api/v1/cdx", cdx, name="cdx"),
]
