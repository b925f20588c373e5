"""The PostgreSQL backend's writing face (:class:`~index.backend.IndexBackend`), on the primary.

A sync lists every record ``(id, stamp)``; a record whose stored stamp equals the listed one is not read,
any other is read and written, in batches of :data:`BATCH` rows, one transaction each (rows, their
statistics and their stamps together, see :mod:`index.postgresql.rows`). A sync killed at any point
therefore leaves every committed batch in place and loses nothing else: the next sync finds the rest
by their stamps. Rows of records no longer listed are deleted at the end, in batches too.

A bulk load (a write of :data:`BULK` records or more into an empty index, such as the migration of a
data home, or into one whose bulk load was interrupted: its full-text indexes are still missing) commits
one postings block per transaction instead: each batch holds the searchable rows
that fill the block the next docno falls in, so every block's lists are written once, in one segment,
and no merge rewrites them (see :mod:`index.postgresql.postings`). Fewer, larger batches also add to
each term's statistics once per block instead of once per :data:`BATCH` rows. A batch also ends when
its postings reach the writer's memory budget (``memory_mb``, as the Whoosh build's): long documents
then fill a block in several batches, and the block is merged once, when it is complete.

A rebuild (asked for, or needed because the terms were made by another analysis) is done in place:
every stored stamp is cleared first, in one transaction, so the following sync, or the one after it if
it is interrupted, reads and rewrites every record while searches go on.

One writer at a time: a session advisory lock on the primary (a killed writer's session ends and its
lock with it); another writer waits up to ``timeout`` seconds, then fails with :class:`IndexBusy`.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from psycopg import Connection

from archive.errors import ArchiveError
from archive.model import Record
from index.backend import Progress, SyncReport
from index.errors import IndexBusy
from index.postgresql.connections import Connections
from index.postgresql.ddl import migrate, text_indexes, text_indexes_present
from index.postgresql.documents import Row, TermPool, record_row
from index.postgresql.postings import block_size, next_docno
from index.postgresql.rows import Previous, delete_rows, write_rows
from index.postgresql.verify import recount
from index.schema import analysis_fingerprint

__all__ = ["BATCH", "PostgresIndexer"]

BATCH = 500
"""Rows written per transaction (outside a bulk load)."""
POSTING_BYTES = 48
"""What a bulk load holds in memory per posting of its batch, about (the row's term and weight, the
sorted arrays and COPY pieces of its block: measured ~0.6 GB over the process's own for 4,096
600-syllable articles, 4.8 million postings)."""
BULK = 2000
"""Rows from which a write into an empty index is a bulk load: the full-text GIN indexes are dropped
for it and built at its end (:func:`~index.postgresql.ddl.text_indexes`)."""
_WRITER_KEY = 0x646E5F777269  # "dn_wri"


@contextlib.contextmanager
def writer_lock(conn: Connection[Any], timeout: float) -> Iterator[None]:
    """Hold the index's writer lock (a session advisory lock) on ``conn``."""
    deadline = time.monotonic() + timeout
    while True:
        with conn.transaction():
            row = conn.execute("SELECT pg_try_advisory_lock(%s)", (_WRITER_KEY,)).fetchone()
        if row and row[0]:
            break
        if time.monotonic() >= deadline:
            raise IndexBusy(f"another process has been writing the PostgreSQL index for over {timeout:g} s")
        time.sleep(0.1)
    try:
        yield
    finally:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_unlock(%s)", (_WRITER_KEY,))


def _prepare(conn: Connection[Any], rebuild: bool) -> str | None:
    """Create or migrate the schema; clear every stamp when a rebuild is due. Returns why (or None)."""
    created = migrate(conn) > 0 and _empty(conn)
    fingerprint = analysis_fingerprint()
    with conn.transaction():
        row = conn.execute("SELECT value FROM deptnews_meta WHERE key = 'analysis' FOR UPDATE").fetchone()
        stored = str(row[0]) if row else None
        reason = None
        if rebuild:
            reason = "rebuild requested"
        elif created:
            reason = "there was no index yet"
        elif stored is not None and stored != fingerprint:
            reason = "the index was built with another analysis"
        if reason is not None and not created:
            conn.execute("UPDATE deptnews_records SET stamp = '' WHERE stamp <> ''")
            conn.execute(
                "UPDATE deptnews_meta SET value = %s WHERE key = 'generation'", (os.urandom(6).hex(),)
            )
        conn.execute(
            "INSERT INTO deptnews_meta (key, value) VALUES ('analysis', %s) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (fingerprint,),
        )
    return reason


