"""Indexing records for full-text search."""

from __future__ import annotations

import sys

from archive.errors import ArchiveError
from archive.store import RecordStore
from deptnews.commands.base import EXIT_FAILURES, EXIT_OK
from deptnews.settings import Settings
from index.errors import SearchError
from index.store import IndexWriter


def index(settings: Settings, *, rebuild: bool) -> int:
    """Index every record's current version (``rebuild``: build a fresh index and swap it in)."""
    home = settings.data_home.ensure()
    store = RecordStore(home.records_dir)
    writer = IndexWriter(home.index_dir, timeout=settings.index_writer_timeout)
    try:
        count = writer.rebuild(store) if rebuild else writer.upsert(store)
    except (SearchError, ArchiveError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURES
    print(f"indexed {count} record(s) into {home.index_dir}")
    return EXIT_OK
