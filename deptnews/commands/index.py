"""Indexing records for full-text search: incremental by default, ``--rebuild`` for a fresh index.

The same command fills a PostgreSQL index from a data home (``--backend postgresql --dsn …``): records
are written in batches, each committed, so an interrupted migration resumes where it stopped.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

from archive.errors import ArchiveError
from archive.store import RecordStore
from deptnews.commands.base import EXIT_CONFIG, EXIT_FAILURES, EXIT_OK
from deptnews.settings import Settings
from index.backends import open_indexer
from index.errors import SearchError
from index.settings import Backend
from scrapers.progress import CountBar

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


def index(
    settings: Settings,
    *,
    rebuild: bool,
    procs: int | None = None,
    backend: Backend | None = None,
    dsn: str | None = None,
    progress: bool | None = None,
) -> int:
    """Bring the index in line with the records (``rebuild``: build a fresh index and switch to it).

    ``procs``: Whoosh writer processes, full build or incremental (default:
    :func:`index.whoosh.sync.auto_procs`).
    ``backend`` / ``dsn`` override the settings' (``DEPTNEWS_INDEX__BACKEND`` / ``__DSN``); ``progress``:
    draw a bar on stderr (default: when stderr is a terminal).
    """
    home = settings.data_home.ensure()
    store = RecordStore(home.records_dir)
    try:
        index_settings = settings.index.model_validate(
            settings.index.model_dump()
            | ({"backend": backend} if backend else {})
            | ({"dsn": dsn} if dsn else {})
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    show = sys.stderr.isatty() if progress is None else progress
    bar = CountBar(sys.stderr, "indexing") if show else None
    target = home.index_dir if index_settings.backend == "whoosh" else _safe_dsn(index_settings.dsn or "")
    try:
        indexer = open_indexer(
            index_settings,
            home.index_dir,
            texts_root=home.root,
            timeout=settings.index_writer_timeout,
            memory_mb=settings.index_memory_mb,
        )
        try:
            report = indexer.sync(
                record_entries(store), store.get, rebuild=rebuild, procs=procs, progress=bar
            )
        finally:
            indexer.close()
            if bar is not None:
                bar.close()
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


def _safe_dsn(dsn: str) -> str:
    """The DSN without its password (for messages)."""
    parts = urlsplit(dsn)
    if parts.password is None:
        return dsn
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))
