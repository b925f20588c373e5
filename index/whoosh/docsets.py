"""The set of documents a query matches, computed with sorted arrays of document numbers instead of
Whoosh matchers.

Counting matches, facets, timelines and date order need every matching document, not scores. Whoosh
walks its matcher tree one document at a time in Python (several microseconds per document for an AND
of ORs); here a term's posting list is decoded in bulk (:mod:`index.whoosh.postcache`) into an ascending
array of document numbers, and AND / OR / AND NOT become numpy operations on such arrays
(``searchsorted`` membership tests, merges), so a query costs what its posting lists and matches cost,
not what the collection holds: a mask over the documents is made only for a union or an intersection
that is itself a good part of the collection. An AND starts from its rarest part (by document
frequency); a much more common part is then looked up for the documents still in play only: in its
decoded list when the service's cache holds it or will keep it, else *probed*, skipping the blocks of
its posting list that cannot hold them, so "rare phrase of common syllables" reads little. Deleted
documents are removed at the end.

Supported query nodes: Term, And, Or, AndNot, AndMaybe (its optional part does not change the set),
Every and NullQuery: everything :mod:`index.query` and :mod:`index.dates` build. Anything else makes
:func:`query_docs` return None, and the caller falls back to Whoosh's ``docs_for_query``.
``tests/index/test_docsets.py`` checks results against Whoosh's.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from whoosh import query as q

from index.whoosh.postcache import PostingCache
from index.whoosh.postings import leaves

__all__ = ["contains", "difference", "intersect", "narrow", "query_docs", "union"]

_PROBE_RATIO = 64
"""Probe a part instead of reading it when it is this many times larger than the set in play."""
_DENSE = 8
"""A union of more than 1/_DENSE of the collection's documents is made with a mask (cheaper than a
merge then; the query is not selective)."""

_MASK_GAIN = 16
"""A binary search per target costs about this many times more than marking or reading a mask entry."""
_MASK_SPAN = 8
"""Clearing a mask byte costs about 1/_MASK_SPAN of marking one (memset against a scatter)."""

Docs = NDArray[np.int64]
"""Ascending, distinct global document numbers."""
_NONE: Docs = np.zeros(0, dtype=np.int64)


def contains(docs: Docs, targets: Docs) -> NDArray[np.bool_]:
    """Which of ``targets`` are in ``docs`` (both ascending).

    Each target is looked up by binary search (~20 ns each, a cache miss per step), unless the
    targets are many against ``docs`` and the span of document numbers they cover (``_MASK_GAIN *
    targets > docs + span / _MASK_SPAN``, so at least 1/128 of the span): then ``docs`` are marked in
    a byte mask of that span and the targets read from it, several times faster. Only a query
    matching a good part of the collection makes such a mask."""
    if not len(docs) or not len(targets):
        return np.zeros(len(targets), dtype=bool)
    span = int(docs[-1]) + 1
    if _MASK_GAIN * len(targets) > len(docs) + span // _MASK_SPAN:
        mask = np.zeros(span, dtype=bool)
        mask[docs] = True
        inside = targets < span
        if bool(inside.all()):
            found_all: NDArray[np.bool_] = mask[targets]
            return found_all
        found_some = np.zeros(len(targets), dtype=bool)
        found_some[inside] = mask[targets[inside]]
        return found_some
    pos = np.searchsorted(docs, targets)
    pos[pos == len(docs)] = len(docs) - 1
    found: NDArray[np.bool_] = docs[pos] == targets
    return found


def intersect(a: Docs, b: Docs) -> Docs:
    """``a`` ∩ ``b``: the smaller one looked up in the larger."""
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    return small[contains(large, small)]


def difference(a: Docs, b: Docs) -> Docs:
    """``a`` without ``b``."""
    return a[~contains(b, a)] if len(b) and len(a) else a


def union(parts: Sequence[Docs], size: int) -> Docs:
    """The union of ``parts``, documents of a collection of ``size``."""
    parts = [p for p in parts if len(p)]
    if len(parts) <= 1:
        return parts[0] if parts else _NONE
    total = sum(len(p) for p in parts)
    if total * _DENSE > size:
        mask = np.zeros(size, dtype=bool)
        for part in parts:
            mask[part] = True
        return np.flatnonzero(mask)
    merged = np.concatenate(parts)
    merged.sort(kind="stable")  # a merge of sorted runs
    keep = np.empty(len(merged), dtype=bool)
    keep[0] = True
    np.not_equal(merged[1:], merged[:-1], out=keep[1:])
    return merged[keep]


class _Unsupported(Exception):
    pass


class _Evaluator:
    def __init__(self, searcher: Any, live: Sequence[int] | Docs, cache: PostingCache | None) -> None:
        self.searcher = searcher
        self.leaves = leaves(searcher)
        self.cache = cache if cache is not None else PostingCache(self.leaves)
        self.schema = searcher.schema
        self.live = live
        self.size = int(searcher.doc_count_all())
        self._estimates: dict[int, int] = {}

    def _tbytes(self, node: Any) -> bytes | None:
        if node.fieldname not in self.schema:
            return None
        return bytes(self.schema[node.fieldname].to_bytes(node.text))

    def estimate(self, node: Any) -> int:
        """An upper bound of the number of documents ``node`` matches (cheap: term statistics)."""
        found = self._estimates.get(id(node))
        if found is None:
            found = self._estimates[id(node)] = self._estimate(node)
        return found

    def _estimate(self, node: Any) -> int:
        if isinstance(node, q.Term):
            tbytes = self._tbytes(node)
            return self.cache.df(node.fieldname, tbytes) if tbytes is not None else 0
        if isinstance(node, q.And):
            return min((self.estimate(c) for c in node.subqueries), default=0)
        if isinstance(node, q.Or):
            return sum(self.estimate(c) for c in node.subqueries)
        if isinstance(node, (q.AndNot, q.AndMaybe)):
            return self.estimate(node.a)
        if isinstance(node, q.Every):
            return int(self.searcher.doc_count())
        return 0

    def docs(self, node: Any) -> Docs:
        """Every document matching ``node`` (deleted ones included). The result may be an array the
        cache holds: never modified in place."""
        if isinstance(node, q.Term):
            tbytes = self._tbytes(node)
            if tbytes is None:
                return _NONE
            return self.cache.arrays(node.fieldname, tbytes)[0]
        if isinstance(node, q.And):
            parts = sorted(node.subqueries, key=self.estimate)
            if not parts:
                return _NONE
            current = self.docs(parts[0])
            for part in parts[1:]:
                if not len(current):
                    break
                if self.estimate(part) > _PROBE_RATIO * len(current):
                    current = self.within(part, current)
                else:
                    current = intersect(current, self.docs(part))
            return current
        if isinstance(node, q.Or) and not getattr(node, "minmatch", 0):
            return union([self.docs(child) for child in node.subqueries], self.size)
        if isinstance(node, q.AndNot):
            positive = self.docs(node.a)
            if len(positive):
                positive = difference(positive, self.within(node.b, positive))
            return positive
        if isinstance(node, q.AndMaybe):
            return self.docs(node.a)
        if isinstance(node, q.Every) and not node.fieldname:
            return np.asarray(self.live, dtype=np.int64)
        if node is q.NullQuery:
            return _NONE
        raise _Unsupported(type(node).__name__)

    def within(self, node: Any, candidates: Docs) -> Docs:
        """The documents of ``candidates`` that match ``node``."""
        if isinstance(node, q.Term):
            tbytes = self._tbytes(node)
            if tbytes is None or not len(candidates):
                return _NONE
            if self.cache.prefers_arrays(node.fieldname, tbytes):
                return self.cache.lookup(node.fieldname, tbytes, candidates)[0]
            probed = [d for d, _ in self.cache.weights_for(node.fieldname, tbytes, candidates.tolist())]
            return np.array(probed, dtype=np.int64)
        if isinstance(node, q.And):
            current = candidates
            for part in sorted(node.subqueries, key=self.estimate):
                current = self.within(part, current)
            return current
        if isinstance(node, q.Or) and not getattr(node, "minmatch", 0):
            return union([self.within(child, candidates) for child in node.subqueries], self.size)
        if isinstance(node, q.AndNot):
            positive = self.within(node.a, candidates)
            return difference(positive, self.within(node.b, positive)) if len(positive) else positive
        if isinstance(node, q.AndMaybe):
            return self.within(node.a, candidates)
        if isinstance(node, q.Every) and not node.fieldname:
            return candidates
        return intersect(candidates, self.docs(node))


def query_docs(
    searcher: Any,
    query: Any,
    live: Sequence[int] | Docs,
    deleted: Collection[int],
    cache: PostingCache | None = None,
) -> Docs | None:
    """Global docnums of the live documents matching ``query``, ascending (possibly a read-only array
    shared with the posting cache); None if a node is not supported.

    ``live`` / ``deleted``: the searcher's undeleted and deleted docnums (see
    :class:`index.whoosh.docvalues.DocValues`; ``deleted`` best as an ascending array); ``cache``:
    posting lists read so far in this search.
    """
    try:
        found = _Evaluator(searcher, live, cache).docs(query)
    except _Unsupported:
        return None
    if len(deleted) and len(found):
        if not isinstance(deleted, np.ndarray):
            deleted = np.sort(np.fromiter(deleted, dtype=np.int64, count=len(deleted)))
        found = difference(found, deleted)
    return found


def narrow(searcher: Any, part: Any, rest: Any, cache: PostingCache | None = None) -> bool:
    """Whether ``part`` matches far fewer documents than ``rest`` (by term statistics), so that
    evaluating ``rest AND part`` from ``part`` pays off."""
    evaluator = _Evaluator(searcher, [], cache)
    return _PROBE_RATIO * evaluator.estimate(part) < evaluator.estimate(rest)
