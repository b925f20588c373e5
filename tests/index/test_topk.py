"""Block-max pruning (index.whoosh.topk) finds the page scoring every match finds, and selective
queries allocate what their matches need, not what the collection holds."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from index_factory import corpus_records, whoosh_upsert
from whoosh import index as whoosh_index

import index.whoosh.ranking as ranking
from index.query import parse_query
from index.whoosh.docsets import query_docs
from index.whoosh.docvalues import DocValues
from index.whoosh.postcache import DecodedPostings, PostingCache
from index.whoosh.ranking import rank
from index.whoosh.store import INDEX_NAME, IndexWriter, read_location
from index.whoosh.topk import candidates

RECORDS = list(corpus_records(400, seed=17, body_syllables=120))


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    path: Path = tmp_path_factory.mktemp("topk") / "index"
    writer = IndexWriter(path)
    writer.rebuild(RECORDS[:300])
    whoosh_upsert(path, RECORDS[300:])  # a segment of Whoosh's own writer
    writer.upsert(RECORDS[20:40])  # replaced: deleted copies in the first segment
    ix = whoosh_index.open_dir(str(read_location(path).directory), indexname=INDEX_NAME)
    with ix.searcher() as s:
        assert len(s.leaf_searchers()) > 1
        yield s


def words(seed: int, n: int) -> list[str]:
    rng = np.random.default_rng(seed)
    out = []
    for i in rng.choice(len(RECORDS), 12, replace=False).tolist():
        tokens = RECORDS[i].body[0].replace(",", " ").replace(".", " ").split()
        start = int(rng.integers(max(1, len(tokens) - n)))
        out.append(" ".join(tokens[start : start + n]))
    return out


QUERIES = [*words(1, 1), *words(2, 2), *words(3, 3), "nghi OR ban OR a", "hoi nghi -ban"]


def page(searcher: Any, text: str, limit: int, prune_from: int) -> list[tuple[float, int]]:
    values = DocValues(int(searcher.doc_count_all()))
    query = parse_query(text).query
    matches = query_docs(searcher, query, values.live(searcher), values.deleted(searcher))
    assert matches is not None
    leaves = [(sub.reader(), offset) for sub, offset in searcher.leaf_searchers()]
    cache = PostingCache(leaves, DecodedPostings())
    old = ranking._PRUNE_FROM, ranking._PRUNE_BATCH, ranking._PRUNE_TERMS
    # Pruning for every query that has enough matches, with small steps.
    ranking._PRUNE_FROM, ranking._PRUNE_BATCH, ranking._PRUNE_TERMS = prune_from, 16, 99
    try:
        found = rank(searcher, query, matches, values.column(searcher, "id"), limit, cache=cache)
    finally:
        ranking._PRUNE_FROM, ranking._PRUNE_BATCH, ranking._PRUNE_TERMS = old
    assert found is not None
    return found


@pytest.mark.parametrize("text", QUERIES)
@pytest.mark.parametrize("limit", [1, 3, 21])
def test_pruned_pages_equal_scoring_everything(searcher: Any, text: str, limit: int) -> None:
    assert page(searcher, text, limit, prune_from=1) == page(searcher, text, limit, prune_from=10**9)


def test_pruning_skips_matches(searcher: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    scored: list[int] = []
    original = ranking._scores

    def counting(terms: Any, matches: Any, cache: Any, size: int) -> Any:
        scored.append(len(matches))
        return original(terms, matches, cache, size)

    monkeypatch.setattr(ranking, "_scores", counting)
    values = DocValues(int(searcher.doc_count_all()))
    query = parse_query("nghi OR ban OR a").query
    matches = query_docs(searcher, query, values.live(searcher), values.deleted(searcher))
    assert matches is not None
    assert len(matches) > 100
    page(searcher, "nghi OR ban OR a", 3, prune_from=1)
    assert 0 < sum(scored) < len(matches)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(0, 10, allow_nan=False), min_size=1, max_size=300),
    st.integers(1, 40),
    st.integers(1, 64),
    st.integers(1, 8),
)
def test_candidates_hold_the_top(raw: list[float], limit: int, block: int, batch: int) -> None:
    """With exact block maxima as bounds, the candidates (if pruning pays off) hold every document of
    the top ``limit`` (ties with the last included) and their exact scores."""
    scores = np.array(raw)
    docs = np.arange(0, 2 * len(scores), 2, dtype=np.int64)  # gaps: intervals without documents
    starts = np.arange(0, len(docs), block)
    bound = (docs[starts], docs[np.append(starts[1:], len(docs)) - 1], np.maximum.reduceat(scores, starts))
    found = candidates([bound], docs, limit, lambda s: scores[s // 2], batch=batch)
    if found is None:  # bounds too loose to pay off: the caller scores everything
        return
    found_docs, found_scores = found
    assert found_scores.tolist() == scores[found_docs // 2].tolist()
    kth = np.sort(scores)[::-1][min(limit, len(scores)) - 1]
    assert set(docs[scores >= kth].tolist()) <= set(found_docs.tolist())


def test_a_selective_query_allocates_for_its_matches(tmp_path: Path) -> None:
    """A rare term's search (match set, scores, page) allocates far less than one byte per document of
    the collection: nothing per collection document."""
    records = list(corpus_records(8000, seed=5, body_syllables=4))
    writer = IndexWriter(tmp_path / "index")
    writer.rebuild(records)
    ix = whoosh_index.open_dir(str(read_location(tmp_path / "index").directory), indexname=INDEX_NAME)
    with ix.searcher() as searcher:
        values = DocValues(int(searcher.doc_count_all()))
        ids = values.column(searcher, "id")
        live, deleted = values.live_array(searcher), values.deleted_array(searcher)
        values.norms(searcher, "text", float(searcher.avg_field_length("text")))
        leaves = [(sub.reader(), offset) for sub, offset in searcher.leaf_searchers()]
        rare = next(t.decode() for t, _ in searcher.reader().iter_field("text") if not t.startswith(b"~"))
        query = parse_query(rare).query
        cache = PostingCache(leaves, DecodedPostings())
        query_docs(searcher, query, live, deleted, cache)  # term infos, decoded lists: once per index

        def norms(field: str, average: float) -> Any:
            return values.norms(searcher, field, average)

        tracemalloc.start()
        matches = query_docs(searcher, query, live, deleted, cache)
        assert matches is not None
        assert 0 < len(matches) < 20
        assert rank(searcher, query, matches, ids, 20, norms=norms, cache=cache)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert peak < 8000  # a mask over the collection alone would take 8000 bytes
