"""Serving the API."""

from __future__ import annotations

from deptnews.commands.base import EXIT_OK
from deptnews.settings import Settings


def serve(settings: Settings, *, host: str, port: int) -> int:
    import uvicorn

    from api.app import create_app

    app = create_app(settings.data_home)
    uvicorn.run(app, host=host, port=port, log_level="info")
    return EXIT_OK
