"""Liveness, readiness, the OpenAPI document and its reference page."""

from __future__ import annotations

from dataclasses import asdict

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from api.context import ApiContext
from api.models import HealthOut, NodeOut, ReadyOut
from api.openapi import DOCS_CSP, openapi_document, reference_page
from api.problems import problem_response
from api.routes import problem_types
from api.routes.common import base_url, context, model_response
from index.errors import SearchError
from index.request import SearchRequest


async def _record_count(ctx: ApiContext) -> int:
    cached = ctx.cached_record_count()
    return cached if cached is not None else await run_in_threadpool(ctx.record_count)


async def healthz(request: Request) -> Response:
    """The process is up; ``records``: how many records the store holds (recounted every 30 s)."""
    return model_response(HealthOut(status="ok", records=await _record_count(context(request))))


async def readyz(request: Request) -> Response:
    """Ready to answer searches: the index opens (503 with a problem document otherwise); ``nodes``:
    each node of the index backend (the local index, or the PostgreSQL primary and each replica with its
    lag), ready or why not."""
    ctx = context(request)
    try:
        results = await run_in_threadpool(ctx.search.search, SearchRequest(size=1))
    except SearchError as exc:
        return problem_response(503, "not-ready", "Not ready", str(exc))
    nodes = [NodeOut(**asdict(node)) for node in await run_in_threadpool(ctx.search.readiness)]
    records = await _record_count(ctx)
    return model_response(ReadyOut(status="ready", records=records, indexed=results.total, nodes=nodes))


async def openapi_json(request: Request) -> Response:
    return JSONResponse(openapi_document(str(base_url(request)).rstrip("/")))


async def docs(request: Request) -> Response:
    page = reference_page(openapi_document(str(base_url(request)).rstrip("/")))
    return HTMLResponse(page, headers={"Content-Security-Policy": DOCS_CSP})


routes = [
    Route("/healthz", healthz, name="healthz"),
    Route("/readyz", readyz, name="readyz"),
    Route("/openapi.json", openapi_json, name="openapi"),
    Route("/docs", docs, name="docs"),
    # The pages the problem documents' "type" URIs name belong with the API's description of itself.
    *problem_types.routes,
]
