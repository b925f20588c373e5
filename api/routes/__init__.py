"""All routes of the application, by module."""

from __future__ import annotations

from starlette.routing import BaseRoute

from api.routes import dumps, exports, meta, records, search, sources


def all_routes() -> list[BaseRoute]:
    # Imported here: the web pages use the route modules above, so a top-level import would be circular.
    from api.web.routes import routes as web_routes

    return [
        *search.routes,
        *exports.routes,
        *records.routes,
        *sources.routes,
        *dumps.routes,
        *meta.routes,
        *web_routes,
    ]
