"""The backend contract (index.backend), its settings (index.settings) and the factory (index.backends)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from backend_factory import BACKENDS, open_backend
from index_factory import corpus_records
from pydantic import ValidationError

from deptnews.settings import Settings
from index.backend import IndexBackend, SearchBackend
from index.backends import open_indexer, open_search
from index.errors import IndexMissing, IndexUnavailable
from index.postgresql.indexer import PostgresIndexer
from index.postgresql.search import PostgresSearch
from index.request import SearchRequest
from index.settings import IndexSettings
from index.whoosh.backend import WhooshIndexer
from index.whoosh.service import SearchService

RECORDS = list(corpus_records(6, seed=5, body_syllables=30))


def test_settings_read_the_backend_and_comma_separated_replicas(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().index == IndexSettings()
    assert IndexSettings().backend == "whoosh"
    monkeypatch.setenv("DEPTNEWS_INDEX__BACKEND", "postgresql")
    monkeypatch.setenv("DEPTNEWS_INDEX__DSN", "postgresql://deptnews@db1/deptnews")
    monkeypatch.setenv("DEPTNEWS_INDEX__READ_DSNS", "postgresql://db2/deptnews, postgresql://db3/deptnews,")
    monkeypatch.setenv("DEPTNEWS_INDEX__MAX_REPLICA_LAG", "2.5")
    index = Settings().index
    assert index.backend == "postgresql"
    assert index.dsn == "postgresql://deptnews@db1/deptnews"
    assert index.read_dsns == ["postgresql://db2/deptnews", "postgresql://db3/deptnews"]
    assert index.max_replica_lag == 2.5


def test_settings_refuse_postgresql_without_a_dsn_and_unknown_backends() -> None:
    with pytest.raises(ValidationError, match="needs a dsn"):
        IndexSettings(backend="postgresql")
    with pytest.raises(ValidationError):
        IndexSettings.model_validate({"backend": "elasticsearch"})


def test_whoosh_is_opened_by_default_and_fulfils_the_contract(tmp_path: Path) -> None:
    path = tmp_path / "index"
    indexer = open_indexer(IndexSettings(), path)
    search = open_search(IndexSettings(), path, lambda rid: None)
    try:
        assert isinstance(indexer, WhooshIndexer)
        assert isinstance(search, SearchService)
        (node,) = search.readiness()
        assert (node.name, node.role, node.ready) == ("local", "local", False)
    finally:
        search.close()
        indexer.close()


def test_postgresql_is_opened_when_chosen(tmp_path: Path) -> None:
    settings = IndexSettings(backend="postgresql", dsn="postgresql://127.0.0.1:1/x")
    indexer = open_indexer(settings, tmp_path)
    search = open_search(settings, tmp_path, lambda rid: None)
    try:
        assert isinstance(indexer, PostgresIndexer)
        assert isinstance(search, PostgresSearch)
    finally:
        search.close()
        indexer.close()


def test_a_server_that_cannot_be_reached_is_unavailable_and_not_ready(tmp_path: Path) -> None:
    settings = IndexSettings(backend="postgresql", dsn="postgresql://postgres@127.0.0.1:1/x")
    search = open_search(settings, tmp_path, lambda rid: None)
    indexer = open_indexer(settings, tmp_path, timeout=1)
    try:
        with pytest.raises(IndexUnavailable, match="primary"):
            search.search(SearchRequest(q="x"))
        with pytest.raises(IndexUnavailable, match="primary"):
            indexer.upsert(RECORDS)
        (node,) = search.readiness()
        assert (node.name, node.ready) == ("primary", False)
        assert "cannot be reached" in node.detail
    finally:
        search.close()
        indexer.close()


@pytest.mark.parametrize("kind", BACKENDS)
def test_each_backend_fulfils_the_contract(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    with open_backend(kind, request, tmp_path, {}) as opened:
        _contract(opened.indexer, opened.search, opened.settle)


def _contract(
    indexer: IndexBackend, search: SearchBackend, settle: Callable[[], None] = lambda: None
) -> None:
    """What every backend does, through the interface only (``settle``: wait for the read nodes)."""
    with pytest.raises(IndexMissing):
        search.search(SearchRequest())
    assert search.count() == 0
    nodes = search.readiness()
    assert nodes
    assert not any(n.ready for n in nodes)
    assert all(n.detail for n in nodes)
    assert indexer.upsert(RECORDS) == len(RECORDS)
    settle()
    assert search.count() == len(RECORDS)
    nodes = search.readiness()
    assert all(n.ready and not n.detail for n in nodes)
    assert [n.role for n in nodes] in (["local"], ["primary", "replica", "replica"])
    assert search.search(SearchRequest()).total == len(RECORDS)
    assert indexer.delete([RECORDS[0].id, "0" * 16]) == 1
    settle()
    assert search.count() == len(RECORDS) - 1
    report = indexer.sync([(r.id, "s") for r in RECORDS[:3]], {r.id: r for r in RECORDS}.__getitem__)
    assert (report.added, report.deleted, report.unchanged) == (1, 3, 2)
    settle()
    assert {h.id for h in search.iter_hits(SearchRequest())} == {r.id for r in RECORDS[:3]}
