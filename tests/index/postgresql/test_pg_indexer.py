"""Writing the PostgreSQL index on a real primary: the schema made once and versioned, sync resumable
after kill -9 of the indexer (nothing lost or duplicated, statistics in step with the rows), one writer
at a time, rebuilds in place, reposts kept as records but not searched, and records read back whole."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from conftest import make_record
from pgfixtures import PgDatabase
from psycopg import sql

from archive.model import Record
from index.corpus import generate
from index.errors import IndexBusy
from index.postgresql import indexer as indexer_module
from index.postgresql import rows as rows_module
from index.postgresql.ddl import MIGRATIONS, SCHEMA_VERSION, migrate
from index.postgresql.indexer import BATCH, BULK, PostgresIndexer, writer_lock
from index.postgresql.nodes import Nodes
from index.postgresql.search import PostgresSearch
from index.postgresql.verify import recount, statistics_problems
from index.request import SearchRequest
from index.schema import analysis_fingerprint

TESTS = Path(__file__).resolve().parents[2]
N_KILL = 2000


def records(n: int, seed: int = 3) -> list[Record]:
    out = []
    for i, doc in enumerate(generate(n, seed=seed, body_syllables=40)):
        out.append(
            make_record(i, doc.title, doc.body, lead=doc.lead, published=doc.published, source=doc.source)
        )
    return out


@pytest.fixture
def nodes(pg_database: PgDatabase) -> Iterator[Nodes]:
    chosen = Nodes(pg_database.dsn)  # the primary only: these tests read what they wrote at once
    yield chosen
    chosen.close()


def _rows(dsn: str) -> tuple[int, int]:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT count(*), count(DISTINCT id) FROM deptnews_records").fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def test_the_schema_is_made_once_and_versioned(nodes: Nodes) -> None:
    with nodes.writer() as conn:
        assert migrate(conn) == SCHEMA_VERSION
        assert migrate(conn) == 0
        versions = conn.execute("SELECT version FROM deptnews_schema ORDER BY version").fetchall()
        assert [v for (v,) in versions] == list(range(1, SCHEMA_VERSION + 1))


def test_a_version_1_index_is_migrated_and_rewritten(nodes: Nodes) -> None:
    listed = records(12)
    with nodes.writer() as conn, conn.transaction():  # what version 1 of this code made
        conn.execute(
            "CREATE TABLE deptnews_schema (version integer PRIMARY KEY, applied_at timestamptz DEFAULT now())"
        )
        for statement in MIGRATIONS[0]:
            conn.execute(sql.SQL(statement))  # type: ignore[arg-type]
        conn.execute("INSERT INTO deptnews_schema (version) VALUES (1)")
        conn.execute(
            "INSERT INTO deptnews_meta (key, value) VALUES ('cursor_secret', 'ab'), ('generation', 'g'), "
            "('analysis', %s)",
            (analysis_fingerprint(),),
        )
        conn.execute(
            "INSERT INTO deptnews_records (id, stamp, searchable, record, ts) "
            "VALUES (%s, '1', true, '{}', 0)",
            (listed[0].id,),
        )
        conn.execute("INSERT INTO deptnews_totals (name, value) VALUES ('documents', 1)")
    indexer = PostgresIndexer(nodes)
    report = indexer.sync([(r.id, "1") for r in listed], {r.id: r for r in listed}.__getitem__)
    assert (report.added, report.updated + report.unchanged) == (11, 1)  # the v1 row was written again
    with nodes.writer() as conn:
        assert conn.execute("SELECT max(version) FROM deptnews_schema").fetchone() == (SCHEMA_VERSION,)
        columns = {
            c
            for (c,) in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'deptnews_records'"
            )
        }
        assert "docno" in columns
        assert not any(c.startswith("w_") for c in columns)
        assert statistics_problems(conn) == []
    word = listed[0].title.split()[0]
    assert listed[0].id in {h.id for h in PostgresSearch(nodes).search(SearchRequest(q=word)).hits}


def _text_indexes(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_indexes "
            "WHERE tablename = 'deptnews_records' AND indexdef LIKE '%gin (t_%'"
        ).fetchone()
    return int(row[0]) if row else -1


def _small_blocks(dsn: str, size: int) -> None:
    """Make the (empty) index with postings blocks of ``size`` documents."""
    with psycopg.connect(dsn) as conn:
        migrate(conn)
        conn.execute("UPDATE deptnews_meta SET value = %s WHERE key = 'postings_block'", (str(size),))


def test_kill_9_mid_sync_then_the_next_sync_completes(pg_database: PgDatabase, tmp_path: Path) -> None:
    # A bulk load commits a postings block per transaction: blocks of 256 make a few of them.
    _small_blocks(pg_database.dsn, 256)
    script = tmp_path / "indexer.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import sys, time
            from index.postgresql.indexer import PostgresIndexer
            from index.postgresql.nodes import Nodes
            # After the package: the tests' directory holds an "index" directory of its own.
            sys.path += [{str(TESTS)!r}, {str(TESTS / "index" / "postgresql")!r}]
            from test_pg_indexer import records

            listed = records({N_KILL})
            by_id = {{r.id: r for r in listed}}

            def load(rid):
                time.sleep(0.002)  # slow enough to be killed in the middle
                return by_id[rid]

            def progress(done, total):
                print(done, flush=True)

            PostgresIndexer(Nodes({pg_database.dsn!r})).sync(
                [(r.id, "1") for r in listed], load, progress=progress
            )
            print("finished", flush=True)
            """
        )
    )
    with subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None
        for line in process.stdout:
            if line.strip().isdigit() and int(line) >= 3 * BATCH + 50:
                break
        else:
            pytest.fail(f"the indexer ended before it could be killed: {process.wait()}")
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    written, _ = _rows(pg_database.dsn)
    assert 3 * BATCH <= written < N_KILL
    assert written % 256 == 255  # whole blocks only (docnos start at 1)
    assert N_KILL >= BULK  # a bulk load: the full-text indexes are built at its end
    assert _text_indexes(pg_database.dsn) == 0

    listed = records(N_KILL)
    indexer = PostgresIndexer(Nodes(pg_database.dsn))
    try:
        report = indexer.sync([(r.id, "1") for r in listed], {r.id: r for r in listed}.__getitem__)
        assert (report.unchanged, report.added, report.deleted, report.failed) == (
            written,
            N_KILL - written,
            0,
            [],
        )
        assert _rows(pg_database.dsn) == (N_KILL, N_KILL)
        with indexer.nodes.writer() as conn:
            assert statistics_problems(conn) == []
    finally:
        indexer.close()
    assert _text_indexes(pg_database.dsn) == 5  # the killed bulk load left them out, this sync made them
    search = PostgresSearch(Nodes(pg_database.dsn))
    try:
        assert search.count() == N_KILL
        assert search.search(SearchRequest(size=1)).total == N_KILL
        assert {h.id for h in search.iter_hits(SearchRequest(), batch=400)} == {r.id for r in listed}
    finally:
        search.close()


