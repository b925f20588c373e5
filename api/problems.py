"""One error shape for every 4xx/5xx: RFC 9457 ``application/problem+json``.

``{"type": "/problems/<slug>", "title": "...", "status": 400, "detail": "..."}``; the ``type`` slug is
stable and documented so clients can branch on it. :data:`PROBLEM_TYPES` is the one list of them: the
title every problem of a type carries comes from it, and ``/problems/<slug>`` (the ``type`` URI,
resolved against the request's URL) describes the type from it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from index.errors import IndexUnavailable

PROBLEM_TYPE = "application/problem+json"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}
"""What every response carries unless it sets the header itself (see
:class:`api.middleware.SecurityHeadersMiddleware`): no type sniffing, and as content nothing to load,
run or frame. Problem documents carry them themselves: a 500 is answered outside the middleware."""

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProblemType:
    """A kind of error: the slug of its ``type`` URI, its HTTP status, title and what it means."""

    slug: str
    status: int
    title: str
    description: str

    @property
    def uri(self) -> str:
        return f"/problems/{self.slug}"


PROBLEM_TYPES: dict[str, ProblemType] = {
    t.slug: t
    for t in (
        ProblemType(
            "invalid-parameter",
            400,
            "Invalid parameter",
            "A query or path parameter has a value its definition in /openapi.json refuses, is unknown, "
            "or is combined with one it cannot go with (date_from after date_to, cursor with offset, bom "
            "without format=csv). 'parameter' names it; 'detail' says what was expected.",
        ),
        ProblemType(
            "invalid-query",
            400,
            "Invalid query",
            "The query cannot be read by the query language (for instance only operators, '- OR'), or "
            "the paging cursor is not one this server made. Change the query or start paging again.",
        ),
        ProblemType("record-not-found", 404, "Record not found", "No record has this id."),
        ProblemType(
            "version-not-found",
            404,
            "Version not found",
            "The record exists but has fewer versions than the number asked for; 'parameter' names "
            "the parameter and 'detail' says how many versions there are.",
        ),
        ProblemType("source-not-found", 404, "Source not found", "No source of the registry has this id."),
        ProblemType("not-found", 404, "Not found", "Nothing is at this path (or no such dump file)."),
        ProblemType(
            "method-not-allowed",
            405,
            "Method not allowed",
            "The path exists but not for this HTTP method; the Allow header lists those it takes.",
        ),
        ProblemType(
            "rate-limited",
            429,
            "Too many requests",
            "This client sent more requests than the server's rate limit allows; wait the seconds the "
            "Retry-After header gives before the next one.",
        ),
        ProblemType(
            "http-error",
            400,
            "HTTP error",
            "The request was refused at the HTTP level for a reason without a type of its own; 'status' "
            "is the HTTP status.",
        ),
        ProblemType(
            "index-outdated",
            503,
            "Index needs a rebuild",
            "The search index was built by another version of deptnews; the operator must run "
            "`deptnews index --rebuild`. Records can still be fetched by id.",
        ),
        ProblemType(
            "not-ready",
            503,
            "Not ready",
            "The index cannot be searched yet (readiness probe); try again later.",
        ),
        ProblemType(
            "record-unreadable",
            503,
            "Record unreadable",
            "The record's file could not be read; the operator's `deptnews check` finds and repairs it.",
        ),
        ProblemType(
            "capture-unreadable",
            503,
            "Capture unreadable",
            "The archived capture of this version could not be read from its WARC file; the record "
            "itself is still served.",
        ),
        ProblemType(
            "not-archived",
            404,
            "Not archived",
            "The archive holds no capture of this URL (or of this attachment), or its CDXJ index has not "
            "been built yet (`deptnews cdx`).",
        ),
        ProblemType(
            "attachment-not-found",
            404,
            "Attachment not found",
            "The record has fewer attachments than the number asked for; 'detail' says how many it has.",
        ),
        ProblemType("warc-not-found", 404, "WARC file not found", "No complete WARC file has this name."),
        ProblemType(
            "range-not-satisfiable",
            416,
            "Range not satisfiable",
            "The Range header asks for bytes past the end of the file, or is malformed; Content-Range "
            "gives the file's size.",
        ),
        ProblemType(
            "internal",
            500,
            "Internal server error",
            "An unexpected error on the server; the server's log has it under the response's "
            "X-Request-ID. Please report it with that id.",
        ),
    )
}


class Problem(Exception):
    """Raise from a handler to answer with a problem document."""

    def __init__(self, status: int, slug: str, title: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.extra = extra


def problem_response(status: int, slug: str, title: str, detail: str, **extra: Any) -> JSONResponse:
    """The problem document; a registered type's title is the one of :data:`PROBLEM_TYPES`."""
    known = PROBLEM_TYPES.get(slug)
    if known is not None:
        title = known.title
    body = {"type": f"/problems/{slug}", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_TYPE, headers=SECURITY_HEADERS)


async def handle_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Problem)
    return problem_response(exc.status, exc.slug, exc.title, exc.detail, **exc.extra)


async def handle_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    slug = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
    title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "HTTP error")
    detail = exc.detail if exc.detail else title
    response = problem_response(exc.status_code, slug, title, str(detail))
    # Keep what the router says, e.g. the Allow header of a 405 (required by RFC 9110).
    response.headers.update(exc.headers or {})
    return response


async def handle_unavailable(request: Request, exc: Exception) -> Response:
    """The index's servers cannot answer now (PostgreSQL down, no node can serve): 503, try again. The
    client is told which node failed, never how: the driver's message names internal hosts and ports,
    so it goes to the server log only."""
    _log.warning("index unavailable: %s", exc)
    public = exc.public if isinstance(exc, IndexUnavailable) else "the index cannot answer now"
    response = problem_response(503, "not-ready", "Not ready", f"{public}; try again shortly.")
    response.headers["Retry-After"] = "5"
    return response


async def handle_unexpected(request: Request, exc: Exception) -> Response:
    # Never a traceback to the client; the server log has it (Starlette's ServerErrorMiddleware logs).
    return problem_response(500, "internal", "Internal server error", "An unexpected error occurred.")
