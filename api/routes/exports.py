"""Harvesting search results: CSV/JSONL export of every match, counts over time, and an Atom feed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime

from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from api.atom import ATOM_TYPE, Entry, atom_feed
from api.context import ApiContext
from api.models import TimelineBucket, TimelineOut
from api.parameters import HARVEST_PARAMS, bad_parameter, query_value
from api.params import search_request
from api.problems import Problem
from api.routes.common import absolute_url, cached_response, context, model_response, request_url
from api.routes.search import OUTDATED
from archive.errors import ArchiveError
from archive.model import Record, served
from archive.tableschema import csv_cell, csv_lines
from index.errors import IndexMissing, IndexOutdated, QueryError
from index.request import Interval, SearchRequest

__all__ = ["CSV_TYPE", "FEED_SIZE", "JSONL_TYPE", "csv_cell", "routes"]

FEED_SIZE = 50
FEED_MAX_AGE = 300
"""Seconds a feed may be cached; readers revalidate with If-None-Match / If-Modified-Since (304)."""
CSV_TYPE = "text/csv; charset=utf-8; header=present"
JSONL_TYPE = "application/x-ndjson"
BOM = "\ufeff"
_INTERVALS: dict[str, Interval] = {"day": "day", "month": "month", "year": "year"}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _records(ctx: ApiContext, search_req: SearchRequest) -> Iterator[Record]:
    """Every matching record, in order, one at a time (constant memory for any result size)."""
    try:
        for hit in ctx.search.iter_hits(search_req, snippets=False):
            try:
                yield served(ctx.store.get(hit.id))
            except ArchiveError:
                continue  # indexed but unreadable or gone: the export skips it rather than failing midway
    except IndexMissing:
        return


def _check(ctx: ApiContext, search_req: SearchRequest) -> None:
    """Fail before streaming starts (a 4xx is impossible once the body has begun)."""
    try:
        ctx.search.search(replace(search_req, size=1, offset=0))
    except QueryError as exc:
        raise Problem(400, "invalid-query", "Invalid query", str(exc)) from None
    except IndexMissing:
        pass
    except IndexOutdated:
        raise Problem(503, "index-outdated", "Index needs a rebuild", OUTDATED) from None


def _jsonl_lines(records: Iterator[Record]) -> Iterator[str]:
    for record in records:
        yield record.model_dump_json() + "\n"


async def export(request: Request) -> Response:
    """Every match of a search as CSV or JSON Lines, streamed."""
    params = request.query_params
    fmt = query_value(params, "format") or "jsonl"
    search_req = search_request(params, allowed=(*HARVEST_PARAMS, "format", "bom"))
    bom = query_value(params, "bom")
    if bom is not None and fmt != "csv":
        raise bad_parameter("bom", "goes with format=csv")
    ctx = context(request)
    await run_in_threadpool(_check, ctx, search_req)
    records = _records(ctx, search_req)
    lines = csv_lines(records) if fmt == "csv" else _jsonl_lines(records)

    async def body() -> AsyncIterator[bytes]:
        if fmt == "csv" and bom != "0":
            # Excel reads a CSV without a byte order mark in the machine's code page: mojibake.
            yield BOM.encode("utf-8")
        async for line in iterate_in_threadpool(lines):
            yield line.encode("utf-8")

    media = CSV_TYPE if fmt == "csv" else JSONL_TYPE
    headers = {"Content-Disposition": f'attachment; filename="deptnews-export.{fmt}"'}
    return StreamingResponse(body(), media_type=media, headers=headers)


async def timeline(request: Request) -> Response:
    """How many records match, per day, month or year of publication."""
    interval = _INTERVALS[query_value(request.query_params, "interval") or "month"]
    search_req = search_request(request.query_params, allowed=(*HARVEST_PARAMS, "interval"))
    ctx = context(request)
    try:
        buckets = await ctx.in_search_thread(ctx.search.timeline, search_req, interval)
    except QueryError as exc:
        raise Problem(400, "invalid-query", "Invalid query", str(exc)) from None
    except IndexMissing:
        buckets = []
    except IndexOutdated:
        raise Problem(503, "index-outdated", "Index needs a rebuild", OUTDATED) from None
    rows = [TimelineBucket(period=period, count=count) for period, count in buckets]
    return model_response(TimelineOut(interval=interval, total=sum(r.count for r in rows), buckets=rows))


def _entry(request: Request, record: Record) -> Entry:
    permalink = absolute_url(request, "record", record_id=record.id)
    latest = record.versions[-1]
    return Entry(
        # A new version is a new entry: readers show an edited article again.
        id=f"{permalink}#v{latest.n}",
        title=record.title,
        updated=latest.first_seen,
        alternate=record.url,
        related=permalink,
        published=record.published,
        author=record.author or record.department,
        summary=record.lead or (record.body[0] if record.body else ""),
        lang=record.language,
    )


def _atom(request: Request, records: list[Record]) -> tuple[bytes, datetime]:
    """The feed and when it last changed (the newest entry's update)."""
    self_url = request_url(request)
    updated = max((r.versions[-1].first_seen for r in records), default=_EPOCH)
    query = request.query_params.get("q") or ""
    feed = atom_feed(
        feed_id=self_url,
        title="deptnews: " + (query or "newest records"),
        self_url=self_url,
        updated=updated,
        entries=[_entry(request, record) for record in records],
        lang="vi",
    )
    return feed, updated


async def feed(request: Request) -> Response:
    """An Atom feed of the newest matching records; an edited record comes back as a new entry. With
    an ETag and Last-Modified: a reader polling with If-None-Match or If-Modified-Since gets 304."""
    search_req = search_request(request.query_params, allowed=HARVEST_PARAMS)
    search_req = replace(search_req, size=FEED_SIZE, sort=search_req.sort or "newest")
    ctx = context(request)
    await run_in_threadpool(_check, ctx, search_req)

    def load() -> list[Record]:
        try:
            results = ctx.search.search(search_req)
        except IndexMissing:
            return []
        out = []
        for hit in results.hits:
            try:
                out.append(served(ctx.store.get(hit.id)))
            except ArchiveError:
                continue
        return out

    records = await run_in_threadpool(load)
    feed_body, updated = _atom(request, records)
    return cached_response(
        request, feed_body, max_age=FEED_MAX_AGE, media_type=ATOM_TYPE, last_modified=updated
    )


routes = [
    Route("/api/v1/export", export, name="export"),
    Route("/api/v1/timeline", timeline, name="timeline"),
    Route("/api/v1/search.atom", feed, name="feed"),
]
