"""Decoded posting lists (index.whoosh: postings.term_arrays, postcache) and the cache across searches."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from index_factory import corpus_records, make_record, whoosh_upsert
from whoosh.query import Term

from index.whoosh.postcache import DecodedPostings, PostingCache
from index.whoosh.postings import leaves as segment_leaves
from index.whoosh.postings import posting_blocks, term_arrays
from index.whoosh.service import SearchRequest, SearchService
from index.whoosh.store import IndexWriter, open_index

RECORDS = list(corpus_records(90, seed=3))


@pytest.fixture(scope="module")
def index_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bulk-built index plus an incremental commit: segments of both writers."""
    path = tmp_path_factory.mktemp("postcache") / "index"
    writer = IndexWriter(path)
    writer.rebuild(RECORDS[:80])
    whoosh_upsert(path, RECORDS[80:])  # a segment of Whoosh's own writer
    return path


TERMS = [b"hoi", b"~hoi", b"ban", b"giao_ban", b"nghi", b"nope"]


def test_term_arrays_equal_the_blocks_whoosh_reads(index_path: Path) -> None:
    ix = open_index(index_path)
    with ix.reader() as reader:
        leaves = list(reader.leaf_readers())
        assert len(leaves) >= 2
        terms = {t for _, t in leaves[0][0].terms_from("text", b"")}  # (field, term) pairs
        sample = [*TERMS, *sorted(terms)[::37]]
        for segment, _ in leaves:
            for term in sample:
                ids, weights = term_arrays(segment, "text", term)
                expected_ids: list[int] = []
                expected_weights: list[float] = []
                for block_ids, block_weights in posting_blocks(segment, "text", term):
                    expected_ids += block_ids
                    expected_weights += list(block_weights)
                assert ids.tolist() == expected_ids, term
                assert weights.tolist() == pytest.approx(expected_weights), term


def test_posting_cache_joins_segments_and_looks_up(index_path: Path) -> None:
    ix = open_index(index_path)
    with ix.searcher() as searcher:
        leaves = segment_leaves(searcher)
        shared = DecodedPostings()
        cache = PostingCache(leaves, shared)
        ids, weights = cache.arrays("text", b"~ban")
        assert ids.tolist() == sorted(searcher.docs_for_query(Term("text", "~ban")))
        assert len(ids) > 10
        assert len(weights) == len(ids)
        targets = np.arange(0, searcher.doc_count_all(), 3, dtype=np.int64)
        found, found_weights = cache.lookup("text", b"~ban", targets)
        assert set(found.tolist()) == set(ids.tolist()) & set(targets.tolist())
        probed = dict(PostingCache(leaves).weights_for("text", b"~ban", targets.tolist()))
        assert probed == dict(zip(found.tolist(), found_weights.tolist(), strict=True))
        assert shared.misses == len(leaves)
        again = PostingCache(leaves, shared).arrays("text", b"~ban")  # another search: the searcher's list
        assert again[0] is ids
        assert again[1] is weights
        assert (shared.hits, shared.misses) == (0, len(leaves))
        # A searcher over other segments (after a commit) joins the segments' lists, kept too.
        first_only = PostingCache(leaves[:1], shared).arrays("text", b"~ban")
        assert (shared.hits, shared.misses) == (1, len(leaves))
        assert first_only[0].tolist() == [d for d in ids.tolist() if d < leaves[1][1]]


def test_score_parts_and_bounds_come_from_the_same_numbers(index_path: Path) -> None:
    ix = open_index(index_path)
    with ix.searcher() as searcher:
        leaves = segment_leaves(searcher)
        shared = DecodedPostings()
        cache = PostingCache(leaves, shared)
        norms = np.linspace(0.5, 2.0, searcher.doc_count_all())
        ids, weights = cache.arrays("text", b"~ban")
        got_ids, parts = cache.parts("text", b"~ban", 7.0, norms)
        assert got_ids is ids
        assert len(ids) > 10
        assert parts.tolist() == (weights / (weights + norms[ids])).tolist()
        first, last, best = cache.bounds("text", b"~ban", 7.0, norms)
        for lo, (a, b, top) in enumerate(zip(first.tolist(), last.tolist(), best.tolist(), strict=True)):
            block = slice(lo * 128, (lo + 1) * 128)
            assert (a, b, top) == (ids[block][0], ids[block][-1], parts[block].max())
        # Kept for the next search on the same segments and average; another average is another key.
        later = PostingCache(leaves, shared)
        assert later.parts("text", b"~ban", 7.0, norms)[1] is parts
        assert later.bounds("text", b"~ban", 7.0, norms)[2] is best
        assert later.parts("text", b"~ban", 8.0, norms)[1] is not parts


