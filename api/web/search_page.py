"""The search page, ``/``: the query box, filters, facet counts, highlighted hits and pagination.

It takes exactly the parameters of ``/api/v1/search`` (plus ``lang``), so every result page is a
shareable URL and its JSON twin is the same query string on the API. Without a query it lists the newest
records. A bad parameter or query is shown on the page itself, with the form, as a 400.

The results can be taken away: downloaded (every match, as CSV or JSON Lines, from ``/api/v1/export``),
followed (the Atom feed ``/api/v1/search.atom``, also announced in the page head) and seen over time (a
chart of the matches per month or year, :mod:`api.web.timeline`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime, time

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from api.parameters import HARVEST_PARAMS
from api.params import MAX_OFFSET, SEARCH_PARAMS, search_request
from api.problems import Problem
from api.routes.common import context
from api.routes.search import run_search
from api.web.i18n import LOCAL_TZ
from api.web.links import page_numbers, with_params
from api.web.render import Page, trusted_snippet
from api.web.timeline import month_counts, timeline_view
from index.request import FILTER_FIELDS, SearchRequest, SearchResults

ALLOWED = (*SEARCH_PARAMS, "lang")
DEFAULT_FACETS = ("source", "department", "jurisdiction", "category", "year")
SELECT_FILTERS = ("source", "department", "jurisdiction", "category")
"""Filters offered as drop-down lists in the form; ``author``, ``year`` and ``month`` come from facet
links and the timeline's bars."""
SIZES = ("10", "20", "50", "100")
FACET_ROWS = 12
SORTS = ("", "relevance", "newest", "oldest")
"""Sort choices; "" is the automatic default (relevance with a query, newest without)."""


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    count: int | None


@dataclass(frozen=True)
class Select:
    name: str
    options: list[Option]
    selected: str


@dataclass(frozen=True)
class FacetRow:
    label: str
    count: int
    url: str
    active: bool


@dataclass(frozen=True)
class Chip:
    """An active filter, with the link that removes it."""

    name: str
    label: str
    remove_url: str


@dataclass(frozen=True)
class HitView:
    title: str
    record_url: str
    original_url: str
    published: datetime | None
    source: str
    department: str
    snippet: Markup
    match_url: str | None = None
    """With a snippet from an attachment: the record page at that attachment's page."""
    match_label: str | None = None


@dataclass(frozen=True)
class PageLink:
    number: int | None
    url: str | None
    current: bool


@dataclass(frozen=True)
class Harvest:
    """The same search on the API's harvesting endpoints."""

    csv_url: str
    jsonl_url: str
    feed_url: str
    feed_title: str


@dataclass(frozen=True)
class Pagination:
    links: list[PageLink]
    prev_url: str | None
    next_url: str | None


def _select_options(name: str, rows: list[tuple[str, int]], selected: str, labels: dict[str, str]) -> Select:
    options = [Option(value, labels.get(value, value), count) for value, count in rows]
    if selected and selected not in {o.value for o in options}:
        options.insert(0, Option(selected, labels.get(selected, selected), None))
    return Select(name=name, options=options, selected=selected)


def _chip_label(page: Page, name: str, value: str, labels: dict[str, str]) -> str:
    if name == "source":
        return labels.get(value, value)
    if name == "month":  # already validated as YYYY-MM
        year, month = value.split("-")
        return page.t("chart.month", year=year, month=int(month))
    if name in ("date_from", "date_to"):  # already validated as YYYY-MM-DD
        return page.t.day(datetime.combine(date.fromisoformat(value), time(12), tzinfo=LOCAL_TZ))
    return value


