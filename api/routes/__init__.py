"""All routes of the application, by module."""

from __future__ import annotations

from starlette.routing import BaseRoute

from api.routes import dumps, meta, records, search, sources


def all_routes() -> list[BaseRoute]:
    return [*search.routes, *records.routes, *sources.routes, *dumps.routes, *meta.routes]
