"""Serving the API with uvicorn."""

from __future__ import annotations

import os

from deptnews.commands.base import EXIT_OK
from deptnews.settings import Settings


def serve(settings: Settings, *, host: str, port: int, workers: int | None = None) -> int:
    """Run the API until interrupted. Worker processes rebuild the settings from the environment, so
    the data home, the sources file and the trusted proxies chosen on the command line are passed on
    through it. Proxy headers are read by the application itself (``settings.api.forwarded_allow_ips``,
    see :func:`api.app.create_app`), so uvicorn's own reading stays off."""
    import uvicorn

    os.environ["DEPTNEWS_HOME"] = str(settings.home.resolve())
    if settings.sources is not None:
        os.environ["DEPTNEWS_SOURCES"] = str(settings.sources.resolve())
    os.environ["DEPTNEWS_API__FORWARDED_ALLOW_IPS"] = settings.api.forwarded_allow_ips
    uvicorn.run(
        "deptnews.asgi:app",
        factory=True,
        host=host,
        port=port,
        workers=workers or settings.api.workers,
        log_level="info",
        # The application logs every request itself (deptnews.api, at --log-level INFO: request id,
        # the client after the trusted proxies, status, milliseconds); uvicorn's own access line
        # would repeat it, at any level, with the proxy's address, for ~0.1 ms a request.
        access_log=False,
        proxy_headers=False,
    )
    return EXIT_OK
