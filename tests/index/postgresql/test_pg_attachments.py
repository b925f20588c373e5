"""Attachment texts in PostgreSQL: every page of each extracted attachment is written with its record's
row (not only the pages kept for snippets), replaced and deleted with it, read back by hash, and a
database of schema version 2 is migrated to version 3 by rewriting just the rows that have texts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from conftest import make_record
from pgfixtures import PgDatabase
from textsfixture import LONG, page_text, with_attachments

from archive.home import DataHome
from archive.store import RecordStore
from deptnews.commands.index import record_entries
from index.postgresql.ddl import SCHEMA_VERSION, migrate
from index.postgresql.documents import MAX_PAGES
from index.postgresql.indexer import PostgresIndexer
from index.postgresql.nodes import Nodes
from index.postgresql.records import PostgresRecords
from index.postgresql.verify import statistics_problems


@pytest.fixture
def nodes(pg_database: PgDatabase) -> Iterator[Nodes]:
    chosen = Nodes(pg_database.dsn)  # the primary only: these tests read what they wrote at once
    yield chosen
    chosen.close()


@pytest.fixture
def home(tmp_path: Path) -> DataHome:
    return DataHome(tmp_path / "home").ensure()


def _sync(nodes: Nodes, home: DataHome) -> tuple[int, int, int, int]:
    store = RecordStore(home.records_dir)
    report = PostgresIndexer(nodes, texts_root=home.root).sync(record_entries(store), store.get)
    return report.added, report.updated, report.deleted, report.unchanged


def _stored(dsn: str) -> dict[tuple[str, int], int]:
    """``{(id, attachment): pages}`` of the stored texts."""
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT id, n, jsonb_array_length(extracted -> 'pages') FROM deptnews_attachment_texts"
        ).fetchall()
    return {(str(rid), int(n)): int(pages) for rid, n, pages in rows}


def test_every_page_is_stored_with_the_row_and_read_back(
    nodes: Nodes, home: DataHome, pg_database: PgDatabase
) -> None:
    long = with_attachments(home, 1, [LONG, 2])
    short = with_attachments(home, 2, [1])
    plain = make_record(3, "Tin không có tệp", ["Nội dung."])
    RecordStore(home.records_dir).put(plain)
    assert _sync(nodes, home) == (3, 0, 0, 0)
    assert _stored(pg_database.dsn) == {(long.id, 1): LONG, (long.id, 2): 2, (short.id, 1): 1}
    with psycopg.connect(pg_database.dsn) as conn:
        kept = conn.execute(
            "SELECT jsonb_array_length(pages) FROM deptnews_records WHERE id = %s", (long.id,)
        )
        assert kept.fetchone() == (MAX_PAGES,)  # the snippets' pages: the first ones only
    records = PostgresRecords(nodes)
    sha = long.attachments[0].text.sha256 if long.attachments[0].text else ""
    text = records.attachment_text(long.id, sha)
    assert text is not None
    assert [p.number for p in text.pages] == list(range(1, LONG + 1))
    assert text.pages[-1].text == page_text(1, 1, LONG)
    assert (text.pages[0].method, text.pages[0].confidence, text.pages[1].method) == (
        "ocr",
        91.5,
        "text-layer",
    )
    assert records.attachment_text(short.id, sha) is None  # another record's file: not this one's
    assert records.attachment_text(plain.id, sha) is None


def test_texts_change_and_go_with_their_row(nodes: Nodes, home: DataHome, pg_database: PgDatabase) -> None:
    first = with_attachments(home, 1, [3, 2])
    second = with_attachments(home, 2, [1])
    _sync(nodes, home)
    with_attachments(home, 1, [4])  # the record now links one file, of four pages
    RecordStore(home.records_dir).path_for(second.id).unlink()
    assert _sync(nodes, home) == (0, 1, 1, 0)
    assert _stored(pg_database.dsn) == {(first.id, 1): 4}
    with nodes.writer() as conn:
        assert statistics_problems(conn) == []


def test_a_version_2_database_gets_the_texts_of_the_rows_that_have_some(
    nodes: Nodes, home: DataHome, pg_database: PgDatabase
) -> None:
    with_attachments(home, 1, [2])
    for i in range(2, 5):
        RecordStore(home.records_dir).put(make_record(i, f"Tin {i}", ["Nội dung."]))
    _sync(nodes, home)
    with nodes.writer() as conn, conn.transaction():  # as version 2 left it
        conn.execute("DROP TABLE deptnews_attachment_texts")
        conn.execute("DELETE FROM deptnews_schema WHERE version >= 3")
    with nodes.writer() as conn:
        assert migrate(conn) == SCHEMA_VERSION - 2
        cleared = conn.execute("SELECT count(*) FROM deptnews_records WHERE stamp = ''").fetchone()
        assert cleared == (1,)  # only the row whose record has an extracted attachment is read again
    assert _sync(nodes, home) == (0, 0, 0, 4)
    assert len(_stored(pg_database.dsn)) == 1
