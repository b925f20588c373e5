"""Child processes that die with their parent: a killed ``deptnews extract`` leaves no worker, and a
killed worker no Tesseract or poppler tool, running on.

On Linux the child asks the kernel for ``SIGKILL`` when its parent dies (``prctl(PR_SET_PDEATHSIG)``,
set between fork and exec, kept across exec). The parent may already have died before the call, so
the child then checks that its parent is still the process that started it and exits if not. Elsewhere
(no ``prctl``) this does nothing: a timeout still kills the worker's process group.

Linux sends the signal when the *thread* that forked the child ends; the threads that start workers
(:mod:`archive.documents.run`) wait for them, so a worker outlives its thread only if the whole
process dies — which is when it should go.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Callable

PR_SET_PDEATHSIG = 1
"""From ``<linux/prctl.h>``."""


def _load_prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return prctl


_PRCTL = _load_prctl()  # looked up before any fork: the child only calls it


def die_with_parent(parent: int) -> None:
    """In a child between fork and exec: be killed when the parent (pid ``parent``, taken before the
    fork) dies; exit at once if it is already gone."""
    if _PRCTL is None:
        return
    _PRCTL(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def supported() -> bool:
    """Whether children can be tied to their parent here (Linux)."""
    return _PRCTL is not None
