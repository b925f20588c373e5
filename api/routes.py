"""The JSON endpoints under ``/api/v1/``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.params import search_request
from api.problems import Problem
from api.state import AppState
from archive.errors import RecordNotFound, StoreError
from index.errors import IndexMissing, IndexOutdated, QueryError
from index.search import Hit, SearchResults


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.deptnews
    return state


def _hit_json(hit: Hit, request: Request) -> dict[str, Any]:
    return {
        "id": hit.id,
        "title": hit.title,
        "url": hit.url,
        "published": hit.published.isoformat() if hit.published else None,
        "source": hit.source,
        "department": hit.department,
        "score": hit.score,
        "snippet": hit.snippet,
        "links": {"self": str(request.url_for("record", record_id=hit.id))},
    }


async def search(request: Request) -> Response:
    """``GET /api/v1/search``: full-text search with filters, sorting, facets and paging."""
    search_req = search_request(request.query_params)
    try:
        results: SearchResults = await run_in_threadpool(_state(request).search.search, search_req)
    except QueryError as exc:
        raise Problem(400, "invalid-query", "Invalid query", str(exc)) from None
    except IndexMissing:
        results = SearchResults(total=0, hits=[], facets={}, took_ms=0.0)
    except IndexOutdated as exc:
        raise Problem(503, "index-outdated", "Index needs a rebuild", str(exc)) from None
    next_url = None
    end = search_req.offset + search_req.size
    if end < results.total:
        params = dict(request.query_params)
        params["offset"] = str(end)
        next_url = f"{request.url_for('search')}?{urlencode(params)}"
    body = {
        "total": results.total,
        "took_ms": results.took_ms,
        "hits": [_hit_json(hit, request) for hit in results.hits],
        "facets": {
            name: [{"value": v, "count": c} for v, c in rows] for name, rows in results.facets.items()
        },
        "next": next_url,
    }
    headers = {"Link": f'<{next_url}>; rel="next"'} if next_url else None
    return JSONResponse(body, headers=headers)


async def record(request: Request) -> Response:
    """``GET /api/v1/records/{id}``: the record with its current content and every version."""
    record_id = request.path_params["record_id"]
    try:
        found = await run_in_threadpool(_state(request).store.get, record_id)
    except RecordNotFound:
        raise Problem(
            404, "record-not-found", "Record not found", f"no record with id {record_id!r}"
        ) from None
    except StoreError as exc:
        raise Problem(503, "record-unreadable", "Record unreadable", str(exc)) from None
    return Response(found.model_dump_json(), media_type="application/json")


routes = [
    Route("/api/v1/search", search, name="search"),
    Route("/api/v1/records/{record_id}", record, name="record"),
]
