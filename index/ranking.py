"""Relevance ranking: Whoosh's BM25F scores, computed posting list by posting list.

Whoosh scores a query by walking its matcher tree document by document, which costs tens of
microseconds per matching document in Python and dominates queries made of common syllables. For the
query shapes :mod:`index.query` builds (terms under And / Or / AndMaybe, exclusions under AndNot), a
document's score is simply the sum, over the positive terms it contains, of the term's boost times its
BM25F score. So each positive term's postings are read in bulk (:mod:`index.postings`) and their scores
added up per document; the page is then the top of the matching set (:mod:`index.docsets`).

The formula and its inputs are Whoosh's own (``idf = 1 + log(N / (df + 1))``, the stored weight as the
term frequency, Whoosh's quantized field lengths and average field length, BM25F's ``B`` and ``K1``),
so scores equal Whoosh's up to floating-point rounding (``tests/index/test_docsets.py`` checks that).
Ties are broken by record id, which (unlike Whoosh's document numbers) survives merges and so can be
named by a cursor.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Collection, Sequence
from typing import Any

from whoosh import query as q

from index.postings import PostingCache, field_lengths

__all__ = ["positive_terms", "rank"]


def positive_terms(node: Any, boost: float = 1.0) -> list[tuple[str, str, float]] | None:
    """``(field, text, boost)`` of every term that adds to the score; None for an unsupported node."""
    boost *= float(getattr(node, "boost", 1.0))
    if isinstance(node, q.Term):
        return [(node.fieldname, node.text, boost)]
    if isinstance(node, (q.And, q.Or)):
        found: list[tuple[str, str, float]] = []
        for child in node.subqueries:
            terms = positive_terms(child, boost)
            if terms is None:
                return None
            found += terms
        return found
    if isinstance(node, q.AndMaybe):
        a, b = positive_terms(node.a, boost), positive_terms(node.b, boost)
        return None if a is None or b is None else a + b
    if isinstance(node, q.AndNot):
        return positive_terms(node.a, boost)
    if isinstance(node, q.Every) or node is q.NullQuery:
        return []
    return None


class _Norms:
    """Per-document ``K1 * ((1 - B) + B * length / average)`` of one field, by global docnum."""

    def __init__(self, searcher: Any, fieldname: str, lengths: Callable[[Any, str], list[int]]) -> None:
        weighting = searcher.weighting
        k1 = weighting.K1
        b = getattr(weighting, "_field_B", {}).get(fieldname, weighting.B)
        avgfl = searcher.avg_field_length(fieldname) or 1
        self.norms: list[float] = []
        for sub, _ in searcher.leaf_searchers():
            self.norms.extend(k1 * ((1 - b) + b * fl / avgfl) for fl in lengths(sub.reader(), fieldname))


_PROBE_RATIO = 2
"""Look up only the matching documents in a term's postings when it has this many times more (a
lookup costs about two postings' worth of the full pass)."""


def _scores(
    searcher: Any,
    terms: list[tuple[str, str, float]],
    norms: Callable[[str], list[float]],
    matches: Collection[int],
    cache: PostingCache,
) -> list[float]:
    """Score of every document by global docnum (0.0 for documents without a positive term)."""
    k1p = searcher.weighting.K1 + 1
    acc = [0.0] * int(searcher.doc_count_all())
    ordered: list[int] | None = None
    for fieldname, text, boost in terms:
        if fieldname not in searcher.schema or not searcher.schema[fieldname].scorable:
            continue
        df = searcher.doc_frequency(fieldname, text)
        if not df:
            continue
        tbytes = searcher.schema[fieldname].to_bytes(text)
        c = searcher.idf(fieldname, text) * k1p * boost
        norm = norms(fieldname)
        if df > _PROBE_RATIO * len(matches):
            if ordered is None:
                ordered = sorted(matches)
            for d, w in cache.weights_for(fieldname, tbytes, ordered):
                acc[d] += c * w / (w + norm[d])
            continue
        for offset, blocks in cache.blocks(fieldname, tbytes):
            for ids, weights in blocks:
                for d, w in zip(map(offset.__add__, ids) if offset else ids, weights, strict=True):
                    acc[d] += c * w / (w + norm[d])
    return acc


def rank(
    searcher: Any,
    query: Any,
    matches: Collection[int],
    ids: Sequence[str],
    limit: int,
    *,
    after: tuple[float, str] | None = None,
    norms: Callable[[str], list[float]] | None = None,
    cache: PostingCache | None = None,
) -> list[tuple[float, int]] | None:
    """The best ``limit`` of ``matches`` as ``(score, docnum)``, by score then id, strictly after
    ``after = (score, id)``; None if ``query`` has a node this module cannot score.

    ``norms(field)`` supplies cached length norms (see :func:`length_norms`); computed here otherwise.
    ``cache``: posting lists already read in this search (see :class:`index.postings.PostingCache`).
    """
    terms = positive_terms(query)
    if terms is None:
        return None
    if norms is None:
        computed: dict[str, list[float]] = {}

        def norms(fieldname: str) -> list[float]:
            if fieldname not in computed:
                computed[fieldname] = length_norms(searcher, fieldname)
            return computed[fieldname]

    if cache is None:
        cache = PostingCache([(sub.reader(), offset) for sub, offset in searcher.leaf_searchers()])
    acc = _scores(searcher, terms, norms, matches, cache)
    score = acc.__getitem__
    candidates: Collection[int] = matches
    if after is not None:
        after_score, after_id = after
        candidates = [
            d for d in matches if (s := acc[d]) < after_score or (s == after_score and ids[d] > after_id)
        ]
    top = heapq.nlargest(limit, candidates, key=score)
    if len(top) == limit and top:
        # Documents tied with the last one compete by id, not by position in the set.
        threshold = acc[top[-1]]
        top = [d for d in top if acc[d] > threshold]
        top += [d for d in candidates if acc[d] == threshold]
    top.sort(key=lambda d: (-acc[d], ids[d]))
    return [(acc[d], d) for d in top[:limit]]


def length_norms(searcher: Any, fieldname: str) -> list[float]:
    """BM25F length norms of ``fieldname`` for every document of ``searcher``."""
    return _Norms(searcher, fieldname, field_lengths).norms
