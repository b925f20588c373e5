"""Reading the documented query parameters of search-like endpoints into a :class:`SearchRequest`.

Each parameter is read by its one definition in :mod:`api.parameters` (the same that the OpenAPI
document shows), so every bad value becomes a 400 problem naming the parameter; unknown parameters are
rejected too, so a typo ("sourse=") is not silently ignored.
"""

from __future__ import annotations

from collections.abc import Mapping

from api.parameters import (
    MAX_OFFSET,
    SEARCH_PARAMS,
    bad_parameter,
    check_known,
    query_value,
    read_int,
)
from api.problems import Problem
from index.request import FILTER_FIELDS, SearchRequest

__all__ = ["MAX_OFFSET", "SEARCH_PARAMS", "bad_parameter", "read_int", "search_request"]


def search_request(params: Mapping[str, str], *, allowed: tuple[str, ...] = SEARCH_PARAMS) -> SearchRequest:
    """The search that ``params`` describe; a 400 problem for an unknown parameter, a value its
    definition refuses, ``date_from`` after ``date_to``, or both ``cursor`` and ``offset``."""
    check_known(params, allowed)
    read = {name: query_value(params, name) for name in SEARCH_PARAMS if name in allowed}
    date_from, date_to = read.get("date_from"), read.get("date_to")
    if date_from is not None and date_to is not None and date_from > date_to:
        raise Problem(
            400,
            "invalid-parameter",
            "Invalid parameter",
            f"date_from is after date_to ({date_from.isoformat()} > {date_to.isoformat()})",
            parameter="date_from",
        )
    cursor, offset = read.get("cursor"), read.get("offset", 0)
    if cursor is not None and offset:
        raise bad_parameter("offset", "page with either offset or cursor, not both")
    facets: str | None = read.get("facets")
    return SearchRequest(
        q=read.get("q"),
        filters={name: read[name] for name in FILTER_FIELDS if read.get(name) is not None},
        date_from=date_from,
        date_to=date_to,
        sort=read.get("sort"),
        size=read.get("size", 20),
        offset=offset,
        facets=facets.split(",") if facets else [],
        cursor=cursor,
        scope=read.get("in") or "all",
    )
