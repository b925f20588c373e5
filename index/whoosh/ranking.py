"""Relevance ranking: Whoosh's BM25F scores, computed posting list by posting list.

Whoosh scores a query by walking its matcher tree document by document, which costs tens of
microseconds per matching document in Python and dominates queries made of common syllables. For the
query shapes :mod:`index.query` builds (terms under And / Or / AndMaybe, exclusions under AndNot), a
document's score is simply the sum, over the positive terms it contains, of the term's boost times its
BM25F score. So each positive term's postings are read in bulk (:mod:`index.whoosh.postings`) and their scores
added up per document; the page is then the top of the matching set (:mod:`index.whoosh.docsets`).

The formula and its inputs are Whoosh's own (``idf = 1 + log(N / (df + 1))``, the stored weight as the
term frequency, Whoosh's quantized field lengths and average field length, BM25F's ``B`` and ``K1``),
so scores equal Whoosh's up to floating-point rounding (``tests/index/test_docsets.py`` checks that).
Ties are broken by record id, which (unlike Whoosh's document numbers) survives merges and so can be
named by a cursor.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from math import log
from typing import Any

import numpy as np
from numpy.typing import NDArray
from whoosh import query as q

from index.cursor import Stats
from index.whoosh.postcache import PostingCache
from index.whoosh.postings import field_lengths, leaves
from index.whoosh.topk import Bound, candidates

__all__ = [
    "Norms",
    "Stats",
    "collection_stats",
    "length_norms",
    "norms_of",
    "positive_terms",
    "rank",
    "searcher_lengths",
]

Norms = Callable[[str, float], NDArray[np.float64]]
"""``norms(field, average length)``: the BM25F length norm of every document, by global docnum."""


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


def collection_stats(
    searcher: Any, terms: list[tuple[str, str, float]], cache: PostingCache | None = None
) -> Stats:
    """The current :class:`Stats` of ``terms`` (as :func:`positive_terms` gives them); ``cache``: the
    search's posting cache, whose term infos are used."""
    schema = searcher.schema
    fields = sorted({f for f, _, _ in terms if f in schema and schema[f].scorable})

    def df(fieldname: str, text: str) -> int:
        if fieldname not in schema:
            return 0
        if cache is None:
            return int(searcher.doc_frequency(fieldname, text))
        return cache.df(fieldname, bytes(schema[fieldname].to_bytes(text)))

    return Stats(
        doc_count=int(searcher.doc_count_all()),
        dfs=tuple(df(f, t) for f, t, _ in terms),
        averages=tuple((f, float(searcher.avg_field_length(f) or 1)) for f in fields),
    )


_PROBE_RATIO = 2
"""Look up only the matching documents in a term's postings when it has this many times more and its
list has not been decoded yet (a lookup decodes only the blocks that can hold them)."""


_DENSE = 8
"""Scores of more than 1/_DENSE of the collection's documents are summed in an array over the whole
collection (cheaper than finding each posting's match then; the query is not selective)."""
_PRUNE_FROM = 2048
"""Matches from which the page is found by block-max pruning (:mod:`index.whoosh.topk`) rather than by
scoring every match."""
_PRUNE_TERMS = 2
"""Pruning is tried for queries of at most this many scoring terms (one syllable: its exact and
folded terms). A document's bound is the sum of its terms' block maxima, which come from different
documents: with more terms the bounds are so loose that finding which intervals to skip costs more
than it saves (measured on the 100k benchmark corpus: one syllable 3.8 -> 2.6 ms of CPU, two or more
syllables 1-1.5 ms slower)."""
_PRUNE_BATCH = 1024
"""Matches scored per step of the pruning (the bound to beat rises after each)."""


@dataclass(frozen=True)
class _Term:
    fieldname: str
    tbytes: bytes
    c: float
    """idf * (K1 + 1) * boost"""
    average: float
    norm: NDArray[np.float64]
    probe: bool
    """read only for the matching documents (its list is long and not decoded yet)"""


