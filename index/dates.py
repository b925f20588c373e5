"""Date-range filters as a few exact terms on the ``year``, ``month`` and ``day`` fields.

A range query on a date field makes Whoosh walk and union many terms (measured: 67 ms for a DateRange
filter against 14 ms for one year term), so an inclusive range of local (Asia/Ho_Chi_Minh) days is cut
into whole years, whole months and single days: 2010-06-15 … 2012-02-03 becomes the days 15–30 June
2010, the months July–December 2010, the year 2011, the month January 2012 and the days 1–3 February
2012. A range never needs more than about 2 × (30 + 11) terms plus one per whole year.

When the range is wide compared with the rest of the query, :mod:`index.whoosh.service` instead checks each
matching document's publication time in the ``ts`` column (:func:`local_span` gives the bounds).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from whoosh import query as q

__all__ = ["date_range_query", "date_range_terms", "local_span"]

_LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
_FAR = 2**62


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def date_range_terms(start: date, end: date) -> list[tuple[str, str]]:
    """``(field, value)`` terms whose union is exactly the local days ``start`` … ``end`` (inclusive)."""
    terms: list[tuple[str, str]] = []
    day = start
    while day <= end:
        if day.month == 1 and day.day == 1 and date(day.year, 12, 31) <= end:
            terms.append(("year", f"{day.year:04d}"))
            last = date(day.year, 12, 31)
        elif day.day == 1 and _month_end(day) <= end:
            terms.append(("month", f"{day.year:04d}-{day.month:02d}"))
            last = _month_end(day)
        else:
            terms.append(("day", day.isoformat()))
            last = day
        if last == date.max:
            break
        day = last + timedelta(days=1)
    return terms


def date_range_query(start: date | None, end: date | None, years: Iterable[str]) -> q.Query | None:
    """A query for documents published on ``start`` … ``end`` (either may be open).

    ``years`` are the years present in the index: open ends are clamped to them, and terms of absent
    years are left out. Returns :class:`whoosh.query.NullQuery` when nothing can match, None when the
    range is fully open.
    """
    if start is None and end is None:
        return None
    present = sorted(y for y in years if y.isdigit() and len(y) == 4)
    if not present:
        return q.NullQuery
    lo = start or date(int(present[0]), 1, 1)
    hi = end or date(int(present[-1]), 12, 31)
    lo = max(lo, date(int(present[0]), 1, 1))
    hi = min(hi, date(int(present[-1]), 12, 31))
    if lo > hi:
        return q.NullQuery
    known = set(present)
    terms = [q.Term(f, v) for f, v in date_range_terms(lo, hi) if v[:4] in known]
    if not terms:
        return q.NullQuery
    return terms[0] if len(terms) == 1 else q.Or(terms)


def local_span(start: date | None, end: date | None) -> tuple[int, int]:
    """The local days ``start`` … ``end`` (inclusive, either open) as inclusive epoch seconds."""
    lo = int(datetime.combine(start, time.min, _LOCAL).timestamp()) if start else -_FAR + 1
    hi = int(datetime.combine(end, time.max, _LOCAL).timestamp()) if end else _FAR
    return lo, hi