def _pagination(path: str, params: dict[str, str], req: SearchRequest, total: int) -> Pagination | None:
    """Links to the result pages, every other parameter kept; None when everything fits on one page."""
    if total <= req.size and req.offset == 0:
        return None
    last = min((total + req.size - 1) // req.size, MAX_OFFSET // req.size + 1)
    current = req.offset // req.size + 1

    def url(number: int) -> str:
        return with_params(path, params, offset=(number - 1) * req.size or None)

    links = [
        PageLink(number, url(number) if number else None, number == current)
        for number in page_numbers(current, last)
    ]
    return Pagination(
        links=links,
        prev_url=url(min(current - 1, last)) if current > 1 and last else None,
        next_url=url(current + 1) if current < last else None,
    )


def _facet_groups(
    path: str, params: dict[str, str], req: SearchRequest, results: SearchResults, labels: dict[str, str]
) -> dict[str, list[FacetRow]]:
    """Facet counts as links that add the value as a filter (keeping the rest, from the first page)."""
    return {
        name: [
            FacetRow(
                label=labels.get(value, value) if name == "source" else value,
                count=count,
                url=with_params(path, params, **{name: value, "offset": None}),
                active=req.filters.get(name) == value,
            )
            # Years read best in order, newest first, all of them; other values by count (as the index
            # gives them), the first few (the drop-down lists in the form offer all).
            for value, count in (sorted(rows, reverse=True) if name == "year" else rows[:FACET_ROWS])
        ]
        for name, rows in results.facets.items()
        if rows
    }


def _chips(page: Page, path: str, params: dict[str, str], labels: dict[str, str]) -> list[Chip]:
    return [
        Chip(
            name=name,
            label=_chip_label(page, name, params[name], labels),
            remove_url=with_params(path, params, **{name: None, "offset": None}),
        )
        for name in (*FILTER_FIELDS, "date_from", "date_to")
        if params.get(name)
    ]


def _harvest(page: Page, params: dict[str, str], query: str) -> Harvest:
    """Export and feed links with the search's query, filters, dates and sort (paging, facets and the
    language are the page's own; the endpoints would refuse them). A feed is always newest first."""
    kept = {name: value for name, value in params.items() if name in HARVEST_PARAMS}
    export = page.path("export")
    return Harvest(
        csv_url=with_params(export, {"format": "csv", **kept}),
        jsonl_url=with_params(export, {"format": "jsonl", **kept}),
        feed_url=with_params(page.path("feed"), kept, sort=None),
        feed_title=page.t("feed.title", query=query) if query else page.t("feed.title_newest"),
    )


def _hits(page: Page, results: SearchResults, labels: dict[str, str]) -> list[HitView]:
    return [
        HitView(
            title=hit.title,
            record_url=page.url("web_record", record_id=hit.id),
            original_url=hit.url,
            published=hit.published,
            source=labels.get(hit.source, hit.source),
            department=hit.department,
            snippet=trusted_snippet(hit.snippet),
            match_url=page.url("web_record", record_id=hit.id) + f"#att-{hit.attachment}-p-{hit.page}"
            if hit.attachment
            else None,
            match_label=page.t("search.in_attachment", n=hit.attachment, page=hit.page)
            if hit.attachment
            else None,
        )
        for hit in results.hits
    ]


async def _run(
    request: Request,
) -> tuple[SearchRequest, SearchResults, dict[str, list[tuple[str, int]]], str | None]:
    """(request, results, values for the filter lists, error): a bad parameter or query is an error
    message for the page, not an exception."""
    try:
        req = search_request(request.query_params, allowed=ALLOWED)
        if not req.facets:
            req = dataclasses.replace(req, facets=DEFAULT_FACETS)
        results = await run_search(request, req)
        options = results.facets
        if any(req.filters.get(name) for name in SELECT_FILTERS) or set(SELECT_FILTERS) - set(req.facets):
            # The lists must offer every value of the query, not only those left by the filters.
            unfiltered = SearchRequest(
                q=req.q, date_from=req.date_from, date_to=req.date_to, size=1, facets=SELECT_FILTERS
            )
            options = (await run_search(request, unfiltered)).facets
    except Problem as exc:
        if exc.status != 400:
            raise
        return SearchRequest(), SearchResults(total=0, hits=[], facets={}, took_ms=0.0), {}, exc.detail
    return req, results, options, None


async def search_page(request: Request) -> Response:
    page = Page(request)
    params = dict(request.query_params)
    if any(value == "" for value in params.values()):
        # A form submitted without JavaScript sends every field; the canonical URL leaves empty ones out.
        return RedirectResponse(with_params(request.url.path, params), status_code=302)
    labels = {s.id: s.name for s in context(request).registry().sources.values()}
    req, results, options, error = await _run(request)
    path = page.path("web_search")
    query = (params.get("q") or "").strip()
    timeline = None
    if not error and results.total:
        months = await month_counts(request, req)
        timeline = timeline_view(months, total=results.total, t=page.t, path=path, params=params)
    return page.render(
        "search.html",
        status=400 if error else 200,
        active="search",
        action=path,
        query=query,
        params=params,
        error=error,
        selects=[
            _select_options(
                name, options.get(name, []), params.get(name, ""), labels if name == "source" else {}
            )
            for name in SELECT_FILTERS
        ],
        sort=params.get("sort", ""),
        sorts=SORTS,
        size=str(req.size),
        sizes=SIZES,
        hidden={k: params[k] for k in ("author", "year", "month", "facets") if params.get(k)},
        results=results,
        first=req.offset + 1,
        last=min(req.offset + req.size, results.total),
        hits=_hits(page, results, labels),
        facets=_facet_groups(path, params, req, results, labels),
        chips=[] if error else _chips(page, path, params, labels),
        pagination=_pagination(path, params, req, results.total),
        json_url=with_params(page.path("search"), {k: v for k, v in params.items() if k != "lang"}),
        harvest=None if error else _harvest(page, params, query),
        timeline=timeline,
        reset_url=page.url("web_search"),
    )
