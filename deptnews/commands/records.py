"""Parsing captures into records and indexing them."""

from __future__ import annotations

import sys

from archive.errors import ArchiveError
from archive.ingest import IngestStats, ingest
from archive.store import RecordStore
from deptnews.commands.base import EXIT_CONFIG, EXIT_FAILURES, EXIT_OK, load_registry
from deptnews.settings import Settings
from index.errors import SearchError
from index.store import IndexWriter


def parse(settings: Settings, *, rebuild: bool) -> int:
    """Parse WARC captures into records (``rebuild``: from scratch, replacing all records)."""
    try:
        registry = load_registry(settings)
    except ArchiveError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    home = settings.data_home.ensure()
    stats: IngestStats = ingest(home, registry, rebuild=rebuild)
    changes = ", ".join(f"{k} {v}" for k, v in sorted(stats.changes.items())) or "none"
    skipped = ", ".join(f"{k} {v}" for k, v in sorted(stats.skipped.items())) or "none"
    print(f"captures: {stats.captures}; records: {changes}; skipped: {skipped}")
    for error in stats.errors:
        print(f"  ! {error}")
    return EXIT_FAILURES if stats.errors else EXIT_OK


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
