"""Harvesting search results: CSV/JSONL export of every match, counts over time, and an Atom feed."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from api.context import ApiContext
from api.models import TimelineBucket, TimelineOut
from api.parameters import HARVEST_PARAMS, query_value
from api.params import search_request
from api.problems import Problem
from api.routes.common import context, model_response
from api.routes.search import OUTDATED
from archive.errors import ArchiveError
from archive.model import Record
from index.errors import IndexMissing, IndexOutdated, QueryError
from index.request import Interval
from index.search import SearchRequest

CSV_COLUMNS = (
    "id",
    "url",
    "title",
    "published",
    "source",
    "department",
    "jurisdiction",
    "category",
    "author",
    "lead",
    "text",
    "permalink",
)
FEED_SIZE = 50
_INTERVALS: dict[str, Interval] = {"day": "day", "month": "month", "year": "year"}
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0", "＝", "＋", "－", "＠")


def csv_cell(value: str) -> str:
    """``value`` made safe for a spreadsheet: a cell that a spreadsheet would read as a formula gets a
    leading ``'`` (OWASP, "CSV Injection"), which shows the text as typed.

    Triggers: ``= + - @``, tab, carriage return, line feed and NUL, and the full-width ``＝ ＋ － ＠``
    that some spreadsheets read like their ASCII forms. A plain number such as ``-5`` is prefixed too:
    no column of the export is numeric, and telling numbers from formulas is where such filters fail.
    Quoting (the csv writer quotes every cell and doubles embedded quotes) keeps a separator or quote
    inside a value from starting a new cell.
    """
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def _records(ctx: ApiContext, search_req: SearchRequest) -> Iterator[Record]:
    """Every matching record, in order, one at a time (constant memory for any result size)."""
    try:
        for hit in ctx.search.iter_hits(search_req, snippets=False):
            try:
                yield ctx.store.get(hit.id)
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


def _csv_lines(records: Iterator[Record], base: str) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    writer.writerow(CSV_COLUMNS)
    for record in records:
        row = [
            record.id,
            record.url,
            record.title,
            record.published.isoformat() if record.published else "",
            record.source,
            record.department,
            record.jurisdiction,
            record.category or "",
            record.author or "",
            record.lead or "",
            "\n\n".join(record.body),
            f"{base}/{record.id}",
        ]
        writer.writerow([csv_cell(cell) for cell in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def _jsonl_lines(records: Iterator[Record]) -> Iterator[str]:
    for record in records:
        yield record.model_dump_json() + "\n"


async def export(request: Request) -> Response:
    """Every match of a search as CSV or JSON Lines, streamed."""
    fmt = query_value(request.query_params, "format") or "jsonl"
    search_req = search_request(request.query_params, allowed=(*HARVEST_PARAMS, "format"))
    ctx = context(request)
    await run_in_threadpool(_check, ctx, search_req)
    records = _records(ctx, search_req)
    base = str(request.url_for("record", record_id="_")).removesuffix("/_")
    lines = _csv_lines(records, base) if fmt == "csv" else _jsonl_lines(records)

    async def body() -> AsyncIterator[bytes]:
        async for line in iterate_in_threadpool(lines):
            yield line.encode("utf-8")

    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/x-ndjson"
    headers = {"Content-Disposition": f'attachment; filename="deptnews-export.{fmt}"'}
    return StreamingResponse(body(), media_type=media, headers=headers)


async def timeline(request: Request) -> Response:
    """How many records match, per day, month or year of publication."""
    interval = _INTERVALS[query_value(request.query_params, "interval") or "month"]
    search_req = search_request(request.query_params, allowed=(*HARVEST_PARAMS, "interval"))
    ctx = context(request)
    try:
        buckets = await run_in_threadpool(ctx.search.timeline, search_req, interval)
    except QueryError as exc:
        raise Problem(400, "invalid-query", "Invalid query", str(exc)) from None
    except IndexMissing:
        buckets = []
    except IndexOutdated:
        raise Problem(503, "index-outdated", "Index needs a rebuild", OUTDATED) from None
    rows = [TimelineBucket(period=period, count=count) for period, count in buckets]
    return model_response(TimelineOut(interval=interval, total=sum(r.count for r in rows), buckets=rows))


def _atom(request: Request, records: list[Record]) -> str:
    self_url = str(request.url)
    updated = max((r.versions[-1].first_seen for r in records), default=datetime(1970, 1, 1, tzinfo=UTC))
    query = request.query_params.get("q") or ""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"<title>{xml_escape('deptnews: ' + (query or 'newest records'))}</title>",
        f"<id>{xml_escape(self_url)}</id>",
        f'<link rel="self" href={quoteattr(self_url)}/>',
        f"<updated>{updated.isoformat()}</updated>",
        "<generator>deptnews</generator>",
    ]
    for record in records:
        permalink = str(request.url_for("record", record_id=record.id))
        latest = record.versions[-1]
        summary = record.lead or (record.body[0] if record.body else "")
        parts += [
            "<entry>",
            f"<id>{xml_escape(permalink)}#v{latest.n}</id>",
            f"<title>{xml_escape(record.title)}</title>",
            f'<link rel="alternate" href={quoteattr(record.url)}/>',
            f'<link rel="related" href={quoteattr(permalink)}/>',
            f"<updated>{latest.first_seen.isoformat()}</updated>",
        ]
        if record.published:
            parts.append(f"<published>{record.published.isoformat()}</published>")
        parts.append(f"<author><name>{xml_escape(record.author or record.department)}</name></author>")
        parts.append(f"<summary>{xml_escape(summary[:1000])}</summary>")
        parts.append("</entry>")
    parts.append("</feed>")
    return "\n".join(parts)


async def feed(request: Request) -> Response:
    """An Atom feed of the newest matching records; an edited record comes back as a new entry."""
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
                out.append(ctx.store.get(hit.id))
            except ArchiveError:
                continue
        return out

    records = await run_in_threadpool(load)
    return Response(_atom(request, records), media_type="application/atom+xml; charset=utf-8")


routes = [
    Route("/api/v1/export", export, name="export"),
    Route("/api/v1/timeline", timeline, name="timeline"),
    Route("/api/v1/search.atom", feed, name="feed"),
]
