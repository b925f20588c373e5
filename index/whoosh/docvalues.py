"""Per-document column values of one searcher, as flat lists indexed by global document number.

Facet counts, timelines, date sorting and cursors all need one value per matching document. Whoosh's
own facet and sort machinery asks a column reader per document through several layers (about 50 ms
per facet on 50k documents); here each column is read once per segment into a plain list, cached by
segment id (segments never change, only their deletions, which the matchers already apply), and
joined in the searcher's segment order. Counting a facet is then one ``numpy.bincount`` over the
column's integer codes.

A :class:`DocValues` belongs to one index version (every searcher opened on the same commit sees the
same documents) and is immutable once built; building is guarded by a lock, so threads can share it.
Each method reads through the *caller's* searcher, because a Whoosh searcher must not be used by two
threads at once.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from index.whoosh.postings import leaves
from index.whoosh.ranking import norms_of, searcher_lengths

__all__ = ["DocValues", "SortOrder", "stored_fields"]

_T = TypeVar("_T")

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
        # A segment none of whose documents has a value writes no column file (an incremental commit of
        # undated records, say); its documents have the column's default, as Whoosh's reader would say.
        values = [_column_default(reader, fieldname)] * reader.doc_count_all()
    with _segment_lock:
        _segment_cache[key] = values
        while len(_segment_cache) > _SEGMENT_CACHE_SIZE:
            _segment_cache.popitem(last=False)
    return values


def _column_default(reader: Any, fieldname: str) -> Any:
    """The schema's default value of a column field (None for a field without a column)."""
    column = reader.schema[fieldname].column_type if fieldname in reader.schema else None
    return None if column is None else column.default_value()


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
    ranks: NDArray[np.int32]
    """``rank`` as an array (32 bits: half the memory a gather over many matches reads)."""

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
        self._live_array: NDArray[np.int64] | None = None
        self._deleted_array: NDArray[np.int64] | None = None
        self._norms: dict[str, NDArray[np.float64]] = {}
        self._lengths: dict[str, NDArray[np.float64]] = {}
        self._codes: dict[str, tuple[NDArray[np.int32], list[str]]] = {}
        self._arrays: dict[str, NDArray[Any]] = {}
        self._terms: dict[str, tuple[str, ...]] = {}
        self._lock = threading.Lock()

    def _built(self, table: dict[str, _T], key: str, build: Callable[[], _T]) -> _T:
        """``table[key]``, built once, under the lock (``build`` must not take it)."""
        found = table.get(key)
        if found is None:
            with self._lock:
                found = table.get(key)
                if found is None:
                    found = table[key] = build()
        return found

    def column(self, searcher: Any, fieldname: str) -> list[Any]:
        """Values of ``fieldname`` by global docnum (None/"" where a document has none)."""

        def build() -> list[Any]:
            values: list[Any] = []
            for sub, _ in searcher.leaf_searchers():
                values.extend(_segment_column(sub.reader(), fieldname))
            return values

        return self._built(self._columns, fieldname, build)

    def terms(self, searcher: Any, fieldname: str) -> tuple[str, ...]:
        """The terms of ``fieldname`` in any segment (deleted documents' included, as Whoosh's
        ``lexicon`` lists them), read once per version: reading them merges every segment's term
        file (about a millisecond and a half at 18 segments), and a date range asks for the years on
        every search."""

        def build() -> tuple[str, ...]:
            return tuple(t.decode() if isinstance(t, bytes) else str(t) for t in searcher.lexicon(fieldname))

        return self._built(self._terms, fieldname, build)

    def array(self, searcher: Any, fieldname: str) -> NDArray[Any]:
        """:meth:`column` of a numeric column as an array."""
        values = self.column(searcher, fieldname)
        return self._built(self._arrays, fieldname, lambda: np.array(values))

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

    def live_array(self, searcher: Any) -> NDArray[np.int64]:
        """:meth:`live` as a read-only array."""
        if self._live_array is None:
            found = np.array(self.live(searcher), dtype=np.int64)
            found.setflags(write=False)
            self._live_array = found
        return self._live_array

    def deleted_array(self, searcher: Any) -> NDArray[np.int64]:
        """:meth:`deleted` as a read-only ascending array."""
        if self._deleted_array is None:
            deleted = self.deleted(searcher)
            found = np.sort(np.fromiter(deleted, dtype=np.int64, count=len(deleted)))
            found.setflags(write=False)
            self._deleted_array = found
        return self._deleted_array

    def norms(self, searcher: Any, fieldname: str, average: float) -> NDArray[np.float64]:
        """BM25F length norms of a full-text field for an average field length (see
        :func:`index.whoosh.ranking.length_norms`); those of the current average are kept."""
        lengths = self._built(self._lengths, fieldname, lambda: searcher_lengths(searcher, fieldname))
        current = float(searcher.avg_field_length(fieldname) or 1)
        if average != current:  # a cursor's statistics from an earlier version of the index
            return norms_of(searcher, fieldname, lengths, average)
        return self._built(self._norms, fieldname, lambda: norms_of(searcher, fieldname, lengths, average))

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
                    self._order = SortOrder(
                        ordered=ordered, rank=rank, keys=keys, ranks=np.array(rank, dtype=np.int32)
                    )
        return self._order

    def codes(self, searcher: Any, fieldname: str) -> tuple[NDArray[np.int32], list[str]]:
        """A column as integer codes by global docnum, and the value of each code ("" for none)."""
        values = self.column(searcher, fieldname)

        def build() -> tuple[NDArray[np.int32], list[str]]:
            index: dict[Any, int] = {}
            codes = np.array([index.setdefault(v, len(index)) for v in values], dtype=np.int32)
            return codes, ["" if v is None else str(v) for v in index]

        return self._built(self._codes, fieldname, build)

    def count(
        self, searcher: Any, fieldname: str, docnums: NDArray[np.int64] | Iterable[int]
    ) -> list[tuple[str, int]]:
        """``(value, count)`` over ``docnums``, most frequent first, then by value; empty values left out."""
        codes, labels = self.codes(searcher, fieldname)
        if not isinstance(docnums, np.ndarray):
            docnums = np.fromiter(docnums, dtype=np.int64)
        docnums = docnums.astype(np.int64, copy=False)
        counts = np.bincount(codes[docnums], minlength=len(labels)).tolist()
        return sorted(
            ((labels[i], n) for i, n in enumerate(counts) if n and labels[i]), key=lambda kv: (-kv[1], kv[0])
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
        """The first ``size`` of ``docnums`` in date order, strictly after the cursor ``key`` if given
        (deleted documents among ``docnums`` are left out)."""
        order = self.order(searcher)
        if size <= 0:
            return []
        lo, hi = order.after(key, descending) if key is not None else (0, len(order.keys))
        if docnums is self._live:  # every document: read the order itself
            return (
                order.ordered[max(lo, hi - size) : hi][::-1] if descending else order.ordered[lo : lo + size]
            )
        docs = docnums if isinstance(docnums, np.ndarray) else np.fromiter(docnums, dtype=np.int64)
        ranks = order.ranks[docs]
        if lo > 0 or hi < len(order.keys) or len(order.keys) < self.size:  # a cursor, or deletions (-1)
            ranks = ranks[(ranks >= lo) & (ranks < hi)]
        if len(ranks) > size:
            ranks = _extreme_ranks(ranks, size, lo, hi, descending=descending)
        ranks.sort()
        chosen = ranks[::-1] if descending else ranks
        return [order.ordered[r] for r in chosen[:size].tolist()]


def _extreme_ranks(
    ranks: NDArray[np.int32], size: int, lo: int, hi: int, *, descending: bool
) -> NDArray[np.int32]:
    """A part of ``ranks`` (distinct, in ``[lo, hi)``) that holds their ``size`` largest
    (``descending``) or smallest, in any order; the caller sorts it and takes ``size``.

    Matches spread over the date order put the extreme ones near its end: ``n`` ranks among ``hi -
    lo`` hold about ``size`` within ``size * (hi - lo) / n`` of it, so one comparison over the ranks
    keeps a few dozen, where a partition of a common term's hundreds of thousands of matches took
    milliseconds. Matches bunched away from the end (a term of old articles only) leave too few
    there: those take the partition."""
    span = hi - lo
    reach = min(span, 4 * size * span // len(ranks) + size)
    near = ranks[ranks >= hi - reach] if descending else ranks[ranks < lo + reach]
    if len(near) >= size:
        return near
    cut = len(ranks) - size if descending else size - 1
    bound = int(np.partition(ranks, cut)[cut])
    return ranks[ranks >= bound] if descending else ranks[ranks <= bound]


def stored_fields(searcher: Any, docnums: Iterable[int]) -> list[dict[str, Any]]:
    """The stored fields of these documents (global docnums), in their order.

    Read from each segment's stored column directly where the codec has one: Whoosh's reader
    wrapper copies every document's fields through a schema check (every field of this index is in
    its schema), half the cost of a page's twenty look-ups."""
    segments = leaves(searcher)
    offsets = [offset for _, offset in segments]
    found: list[dict[str, Any]] = []
    for docnum in docnums:
        reader, offset = segments[bisect_right(offsets, docnum) - 1]
        perdoc = getattr(reader, "_perdoc", None)
        if perdoc is not None and hasattr(perdoc, "stored_fields"):
            found.append(dict(perdoc.stored_fields(docnum - offset)))
        else:
            found.append(dict(reader.stored_fields(docnum - offset)))
    return found
