"""Searching PostgreSQL through its replicas: what is written on the primary is found on the replicas
once they have replayed it; a stopped replica or one that lags too far is left for another node,
searches go on, and /readyz's nodes say which and why; a cursor made on one node pages on another."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import psycopg
import pytest
from conftest import make_record
from pgfixtures import PgDatabase
from pgsettle import settle_replicas
from psycopg import sql

from index.postgresql.indexer import PostgresIndexer
from index.postgresql.nodes import Nodes
from index.postgresql.search import PostgresSearch
from index.request import SearchRequest
from index.schema import FACET_FIELDS

RECORDS = [make_record(i, f"Hội nghị số {i}", [f"Nội dung giao ban lần {i}."]) for i in range(12)]


@pytest.fixture
def indexed(pg_database: PgDatabase) -> Iterator[tuple[PostgresIndexer, PostgresSearch]]:
    indexer = PostgresIndexer(Nodes(pg_database.dsn))
    indexer.upsert(RECORDS[:10])
    settle_replicas(pg_database.cluster, pg_database.name)
    nodes = Nodes(pg_database.dsn, pg_database.read_dsns, max_replica_lag=0.5, check_interval=0.0)
    search = PostgresSearch(nodes)
    yield indexer, search
    search.close()
    indexer.close()


def test_replicas_serve_what_the_primary_wrote(
    indexed: tuple[PostgresIndexer, PostgresSearch], pg_database: PgDatabase
) -> None:
    indexer, search = indexed
    assert [n.ready for n in search.readiness()] == [True, True, True]
    indexer.upsert(RECORDS[10:])
    settle_replicas(pg_database.cluster, pg_database.name)
    for _ in range(4):  # replicas in turn
        assert search.search(SearchRequest(q="hoi nghi")).total == 12


def test_a_stopped_replica_is_left_and_searches_go_on(
    indexed: tuple[PostgresIndexer, PostgresSearch], pg_database: PgDatabase
) -> None:
    _, search = indexed
    request = SearchRequest(q="giao ban", size=3)
    first = search.search(request)
    pg_database.cluster.stop(pg_database.cluster.replicas[0])
    nodes = {n.name: n for n in search.readiness()}
    assert not nodes["replica-1"].ready
    assert nodes["replica-1"].detail
    assert nodes["replica-2"].ready
    seen = [h.id for h in first.hits]
    cursor = first.next_cursor
    while cursor:  # the cursor of a page served anywhere is good on whichever node serves the next
        page = search.search(replace(request, cursor=cursor))
        seen += [h.id for h in page.hits]
        cursor = page.next_cursor
    assert sorted(seen) == sorted(r.id for r in RECORDS[:10])


def test_a_lagging_replica_is_left_for_the_primary(
    indexed: tuple[PostgresIndexer, PostgresSearch], pg_database: PgDatabase
) -> None:
    indexer, search = indexed
    cluster = pg_database.cluster
    for replica in cluster.replicas:
        cluster.pause_replay(replica)
    indexer.upsert(RECORDS[10:])
    time.sleep(1.0)  # beyond the 0.5 s bound: the replicas' last replayed commit ages
    indexer.upsert([RECORDS[10]])  # a commit the replicas have not replayed
    time.sleep(0.6)
    nodes = {n.name: n for n in search.readiness()}
    assert not nodes["replica-1"].ready
    assert "behind the primary" in nodes["replica-1"].detail
    assert search.search(SearchRequest(q="hoi nghi")).total == 12  # read on the primary


@pytest.mark.parametrize("copies", [12, 40])
def test_a_tie_at_the_edge_of_a_page_is_ordered_by_id(
    pg_database: PgDatabase, monkeypatch: pytest.MonkeyPatch, copies: int
) -> None:
    # Equal records score alike: a page read by score alone may cut their tie anywhere. 12 fit in what
    # a page reads past its last one (TIES), 40 do not: then the ranking query decides.
    import index.postgresql.pages as module

    ranked: list[int] = []
    original = module._top_query

    def counted_top_query(*args: Any, **kwargs: Any) -> Any:
        ranked.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, "_top_query", counted_top_query)
    better = make_record(1000, "Giao ban giao ban", ["Giao ban giao ban giao ban."])
    equal = [make_record(i, "Hội nghị", ["Giao ban tháng này."]) for i in range(copies)]
    indexer = PostgresIndexer(Nodes(pg_database.dsn))
    indexer.upsert([better, *equal])
    search = PostgresSearch(Nodes(pg_database.dsn))
    try:
        request = SearchRequest(q="giao ban", size=7)
        first = search.search(request)
        assert first.total == copies + 1
        assert first.hits[0].id == better.id
        expected = [better.id, *sorted(r.id for r in equal)]
        offsets = range(0, copies + 1, 7)
        assert [h.id for o in offsets for h in search.search(replace(request, offset=o)).hits] == expected
        assert bool(ranked) == (copies + 1 >= 7 + 1 + module.TIES)
        seen, cursor = [h.id for h in first.hits], first.next_cursor
        while cursor:
            page = search.search(replace(request, cursor=cursor))
            seen += [h.id for h in page.hits]
            cursor = page.next_cursor
        assert seen == expected
    finally:
        search.close()
        indexer.close()


def _scans(node: dict[str, Any]) -> Iterator[tuple[str, str]]:
    if "Index Name" in node:
        yield node["Node Type"], node["Index Name"]
    for child in node.get("Plans", ()):
        yield from _scans(child)


def test_the_matches_of_a_date_ordered_or_faceted_search_have_their_keys_in_an_index(
    pg_database: PgDatabase,
) -> None:
    # A date-ordered, date-bounded or faceted search finds its matches in the postings, then each
    # one's (ts, id) and facet values by its docno: from deptnews_records_docno_keys alone (an
    # index-only scan), not by a probe of the records' heap, their widest table (at a million
    # documents about twice slower, docs/performance.md). A dozen rows do not make the planner choose
    # that join as a million do, so the lookup is asked for as that join makes it.
    indexer = PostgresIndexer(Nodes(pg_database.dsn))
    indexer.upsert(RECORDS)
    indexer.close()
    keys = sql.SQL(", ").join(sql.Identifier("r", c) for c in ("id", "ts", *FACET_FIELDS))
    query = sql.SQL(
        "EXPLAIN (FORMAT JSON) SELECT {} FROM unnest(%s::bigint[]) AS m(docno) "
        "JOIN deptnews_records AS r ON r.docno = m.docno WHERE r.searchable"
    ).format(keys)
    with psycopg.connect(pg_database.dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE deptnews_records")  # every page all-visible, as after a load
        docnos = [int(d) for (d,) in conn.execute("SELECT docno FROM deptnews_records LIMIT 5")]
        for scan in ("seqscan", "bitmapscan"):  # a dozen rows fit one page: a seq scan would win
            conn.execute(f"SET enable_{scan} = off")
        row = conn.execute(query, (docnos,)).fetchone()
    assert row is not None
    assert set(_scans(row[0][0]["Plan"])) == {("Index Only Scan", "deptnews_records_docno_keys")}
