"""The Whoosh backend's writing face (:class:`~index.backend.IndexBackend`) over :mod:`index.whoosh.store`
and :mod:`index.whoosh.sync`; its reading face is :class:`~index.whoosh.service.SearchService`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from archive.model import Record
from index.backend import Progress, SyncReport
from index.whoosh.store import IndexWriter
from index.whoosh.sync import sync

__all__ = ["WhooshIndexer"]


class WhooshIndexer:
    """Writes the index directory ``path`` (one writer process at a time, see :mod:`index.whoosh.locking`)."""

    def __init__(
        self, path: Path, *, texts_root: Path | None = None, timeout: float = 30.0, limitmb: float = 256
    ) -> None:
        self.path = path
        self.texts_root = texts_root
        self.writer = IndexWriter(path, timeout=timeout, limitmb=limitmb)

    def sync(
        self,
        entries: Iterable[tuple[str, str]],
        load: Callable[[str], Record],
        *,
        rebuild: bool = False,
        procs: int | None = None,
        progress: Progress | None = None,
    ) -> SyncReport:
        return sync(
            self.writer,
            entries,
            load,
            rebuild=rebuild,
            procs=procs,
            progress=progress,
            texts_root=self.texts_root,
        )

    def upsert(self, records: Iterable[Record]) -> int:
        return self.writer.upsert(records, self.texts_root)

    def delete(self, ids: Iterable[str]) -> int:
        return self.writer.delete(ids)

    def close(self) -> None:
        """Nothing stays open between writes."""
