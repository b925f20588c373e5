"""Opening the backend the settings choose (see :mod:`index.backend`); the only place that names one.

``whoosh`` (the default): the index directory of the data home. ``postgresql``: the database of
``settings.dsn`` (writes) and ``settings.read_dsns`` (reads; see :mod:`index.postgresql`); its module is
imported only then, so a Whoosh installation needs no PostgreSQL driver (without one, choosing
``postgresql`` fails with :class:`BackendUnavailable`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from archive.store import RecordStore
from index.backend import IndexBackend, SearchBackend
from index.errors import BackendUnavailable
from index.records import FileRecords, RecordReader
from index.settings import IndexSettings

if TYPE_CHECKING:
    from index.postgresql.nodes import Nodes

__all__ = ["BackendUnavailable", "open_indexer", "open_records", "open_search"]


def open_search(
    settings: IndexSettings,
    index_dir: Path,
    load_text: Callable[[str], str | None],
    *,
    load_attachments: Callable[[str], Iterable[tuple[int, int, str]]] | None = None,
    posting_cache_mb: float | None = None,
) -> SearchBackend:
    """The search side: Whoosh over ``index_dir`` (``load_text(id)`` supplies the text snippets are cut
    from, ``load_attachments(id)`` the record's attachment pages as ``(attachment, page, text)``, and
    ``posting_cache_mb`` its decoded lists' budget, the service's default if None), or PostgreSQL
    (which cuts snippets from the records and attachment pages it holds itself)."""
    if settings.backend == "postgresql":
        from index.postgresql.search import PostgresSearch

        return PostgresSearch(_nodes(settings))
    from index.whoosh.postcache import DEFAULT_CACHE_MB
    from index.whoosh.service import SearchService

    return SearchService(
        index_dir,
        load_text,
        load_attachments=load_attachments,
        posting_cache_mb=DEFAULT_CACHE_MB if posting_cache_mb is None else posting_cache_mb,
    )


def open_indexer(
    settings: IndexSettings,
    index_dir: Path,
    *,
    texts_root: Path | None = None,
    timeout: float = 30.0,
    memory_mb: float = 256,
) -> IndexBackend:
    """The writing side: Whoosh's index directory, or the PostgreSQL primary (``texts_root``: the data
    home, whose extracted attachment texts are indexed with their records)."""
    if settings.backend == "postgresql":
        from index.postgresql.indexer import PostgresIndexer

        return PostgresIndexer(_nodes(settings), texts_root=texts_root, timeout=timeout, memory_mb=memory_mb)
    from index.whoosh.backend import WhooshIndexer

    return WhooshIndexer(index_dir, texts_root=texts_root, timeout=timeout, limitmb=memory_mb)


def open_records(
    settings: IndexSettings,
    records_dir: Path,
    search: SearchBackend | None = None,
    *,
    texts_dir: Path | None = None,
) -> RecordReader:
    """Where records and their attachments' texts are read: the data home's ``records_dir`` and
    ``texts_dir`` (Whoosh), or the PostgreSQL index, through the connections of ``search`` when it is
    the PostgreSQL backend's (else connections of its own)."""
    if settings.backend == "postgresql":
        from index.postgresql.records import PostgresRecords
        from index.postgresql.search import PostgresSearch

        return PostgresRecords(search.nodes if isinstance(search, PostgresSearch) else _nodes(settings))
    return FileRecords(RecordStore(records_dir), texts_dir)


def _nodes(settings: IndexSettings) -> Nodes:
    try:
        from index.postgresql.nodes import Nodes
    except ImportError as exc:  # the driver is an optional dependency
        raise BackendUnavailable(
            f"the postgresql index backend needs psycopg (pip install 'deptnews[postgresql]'): {exc}"
        ) from None
    return Nodes.from_settings(settings)
