"""Column values by docnum (index.whoosh.docvalues): the date order's top pages."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from index.whoosh.docvalues import DocValues


def _values(ts: list[int], deleted: set[int]) -> DocValues:
    """Column values of ``len(ts)`` documents (ids ``"0000"``…) as a searcher would give them."""
    values = DocValues(len(ts))
    values._columns["ts"] = ts
    values._columns["id"] = [f"{d:04d}" for d in range(len(ts))]
    values._live = [d for d in range(len(ts)) if d not in deleted]
    return values


@st.composite
def _cases(draw: st.DrawFn) -> tuple[list[int], set[int], list[int], int, bool, tuple[int, str] | None]:
    n = draw(st.integers(1, 600))
    dates = max(1, n // 3)  # about three documents a date: ties, which the id decides
    ts = draw(st.lists(st.integers(0, dates), min_size=n, max_size=n))
    deleted = draw(st.sets(st.integers(0, n - 1), max_size=n // 4))
    if draw(st.booleans()):  # spread over the order (deleted documents among them: skipped)
        matches = sorted(draw(st.sets(st.integers(0, n - 1), max_size=n)))
    else:  # bunched: the documents of a span of dates, often far from both ends
        low = draw(st.integers(0, dates))
        high = low + draw(st.integers(0, dates))
        matches = [d for d in range(n) if low <= ts[d] <= high and d not in deleted]
    size = draw(st.integers(0, 30))
    key = None
    if draw(st.booleans()):
        key = (draw(st.integers(-1, dates + 1)), f"{draw(st.integers(0, n)):04d}")
    return ts, deleted, matches, size, draw(st.booleans()), key


@given(_cases())
def test_top_by_date_is_the_matches_in_date_order(
    case: tuple[list[int], set[int], list[int], int, bool, tuple[int, str] | None],
) -> None:
    """The first ``size`` matches by (time, id), newest first when descending, strictly after the
    cursor's key: whichever way the extreme ranks are found (near the end, or a partition)."""
    ts, deleted, matches, size, descending, key = case
    values = _values(ts, deleted)
    ordered = sorted(set(matches) - deleted, key=lambda d: (ts[d], f"{d:04d}"), reverse=descending)
    if key is not None:
        ordered = [
            d for d in ordered if ((ts[d], f"{d:04d}") < key if descending else (ts[d], f"{d:04d}") > key)
        ]
    got = values.top_by_date(None, np.array(matches, dtype=np.int64), size, descending=descending, key=key)
    assert got == ordered[:size]
