"""Steering numpy away from its AVX-512 sort on AMD Zen 4, before numpy is imported.

numpy sorts (and argsorts) 32- and 64-bit numbers with x86-simd-sort's AVX-512 code on a CPU that has
AVX-512 (the ``X86_V4`` dispatch target of numpy 2.4 and later). On AMD Zen 4 that code's partition
step is slow: its compress-store instruction with a memory destination is microcoded there (as
discussed in numpy's pull request #32690; Zen 5 is reported fixed). Measured on this project's
machine, an AMD EPYC of family 25 model 17: ``np.sort`` of 200,000 random 64-bit numbers, 41 ns an
element with the AVX-512 code and 10 with numpy's AVX2 code (``X86_V3``); 4,000,000, 59 against 12.
The index sorts in every bulk build batch (term keys), every segment (postings) and many queries.

numpy reads ``NPY_DISABLE_CPU_FEATURES`` once, when it is imported; :func:`avoid_slow_sort` sets it to
``X86_V4`` when it would help: on a Zen 4 CPU, numpy 2.4 or later not imported yet, and neither that
variable nor ``NPY_ENABLE_CPU_FEATURES`` set by the user (an empty ``NPY_DISABLE_CPU_FEATURES=`` keeps
numpy's choice). Importing the ``index`` package calls it. The other ``X86_V4`` kernels fall back to
their AVX2 versions, which Zen 4 runs at about the same speed (it executes 512-bit operations as two
256-bit halves). Sorting gives the same result on either path.
"""

from __future__ import annotations

import sys
from collections.abc import MutableMapping
from importlib import metadata
from pathlib import Path

__all__ = ["avoid_slow_sort", "zen4"]

DISABLED = "X86_V4"
"""numpy's dispatch target of its AVX-512 sorts (numpy 2.4's name for the Skylake-X level group)."""
_CPUINFO = Path("/proc/cpuinfo")
_ZEN4_FAMILY = 25
"""AMD family 19h: Zen 3 (no AVX-512) and Zen 4; Zen 5 is family 1Ah."""


def zen4(cpuinfo: str) -> bool:
    """Whether ``cpuinfo`` (the text of Linux's ``/proc/cpuinfo``) describes an AMD Zen 4 CPU: vendor
    ``AuthenticAMD``, family 25, with AVX-512 (which tells Zen 4 from Zen 3). The first processor's
    block is read; a machine's processors are alike."""
    fields: dict[str, str] = {}
    for line in cpuinfo.splitlines():
        if not line.strip():
            if fields:
                break
            continue
        key, sep, value = line.partition(":")
        if sep:
            fields.setdefault(key.strip(), value.strip())
    try:
        family = int(fields.get("cpu family", ""))
    except ValueError:
        return False
    return (
        fields.get("vendor_id") == "AuthenticAMD"
        and family == _ZEN4_FAMILY
        and "avx512f" in fields.get("flags", "").split()
    )


def _first_block(path: Path) -> str:
    """The first processor's block of ``/proc/cpuinfo``: all :func:`zen4` reads, and all this import-time
    check should make the kernel generate (on a host of many cores the whole file is long and slow to
    produce, a frequency query per core on some kernels)."""
    lines: list[str] = []
    with path.open(encoding="utf-8", errors="replace") as cpuinfo:
        for line in cpuinfo:
            if not line.strip() and lines:
                break
            lines.append(line)
    return "".join(lines)


def _numpy_version() -> tuple[int, int] | None:
    try:
        major, minor = metadata.version("numpy").split(".")[:2]
        return int(major), int(minor)
    except (metadata.PackageNotFoundError, ValueError):
        return None


def avoid_slow_sort(
    environ: MutableMapping[str, str],
    *,
    cpuinfo: str | None = None,
    numpy_version: tuple[int, int] | None = None,
    numpy_imported: bool | None = None,
) -> bool:
    """Set ``NPY_DISABLE_CPU_FEATURES=X86_V4`` in ``environ`` where that makes numpy's sorts faster (see
    the module's docstring); whether it did. ``cpuinfo``, ``numpy_version`` and ``numpy_imported``:
    what this machine's ``/proc/cpuinfo``, its installed numpy and this process say when not given."""
    imported = "numpy" in sys.modules if numpy_imported is None else numpy_imported
    if imported:
        return False  # too late: numpy read its settings when it was imported
    if "NPY_DISABLE_CPU_FEATURES" in environ or "NPY_ENABLE_CPU_FEATURES" in environ:
        return False
    if cpuinfo is None:
        try:
            cpuinfo = _first_block(_CPUINFO)
        except OSError:  # not Linux, or no /proc
            return False
    if not zen4(cpuinfo):
        return False
    version = numpy_version if numpy_version is not None else _numpy_version()
    if version is None or version < (2, 4):  # older numpy names its targets otherwise
        return False
    environ["NPY_DISABLE_CPU_FEATURES"] = DISABLED
    return True