def _prepare(
    searcher: Any,
    terms: list[tuple[str, str, float]],
    norms: Norms,
    matches: int,
    cache: PostingCache,
    stats: Stats,
) -> list[_Term]:
    """The positive terms that score, with their BM25 constants (Whoosh's formula and ``stats``)."""
    k1p = searcher.weighting.K1 + 1
    averages = dict(stats.averages)
    schema = searcher.schema
    found: list[_Term] = []
    for (fieldname, text, boost), frozen_df in zip(terms, stats.dfs, strict=True):
        if fieldname not in schema or not schema[fieldname].scorable:
            continue
        tbytes = bytes(schema[fieldname].to_bytes(text))
        df = cache.df(fieldname, tbytes)
        if not df:
            continue
        idf = log(stats.doc_count / (frozen_df + 1)) + 1  # Whoosh's WeightingModel.idf
        average = averages.get(fieldname, 1.0)
        probe = df > _PROBE_RATIO * matches and not cache.prefers_arrays(fieldname, tbytes)
        found.append(_Term(fieldname, tbytes, idf * k1p * boost, average, norms(fieldname, average), probe))
    return found


def _scores(
    terms: list[_Term], matches: NDArray[np.int64], cache: PostingCache, size: int
) -> NDArray[np.float64]:
    """Score of each of ``matches`` (ascending; 0.0 for documents without a positive term) in a
    collection of ``size`` documents. Costs what the terms' postings and the matches cost: an array
    over the whole collection is made only when the matches are a large part of it."""
    dense = len(matches) * _DENSE > size
    acc = np.zeros(size if dense else len(matches), dtype=np.float64)
    for term in terms:
        parts: NDArray[np.floating[Any]]
        if term.probe:
            pairs = list(cache.weights_for(term.fieldname, term.tbytes, matches.tolist()))
            ids = np.array([d for d, _ in pairs], dtype=np.int64)
            weights = np.array([w for _, w in pairs], dtype=np.float64)
            parts = weights / (weights + term.norm[ids])
        else:
            ids, parts = cache.parts(term.fieldname, term.tbytes, term.average, term.norm)
        if dense:  # a document has each term once per field: the ids are distinct
            acc[ids] += term.c * parts
            continue
        # Where each posting's document is in ``matches``.
        if len(ids) > len(matches):
            at = np.searchsorted(ids, matches)
            at[at == len(ids)] = max(len(ids) - 1, 0)
            hit = ids[at] == matches if len(ids) else np.zeros(len(matches), dtype=bool)
            where, found = np.flatnonzero(hit), parts[at[hit]]
        else:
            at = np.searchsorted(matches, ids)
            at[at == len(matches)] = max(len(matches) - 1, 0)
            hit = matches[at] == ids if len(matches) else np.zeros(len(ids), dtype=bool)
            where, found = at[hit], parts[hit]
        acc[where] += term.c * found
    return acc[matches] if dense else acc


def _bounds(searcher: Any, terms: list[_Term], cache: PostingCache) -> list[Bound]:
    """Each term's score bound per block of postings (see :mod:`index.whoosh.topk`)."""
    found: list[Bound] = []
    for term in terms:
        first, last, part = cache.bounds(term.fieldname, term.tbytes, term.average, term.norm)
        found.append((first, last, term.c * part))
    return found


