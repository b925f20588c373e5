"""Reading the documented query parameters of search-like endpoints into a :class:`SearchRequest`.

Every bad value becomes a 400 problem naming the parameter; unknown parameters are rejected too, so a
typo ("sourse=") is not silently ignored.
"""

from __future__ import annotations

from datetime import date

from starlette.datastructures import QueryParams

from api.problems import Problem
from index.schema import FACET_FIELDS
from index.search import FILTER_FIELDS, MAX_SIZE, SearchRequest, Sort

SEARCH_PARAMS = ("q", *FILTER_FIELDS, "date_from", "date_to", "sort", "size", "offset", "cursor", "facets")
MAX_OFFSET = 10_000
_SORTS: tuple[Sort, ...] = ("relevance", "newest", "oldest")


def bad_parameter(name: str, detail: str) -> Problem:
    return Problem(400, "invalid-parameter", "Invalid parameter", f"{name}: {detail}", parameter=name)


def whole_number(name: str, raw: str, low: int, high: int) -> int:
    """``raw`` as an int in [low, high] ("30" and "30.0" alike); a 400 problem otherwise."""
    try:
        value = float(raw.strip())
    except ValueError:
        value = float("nan")
    if not value.is_integer():
        raise bad_parameter(name, f"expected a whole number, got {raw[:50]!r}")
    if not low <= value <= high:
        raise bad_parameter(name, f"must be between {low} and {high}")
    return int(value)


def _int(params: QueryParams, name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    return default if raw is None or raw == "" else whole_number(name, raw, low, high)


def _date(params: QueryParams, name: str) -> date | None:
    raw = params.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise bad_parameter(name, f"expected a date as YYYY-MM-DD, got {raw[:50]!r}") from None


def search_request(params: QueryParams, *, allowed: tuple[str, ...] = SEARCH_PARAMS) -> SearchRequest:
    unknown = sorted(set(params.keys()) - set(allowed))
    if unknown:
        raise bad_parameter(unknown[0], f"unknown parameter; known parameters: {', '.join(allowed)}")
    sort = params.get("sort") or None
    if sort is not None and sort not in _SORTS:
        raise bad_parameter("sort", f"must be one of {', '.join(_SORTS)}")
    facets = [f.strip() for f in (params.get("facets") or "").split(",") if f.strip()]
    for facet in facets:
        if facet not in FACET_FIELDS:
            raise bad_parameter("facets", f"unknown facet {facet[:50]!r}; known: {', '.join(FACET_FIELDS)}")
    return SearchRequest(
        q=params.get("q"),
        filters={name: params[name] for name in FILTER_FIELDS if params.get(name)},
        date_from=_date(params, "date_from"),
        date_to=_date(params, "date_to"),
        sort=sort,
        size=_int(params, "size", 20, 1, MAX_SIZE),
        offset=_int(params, "offset", 0, 0, MAX_OFFSET),
        facets=facets,
        cursor=params.get("cursor") or None,
    )
