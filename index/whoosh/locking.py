"""The index's writer lock: one writer at a time, released by the kernel when its process dies.

An ``flock`` on ``<index>/write.lock`` (not the lock file's existence) is the lock, so a writer killed
with ``kill -9`` never leaves a stale lock behind: the kernel drops the lock with the process's file
descriptors. Worker processes forked while the lock is held (a parallel index build's) are
made to close their inherited copy and to die with their parent, so an orphaned worker cannot keep the
lock either.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import signal
import sys
import time
from multiprocessing import util as mp_util
from pathlib import Path
from types import TracebackType

from index.errors import IndexBusy

__all__ = ["WriteLock", "die_with_parent"]

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> bool:
    """Ask the kernel to SIGKILL this process when its parent dies (Linux); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


class WriteLock:
    """Exclusive lock on ``path``; :class:`IndexBusy` if not acquired within ``timeout`` seconds."""

    def __init__(self, path: Path, timeout: float) -> None:
        self.path = path
        self.timeout = timeout
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        deadline = time.monotonic() + self.timeout
        delay = 0.01
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    os.close(fd)
                    raise
            if time.monotonic() >= deadline:
                os.close(fd)
                raise IndexBusy(
                    f"another process is writing the index at {self.path.parent} "
                    f"(waited {self.timeout:g}s for {self.path.name})"
                )
            time.sleep(delay)
            delay = min(delay * 2, 0.2)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        # A process forked while we hold the lock (a worker of a parallel build) shares the locked file
        # description: make it close its copy and die with us, or it could keep the lock forever.
        mp_util.register_after_fork(self, WriteLock._after_fork_in_child)

    def _after_fork_in_child(self) -> None:
        if self._fd is not None:  # forked while the lock was held
            die_with_parent()
            os.close(self._fd)
            self._fd = None

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def __enter__(self) -> WriteLock:
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
