"""Writing an open-data dump of every record."""

from __future__ import annotations

import sys

from archive.dump import write_dump
from archive.errors import ArchiveError
from archive.sources import Registry
from archive.store import RecordStore
from deptnews.commands.base import EXIT_FAILURES, EXIT_OK, load_registry
from deptnews.settings import Settings


def dump(settings: Settings) -> int:
    """Write ``<home>/dumps/deptnews-<time>/`` (a Frictionless Data Package) and print where it went."""
    home = settings.data_home
    try:
        registry = load_registry(settings)
    except ArchiveError:
        # Records carry their department and jurisdiction; the registry only adds names to the README.
        registry = Registry(sources={})
    try:
        result = write_dump(RecordStore(home.records_dir), registry, home.dumps_dir)
    except (ArchiveError, OSError) as exc:
        print(f"error: cannot write the dump: {exc}", file=sys.stderr)
        return EXIT_FAILURES
    print(f"dump: {result.path} ({result.records} records from {len(result.per_source)} source(s))")
    return EXIT_OK
