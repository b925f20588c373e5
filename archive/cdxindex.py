"""The data home's CDXJ index (``<home>/cdx/``), kept in step with its complete WARC files.

Layout::

    cdx/<warc name>.cdxj    the sorted index of one WARC file (see :mod:`archive.cdxj`)
    cdx/<warc name>.json    what indexing it found: {"warc", "size", "mtime_ns", "sha256", "records",
                            "captures"}; written after the .cdxj, so it vouches for it
    cdx/index.cdxj          every per-file index merged, sorted: what pywb, OutbackCDX and the API read
    cdx/index.json          the WARC files index.cdxj holds, written after it

:meth:`CdxIndex.update` indexes every complete WARC file whose ``.json`` is missing or does not match
the file's size and modification time, drops the indexes of WARC files that are gone, and merges again
when the set changed. Every file is written to a temporary name and renamed, so a process killed at any
point leaves the previous version or the new one, never a torn file; the next update (the next crawl, or
``deptnews cdx``) finishes the work. Updates are serialized by an exclusive lock on ``cdx/.lock``;
readers need no lock (a rename never changes a file a reader has open). WARC files still being written
(``.open``) are indexed once complete.
"""

from __future__ import annotations

import contextlib
import fcntl
import heapq
import json
import logging
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive.cdxj import CdxEntry, index_warc, iter_lines, lookup, surt_key
from archive.errors import CdxError
from archive.warc import warc_files

log = logging.getLogger(__name__)

INDEX = "index.cdxj"
MANIFEST = "index.json"


@dataclass(frozen=True)
class WarcFileInfo:
    """A complete WARC file as indexed: its name, size, modification time, SHA-256 and record count."""

    warc: str
    size: int
    mtime_ns: int
    sha256: str
    records: int
    captures: int = 0


@dataclass
class CdxUpdate:
    """What an update did: WARC files indexed, per-file indexes dropped, whether it merged, the totals."""

    indexed: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    merged: bool = False
    files: int = 0
    captures: int = 0


def _write_atomically(path: Path, lines: Iterable[str]) -> None:
    """Write ``lines`` to a temporary file beside ``path``, flush it to disk and rename it over ``path``."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        os.fchmod(fd, 0o644)  # readable by a pywb or OutbackCDX running as another user, as WARC files are
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.writelines(lines)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class CdxIndex:
    """The CDXJ index of ``warc_dir``'s WARC files, kept in ``directory``."""

    def __init__(self, directory: Path, warc_dir: Path) -> None:
        self.directory = directory
        self.warc_dir = warc_dir

    @property
    def path(self) -> Path:
        """The merged, sorted index of every complete WARC file (may not exist yet)."""
        return self.directory / INDEX

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.directory.mkdir(parents=True, exist_ok=True)
        with (self.directory / ".lock").open("a") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def info(self, name: str) -> WarcFileInfo | None:
        """What indexing WARC file ``name`` recorded, if its ``.json`` exists and reads."""
        try:
            data: dict[str, Any] = json.loads((self.directory / f"{name}.json").read_text(encoding="utf-8"))
            return WarcFileInfo(**data)
        except (OSError, ValueError, TypeError):
            return None

    def current_info(self, path: Path) -> WarcFileInfo | None:
        """:meth:`info` of the WARC file at ``path`` when it still describes the file as it is now."""
        found = self.info(path.name)
        try:
            stat = path.stat()
        except OSError:
            return None
        if found is None or (found.size, found.mtime_ns) != (stat.st_size, stat.st_mtime_ns):
            return None
        return found

    def pending(self) -> tuple[list[str], bool]:
        """What :meth:`update` would do, read only: the complete WARC files whose per-file index is
        missing or describes another state of the file, and whether the merged index lists other files
        than the complete ones (or is missing)."""
        paths = warc_files(self.warc_dir)
        unindexed = [p.name for p in paths if self.current_info(p) is None]
        wanted = sorted(p.name for p in paths)
        unmerged = bool(wanted) and (self._manifest() != wanted or not self.path.is_file())
        return unindexed, unmerged

    def lookup(self, url: str) -> list[CdxEntry]:
        """Every capture of ``url``'s SURT key in the merged index, oldest first ([] if none or no index);
        :class:`CdxError` if ``url`` has no SURT key or the index cannot be read."""
        return lookup(self.path, surt_key(url))

    def update(self, *, rebuild: bool = False) -> CdxUpdate:
        """Index what is not indexed yet, drop what is gone, merge when anything changed (``rebuild``:
        index every WARC file again). :class:`CdxError` when a file cannot be read or written; what was
        done before stays done."""
        with self._locked():
            result = CdxUpdate()
            paths = warc_files(self.warc_dir)
            names = {p.name for p in paths}
            for path in paths:
                if rebuild or self.current_info(path) is None:
                    self._index_one(path)
                    result.indexed.append(path.name)
            for stale in sorted(self.directory.glob("*.json")):
                name = stale.name.removesuffix(".json")
                if stale.name != MANIFEST and name not in names:
                    (self.directory / f"{name}.cdxj").unlink(missing_ok=True)
                    stale.unlink(missing_ok=True)
                    result.dropped.append(name)
            for tmp in self.directory.glob(".*.tmp"):  # left by a killed writer
                tmp.unlink(missing_ok=True)
            wanted = sorted(names)
            if rebuild or result.indexed or result.dropped or self._manifest() != wanted:
                self._merge(wanted)
                result.merged = True
            result.files = len(wanted)
            result.captures = sum((self.info(n) or _EMPTY).captures for n in wanted)
            return result

    def _index_one(self, path: Path) -> None:
        stat = path.stat()
        indexed = index_warc(path)
        try:
            lines = (e.line() + "\n" for e in indexed.entries)
            _write_atomically(self.directory / f"{path.name}.cdxj", lines)
            info = WarcFileInfo(
                warc=path.name,
                size=stat.st_size,
                mtime_ns=stat.st_mtime_ns,
                sha256=indexed.sha256,
                records=indexed.records,
                captures=len(indexed.entries),
            )
            _write_atomically(self.directory / f"{path.name}.json", [json.dumps(info.__dict__) + "\n"])
        except OSError as exc:
            raise CdxError(f"cannot write the index of {path.name}: {exc}") from exc
        log.info("indexed %s: %d capture(s)", path.name, len(indexed.entries), extra={"event": "cdx-indexed"})

    def _manifest(self) -> list[str] | None:
        try:
            files = json.loads((self.directory / MANIFEST).read_text(encoding="utf-8"))["files"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return [str(f) for f in files] if isinstance(files, list) else None

    def _merge(self, names: list[str]) -> None:
        try:
            with contextlib.ExitStack() as stack:
                sources = [stack.enter_context(contextlib.closing(iter_lines(self._part(n)))) for n in names]
                _write_atomically(self.path, heapq.merge(*sources))
            _write_atomically(self.directory / MANIFEST, [json.dumps({"files": names}) + "\n"])
        except OSError as exc:
            raise CdxError(f"cannot write {self.path}: {exc}") from exc

    def _part(self, name: str) -> Path:
        return self.directory / f"{name}.cdxj"


_EMPTY = WarcFileInfo(warc="", size=0, mtime_ns=0, sha256="", records=0, captures=0)
