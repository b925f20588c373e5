"""Long-lived searchers shared between threads (index.whoosh.snapshots)."""

from __future__ import annotations

from pathlib import Path

import pytest
from index_factory import corpus_records

from index.errors import IndexMissing
from index.whoosh.service import SearchRequest, SearchService
from index.whoosh.snapshots import Snapshot, SnapshotPool
from index.whoosh.store import IndexWriter, create_index

RECORDS = list(corpus_records(12, seed=51, body_syllables=30))


def test_searchers_are_reused_until_a_commit(tmp_path: Path) -> None:
    path = tmp_path / "index"
    writer = IndexWriter(path)
    writer.rebuild(RECORDS[:5])
    pool = SnapshotPool(path, max_idle=2)
    with pool.use() as first:
        pass
    with pool.use() as again:
        assert again is first
        with pool.use() as concurrent:  # borrowed while the first is out: a second searcher
            assert concurrent is not first
            assert concurrent.values is first.values  # one version, one set of column values
    writer.upsert(RECORDS[5:6])
    with pool.use() as fresh:
        assert fresh is not first
        assert fresh.commit > first.commit
        assert fresh.searcher.doc_count() == 6
    assert first.searcher.is_closed if hasattr(first.searcher, "is_closed") else True
    pool.close()


def test_commits_are_seen_without_listing_the_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A search checks for a commit with two ``stat`` calls; the directory is listed only when a
    commit happened, also when two commits came between searches (the first one's TOC is gone)."""
    path = tmp_path / "index"
    writer = IndexWriter(path)
    writer.rebuild(RECORDS[:3])
    pool = SnapshotPool(path)
    with pool.use() as first:
        pass
    listings: list[int] = []
    latest = pool._ix.latest_generation

    def counted() -> int:
        listings.append(1)
        return int(latest())

    monkeypatch.setattr(pool._ix, "latest_generation", counted)
    listed = 0
    with pool.use() as again:
        assert again is first
    assert len(listings) == listed
    writer.upsert(RECORDS[3:4])
    with pool.use() as one_more:
        assert one_more.searcher.doc_count() == 4
    assert len(listings) == listed + 1
    writer.upsert(RECORDS[4:5])
    writer.upsert(RECORDS[5:6])
    with pool.use() as two_more:
        assert two_more.searcher.doc_count() == 6
        assert two_more.commit == one_more.commit + 2
    with pool.use():
        pass
    assert len(listings) == listed + 2
    pool.close()


def test_retry_on_a_vanished_segment_file(tmp_path: Path) -> None:
    path = tmp_path / "index"
    IndexWriter(path).rebuild(RECORDS[:3])
    pool = SnapshotPool(path)
    calls: list[Snapshot] = []

    def work(snapshot: Snapshot) -> int:
        calls.append(snapshot)
        if len(calls) == 1:
            raise FileNotFoundError("_records_x.id.col")
        return int(snapshot.searcher.doc_count())

    assert pool.run(work) == 3
    assert calls[0] is not calls[1]

    def always(snapshot: Snapshot) -> int:
        raise FileNotFoundError("gone")

    with pytest.raises(FileNotFoundError):
        pool.run(always)
    pool.close()


def test_missing_then_created_index(tmp_path: Path) -> None:
    path = tmp_path / "index"
    svc = SearchService(path, lambda rid: None)
    with pytest.raises(IndexMissing):
        svc.search(SearchRequest())
    assert svc.count() == 0
    create_index(path)
    results = svc.search(SearchRequest(q="nghi", facets=["source"]))
    assert (results.total, results.hits, results.facets, results.next_cursor) == (0, [], {"source": []}, None)
    assert svc.timeline(SearchRequest(), "year") == []
    assert list(svc.iter_hits(SearchRequest())) == []
    assert svc.stats().documents == 0
    svc.close()
    svc.close()  # closing twice is harmless; a closed service opens the index again when used
    assert svc.count() == 0
