"""The sources registry with each source's health: ``/api/v1/sources`` and ``/api/v1/sources/{id}``."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.context import ApiContext
from api.models import SourceHealthOut, SourceOut, SourcesOut
from api.problems import Problem
from api.routes.common import absolute_url, context, model_response
from archive.crawlstatus import read_crawl_status
from archive.ledger import not_article_counts
from archive.sources import Source
from index.errors import SearchError
from index.health import SourceHealth

_CACHE_SECONDS = 30.0


def source_counts(ctx: ApiContext) -> dict[str, SourceHealth]:
    """Parser health per source, from the index (cached briefly, as the registry page asks often)."""
    cached = ctx.source_counts_cache
    if cached is not None and time.monotonic() - cached[0] < _CACHE_SECONDS:
        return cached[1]
    try:
        counts = ctx.search.health()
    except SearchError:
        counts = {}
    ctx.source_counts_cache = (time.monotonic(), counts)
    return counts


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def not_articles(ctx: ApiContext) -> dict[str, int]:
    """Per source, pattern matches that are no article (from the ingest ledger)."""
    return not_article_counts(ctx.home.records_dir)


def source_out(
    request: Request,
    source: Source,
    counts: dict[str, SourceHealth],
    others: dict[str, int] | None = None,
) -> SourceOut:
    """``others``: :func:`not_articles`."""
    ctx = context(request)
    found = counts.get(source.id, SourceHealth(records=0, without_date=0, short_body=0, shared_title=0))
    records = found.records
    crawl = read_crawl_status(ctx.home.root).sources.get(source.id)
    health = SourceHealthOut(
        records=records,
        without_date=found.without_date,
        without_date_share=_share(found.without_date, records),
        short_body=found.short_body,
        short_body_share=_share(found.short_body, records),
        shared_title=found.shared_title,
        shared_title_share=_share(found.shared_title, records),
        not_articles=(others or {}).get(source.id, 0),
        last_crawl=crawl.finished if crawl else None,
        articles_listed=crawl.articles_listed if crawl else None,
        articles_captured=crawl.articles_captured if crawl else None,
        failures=crawl.failed if crawl else None,
    )
    search_url = absolute_url(request, "search", query=urlencode({"source": source.id}))
    return SourceOut(
        id=source.id,
        name=source.name,
        department=source.department,
        jurisdiction=source.jurisdiction,
        jurisdiction_kind=source.jurisdiction_kind,
        homepage=source.homepage,
        listings=source.listings,
        verified=source.verified,
        health=health,
        links={"self": absolute_url(request, "source", source_id=source.id), "records": search_url},
    )


async def sources(request: Request) -> Response:
    """Every source of the registry with its health."""
    ctx = context(request)
    registry = await run_in_threadpool(ctx.registry)
    counts = await run_in_threadpool(source_counts, ctx)
    others = await run_in_threadpool(not_articles, ctx)
    return model_response(
        SourcesOut(sources=[source_out(request, s, counts, others) for s in registry.sources.values()])
    )


async def source(request: Request) -> Response:
    ctx = context(request)
    source_id = request.path_params["source_id"]
    registry = await run_in_threadpool(ctx.registry)
    found = registry.sources.get(source_id)
    if found is None:
        raise Problem(404, "source-not-found", "Source not found", f"no source with id {source_id!r}")
    counts = await run_in_threadpool(source_counts, ctx)
    others = await run_in_threadpool(not_articles, ctx)
    return model_response(source_out(request, found, counts, others))


routes = [
    Route("/api/v1/sources", sources, name="sources"),
    Route("/api/v1/sources/{source_id}", source, name="source"),
]
