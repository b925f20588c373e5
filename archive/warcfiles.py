"""The complete WARC files of a data home with their size, SHA-256 and number of records, for listing
and download. A file's figures come from its CDXJ indexing (:class:`archive.cdxindex.CdxIndex` records
them) or, for a file not indexed yet, are computed once; either way they are kept by (name, size,
modification time), so a file is read again only if it changed."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from archive.cdxindex import CdxIndex, WarcFileInfo
from archive.errors import WarcError
from archive.warc import warc_files


def describe(path: Path) -> WarcFileInfo:
    """Size, modification time, SHA-256 and record count of one WARC file, read whole once."""
    try:
        stat = path.stat()
        sha256 = hashlib.sha256()
        with path.open("rb") as fh:
            while block := fh.read(1 << 20):
                sha256.update(block)
        with path.open("rb") as fh:
            records = sum(1 for _ in ArchiveIterator(fh))
    except (ArchiveLoadFailed, OSError, ValueError) as exc:
        raise WarcError(f"cannot read WARC file {path.name}: {exc}") from exc
    return WarcFileInfo(
        warc=path.name,
        size=stat.st_size,
        mtime_ns=stat.st_mtime_ns,
        sha256=sha256.hexdigest(),
        records=records,
    )


class WarcCatalog:
    """The WARC files of ``cdx.warc_dir``, described by :class:`WarcFileInfo`. Thread-safe."""

    def __init__(self, cdx: CdxIndex) -> None:
        self.cdx = cdx
        self._cache: dict[tuple[str, int, int], WarcFileInfo] = {}
        self._lock = threading.Lock()

    def names(self) -> list[str]:
        """Names of the complete WARC files, oldest first."""
        return [p.name for p in warc_files(self.cdx.warc_dir)]

    def path(self, name: str) -> Path | None:
        """The path of WARC file ``name`` if it is one of :meth:`names` (nothing else is ever opened)."""
        return self.cdx.warc_dir / name if name in self.names() else None

    def info(self, name: str) -> WarcFileInfo | None:
        """The figures of WARC file ``name`` (None if there is no such complete file); :class:`WarcError`
        if it cannot be read."""
        path = self.path(name)
        if path is None:
            return None
        try:
            stat = path.stat()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise WarcError(f"cannot read WARC file {name}: {exc}") from exc
        key = (name, stat.st_size, stat.st_mtime_ns)
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None:
            return cached
        found = self.cdx.current_info(path) or describe(path)
        with self._lock:
            self._cache = {k: v for k, v in self._cache.items() if k[0] != name}
            self._cache[key] = found
        return found

    def list(self) -> list[WarcFileInfo]:
        """Every complete WARC file, oldest first (a file removed meanwhile is left out)."""
        return [info for name in self.names() if (info := self.info(name)) is not None]
