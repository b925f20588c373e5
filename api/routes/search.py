"""Full-text search: ``/api/v1/search``."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.models import FacetOut, FacetValue, HitOut, MatchOut, SearchOut
from api.parameters import query_value
from api.params import search_request
from api.problems import Problem
from api.routes.common import absolute_url, context, model_response
from index.errors import IndexMissing, IndexOutdated, QueryError
from index.request import Hit, SearchRequest, SearchResults

OUTDATED = "the index was built by another version of deptnews; run `deptnews index --rebuild`"


_PLACEHOLDER = "0000000000000000"
"""A record id for building the record URL once per response (route lookups cost ~50 µs each)."""


def record_urls(request: Request) -> Callable[[str], str]:
    """``url(record_id)``: the absolute URL of a record, as :func:`absolute_url` builds it (record ids
    are hexadecimal, so nothing in them needs quoting)."""
    template = absolute_url(request, "record", record_id=_PLACEHOLDER)
    head, _, tail = template.rpartition(_PLACEHOLDER)
    return lambda record_id: f"{head}{record_id}{tail}"


def hit_out(hit: Hit, request: Request, record_url: Callable[[str], str] | None = None) -> HitOut:
    """A hit as the API shows it; ``record_url`` (see :func:`record_urls`) saves a route look-up per hit."""
    return HitOut(
        id=hit.id,
        title=hit.title,
        url=hit.url,
        published=hit.published,
        source=hit.source,
        department=hit.department,
        score=hit.score,
        snippet=hit.snippet,
        match=_match(hit, request),
        links={
            "self": record_url(hit.id) if record_url else absolute_url(request, "record", record_id=hit.id)
        },
    )


def _match(hit: Hit, request: Request) -> MatchOut | None:
    if hit.attachment is None or hit.page is None:
        return None
    where = {"record_id": hit.id, "attachment": str(hit.attachment)}
    return MatchOut(
        attachment=hit.attachment,
        page=hit.page,
        links={
            "text": absolute_url(request, "attachment", **where),
            "file": absolute_url(request, "attachment_file", **where),
        },
    )


def facet_out(rows: list[tuple[str, int]], size: int) -> FacetOut:
    """The first ``size`` of a facet's ``(value, count)`` rows (most frequent first), saying whether
    there were more."""
    return FacetOut(
        values=[FacetValue(value=value, count=count) for value, count in rows[:size]],
        truncated=len(rows) > size,
        distinct=len(rows),
    )


async def run_search(request: Request, search_req: SearchRequest) -> SearchResults:
    """Run a search, mapping index errors to problems (an index not built yet is an empty archive)."""
    try:
        ctx = context(request)
        results: SearchResults = await ctx.in_search_thread(ctx.search.search, search_req)
    except QueryError as exc:
        raise Problem(400, "invalid-query", "Invalid query", str(exc)) from None
    except IndexMissing:
        return SearchResults(total=0, hits=[], facets={}, took_ms=0.0)
    except IndexOutdated:
        # The exception names the index directory; clients get the fact, not the server's paths.
        raise Problem(503, "index-outdated", "Index needs a rebuild", OUTDATED) from None
    return results


async def search(request: Request) -> Response:
    """Full-text search with filters, sorting, facets and paging."""
    search_req = search_request(request.query_params)
    facet_size: int = query_value(request.query_params, "facet_size")
    results = await run_search(request, search_req)
    next_url = None
    params = dict(request.query_params)
    if results.next_cursor:
        # Cursor paging is stable while documents are added; an offset-paged client keeps offsets.
        params.pop("offset", None)
        params["cursor"] = results.next_cursor
        next_url = absolute_url(request, "search", query=urlencode(params))
    elif search_req.offset + search_req.size < results.total and "cursor" not in params:
        params["offset"] = str(search_req.offset + search_req.size)
        next_url = absolute_url(request, "search", query=urlencode(params))
    record_url = record_urls(request)
    body = SearchOut(
        total=results.total,
        took_ms=results.took_ms,
        hits=[hit_out(hit, request, record_url) for hit in results.hits],
        facets={name: facet_out(rows, facet_size) for name, rows in results.facets.items()},
        next=next_url,
        next_cursor=results.next_cursor,
    )
    headers = {"Link": f'<{next_url}>; rel="next"'} if next_url else None
    return model_response(body, headers=headers)


routes = [Route("/api/v1/search", search, name="search")]
