"""The ASGI application factory for uvicorn (``deptnews.asgi:app``, factory=True).

Each uvicorn worker process calls it and builds the settings from the environment, which
``deptnews serve`` fills from its own command line before starting uvicorn.
"""

from __future__ import annotations

from starlette.applications import Starlette

from api.app import create_app
from deptnews.settings import Settings


def app() -> Starlette:
    settings = Settings()
    return create_app(
        settings.data_home, sources_file=settings.sources_file, settings=settings.api, index=settings.index
    )
