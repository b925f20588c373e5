"""Per-document column values of one searcher, as flat lists indexed by global document number.

Facet counts, timelines, date sorting and cursors all need one value per matching document. Whoosh's
own facet and sort machinery asks a column reader per document through several layers (about 50 ms
per facet on 50k documents); here each column is read once per segment into a plain list, cached by
segment id (segments never change, only their deletions, which the matchers already apply), and
joined in the searcher's segment order. Counting a facet is then one C-level ``Counter`` pass.

A :class:`DocValues` belongs to one index version (every searcher opened on the same commit sees the
same documents) and is immutable once built; building is guarded by a lock, so threads can share it.
Each method reads through the *caller's* searcher, because a Whoosh searcher must not be used by two
threads at once.
"""

from __future__ import annotations

import heapq
import threading
from bisect import bisect_left, bisect_right
from collections import Counter, OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from index.ranking import length_norms

__all__ = ["DocValues", "SortOrder"]

_SEGMENT_CACHE_SIZE = 256  # (segment, field) columns kept across searcher generations
_segment_cache: OrderedDict[tuple[str, str], list[Any]] = OrderedDict()
_segment_lock = threading.Lock()


def _segment_column(reader: Any, fieldname: str) -> list[Any]:
    """Every value of ``fieldname`` in one segment (cached by segment id)."""
    segment = reader.segment()
    if segment is None:  # the reader of an index without segments
        return []
    key = (segment.segment_id(), fieldname)
    with _segment_lock:
        cached = _segment_cache.get(key)
        if cached is not None:
            _segment_cache.move_to_end(key)
            return cached
    if reader.has_column(fieldname):
        values = list(reader.column_reader(fieldname))
    else:
        values = [None] * reader.doc_count_all()
    with _segment_lock:
        _segment_cache[key] = values
        while len(_segment_cache) > _SEGMENT_CACHE_SIZE:
            _segment_cache.popitem(last=False)
    return values


@dataclass(frozen=True)
class SortOrder:
    """Live documents ordered by (publication time, id) ascending.

    ``ordered`` are the docnums in that order, ``rank[docnum]`` a document's position in it (-1 if
    deleted); ``keys`` are the sorted keys, for finding where a cursor's key falls even when its
    document is gone.
    """

    ordered: list[int]
    rank: list[int]
    keys: list[tuple[int, str]]

    def after(self, key: tuple[int, str], descending: bool) -> tuple[int, int]:
        """The rank interval ``[lo, hi)`` of documents strictly after ``key`` in the given direction."""
        if descending:
            return 0, bisect_left(self.keys, key)
        return bisect_right(self.keys, key), len(self.keys)


class DocValues:
    """Column values of every document of ``searcher`` (see the module docstring)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._columns: dict[str, list[Any]] = {}
        self._order: SortOrder | None = None
        self._live: list[int] | None = None
        self._deleted: frozenset[int] | None = None
        self._norms: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def column(self, searcher: Any, fieldname: str) -> list[Any]:
        """Values of ``fieldname`` by global docnum (None/"" where a document has none)."""
        values = self._columns.get(fieldname)
        if values is None:
            with self._lock:
                values = self._columns.get(fieldname)
                if values is None:
                    values = []
                    for sub, _ in searcher.leaf_searchers():
                        values.extend(_segment_column(sub.reader(), fieldname))
                    self._columns[fieldname] = values
        return values

    def live(self, searcher: Any) -> list[int]:
        """Docnums of every undeleted document, ascending."""
        if self._live is None:
            with self._lock:
                if self._live is None:
                    live: list[int] = []
                    for sub, offset in searcher.leaf_searchers():
                        live.extend(offset + d for d in sub.reader().all_doc_ids())
                    self._live = live
        return self._live

    def deleted(self, searcher: Any) -> frozenset[int]:
        """Docnums of deleted documents (still in their segments until a merge)."""
        if self._deleted is None:
            live = self.live(searcher)
            with self._lock:
                if self._deleted is None:
                    self._deleted = (
                        frozenset(range(self.size)).difference(live) if len(live) < self.size else frozenset()
                    )
        return self._deleted

    def norms(self, searcher: Any, fieldname: str) -> list[float]:
        """BM25F length norms of a full-text field (see :func:`index.ranking.length_norms`)."""
        norms = self._norms.get(fieldname)
        if norms is None:
            with self._lock:
                norms = self._norms.get(fieldname)
                if norms is None:
                    norms = self._norms[fieldname] = length_norms(searcher, fieldname)
        return norms

    def order(self, searcher: Any) -> SortOrder:
        """The date order of the live documents (built on first use)."""
        if self._order is None:
            ts, ids = self.column(searcher, "ts"), self.column(searcher, "id")
            live = self.live(searcher)
            with self._lock:
                if self._order is None:
                    ordered = sorted(live, key=lambda d: (ts[d], ids[d]))
                    rank = [-1] * self.size
                    for position, docnum in enumerate(ordered):
                        rank[docnum] = position
                    keys = [(ts[d], ids[d]) for d in ordered]
                    self._order = SortOrder(ordered=ordered, rank=rank, keys=keys)
        return self._order

    def count(self, searcher: Any, fieldname: str, docnums: Iterable[int]) -> list[tuple[str, int]]:
        """``(value, count)`` over ``docnums``, most frequent first, then by value; empty values left out."""
        values = self.column(searcher, fieldname)
        counts = Counter(map(values.__getitem__, docnums))
        return sorted(
            ((str(v), n) for v, n in counts.items() if v not in (None, "")), key=lambda kv: (-kv[1], kv[0])
        )

    def top_by_date(
        self,
        searcher: Any,
        docnums: Iterable[int],
        size: int,
        *,
        descending: bool,
        key: tuple[int, str] | None,
    ) -> list[int]:
        """The first ``size`` of ``docnums`` in date order, strictly after the cursor ``key`` if given."""
        order = self.order(searcher)
        rank = order.rank
        lo, hi = order.after(key, descending) if key is not None else (0, len(order.keys))
        if docnums is self._live:  # every document: read the order itself
            return (
                order.ordered[max(lo, hi - size) : hi][::-1] if descending else order.ordered[lo : lo + size]
            )
        if lo == 0 and hi == len(order.keys):
            candidates: Iterable[int] = docnums
        else:
            candidates = (d for d in docnums if lo <= rank[d] < hi)
        if descending:
            return heapq.nlargest(size, candidates, key=rank.__getitem__)
        return heapq.nsmallest(size, candidates, key=rank.__getitem__)
