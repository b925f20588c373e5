"""``deptnews check`` on the PostgreSQL index (:class:`PostgresCheck`, chosen by
:func:`deptnews.indexcheck.index_check` when the settings choose the ``postgresql`` backend).

Everything is compared on the primary (what it holds is what the replicas will hold): the rows against
the records (:func:`index.postgresql.compare.compare_rows`: missing, orphan and stale rows), and the
collection statistics and postings against the rows (:func:`index.postgresql.verify.disagreements`).
A database that cannot be reached, holds no schema yet or one of another version is one finding, never
a traceback.

``--repair`` holds the PostgreSQL writer lock (the advisory lock every ``deptnews index`` takes) and runs
a sync through the indexer (:meth:`~index.postgresql.indexer.PostgresIndexer.repair`): missing rows
written, orphans deleted, stale rows read again whatever their stamp says, a schema created or migrated;
postings that disagree make it a rebuild, statistics that disagree are recounted from the rows.

A data home without any record while the database holds rows is not repaired: it is most likely an API
host's, whose records live in the database only, and a sync from it would delete every row.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Set
from typing import Any

from psycopg import Connection

from archive.store import RecordStore
from archive.verify import Finding
from deptnews.commands.index import record_entries
from deptnews.inspection import IndexInspection, plural, unusable_index
from deptnews.settings import Settings
from index.errors import IndexMissing, IndexOutdated, IndexUnavailable, SearchError
from index.postgresql.compare import compare_rows
from index.postgresql.ddl import schema_version
from index.postgresql.indexer import PostgresIndexer
from index.postgresql.nodes import Nodes
from index.postgresql.verify import disagreements
from index.whoosh.verify import IndexDiff

__all__ = ["PostgresCheck"]

_ORPHAN = "indexed, but there is no such record"
_STALE = "indexed as another version of the record"


class PostgresCheck:
    """The PostgreSQL index of ``settings.index`` against the data home's records."""

    def __init__(self, settings: Settings) -> None:
        assert settings.index.dsn is not None  # the settings refuse the backend without one
        self.home = settings.data_home
        # The primary only, two connections: one holds the writer lock, the check needs no more.
        self.indexer = PostgresIndexer(
            Nodes(settings.index.dsn, pool_size=2, acquire_timeout=2.0),
            texts_root=self.home.root,
            timeout=settings.index_writer_timeout,
        )
        self._conn: Connection[Any] | None = None
        """The connection holding the writer lock, inside :meth:`locked`."""

    def inspect(self, expected: Mapping[str, bytes], records: Set[str]) -> IndexInspection:
        try:
            if self._conn is not None:
                return self._inspect(self._conn, expected, records)
            with self.indexer.nodes.writer() as conn:
                return self._inspect(conn, expected, records)
        except IndexUnavailable as exc:
            return unusable_index("unreachable", str(exc))

    def _inspect(
        self, conn: Connection[Any], expected: Mapping[str, bytes], records: Set[str]
    ) -> IndexInspection:
        try:
            with conn.transaction():
                schema_version(conn)
        except IndexMissing as exc:
            if not records:
                return IndexInspection(None, summary="no index and no records")
            return unusable_index("missing", str(exc))
        except IndexOutdated as exc:
            return unusable_index("outdated", str(exc))
        rows = compare_rows(conn, expected, records)
        summary = f"{plural(rows.rows, 'row')} in PostgreSQL for {plural(len(records), 'record')}"
        if not records and rows.rows:
            message = (
                f"the database holds {plural(rows.rows, 'row')} and this data home no record: is it the "
                "indexing host's data home? (a repair from it would delete every row)"
            )
            return IndexInspection(None, message, [Finding("index", "no-records", "index", message)], summary)
        found = disagreements(conn)
        findings = [
            *(Finding("index", "missing", rid, "a record the index does not hold") for rid in rows.missing),
            *(Finding("index", "orphan", rid, _ORPHAN) for rid in rows.orphans),
            *(Finding("index", "stale", rid, _STALE) for rid in rows.stale),
            *(Finding("index", "statistics", "statistics", problem) for problem in found.statistics),
            *(Finding("index", "postings", "postings", problem) for problem in found.postings),
        ]
        diff = IndexDiff(documents=rows.rows, missing=rows.missing, orphans=rows.orphans, stale=rows.stale)
        return IndexInspection(
            diff, None, findings, summary, statistics=found.statistics, postings=found.postings
        )

    @contextlib.contextmanager
    def locked(self) -> Iterator[object]:
        """The writer lock, on a connection kept for the repair; a primary that cannot be reached is no
        lock to wait for: the check goes on and finds it unreachable (:class:`~index.errors.IndexBusy`
        when another writer keeps the lock past the timeout)."""
        with contextlib.ExitStack() as stack:
            try:
                self._conn = stack.enter_context(self.indexer.locked())
            except IndexUnavailable:
                self._conn = None
            try:
                yield self._conn
            finally:
                self._conn = None

    def repair(self, found: IndexInspection) -> list[str]:
        """A sync under the lock of :meth:`locked` (see the module docstring); [] when the primary cannot
        be reached, or holds a schema newer than this code (the findings stay, for a human)."""
        conn = self._conn
        needed = found.error is not None or found.statistics or found.postings
        if conn is None or not (needed or (found.diff is not None and not found.diff.ok)):
            return []
        if any(f.code in ("no-records", "unreachable") for f in found.findings):
            return []
        store = RecordStore(self.home.records_dir)
        try:
            report = self.indexer.repair(
                conn,
                record_entries(store),
                store.get,
                reread=found.diff.stale if found.diff is not None else [],
                rebuild=bool(found.postings),
                recount_statistics=bool(found.statistics),
            )
        except SearchError:  # a newer schema: this code cannot write it
            return []
        done = (
            f"index: synced PostgreSQL with the records ({report.added} added, {report.updated} updated, "
            f"{report.deleted} deleted)"
        )
        if report.rebuilt:
            why = "the postings disagreed with the rows" if found.postings else report.reason
            done += f"; every row written anew ({why})"
        if found.statistics:
            done += "; statistics recounted from the rows"
        if report.failed:
            done += f"; {len(report.failed)} record(s) could not be read"
        return [done]

    def close(self) -> None:
        self.indexer.close()
