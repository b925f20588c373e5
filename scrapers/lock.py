"""Exclusive locks on the data home, so that an overlapping cron run exits at once: ``crawl.lock`` for
crawls, ``parse.lock`` for parses (two parses would write the same records and ledger)."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from scrapers.errors import CrawlLocked


class CrawlLock:
    """``with CrawlLock(path):`` holds a non-blocking flock; :class:`CrawlLocked` if another process has it.

    The kernel releases a flock when its process dies, so a crawl killed with ``kill -9`` never leaves a
    stale lock behind.
    """

    def __init__(self, path: Path, *, what: str = "crawl") -> None:
        self.path = path
        self.what = what
        """What holds it, for the message: "crawl", "parse"."""
        self._fd: int | None = None

    def __enter__(self) -> CrawlLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise CrawlLocked(f"another {self.what} is running (pid {holder}, lock {self.path})") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode("ascii"))
        self._fd = fd
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
