"""One error shape for every 4xx/5xx: RFC 9457 ``application/problem+json``.

``{"type": "about:blank" | "/problems/<slug>", "title": "...", "status": 400, "detail": "..."}``; the
``type`` slug is stable and documented so clients can branch on it.
"""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

PROBLEM_TYPE = "application/problem+json"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}
"""What every response carries unless it sets the header itself (see
:class:`api.middleware.SecurityHeadersMiddleware`): no type sniffing, and as content nothing to load,
run or frame. Problem documents carry them themselves: a 500 is answered outside the middleware."""


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


async def handle_unexpected(request: Request, exc: Exception) -> Response:
    # Never a traceback to the client; the server log has it (Starlette's ServerErrorMiddleware logs).
    return problem_response(500, "internal", "Internal server error", "An unexpected error occurred.")
