"""Liveness, readiness, the OpenAPI document and its reference page."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from api.models import HealthOut
from api.openapi import openapi_document, reference_page
from api.problems import problem_response
from api.routes.common import context, model_response
from index.errors import SearchError
from index.search import SearchRequest


async def healthz(request: Request) -> Response:
    """The process is up."""
    return model_response(HealthOut(status="ok"))


async def readyz(request: Request) -> Response:
    """Ready to answer searches: the index opens (503 with a problem document otherwise)."""
    try:
        results = await run_in_threadpool(context(request).search.search, SearchRequest(size=1))
    except SearchError as exc:
        return problem_response(503, "not-ready", "Not ready", str(exc))
    return model_response(HealthOut(status="ready", indexed=results.total))


async def openapi_json(request: Request) -> Response:
    return JSONResponse(openapi_document(str(request.base_url).rstrip("/")))


async def docs(request: Request) -> Response:
    return HTMLResponse(reference_page(openapi_document(str(request.base_url).rstrip("/"))))


routes = [
    Route("/healthz", healthz, name="healthz"),
    Route("/readyz", readyz, name="readyz"),
    Route("/openapi.json", openapi_json, name="openapi"),
    Route("/docs", docs, name="docs"),
]
