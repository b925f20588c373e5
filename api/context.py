"""What the handlers share, built once per application: the stores, the search service, the registry."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import ParamSpec, TypeVar

from api.settings import ApiSettings
from archive.cdxindex import CdxIndex
from archive.errors import ArchiveError
from archive.home import DataHome
from archive.sources import Registry, load_sources
from archive.warcfiles import WarcCatalog
from index.backend import SearchBackend
from index.backends import open_records, open_search
from index.health import SourceHealth
from index.records import RecordReader
from index.schema import attachment_pages
from index.settings import IndexSettings

P = ParamSpec("P")
T = TypeVar("T")

RECORD_COUNT_TTL = 30.0
"""Seconds a record count is reused: probes may come every second; a count lists every shard."""


@dataclass
class ApiContext:
    home: DataHome
    settings: ApiSettings
    sources_file: Path
    index: IndexSettings = field(default_factory=IndexSettings)
    store: RecordReader = field(init=False)
    """Records by id: the data home's files, or the PostgreSQL index's rows (see index.records)."""
    search: SearchBackend = field(init=False)
    cdx: CdxIndex = field(init=False)
    warcs: WarcCatalog = field(init=False)
    _registry: tuple[float, Registry] | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    source_counts_cache: tuple[float, dict[str, SourceHealth]] | None = field(default=None, init=False)
    """(monotonic time, {source: (records, dated records)}): a short-lived cache for /sources."""
    _record_count: tuple[float, int] | None = field(default=None, init=False)
    _searches: ThreadPoolExecutor | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.cdx = CdxIndex(self.home.cdx_dir, self.home.warc_dir)
        self.warcs = WarcCatalog(self.cdx)
        self.search = open_search(
            self.index,
            self.home.index_dir,
            self._load_text,
            load_attachments=self._load_attachments,
            posting_cache_mb=self.settings.posting_cache_mb,
        )
        self.store = open_records(
            self.index, self.home.records_dir, self.search, texts_dir=self.home.texts_dir
        )

    async def in_search_thread(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn(*args, **kwargs)`` on one of the search threads (``settings.search_threads``), in a
        copy of the caller's context variables (as :func:`asyncio.to_thread`). Searches are CPU-bound and
        mostly hold the GIL: a few threads keep the event loop answering while they run, and more would
        only interleave them. A plain executor hop costs ~0.1 ms less than Starlette's
        ``run_in_threadpool`` (anyio's capacity limiter and cancel scopes), on every search."""
        call = functools.partial(contextvars.copy_context().run, fn, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._search_threads(), call)

    def _search_threads(self) -> ThreadPoolExecutor:
        # Started on first use, and again after close(): an application outlives its lifespan in
        # tests, and the index it searches reopens likewise.
        with self._lock:
            if self._searches is None:
                self._searches = ThreadPoolExecutor(
                    max_workers=self.settings.search_threads, thread_name_prefix="deptnews-search"
                )
            return self._searches

    def close(self) -> None:
        """Let the search threads end (searches already running finish first; waiting ones are
        cancelled) and close the index."""
        with self._lock:
            searches, self._searches = self._searches, None
        if searches is not None:
            searches.shutdown(wait=False, cancel_futures=True)
        self.search.close()

    def _load_text(self, rid: str) -> str | None:
        try:
            record = self.store.get(rid)
        except ArchiveError:
            return None
        return "\n".join(p for p in (record.lead, *record.body) if p)

    def _load_attachments(self, rid: str) -> Iterator[tuple[int, int, str]]:
        try:
            record = self.store.get(rid)
        except ArchiveError:
            return iter(())
        return attachment_pages(record, self.home.root)

    def cached_record_count(self) -> int | None:
        """The last record count while it is fresh (no I/O: fine on the event loop), else None."""
        cached = self._record_count
        if cached is not None and time.monotonic() - cached[0] < RECORD_COUNT_TTL:
            return cached[1]
        return None

    def record_count(self) -> int:
        """How many records the store holds, counted at most every :data:`RECORD_COUNT_TTL` seconds."""
        cached = self.cached_record_count()
        if cached is not None:
            return cached
        count = self.store.count()
        self._record_count = (time.monotonic(), count)
        return count

    def registry(self) -> Registry:
        """The sources registry, re-read when the file changes; an empty one if there is no file."""
        try:
            mtime = self.sources_file.stat().st_mtime
        except OSError:
            return Registry(sources={})
        with self._lock:
            if self._registry is None or self._registry[0] != mtime:
                try:
                    self._registry = (mtime, load_sources(self.sources_file))
                except ArchiveError:
                    # A registry being edited is not a reason to fail requests: keep the last good one.
                    return self._registry[1] if self._registry else Registry(sources={})
            return self._registry[1]