def _empty(conn: Connection[Any]) -> bool:
    with conn.transaction():
        return conn.execute("SELECT NOT EXISTS (SELECT 1 FROM deptnews_records)").fetchone() == (True,)


class PostgresIndexer:
    """Writes the index on the primary of ``nodes`` (``texts_root``: the data home, whose extracted
    attachment texts are indexed with their records; ``memory_mb``: what a bulk load's batch may hold,
    see the module docstring)."""

    def __init__(
        self,
        nodes: Connections,
        *,
        texts_root: Path | None = None,
        timeout: float = 30.0,
        memory_mb: float = 256,
    ) -> None:
        self.nodes = nodes
        self.texts_root = texts_root
        self.timeout = timeout
        self.memory_mb = memory_mb

    def sync(
        self,
        entries: Iterable[tuple[str, str]],
        load: Callable[[str], Record],
        *,
        rebuild: bool = False,
        procs: int | None = None,
        progress: Progress | None = None,
    ) -> SyncReport:
        """Make the index hold exactly the listed records (see the module docstring); ``procs`` is not
        used (PostgreSQL writes with one connection)."""
        listed = list(entries)
        with self.locked() as conn:
            return self._sync(conn, listed, load, rebuild, progress)

    @contextlib.contextmanager
    def locked(self) -> Iterator[Connection[Any]]:
        """A connection to the primary that holds the writer lock while the context lasts (for
        :meth:`repair`); :class:`IndexBusy` when another writer keeps it past the timeout."""
        with self.nodes.writer() as conn, writer_lock(conn, self.timeout):
            yield conn

    def repair(
        self,
        conn: Connection[Any],
        entries: Iterable[tuple[str, str]],
        load: Callable[[str], Record],
        *,
        reread: Sequence[str] = (),
        rebuild: bool = False,
        recount_statistics: bool = False,
    ) -> SyncReport:
        """Bring the index in line with the listed records through ``conn`` (from :meth:`locked`): the
        rows of ``reread`` are read again whatever their stamp says (their content is not what the
        stamp vouches for), the rest as a sync does (``rebuild``: every row anew, with new postings);
        then, with ``recount_statistics``, the statistics are rewritten from the rows (a sync only
        adds its own changes to them)."""
        if reread:
            with conn.transaction():
                conn.execute("UPDATE deptnews_records SET stamp = '' WHERE id = ANY(%s)", (list(reread),))
        report = self._sync(conn, list(entries), load, rebuild, None)
        if recount_statistics:
            recount(conn)
        return report

    def _sync(
        self,
        conn: Connection[Any],
        listed: list[tuple[str, str]],
        load: Callable[[str], Record],
        rebuild: bool,
        progress: Progress | None,
    ) -> SyncReport:
        report = SyncReport()
        reason = _prepare(conn, rebuild)
        report.rebuilt, report.reason = reason is not None, reason
        with conn.transaction():
            known = {
                str(rid): (str(stamp), bool(flag))
                for rid, stamp, flag in conn.execute("SELECT id, stamp, searchable FROM deptnews_records")
            }
        pending = sum(1 for rid, stamp in listed if not (stamp and known.get(rid, ("",))[0] == stamp))
        # An interrupted bulk load left its indexes out: what is left of it is a bulk load too (its
        # committed blocks are whole; the next one starts where the docnos are), they are made at the end.
        bulk = (not known or not text_indexes_present(conn)) and pending >= BULK
        pool = TermPool()
        text_indexes(conn, present=not bulk)

        def changed() -> Iterator[Row]:
            for done, (rid, stamp) in enumerate(listed, start=1):
                old = known.get(rid)
                if old is not None and stamp and old[0] == stamp:
                    if old[1]:
                        report.unchanged += 1
                    else:
                        report.left_out += 1
                else:
                    try:
                        yield record_row(load(rid), stamp, self.texts_root, pool)
                    except (ArchiveError, ValueError) as exc:
                        report.failed.append((rid, str(exc)))
                if progress is not None:
                    progress(done, len(listed))

        for batch in batched(conn, changed(), bulk=bulk, memory_mb=self.memory_mb):
            _count(report, batch, write_rows(conn, batch))
            pool.clear()  # the next batch's rows are made after this
        present = {rid for rid, _ in listed}
        gone = [rid for rid in known if rid not in present]
        for start in range(0, len(gone), BATCH * 5):
            deleted = delete_rows(conn, gone[start : start + BATCH * 5])
            report.deleted += sum(p.searchable for p in deleted.values())
        text_indexes(conn, present=True)
        return report

    def upsert(self, records: Iterable[Record]) -> int:
        """Write these records (stamp cleared: the next sync reads them again); returns how many are
        searchable."""
        written = 0
        with self.nodes.writer() as conn, writer_lock(conn, self.timeout):
            migrate(conn)
            _prepare_analysis_once(conn)
            pending = iter(records)
            first = list(itertools.islice(pending, BULK))
            bulk = len(first) >= BULK and (_empty(conn) or not text_indexes_present(conn))
            text_indexes(conn, present=not bulk)
            pool = TermPool()
            rows = (
                record_row(record, "", self.texts_root, pool) for record in itertools.chain(first, pending)
            )
            for batch in batched(conn, rows, bulk=bulk, memory_mb=self.memory_mb):
                write_rows(conn, batch)
                written += sum(r.searchable for r in batch)
                pool.clear()
            text_indexes(conn, present=True)
        return written

    def delete(self, ids: Iterable[str]) -> int:
        """Delete these records' rows; returns how many searchable ones there were."""
        wanted = list(ids)
        with self.nodes.writer() as conn, writer_lock(conn, self.timeout):
            migrate(conn)
            deleted = delete_rows(conn, wanted)
        return sum(p.searchable for p in deleted.values())

    def close(self) -> None:
        """Close the connections to the nodes."""
        self.nodes.close()