def rank(
    searcher: Any,
    query: Any,
    matches: Collection[int],
    ids: Sequence[str],
    limit: int,
    *,
    after: tuple[float, str] | None = None,
    norms: Norms | None = None,
    cache: PostingCache | None = None,
    stats: Stats | None = None,
) -> list[tuple[float, int]] | None:
    """The best ``limit`` of ``matches`` as ``(score, docnum)``, by score then id, strictly after
    ``after = (score, id)``; None if ``query`` has a node this module cannot score.

    ``norms(field, average length)`` supplies cached length norms (see :func:`length_norms`);
    computed here otherwise. ``cache``: posting lists already read in this search (see
    :class:`index.whoosh.postcache.PostingCache`). ``stats``: the collection statistics to score with (a
    cursor's, see :class:`Stats`; default: the searcher's); ValueError if they are not for ``query``.
    """
    terms = positive_terms(query)
    if terms is None:
        return None
    if stats is None:
        stats = collection_stats(searcher, terms)
    elif len(stats.dfs) != len(terms):
        raise ValueError("statistics of another query")
    if norms is None:
        computed: dict[tuple[str, float], NDArray[np.float64]] = {}

        def norms(fieldname: str, average: float) -> NDArray[np.float64]:
            if (fieldname, average) not in computed:
                computed[(fieldname, average)] = length_norms(searcher, fieldname, average)
            return computed[(fieldname, average)]

    if cache is None:
        cache = PostingCache(leaves(searcher))
    if isinstance(matches, np.ndarray):
        docs = matches.astype(np.int64, copy=False)
        if len(docs) > 1 and not bool(np.all(docs[1:] >= docs[:-1])):
            docs = np.sort(docs)
    else:
        docs = np.fromiter(matches, dtype=np.int64, count=len(matches))
        docs.sort()
    size = int(searcher.doc_count_all())
    scoring = _prepare(searcher, terms, norms, len(docs), cache, stats)
    pruned = None
    if (
        after is None
        and limit > 0
        and len(docs) >= max(_PRUNE_FROM, 8 * limit)
        and len(scoring) <= _PRUNE_TERMS
        and not any(t.probe for t in scoring)
    ):
        pruned = candidates(
            _bounds(searcher, scoring, cache),
            docs,
            limit,
            lambda subset: _scores(scoring, subset, cache, size),
            batch=_PRUNE_BATCH,
        )
    if pruned is not None:
        docs, scores = pruned
    else:
        scores = _scores(scoring, docs, cache, size)
    if after is not None:
        after_score, after_id = after
        tied = scores == after_score
        keep = scores < after_score
        for i in np.flatnonzero(tied).tolist():
            keep[i] = ids[int(docs[i])] > after_id
        docs, scores = docs[keep], scores[keep]
    if len(docs) > limit > 0:
        # Everything scoring at least the limit-th best: documents tied with the last one compete by id.
        threshold = np.partition(scores, len(scores) - limit)[len(scores) - limit]
        best = scores >= threshold
        docs, scores = docs[best], scores[best]
    elif limit <= 0:
        docs, scores = docs[:0], scores[:0]
    found = docs.tolist()
    top = sorted(
        zip(scores.tolist(), [ids[d] for d in found], found, strict=True), key=lambda t: (-t[0], t[1])
    )
    return [(score, d) for score, _, d in top[:limit]]


def length_norms(searcher: Any, fieldname: str, average: float | None = None) -> NDArray[np.float64]:
    """BM25F length norms ``K1 * ((1 - B) + B * length / average)`` of ``fieldname`` for every document
    of ``searcher``, by global docnum; ``average``: the average field length (default: the current)."""
    return norms_of(searcher, fieldname, searcher_lengths(searcher, fieldname), average)


def searcher_lengths(searcher: Any, fieldname: str) -> NDArray[np.float64]:
    """The field length BM25F scores each document with, by global docnum (see ``field_lengths``)."""
    lengths = [n for sub, _ in searcher.leaf_searchers() for n in field_lengths(sub.reader(), fieldname)]
    return np.array(lengths, dtype=np.float64)


def norms_of(
    searcher: Any, fieldname: str, lengths: NDArray[np.float64], average: float | None = None
) -> NDArray[np.float64]:
    """:func:`length_norms` from the field lengths."""
    weighting = searcher.weighting
    k1 = weighting.K1
    b = getattr(weighting, "_field_B", {}).get(fieldname, weighting.B)
    avgfl = average if average is not None else (searcher.avg_field_length(fieldname) or 1)
    norms: NDArray[np.float64] = k1 * ((1 - b) + b * lengths / avgfl)
    return norms
