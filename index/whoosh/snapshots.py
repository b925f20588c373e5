"""Long-lived Whoosh searchers of the current index version, shared safely between threads.

A Whoosh searcher must not be used by two threads at once, and opening one per request would cost
the reopen on every request. :class:`SnapshotPool` keeps up to ``max_idle`` searchers of the latest
version: a request borrows one (or opens one when all are busy, so no request waits for another) and
gives it back. Before lending, the pool checks whether a writer has committed (a new Whoosh TOC in
the current generation) or a rebuild has switched generations (``CURRENT`` changed); searchers of an
older version are closed as they come back. A fresh searcher is opened instead of calling Whoosh's
``Searcher.refresh()``, which reuses segment readers with their old deletion sets (a replaced
document would be counted twice); on segments written with ``compound=False`` that costs a few ms.

All searchers of one version share one :class:`~index.whoosh.docvalues.DocValues`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from whoosh import index as whoosh_index
from whoosh.index import TOC

from index.cursor import read_secret
from index.whoosh.docvalues import DocValues
from index.whoosh.store import CURRENT, INDEX_NAME, Location, read_location

__all__ = ["Snapshot", "SnapshotPool"]

T = TypeVar("T")


@dataclass
class Snapshot:
    """One searcher and what belongs to its version."""

    searcher: Any
    location: Location
    commit: int
    values: DocValues
    secret: bytes

    @property
    def version(self) -> tuple[str, int]:
        return (self.location.generation, self.commit)


class SnapshotPool:
    """Searchers of the index at ``root`` (see the module docstring)."""

    def __init__(self, root: Path, *, max_idle: int = 4) -> None:
        self.root = root
        self.max_idle = max_idle
        self._lock = threading.Lock()
        self._idle: list[Snapshot] = []
        self._current_stat: tuple[int, int, int] | None = None
        self._location: Location | None = None
        self._ix: Any = None
        self._secret = b""
        self._values: tuple[tuple[str, int], DocValues] | None = None
        self._commit: int | None = None
        """The newest Whoosh commit (TOC generation) seen in the current location."""

    def _refresh_location(self) -> None:
        """Re-read ``CURRENT`` when it changed (or was never read); raises IndexMissing/IndexOutdated."""
        try:
            st = os.stat(self.root / CURRENT)
            stat: tuple[int, int, int] | None = (st.st_ino, st.st_mtime_ns, st.st_size)
        except OSError:
            stat = None
        if stat is not None and stat == self._current_stat and self._ix is not None:
            return
        location = read_location(self.root)
        if self._location is None or location.generation != self._location.generation:
            self._ix = whoosh_index.open_dir(str(location.directory), indexname=INDEX_NAME)
            self._secret = read_secret(self.root)
            self._commit = None
        self._location, self._current_stat = location, stat

    def _open(self) -> Snapshot:
        assert self._location is not None
        searcher = self._ix.searcher()
        generation = searcher.reader().generation()  # None for an index without segments
        commit = int(generation if generation is not None else self._ix.latest_generation())
        version = (self._location.generation, commit)
        if self._values is None or self._values[0] != version:
            self._values = (version, DocValues(int(searcher.doc_count_all())))
        return Snapshot(searcher, self._location, commit, self._values[1], self._secret)

    def _take(self) -> Snapshot:
        with self._lock:
            self._refresh_location()
            assert self._location is not None
            version = (self._location.generation, self._latest_commit())
            while self._idle:
                snapshot = self._idle.pop()
                if snapshot.version == version:
                    return snapshot
                snapshot.searcher.close()
            return self._open()

    def _latest_commit(self) -> int:
        """The generation of the newest Whoosh commit in the current location (lock held).

        Whoosh finds it by listing the directory and matching every name (a few hundred files at
        18 segments: ~0.3 ms, on every search). A commit writes the next generation's TOC and then
        deletes the older TOCs, so while the TOC last seen is there and the next one is not, nothing
        was committed: two ``stat`` calls; anything else lists the directory."""
        assert self._location is not None
        known = self._commit
        if known is not None:
            folder = self._location.directory
            if not os.path.exists(folder / TOC._filename(INDEX_NAME, known + 1)) and os.path.exists(
                folder / TOC._filename(INDEX_NAME, known)
            ):
                return known
        self._commit = int(self._ix.latest_generation())
        return self._commit

    def _give_back(self, snapshot: Snapshot) -> None:
        with self._lock:
            latest = self._values[0] if self._values else None
            if snapshot.version == latest and len(self._idle) < self.max_idle:
                self._idle.append(snapshot)
                return
        snapshot.searcher.close()

    @contextmanager
    def use(self) -> Iterator[Snapshot]:
        """Borrow a searcher of the latest version for the duration of the block."""
        snapshot = self._take()
        try:
            yield snapshot
        finally:
            self._give_back(snapshot)

    def run(self, work: Callable[[Snapshot], T]) -> T:
        """``work(snapshot)`` with a borrowed searcher; once more on a fresh searcher if a file of the
        old one vanished (Whoosh opens some segment files lazily, and a merge may have deleted them)."""
        try:
            with self.use() as snapshot:
                return work(snapshot)
        except FileNotFoundError:
            self.close()
            with self.use() as snapshot:
                return work(snapshot)

    def close(self) -> None:
        """Close the idle searchers and forget the index (a later use opens it again)."""
        with self._lock:
            idle, self._idle = self._idle, []
            self._ix = self._location = self._values = None
            self._current_stat = self._commit = None
        for snapshot in idle:
            snapshot.searcher.close()