def _prepare_analysis_once(conn: Connection[Any]) -> None:
    """Record the analysis of a fresh index (an upsert into an empty database)."""
    with conn.transaction():
        conn.execute(
            "INSERT INTO deptnews_meta (key, value) VALUES ('analysis', %s) ON CONFLICT DO NOTHING",
            (analysis_fingerprint(),),
        )


def batched(
    conn: Connection[Any], rows: Iterable[Row], *, bulk: bool, memory_mb: float = 256
) -> Iterator[list[Row]]:
    """``rows`` in batches to write, one transaction each: :data:`BATCH` rows, or in a ``bulk`` load
    the searchable rows that fill the current postings block (rows of reposts, which get no docno,
    come along, at most :data:`BATCH` more), ended sooner when their postings would hold more than
    ``memory_mb`` (at :data:`POSTING_BYTES` each). The next batch is sized once the previous one is
    written."""
    block = 0
    if bulk:
        with conn.transaction():  # the writer's connection is not in autocommit: none left open
            block = block_size(conn)

    def room() -> int:
        if not block:
            return BATCH
        with conn.transaction():
            return block - next_docno(conn) % block

    most = max(1, int(memory_mb * 2**20 / POSTING_BYTES))
    batch: list[Row] = []
    searchable = postings = 0
    limit = room()
    for row in rows:
        batch.append(row)
        searchable += row.searchable
        if block:
            postings += sum(len(terms.terms) for terms in row.text.values())
        if (searchable if block else len(batch)) >= limit or len(batch) >= limit + BATCH or postings >= most:
            yield batch
            batch, searchable, postings = [], 0, 0
            limit = room()
    if batch:
        yield batch


def _count(report: SyncReport, rows: Sequence[Row], previous: dict[str, Previous]) -> None:
    """Tell what writing ``rows`` did, from what they replaced."""
    for row in rows:
        old = previous.get(row.id)
        was_indexed = old is not None and old.searchable
        if not row.searchable:
            report.left_out += 1
            report.deleted += was_indexed
        elif not was_indexed:
            report.added += 1
        elif old is not None and old.doc_hash == row.doc_hash:
            report.unchanged += 1
        else:
            report.updated += 1
