"""The sources page, ``/sources``: every department site in the registry with its health, as computed
for ``/api/v1/sources`` (records, records without a date, the last crawl and its failures)."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from api.models import SourceOut
from api.routes.common import context
from api.routes.sources import not_articles, source_counts, source_out
from api.web.errors import check_params
from api.web.render import Page


@dataclass(frozen=True)
class SourceView:
    info: SourceOut
    notes: str | None
    enabled: bool
    search_url: str
    json_url: str


async def sources_page(request: Request) -> Response:
    page = Page(request)
    check_params(request, ("lang",))
    ctx = context(request)
    registry = await run_in_threadpool(ctx.registry)
    counts = await run_in_threadpool(source_counts, ctx)
    others = await run_in_threadpool(not_articles, ctx)
    views = [
        SourceView(
            info=source_out(request, source, counts, others),
            notes=source.notes,
            enabled=source.enabled,
            search_url=page.url("web_search", {"source": source.id}),
            json_url=page.path("source", source_id=source.id),
        )
        for source in registry.sources.values()
    ]
    return page.render("sources.html", sources=views, json_url=page.path("sources"), active="sources")