def test_long_lists_are_probed_when_they_would_not_be_kept(index_path: Path) -> None:
    ix = open_index(index_path)
    with ix.searcher() as searcher:
        leaves = segment_leaves(searcher)
        df = PostingCache(leaves).df("text", b"~ban")
        assert df > 10
        assert not PostingCache(leaves).prefers_arrays("text", b"~ban")  # no shared cache: probe
        assert PostingCache(leaves, DecodedPostings()).prefers_arrays("text", b"~ban")
        tight = DecodedPostings(max_bytes=df * 28 * 16 - 1)  # the list would take over 1/16 of it
        assert not PostingCache(leaves, tight).prefers_arrays("text", b"~ban")


def test_decoded_postings_stay_within_their_budget(index_path: Path) -> None:
    ix = open_index(index_path)
    with ix.reader() as reader:
        segment = next(iter(reader.leaf_readers()))[0]
        one = DecodedPostings(max_bytes=10_000)
        for _, (_, term) in zip(range(200), segment.terms_from("text", b""), strict=False):
            one.get(segment, "text", term)
            assert one.size <= one.max_bytes
        searcher_lists = DecodedPostings(max_bytes=10_000)
        leaves = list(reader.leaf_readers())
        for _, (_, term) in zip(range(200), segment.terms_from("text", b""), strict=False):
            PostingCache(leaves, searcher_lists).parts("text", term, 5.0, np.ones(reader.doc_count_all()))
            assert searcher_lists.size <= searcher_lists.max_bytes
        assert 0 < len(searcher_lists) < 400
        assert 0 < len(one) < 200
        off = DecodedPostings(max_bytes=0)
        ids, _ = off.get(segment, "text", term)
        assert len(ids)
        assert len(off) == 0


@given(
    st.integers(2_000, 40_000),
    st.lists(st.tuples(st.integers(0, 5), st.integers(1, 400), st.booleans()), min_size=1, max_size=60),
)
def test_a_shared_ids_array_is_counted_once_while_it_is_kept(
    budget: int, puts: list[tuple[int, int, bool]]
) -> None:
    """Entries sharing an ids array (a list and its score parts) count it once, as long as any of them
    is kept; whatever is evicted in whatever order, the count is what the kept arrays take."""
    cache = DecodedPostings(max_bytes=budget)
    lists: dict[int, np.ndarray] = {}  # term -> its ids array, shared by its entries
    for n, (term, length, parts) in enumerate(puts):
        ids = lists.setdefault(term, np.arange(length, dtype=np.int64))
        values = np.ones(len(ids), dtype=np.float64 if parts else np.float32)
        cache.keep_whole(("part" if parts else "whole", n, term), (ids, values))
        kept = list(cache._entries.values())
        distinct = {id(i): i.nbytes for i, _ in kept}
        assert cache.size == sum(distinct.values()) + sum(v.nbytes + 256 for _, v in kept)
        assert cache.size <= cache.max_bytes


def test_cached_searches_follow_commits(tmp_path: Path) -> None:
    """Entries are per segment: an update (a deletion in the old segment, a new segment) shows at once."""
    path = tmp_path / "index"
    writer = IndexWriter(path)
    writer.rebuild(RECORDS[:40])
    warm = SearchService(path, lambda rid: None)
    cold = SearchService(path, lambda rid: None, posting_cache_mb=0)
    target = RECORDS[5]
    request = SearchRequest(q=target.title, size=50)
    before = [h.id for h in warm.search(request).hits]
    assert before[0] == target.id
    assert before == [h.id for h in cold.search(request).hits]
    assert len(warm.postings)
    writer.upsert([make_record(5, "Tiêu đề thay thế", ["Nội dung thay thế"])])
    after = [h.id for h in warm.search(request).hits]
    assert after == [h.id for h in cold.search(request).hits]
    assert target.id not in after
    assert [h.id for h in warm.search(SearchRequest(q="tiêu đề thay thế")).hits] == [target.id]
    warm.close()
    cold.close()


def test_kept_document_frequencies_follow_commits(tmp_path: Path) -> None:
    """A term's document frequency over a searcher's segments is kept across searches; a commit
    (another segment set) counts again, so a new document shows in it at once."""
    path = tmp_path / "index"
    writer = IndexWriter(path)
    writer.rebuild(RECORDS[:40])
    shared = DecodedPostings()
    ix = open_index(path)
    with ix.searcher() as searcher:
        before = PostingCache(segment_leaves(searcher), shared).df("text", b"xuong_ghe")
        assert before == searcher.doc_frequency("text", "xuong_ghe") == 0
        assert PostingCache(segment_leaves(searcher), shared).df("text", b"xuong_ghe") == 0
    writer.upsert([make_record(900, "Xưởng ghe mới", ["Một xưởng ghe ven sông."])])
    ix = open_index(path)
    with ix.searcher() as searcher:
        after = PostingCache(segment_leaves(searcher), shared).df("text", b"xuong_ghe")
        assert after == searcher.doc_frequency("text", "xuong_ghe") == 1
