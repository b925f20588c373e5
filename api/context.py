"""What the handlers share, built once per application: the stores, the search service, the registry."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from api.settings import ApiSettings
from archive.errors import ArchiveError
from archive.home import DataHome
from archive.sources import Registry, load_sources
from archive.store import RecordStore
from index.health import SourceHealth
from index.search import SearchService


@dataclass
class ApiContext:
    home: DataHome
    settings: ApiSettings
    sources_file: Path
    store: RecordStore = field(init=False)
    search: SearchService = field(init=False)
    _registry: tuple[float, Registry] | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    source_counts_cache: tuple[float, dict[str, SourceHealth]] | None = field(default=None, init=False)
    """(monotonic time, {source: (records, dated records)}): a short-lived cache for /sources."""

    def __post_init__(self) -> None:
        self.store = RecordStore(self.home.records_dir)
        self.search = SearchService(
            self.home.index_dir, self._load_text, posting_cache_mb=self.settings.posting_cache_mb
        )

    def _load_text(self, rid: str) -> str | None:
        try:
            record = self.store.get(rid)
        except ArchiveError:
            return None
        return "\n".join(p for p in (record.lead, *record.body) if p)

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
