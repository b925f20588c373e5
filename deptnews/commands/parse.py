"""Parsing WARC captures into records."""

from __future__ import annotations

import sys

from archive.errors import ArchiveError
from archive.ingest import IngestStats, ingest
from deptnews.commands.base import EXIT_CONFIG, EXIT_FAILURES, EXIT_OK, load_registry
from deptnews.settings import Settings


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
