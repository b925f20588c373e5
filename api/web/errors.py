"""Friendly HTML error pages for the web routes (the JSON API keeps its problem documents).

:func:`html_errors` wraps a page handler: a :class:`~api.problems.Problem` it raises (bad parameter,
unknown record, index unavailable) becomes an HTML page with the same status and the problem's detail;
anything unexpected is logged and becomes a 500 page without internals.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from api.params import bad_parameter
from api.problems import Problem
from api.web.i18n import DEFAULT_LANG, from_accept_language
from api.web.render import Page

log = logging.getLogger("deptnews.web")

Handler = Callable[[Request], Awaitable[Response]]
_KNOWN_STATUSES = (400, 404, 503, 500)


def check_params(request: Request, allowed: tuple[str, ...]) -> None:
    """A 400 problem naming the first query parameter not in ``allowed`` (a typo is never ignored)."""
    unknown = sorted(set(request.query_params) - set(allowed))
    if unknown:
        raise bad_parameter(unknown[0], f"unknown parameter; known parameters: {', '.join(allowed)}")


def error_page(request: Request, status: int, detail: str | None) -> Response:
    """The error page for ``status``; ``detail`` (the technical reason, in English) is shown as is."""
    try:
        page = Page(request)
    except Problem:  # the request's own ``lang`` is invalid: fall back to its Accept-Language
        page = Page(
            request, lang=from_accept_language(request.headers.get("accept-language", "")) or DEFAULT_LANG
        )
    key = str(status) if status in _KNOWN_STATUSES else "other"
    return page.render(
        "error.html",
        status=status,
        status_code=status,
        title=page.t(f"error.{key}.title"),
        explanation=page.t(f"error.{key}.text"),
        detail=detail,
    )


def html_errors(handler: Handler) -> Handler:
    """``handler`` answering with an HTML error page instead of raising."""

    @functools.wraps(handler)
    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except Problem as exc:
            return error_page(request, exc.status, exc.detail)
        except Exception:
            # The log has the traceback; the reader gets a page without internals.
            log.exception("web page %s failed", request.url.path)
            return error_page(request, 500, None)

    return wrapped
