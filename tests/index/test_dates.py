"""Date ranges as year/month/day terms (index.dates)."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from whoosh import query as q

from index.dates import date_range_query, date_range_terms


def days_of(terms: list[tuple[str, str]]) -> list[date]:
    out: list[date] = []
    for field, value in terms:
        if field == "day":
            out.append(date.fromisoformat(value))
        elif field == "month":
            first = date.fromisoformat(value + "-01")
            d = first
            while d.month == first.month:
                out.append(d)
                d += timedelta(days=1)
        else:
            d = date(int(value), 1, 1)
            while d.year == int(value):
                out.append(d)
                d += timedelta(days=1)
    return out


def expected_days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


@pytest.mark.parametrize(
    ("start", "end", "terms"),
    [
        (date(2010, 6, 15), date(2010, 6, 15), [("day", "2010-06-15")]),
        (date(2012, 1, 1), date(2012, 12, 31), [("year", "2012")]),
        (date(2012, 2, 1), date(2012, 2, 29), [("month", "2012-02")]),
        (
            date(2010, 11, 30),
            date(2012, 1, 1),
            [("day", "2010-11-30"), ("month", "2010-12"), ("year", "2011"), ("day", "2012-01-01")],
        ),
    ],
)
def test_terms(start: date, end: date, terms: list[tuple[str, str]]) -> None:
    assert date_range_terms(start, end) == terms


def test_terms_cover_exactly_the_range_and_stay_few() -> None:
    rng = random.Random(1)
    for _ in range(300):
        start = date(2005, 1, 1) + timedelta(days=rng.randrange(7000))
        end = start + timedelta(days=rng.randrange(3000))
        terms = date_range_terms(start, end)
        assert sorted(days_of(terms)) == expected_days(start, end)
        assert len(terms) <= 2 * (31 + 11) + (end.year - start.year + 1)


def test_range_ending_at_date_max() -> None:
    assert date_range_terms(date(9999, 12, 1), date.max) == [("month", "9999-12")]
    assert date_range_terms(date(9999, 1, 1), date.max) == [("year", "9999")]


def test_query_clamps_open_ends_to_present_years() -> None:
    years = ["2010", "2011", "2013"]
    assert date_range_query(None, None, years) is None
    built = date_range_query(date(2011, 1, 1), None, years)
    assert built == q.Or([q.Term("year", "2011"), q.Term("year", "2013")])
    assert date_range_query(None, date(2009, 12, 31), years) is q.NullQuery
    assert date_range_query(date(2012, 1, 1), date(2012, 12, 31), years) is q.NullQuery
    assert date_range_query(date(2010, 1, 1), date(2010, 1, 1), years) == q.Term("day", "2010-01-01")
    assert date_range_query(date(2010, 1, 1), None, []) is q.NullQuery
