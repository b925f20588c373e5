"""The set of documents a query matches, computed with boolean masks instead of Whoosh matchers.

Counting matches, facets, timelines and date order need every matching document, not scores. Whoosh
walks its matcher tree one document at a time in Python (several microseconds per document for an AND
of ORs); here a term's posting list is decoded in bulk (:mod:`index.whoosh.postcache`) into a boolean mask
over document numbers, and AND / OR / AND NOT become numpy mask operations. An AND starts from its
rarest part (by document frequency); a much more common part is then only *probed* for the documents
still in play, skipping the blocks of its posting list that cannot hold them, so "rare phrase of
common syllables" reads little. Deleted documents are removed at the end.

Supported query nodes: Term, And, Or, AndNot, AndMaybe (its optional part does not change the set),
Every and NullQuery: everything :mod:`index.query` and :mod:`index.dates` build. Anything else makes
:func:`query_docs` return None, and the caller falls back to Whoosh's ``docs_for_query``.
``tests/index/test_docsets.py`` checks results against Whoosh's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from whoosh import query as q

from index.whoosh.postcache import PostingCache
from index.whoosh.postings import probe_docs

__all__ = ["narrow", "query_docs"]

_PROBE_RATIO = 64
"""Probe a part instead of reading it when it is this many times larger than the set in play."""


class _Unsupported(Exception):
    pass


Mask = NDArray[np.bool_]


class _Evaluator:
    def __init__(self, searcher: Any, live: Sequence[int], cache: PostingCache | None) -> None:
        self.searcher = searcher
        self.leaves = [(sub.reader(), offset) for sub, offset in searcher.leaf_searchers()]
        self.cache = cache if cache is not None else PostingCache(self.leaves)
        self.schema = searcher.schema
        self.live = live
        self.size = int(searcher.doc_count_all())

    def _tbytes(self, node: Any) -> bytes | None:
        if node.fieldname not in self.schema:
            return None
        return bytes(self.schema[node.fieldname].to_bytes(node.text))

    def _empty(self) -> Mask:
        return np.zeros(self.size, dtype=bool)

    def _mask(self, docnums: Any) -> Mask:
        mask = self._empty()
        mask[docnums] = True
        return mask

    def estimate(self, node: Any) -> int:
        """An upper bound of the number of documents ``node`` matches (cheap: term statistics)."""
        if isinstance(node, q.Term):
            return int(self.searcher.doc_frequency(node.fieldname, node.text)) if self._tbytes(node) else 0
        if isinstance(node, q.And):
            return min((self.estimate(c) for c in node.subqueries), default=0)
        if isinstance(node, q.Or):
            return sum(self.estimate(c) for c in node.subqueries)
        if isinstance(node, (q.AndNot, q.AndMaybe)):
            return self.estimate(node.a)
        if isinstance(node, q.Every):
            return int(self.searcher.doc_count())
        return 0

    def docs(self, node: Any) -> Mask:
        """Every document matching ``node`` (deleted ones included), as a mask over docnums."""
        if isinstance(node, q.Term):
            tbytes = self._tbytes(node)
            if tbytes is None:
                return self._empty()
            return self._mask(self.cache.arrays(node.fieldname, tbytes)[0])
        if isinstance(node, q.And):
            parts = sorted(node.subqueries, key=self.estimate)
            if not parts:
                return self._empty()
            current = self.docs(parts[0])
            for part in parts[1:]:
                count = int(np.count_nonzero(current))
                if not count:
                    break
                if self.estimate(part) > _PROBE_RATIO * count:
                    current = self.within(part, current)
                else:
                    current &= self.docs(part)
            return current
        if isinstance(node, q.Or) and not getattr(node, "minmatch", 0):
            found = self._empty()
            for child in node.subqueries:
                found |= self.docs(child)
            return found
        if isinstance(node, q.AndNot):
            positive = self.docs(node.a)
            if positive.any():
                positive &= ~self.within(node.b, positive)
            return positive
        if isinstance(node, q.AndMaybe):
            return self.docs(node.a)
        if isinstance(node, q.Every) and not node.fieldname:
            return self._mask(np.asarray(self.live, dtype=np.int64))
        if node is q.NullQuery:
            return self._empty()
        raise _Unsupported(type(node).__name__)

    def within(self, node: Any, candidates: Mask) -> Mask:
        """The documents of ``candidates`` that match ``node``."""
        if isinstance(node, q.Term):
            tbytes = self._tbytes(node)
            if tbytes is None:
                return self._empty()
            targets = np.flatnonzero(candidates)
            if self.cache.is_read(node.fieldname, tbytes):
                return self._mask(self.cache.lookup(node.fieldname, tbytes, targets)[0])
            probed = [d for d, _ in probe_docs(self.leaves, node.fieldname, tbytes, targets.tolist())]
            return self._mask(np.array(probed, dtype=np.int64))
        if isinstance(node, q.And):
            current = candidates
            for part in sorted(node.subqueries, key=self.estimate):
                current = self.within(part, current)
            return current
        if isinstance(node, q.Or) and not getattr(node, "minmatch", 0):
            found = self._empty()
            for child in node.subqueries:
                found |= self.within(child, candidates)
            return found
        if isinstance(node, q.AndNot):
            positive = self.within(node.a, candidates)
            return positive & ~self.within(node.b, positive) if positive.any() else positive
        if isinstance(node, q.AndMaybe):
            return self.within(node.a, candidates)
        if isinstance(node, q.Every) and not node.fieldname:
            return candidates.copy()
        return candidates & self.docs(node)


def query_docs(
    searcher: Any,
    query: Any,
    live: Sequence[int],
    deleted: frozenset[int],
    cache: PostingCache | None = None,
) -> NDArray[np.int64] | None:
    """Global docnums of the live documents matching ``query``, ascending; None if a node is not
    supported.

    ``live`` / ``deleted``: the searcher's undeleted and deleted docnums (see
    :class:`index.whoosh.docvalues.DocValues`); ``cache``: posting lists read so far in this search.
    """
    try:
        found = _Evaluator(searcher, live, cache).docs(query)
    except _Unsupported:
        return None
    if deleted:
        found[np.fromiter(deleted, dtype=np.int64, count=len(deleted))] = False
    return np.flatnonzero(found)


def narrow(searcher: Any, part: Any, rest: Any) -> bool:
    """Whether ``part`` matches far fewer documents than ``rest`` (by term statistics), so that
    evaluating ``rest AND part`` from ``part`` pays off."""
    evaluator = _Evaluator(searcher, [], None)
    return _PROBE_RATIO * evaluator.estimate(part) < evaluator.estimate(rest)
