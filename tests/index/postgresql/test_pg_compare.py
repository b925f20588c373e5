"""Comparing the rows with the records (:func:`~index.postgresql.compare.compare_rows`) and repairing
through the indexer (:meth:`~index.postgresql.indexer.PostgresIndexer.repair`) on a real primary:
reposts count as rows, a record that became a repost is stale, and a stale row whose stamp is current
is read again because the repair says so, not because its stamp changed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import make_record
from pgfixtures import PgDatabase

from archive.model import Record
from index.postgresql.compare import compare_rows
from index.postgresql.indexer import PostgresIndexer
from index.postgresql.nodes import Nodes
from index.postgresql.verify import statistics_problems
from index.schema import searchable, to_document


@pytest.fixture
def nodes(pg_database: PgDatabase) -> Iterator[Nodes]:
    chosen = Nodes(pg_database.dsn)
    yield chosen
    chosen.close()


def _expected(records: list[Record]) -> dict[str, bytes]:
    return {r.id: to_document(r)["doc_hash"] for r in records if searchable(r)}


def test_rows_are_compared_with_every_record_reposts_included(nodes: Nodes) -> None:
    original = make_record(1, "Hội nghị tổng kết", ["Nội dung hội nghị."])
    repost = make_record(2, "Hội nghị tổng kết", ["Nội dung hội nghị."]).model_copy(
        update={"repost_of": original.id}
    )
    other = make_record(3, "Tập huấn", ["Lớp tập huấn."])
    records = [original, repost, other]
    indexer = PostgresIndexer(nodes)
    indexer.sync([(r.id, "1") for r in records], {r.id: r for r in records}.__getitem__)
    with nodes.writer() as conn:
        diff = compare_rows(conn, _expected(records), {r.id for r in records})
        assert (diff.rows, diff.ok) == (3, True)
        # The repost's original became a repost itself, and the third record is gone from the home.
        now = [original.model_copy(update={"repost_of": repost.id}), repost]
        diff = compare_rows(conn, _expected(now), {r.id for r in now})
        assert (diff.missing, diff.orphans, diff.stale) == ([], [other.id], [original.id])


def test_repair_reads_the_named_rows_again_and_recounts(nodes: Nodes) -> None:
    records = [make_record(i, f"Tin số {i}", [f"Nội dung {i}."]) for i in range(1, 4)]
    entries = [(r.id, "1") for r in records]
    load = {r.id: r for r in records}.__getitem__
    indexer = PostgresIndexer(nodes)
    indexer.sync(entries, load)
    with nodes.writer() as conn, conn.transaction():
        conn.execute("UPDATE deptnews_records SET doc_hash = '\\x00' WHERE id = %s", (records[0].id,))
        conn.execute("UPDATE deptnews_totals SET value = value - 1 WHERE name = 'documents'")
    with indexer.locked() as conn:
        plain = indexer.repair(conn, entries, load)  # the stamp is current: nothing is read
        assert (plain.updated, plain.unchanged) == (0, 3)
        report = indexer.repair(conn, entries, load, reread=[records[0].id], recount_statistics=True)
        assert (report.updated, report.unchanged) == (1, 2)
        assert compare_rows(conn, _expected(records), {r.id for r in records}).ok
        assert statistics_problems(conn) == []
