"""The web pages' routes and their static files (registered by ``api.routes.all_routes``)."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from api.web.errors import html_errors
from api.web.record_page import diff_page, record_page
from api.web.search_page import search_page
from api.web.sources_page import sources_page

routes: list[BaseRoute] = [
    Route("/", html_errors(search_page), name="web_search"),
    Route("/records/{record_id}", html_errors(record_page), name="web_record"),
    Route("/records/{record_id}/diff", html_errors(diff_page), name="web_diff"),
    Route("/sources", html_errors(sources_page), name="web_sources"),
    Mount("/static", app=StaticFiles(packages=[("api.web", "static")]), name="web_static"),
]
