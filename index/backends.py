"""Opening the backend the settings choose (see :mod:`index.backend`); the only place that names one.

Only Whoosh is implemented so far: choosing ``postgresql`` fails with :class:`BackendUnavailable` when
the backend is opened (issue 15 tracks the PostgreSQL backend; the settings are already read).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from index.backend import IndexBackend, SearchBackend
from index.errors import BackendUnavailable
from index.settings import IndexSettings

__all__ = ["BackendUnavailable", "open_indexer", "open_search"]


def open_search(
    settings: IndexSettings,
    index_dir: Path,
    load_text: Callable[[str], str | None],
    *,
    load_attachments: Callable[[str], Iterable[tuple[int, int, str]]] | None = None,
    posting_cache_mb: float = 256,
) -> SearchBackend:
    """The search side: Whoosh over ``index_dir`` (``load_text(id)`` supplies the text snippets are cut
    from, ``load_attachments(id)`` the record's attachment pages as ``(attachment, page, text)``)."""
    if settings.backend != "whoosh":
        raise BackendUnavailable(f"the {settings.backend} index backend is not available yet")
    from index.whoosh.service import SearchService

    return SearchService(
        index_dir, load_text, load_attachments=load_attachments, posting_cache_mb=posting_cache_mb
    )


def open_indexer(
    settings: IndexSettings,
    index_dir: Path,
    *,
    texts_root: Path | None = None,
    timeout: float = 30.0,
    memory_mb: float = 256,
) -> IndexBackend:
    """The writing side: Whoosh's index directory (``texts_root``: the data home, whose extracted
    attachment texts are indexed with their records)."""
    if settings.backend != "whoosh":
        raise BackendUnavailable(f"the {settings.backend} index backend is not available yet")
    from index.whoosh.backend import WhooshIndexer

    return WhooshIndexer(index_dir, texts_root=texts_root, timeout=timeout, limitmb=memory_mb)
