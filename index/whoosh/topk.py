"""The best-scoring matches without scoring every match: block-max pruning over document intervals.

A relevance page needs the ``limit`` best of all matches, but most matches of a common query cannot be
among them. Each term's postings come with bounds per block of :data:`~index.whoosh.postcache.CHUNK`
postings (:meth:`~index.whoosh.postcache.PostingCache.bounds`: the block's first and last document,
largest weight, smallest field length), from which its BM25 score in any document of the block is at
most ``c * w / (w + norm(length))`` (the score grows with the weight and falls with the length). Cutting
the document numbers at every block edge of every term gives intervals in which a document's score is
at most the sum of the bounds of the blocks covering it. The best-bounded intervals are scored first,
``batch`` documents or more; then only the intervals whose bound reaches the ``limit``-th best score
found so far: no document of the others can reach (or tie) the page. Counts, facets and the match
set itself stay exact: only scoring is skipped. The scores are computed exactly as for every match
(same terms, same order), so the page is the same; ``tests/index/test_topk.py`` compares with scoring
everything.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray

__all__ = ["Bound", "candidates"]

Bound = tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]
"""One term's blocks: first and last document (global, ascending), the bound of its score there."""

_SLACK = 1e-9
"""Relative margin on bounds, for rounding (a bound is a sum taken in another order than a score)."""


def candidates(
    bounds: Sequence[Bound],
    docs: NDArray[np.int64],
    limit: int,
    score: Callable[[NDArray[np.int64]], NDArray[np.float64]],
    batch: int = 1024,
) -> tuple[NDArray[np.int64], NDArray[np.float64]] | None:
    """A subset of ``docs`` (ascending) holding every document that can be among the ``limit`` best
    (ties included), with its score; ``score(subset)`` scores an ascending subset exactly. None when
    the bounds would leave most documents to score (loose bounds: scoring all at once costs less)."""
    if not len(docs) or limit <= 0:
        return docs[:0], np.zeros(0)
    edges = np.concatenate(
        [docs[:1], docs[-1:] + 1] + [first for first, _, _ in bounds] + [last + 1 for _, last, _ in bounds]
    )
    edges.sort()  # then unique (np.unique hashes first: slower on these few thousand sorted runs)
    edges = edges[np.concatenate(([True], edges[1:] != edges[:-1]))]
    starts = edges[:-1]
    ceiling = np.zeros(len(starts))
    for first, last, bound in bounds:
        if not len(first):
            continue
        j = np.searchsorted(last, starts)  # the first block ending at or after the interval's start
        inside = j < len(last)
        j[~inside] = 0
        inside &= first[j] <= starts
        ceiling += np.where(inside, bound[j], 0.0)
    ceiling = ceiling * (1 + _SLACK) + _SLACK
    cuts = np.searchsorted(docs, edges)
    counts = np.diff(cuts)
    filled = np.flatnonzero(counts)
    order = filled[np.argsort(-ceiling[filled], kind="stable")]
    # First the best-bounded intervals, ``batch`` documents or more: their ``limit``-th best score is the
    # bound to beat. Then every other interval that can beat it, at once.
    taken = np.cumsum(counts[order])
    # At least ``limit`` intervals: with one term, each holds a document scoring its bound.
    take = max(int(np.searchsorted(taken, batch)) + 1, limit)
    first = order[:take]
    rest = order[take:]
    subset = _docs_of(docs, cuts, first)
    scores = score(subset)
    if not len(rest):
        return subset, scores
    kth = np.partition(scores, len(scores) - limit)[len(scores) - limit] if len(scores) >= limit else -np.inf
    kept = rest[ceiling[rest] >= kth]
    if counts[kept].sum() * 2 > counts[rest].sum():
        return None
    rest = kept
    if not len(rest):
        return subset, scores
    more = _docs_of(docs, cuts, rest)
    return np.concatenate([subset, more]), np.concatenate([scores, score(more)])


def _docs_of(
    docs: NDArray[np.int64], cuts: NDArray[np.int64], intervals: NDArray[np.int64]
) -> NDArray[np.int64]:
    """The documents of these intervals (``docs[cuts[i]:cuts[i + 1]]`` for each), ascending: gathered
    by position, at a cost of what they hold rather than of all ``docs``."""
    intervals = np.sort(intervals)
    lo = cuts[intervals]
    sizes = cuts[intervals + 1] - lo
    heads = np.cumsum(sizes) - sizes  # where each interval's documents start in the result
    return docs[np.repeat(lo - heads, sizes) + np.arange(int(sizes.sum()))]
