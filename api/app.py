"""The Starlette application: ``create_app(home, sources_file, settings)``; ``deptnews serve`` runs it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import Response
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api.context import ApiContext
from api.middleware import RateLimitMiddleware, RequestIdMiddleware, SecurityHeadersMiddleware
from api.problems import Problem, handle_http, handle_problem, handle_unavailable, handle_unexpected
from api.routes import all_routes
from api.settings import ApiSettings
from archive.home import DataHome
from index.errors import IndexUnavailable
from index.settings import IndexSettings

_MACHINE_PATHS = ("/api/", "/dumps/", "/openapi.json", "/healthz", "/readyz")


async def handle_http_negotiated(request: Request, exc: Exception) -> Response:
    """A person's browser gets the web error page for an unknown page; programs get problem+json."""
    assert isinstance(exc, HTTPException)
    accepts_html = "text/html" in request.headers.get("accept", "")
    if accepts_html and not request.url.path.startswith(_MACHINE_PATHS):
        from api.web.errors import error_page  # the web package imports the routes: import late

        response = error_page(request, exc.status_code, str(exc.detail))
        response.headers.update(exc.headers or {})
        return response
    return await handle_http(request, exc)


def create_app(
    home: DataHome,
    *,
    sources_file: Path | None = None,
    settings: ApiSettings | None = None,
    index: IndexSettings | None = None,
) -> Starlette:
    """The API over one data home. Nothing is opened until the first request needs it; a commit to the
    index by another process is picked up by the next search, without a restart."""
    settings = settings or ApiSettings()
    ctx = ApiContext(
        home=home,
        settings=settings,
        sources_file=sources_file or home.sources_file,
        index=index or IndexSettings(),
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        ctx.close()

    middleware = [
        # First: from a trusted proxy, the client is the one it names in X-Forwarded-For (and the
        # scheme in X-Forwarded-Proto), for the log, the links and the rate limiter's buckets alike.
        Middleware(ProxyHeadersMiddleware, trusted_hosts=settings.forwarded_allow_ips),
        Middleware(RequestIdMiddleware),
        Middleware(SecurityHeadersMiddleware),
    ]
    if settings.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET"], max_age=3600
            )
        )
    if settings.rate_limit > 0:
        middleware.append(
            Middleware(RateLimitMiddleware, rate=settings.rate_limit, burst=settings.rate_burst)
        )
    # Level 1 (as nginx's default): a 15 KB search response compresses in ~0.1 ms instead of ~0.35 ms
    # at Starlette's default 9, for 12 % more bytes.
    middleware.append(Middleware(GZipMiddleware, minimum_size=1024, compresslevel=1))
    app = Starlette(
        routes=all_routes(),
        middleware=middleware,
        exception_handlers={
            Problem: handle_problem,
            HTTPException: handle_http_negotiated,
            IndexUnavailable: handle_unavailable,
            Exception: handle_unexpected,
        },
        lifespan=lifespan,
    )
    app.state.deptnews = ctx
    return app
