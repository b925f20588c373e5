"""The index side of ``deptnews check``: comparing the index the settings choose with the records, and
repairing it under its writer lock. :func:`index_check` is the one place that chooses: the Whoosh index
of the data home (:class:`WhooshCheck`) or the PostgreSQL database
(:class:`deptnews.pginspection.PostgresCheck`, imported only then: a Whoosh installation needs no
PostgreSQL driver).
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from contextlib import AbstractContextManager
from typing import Protocol

from archive.store import RecordStore
from deptnews.commands.index import record_entries
from deptnews.inspection import IndexInspection, inspect_index
from deptnews.settings import Settings
from index.errors import BackendUnavailable
from index.whoosh.store import IndexWriter
from index.whoosh.sync import sync
from index.whoosh.verify import repair_index

__all__ = ["IndexCheck", "WhooshCheck", "index_check"]


class IndexCheck(Protocol):
    def inspect(self, expected: Mapping[str, bytes], records: Set[str]) -> IndexInspection:
        """Compare the index with the records: ``expected`` (``{id: doc_hash}`` of the searchable ones)
        and ``records`` (every record id). Only reads; never raises for the index's sake (an index that
        cannot be compared is a finding)."""
        ...

    def locked(self) -> AbstractContextManager[object]:
        """Hold the index's writer lock while the context lasts (a repair runs inside);
        :class:`~index.errors.SearchError` when another writer keeps it past the timeout."""
        ...

    def repair(self, found: IndexInspection) -> list[str]:
        """Bring the index in line with the records as ``found`` asks (inside :meth:`locked`); returns
        what was done, in plain words ([] for nothing)."""
        ...

    def close(self) -> None: ...


class WhooshCheck:
    """The data home's Whoosh index."""

    def __init__(self, settings: Settings) -> None:
        self.home = settings.data_home
        self.writer = IndexWriter(
            self.home.index_dir, timeout=settings.index_writer_timeout, limitmb=settings.index_memory_mb
        )

    def inspect(self, expected: Mapping[str, bytes], records: Set[str]) -> IndexInspection:
        return inspect_index(self.home, dict(expected))

    def locked(self) -> AbstractContextManager[object]:
        return self.writer.locked()

    def repair(self, found: IndexInspection) -> list[str]:
        """Rebuilt when it cannot be compared; otherwise missing and stale documents written, orphans and
        duplicates deleted, in one commit."""
        store = RecordStore(self.home.records_dir)
        if found.error is not None:
            entries = record_entries(store)
            report = sync(self.writer, entries, store.get, rebuild=True, texts_root=self.home.root)
            failed = f"; {len(report.failed)} record(s) could not be read" if report.failed else ""
            return [f"index: rebuilt from the records ({report.added} document(s)){failed}"]
        if found.diff is None or found.diff.ok:
            return []
        diff = found.diff
        written, deleted = repair_index(self.writer, diff, store.get, self.home.root)
        return [
            f"index: wrote {written} document(s) ({len(diff.missing)} missing, {len(diff.stale)} stale), "
            f"deleted {deleted} ({len(diff.orphans)} orphan(s), {len(diff.duplicates)} duplicated id(s))"
        ]

    def close(self) -> None:
        return None


def index_check(settings: Settings) -> IndexCheck:
    """The index side for ``settings.index.backend``; :class:`BackendUnavailable` when the PostgreSQL
    driver is not installed."""
    if settings.index.backend == "postgresql":
        try:
            from deptnews.pginspection import PostgresCheck
        except ImportError as exc:
            raise BackendUnavailable(
                f"the postgresql index backend needs psycopg (pip install 'deptnews[postgresql]'): {exc}"
            ) from None
        return PostgresCheck(settings)
    return WhooshCheck(settings)