def _most_segments_of_complete_blocks(conn: Any, size: int) -> int:
    row = conn.execute(
        "SELECT max(segments) FROM deptnews_blocks WHERE (block + 1) * %s <= "
        "(SELECT last_value FROM deptnews_docno)",
        (size,),
    ).fetchone()
    return int(row[0])


def _spy_writes(monkeypatch: pytest.MonkeyPatch) -> tuple[list[list[Any]], list[int]]:
    """The batches the indexer writes and how many blocks each batch's write merged, as they happen."""
    batches: list[list[Any]] = []
    merged: list[int] = []
    write_rows, merge_due = indexer_module.write_rows, rows_module.merge_due

    def spy_write(conn: Any, rows: Any) -> Any:
        batches.append(list(rows))
        return write_rows(conn, rows)

    def spy_merge(conn: Any, block: int) -> int:
        merged.append(merge_due(conn, block))
        return merged[-1]

    monkeypatch.setattr(indexer_module, "write_rows", spy_write)
    monkeypatch.setattr(rows_module, "merge_due", spy_merge)
    return batches, merged


def test_a_bulk_load_writes_each_block_once(
    nodes: Nodes, pg_database: PgDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    _small_blocks(pg_database.dsn, 256)
    listed = records(BULK + 100)
    for i in range(0, len(listed), 50):  # reposts get no docno: they do not fill a block
        listed[i] = listed[i].model_copy(update={"repost_of": listed[i + 1].id})
    batches, merged = _spy_writes(monkeypatch)
    indexer = PostgresIndexer(nodes)
    report = indexer.sync([(r.id, "1") for r in listed], {r.id: r for r in listed}.__getitem__)
    searchable = len(listed) - len(listed) // 50
    assert (report.added, report.left_out, report.failed) == (searchable, len(listed) // 50, [])
    # The first block starts at docno 1; each batch fills a block, the last one what is left.
    sizes = [sum(r.searchable for r in batch) for batch in batches]
    assert sizes == [255] + [256] * ((searchable - 255) // 256) + [(searchable - 255) % 256]
    assert sum(map(len, batches)) == len(listed)
    assert not any(merged)  # nothing to merge: every block was written in one segment
    with nodes.writer() as conn:
        assert conn.execute("SELECT max(segments), count(*) FROM deptnews_blocks").fetchone() == (
            1,
            len(batches),
        )
        assert statistics_problems(conn) == []
    search = PostgresSearch(nodes)
    word = listed[1].title.split()[0]
    assert listed[1].id in {h.id for h in search.search(SearchRequest(q=word, size=100)).hits}
    assert search.count() == searchable


def test_an_interrupted_bulk_load_goes_on_as_one(
    nodes: Nodes, pg_database: PgDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    _small_blocks(pg_database.dsn, 256)
    listed = records(2 * BULK)
    by_id = {r.id: r for r in listed}
    loaded: list[str] = []

    def interrupted(rid: str) -> Any:
        loaded.append(rid)
        if len(loaded) == 700:  # in the third block (255, 256, then 256 documents)
            raise KeyboardInterrupt("Ctrl-C")
        return by_id[rid]

    indexer = PostgresIndexer(nodes)
    with pytest.raises(KeyboardInterrupt):
        indexer.sync([(r.id, "1") for r in listed], interrupted)
    assert _rows(pg_database.dsn) == (511, 511)
    assert _text_indexes(pg_database.dsn) == 0

    batches, merged = _spy_writes(monkeypatch)
    report = indexer.sync([(r.id, "1") for r in listed], by_id.__getitem__)
    assert (report.unchanged, report.added, report.failed) == (511, len(listed) - 511, [])
    # Still a bulk load: a block a batch from the next docno on (512, a block's first), none merged.
    sizes = [len(batch) for batch in batches]
    assert sizes == [256] * ((len(listed) - 511) // 256) + [(len(listed) - 511) % 256]
    assert not any(merged)
    assert _text_indexes(pg_database.dsn) == 5
    with nodes.writer() as conn:
        assert conn.execute("SELECT max(segments) FROM deptnews_blocks").fetchone() == (1,)
        assert statistics_problems(conn) == []
    search = PostgresSearch(nodes)
    assert search.count() == len(listed)
    assert {h.id for h in search.iter_hits(SearchRequest(), batch=1000)} == set(by_id)
    search.close()


def test_a_bulk_load_keeps_to_its_memory_budget(
    nodes: Nodes, pg_database: PgDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    _small_blocks(pg_database.dsn, 256)
    listed = records(BULK + 100)
    batches, merged = _spy_writes(monkeypatch)
    budget = 0.25  # MB: about 5,500 postings, a few dozen of these short records
    most = budget * 2**20 / indexer_module.POSTING_BYTES
    indexer = PostgresIndexer(nodes, memory_mb=budget)
    report = indexer.sync([(r.id, "1") for r in listed], {r.id: r for r in listed}.__getitem__)
    assert (report.added, report.failed) == (len(listed), [])
    assert len(batches) > 3 * (len(listed) // 256)  # several batches a block
    for batch in batches:  # a batch ends on the row that reaches the budget
        postings = [sum(len(t.terms) for t in r.text.values()) for r in batch]
        assert sum(postings[:-1]) < most
    assert sum(merged) >= len(listed) // 256  # each complete block merged once
    with nodes.writer() as conn:
        assert statistics_problems(conn) == []
        assert _most_segments_of_complete_blocks(conn, 256) == 1
    search = PostgresSearch(nodes)
    assert search.count() == len(listed)
    title = listed[7].title
    assert listed[7].id in {h.id for h in search.search(SearchRequest(q=f'"{title}"', size=5)).hits}


def test_outside_a_bulk_load_batches_are_rows(nodes: Nodes, monkeypatch: pytest.MonkeyPatch) -> None:
    listed = records(12)
    indexer = PostgresIndexer(nodes)
    indexer.upsert(listed[:2])  # not empty any more: the next write is no bulk load
    batches, _ = _spy_writes(monkeypatch)
    monkeypatch.setattr(indexer_module, "BATCH", 4)
    indexer.sync([(r.id, "1") for r in listed], {r.id: r for r in listed}.__getitem__)
    assert list(map(len, batches)) == [4, 4, 4]  # the two upserted rows have no stamp: written again


def test_one_writer_at_a_time(nodes: Nodes, pg_database: PgDatabase) -> None:
    second = PostgresIndexer(Nodes(pg_database.dsn), timeout=0.3)
    try:
        with nodes.writer() as conn, writer_lock(conn, 1.0):
            started = time.monotonic()
            with pytest.raises(IndexBusy):
                second.upsert(records(2))
            assert time.monotonic() - started >= 0.3
        assert second.upsert(records(2)) == 2
    finally:
        second.close()


def test_rebuild_rewrites_every_record_in_place(nodes: Nodes) -> None:
    listed = records(30)
    indexer = PostgresIndexer(nodes)
    entries = [(r.id, "1") for r in listed]
    load = {r.id: r for r in listed}.__getitem__
    first = indexer.sync(entries, load)
    assert (first.rebuilt, first.reason, first.added) == (True, "there was no index yet", 30)
    assert indexer.sync(entries, load).unchanged == 30
    with nodes.writer() as conn:  # statistics damaged by hand: a rebuild does not fix them, recount does
        conn.execute("UPDATE deptnews_totals SET value = value + 1 WHERE name = 'documents'")
        assert statistics_problems(conn) == ["documents: kept 31, the rows give 30"]
        recount(conn)
        assert statistics_problems(conn) == []
    again = indexer.sync(entries, load, rebuild=True)
    assert (again.rebuilt, again.reason, again.unchanged) == (True, "rebuild requested", 30)
    with nodes.writer() as conn:
        assert conn.execute("SELECT count(*) FROM deptnews_records WHERE stamp = '1'").fetchone() == (30,)
        conn.execute("UPDATE deptnews_meta SET value = 'older' WHERE key = 'analysis'")
    outdated = indexer.sync(entries, load)
    assert (outdated.reason, outdated.unchanged) == ("the index was built with another analysis", 30)


def test_reposts_are_kept_but_not_searched(nodes: Nodes) -> None:
    original, repost = records(2)
    repost = repost.model_copy(update={"repost_of": original.id})
    indexer = PostgresIndexer(nodes)
    report = indexer.sync(
        [(original.id, "1"), (repost.id, "1")], {original.id: original, repost.id: repost}.get
    )  # type: ignore[arg-type]
    assert (report.added, report.left_out) == (1, 1)
    assert indexer.sync([(original.id, "1"), (repost.id, "1")], {}.__getitem__).left_out == 1
    search = PostgresSearch(nodes)
    assert [h.id for h in search.iter_hits(SearchRequest())] == [original.id]
    assert search.count() == 1


def test_stats_follow_commits_and_rebuilds(nodes: Nodes) -> None:
    listed = records(3)
    indexer = PostgresIndexer(nodes)
    search = PostgresSearch(nodes)
    indexer.upsert(listed[:1])
    first = search.stats()
    assert first.documents == 1
    assert first.last_commit is not None
    assert first.built_at
    indexer.upsert(listed[1:])
    second = search.stats()
    assert (second.documents, second.generation) == (3, first.generation)
    assert second.commit > first.commit
    indexer.sync([(r.id, "1") for r in listed[:2]], {r.id: r for r in listed}.__getitem__, rebuild=True)
    third = search.stats()
    assert third.documents == 2
    assert third.generation != first.generation


def test_postings_stay_exact_through_merges_rewrites_and_deletes(
    nodes: Nodes, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed = records(60)
    indexer = PostgresIndexer(nodes)
    with nodes.writer() as conn:
        migrate(conn)  # blocks of 8 documents: a few batches fill one, so merges happen
        conn.execute("UPDATE deptnews_meta SET value = '8' WHERE key = 'postings_block'")
    for start in range(0, 60, 5):
        indexer.upsert(listed[start : start + 5])
    rewritten = [r.model_copy(update={"title": r.title + " sửa đổi"}) for r in listed[:20]]
    indexer.upsert(rewritten)
    indexer.delete([r.id for r in listed[50:52]])  # too few to merge their block: listed as dead
    with nodes.writer() as conn:
        assert statistics_problems(conn) == []
        # Docnos 1-20 were rewritten: blocks 0 and 1 hold nothing any more, block 2 was merged.
        assert conn.execute("SELECT count(*) FROM deptnews_postings WHERE seg < 16").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM deptnews_dead").fetchone() == (2,)
        assert _most_segments_of_complete_blocks(conn, 8) == 1
    search = PostgresSearch(nodes)
    words = [w for w in (listed[1].title + " " + listed[30].title).split() if len(w) > 2][:4]
    gone = [w for w in listed[50].title.split() if len(w) > 2][:2]
    queries = ["sửa đổi", *words, *gone, " ".join(words[:2]), f"{words[0]} -{words[1]}"]

    def results() -> dict[str, tuple[int, list[tuple[str, float]]]]:
        found = {}
        for q in queries:
            got = search.search(SearchRequest(q=q, size=60))
            found[q] = (got.total, [(h.id, round(h.score or 0.0, 9)) for h in got.hits])
        return found

    before = results()
    assert before["sửa đổi"][0] == len(before["sửa đổi"][1]) == 20
    assert all(before.values())
    kept = {r.id: r for r in rewritten + listed[20:50] + listed[52:]}
    monkeypatch.setattr("index.postgresql.postings._CHUNK", 7)  # the COPY data in many pieces
    indexer.sync([(rid, "2") for rid in sorted(kept)], kept.__getitem__, rebuild=True)
    with nodes.writer() as conn:
        assert statistics_problems(conn) == []
    assert results() == before  # postings written anew in one pass answer alike
