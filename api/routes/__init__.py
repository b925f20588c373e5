"""All routes of the application, by module."""

from __future__ import annotations

from starlette.routing import BaseRoute

from api.routes import attachments, dumps, exports, memento, meta, records, search, sources, warcs


def all_routes() -> list[BaseRoute]:
    # Imported here: the web pages use the route modules above, so a top-level import would be circular.
    from api.web.routes import routes as web_routes

    return [
        *search.routes,
        *exports.routes,
        *records.routes,
        *attachments.routes,
        *memento.routes,
        *warcs.routes,
        *sources.routes,
        *dumps.routes,
        *meta.routes,
        *web_routes,
    ]
