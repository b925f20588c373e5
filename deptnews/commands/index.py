"""Indexing records for full-text search: incremental by default, ``--rebuild`` for a fresh index."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

from archive.errors import ArchiveError
from archive.store import RecordStore
from deptnews.commands.base import EXIT_FAILURES, EXIT_OK
from deptnews.settings import Settings
from index.errors import SearchError
from index.whoosh.store import IndexWriter
from index.whoosh.sync import sync

_HEX = frozenset("0123456789abcdef")


def record_entries(store: RecordStore) -> Iterator[tuple[str, str]]:
    """``(id, stamp)`` of every record file, the stamp being its modification time and size.

    Walks the store's documented layout (``records/<id[:2]>/<id>.json``) with ``stat`` only, so an
    unchanged archive is checked without parsing a single record.
    """
    if not store.directory.is_dir():
        return
    for shard in sorted(p for p in store.directory.iterdir() if p.is_dir()):
        for path in sorted(shard.glob("*.json")):
            rid = path.stem
            if len(rid) != 16 or not set(rid) <= _HEX or store.path_for(rid) != path:
                continue
            try:
                st = os.stat(path)
            except FileNotFoundError:  # removed while we walk
                continue
            yield rid, f"{st.st_mtime_ns}:{st.st_size}"


def index(settings: Settings, *, rebuild: bool, procs: int | None = None) -> int:
    """Bring the index in line with the records (``rebuild``: build a fresh index and switch to it).

    ``procs``: writer processes for a full build (default: see :func:`index.whoosh.sync.auto_procs`).
    """
    home = settings.data_home.ensure()
    store = RecordStore(home.records_dir)
    writer = IndexWriter(
        home.index_dir, timeout=settings.index_writer_timeout, limitmb=settings.index_memory_mb
    )
    target: Path = home.index_dir
    try:
        report = sync(
            writer,
            record_entries(store),
            store.get,
            rebuild=rebuild,
            procs=procs,
        )
    except (SearchError, ArchiveError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURES
    if report.rebuilt:
        print(f"rebuilt the index ({report.reason})")
    print(
        f"indexed into {target}: {report.added} added, {report.updated} updated, "
        f"{report.deleted} deleted, {report.unchanged} unchanged"
        + (f", {report.left_out} reposts left out" if report.left_out else "")
    )
    for rid, message in report.failed[:20]:
        print(f"error: record {rid}: {message}", file=sys.stderr)
    if report.failed:
        print(
            f"error: {len(report.failed)} record(s) could not be read and were left as they were",
            file=sys.stderr,
        )
        return EXIT_FAILURES
    return EXIT_OK
