"""numpy's AVX-512 sort is avoided on AMD Zen 4, and only there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from index.cpu import DISABLED, avoid_slow_sort, zen4

# /proc/cpuinfo blocks in the shape Linux prints them (fields abridged to those that matter and a few
# neighbours); the flags are real flag names of each CPU generation.
_BLOCK = """processor\t: {n}
vendor_id\t: {vendor}
cpu family\t: {family}
model\t\t: {model}
model name\t: {name}
stepping\t: 1
flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr sse sse2 ssse3 sse4_1 sse4_2 avx avx2 fma {extra}
bogomips\t: 4792.79

"""


def _cpuinfo(vendor: str, family: int, model: int, name: str, extra: str, processors: int = 2) -> str:
    return "".join(
        _BLOCK.format(n=n, vendor=vendor, family=family, model=model, name=name, extra=extra)
        for n in range(processors)
    )


ZEN4 = _cpuinfo(
    "AuthenticAMD", 25, 17, "AMD EPYC 9R14 96-Core Processor", "avx512f avx512dq avx512bw avx512vl"
)
ZEN3 = _cpuinfo("AuthenticAMD", 25, 1, "AMD EPYC 7R13 Processor", "vaes vpclmulqdq")
ZEN5 = _cpuinfo("AuthenticAMD", 26, 2, "AMD EPYC 9R45", "avx512f avx512dq avx512bw avx512vl")
ICELAKE = _cpuinfo(
    "GenuineIntel", 6, 106, "Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz", "avx512f avx512dq"
)


@pytest.mark.parametrize(
    ("cpuinfo", "expected"),
    [(ZEN4, True), (ZEN3, False), (ZEN5, False), (ICELAKE, False), ("", False), ("cpu family\t: x\n", False)],
)
def test_zen4(cpuinfo: str, expected: bool) -> None:
    assert zen4(cpuinfo) is expected


def test_only_the_first_processor_block_is_read() -> None:
    assert zen4(ZEN4 + ICELAKE)
    assert not zen4(ICELAKE + ZEN4)


def test_sets_the_variable_on_zen4_with_numpy_2_4() -> None:
    environ: dict[str, str] = {"PATH": "/usr/bin"}
    assert avoid_slow_sort(environ, cpuinfo=ZEN4, numpy_version=(2, 4), numpy_imported=False)
    assert environ == {"PATH": "/usr/bin", "NPY_DISABLE_CPU_FEATURES": DISABLED}


@pytest.mark.parametrize(
    ("environ", "cpuinfo", "version", "imported"),
    [
        ({}, ICELAKE, (2, 4), False),  # AVX-512 sorting is fast on Intel
        ({}, ZEN3, (2, 4), False),
        ({}, ZEN5, (2, 4), False),
        ({}, ZEN4, (2, 3), False),  # the target had another name
        ({}, ZEN4, (2, 4), True),  # numpy already imported: too late
        ({"NPY_DISABLE_CPU_FEATURES": ""}, ZEN4, (2, 4), False),  # the user's choice stands
        ({"NPY_DISABLE_CPU_FEATURES": "AVX512_SPR"}, ZEN4, (2, 4), False),
        ({"NPY_ENABLE_CPU_FEATURES": "X86_V3"}, ZEN4, (2, 4), False),
    ],
)
def test_leaves_the_environment_alone(
    environ: dict[str, str], cpuinfo: str, version: tuple[int, int], imported: bool
) -> None:
    before = dict(environ)
    assert not avoid_slow_sort(environ, cpuinfo=cpuinfo, numpy_version=version, numpy_imported=imported)
    assert environ == before


def _probe(env: dict[str, str]) -> dict[str, object]:
    """What a fresh interpreter that imports ``index`` first sees: the variable and numpy's sort target."""
    code = (
        "import json, os, index, numpy\n"
        "from numpy._core import _multiarray_umath as m\n"
        "print(json.dumps({'variable': os.environ.get('NPY_DISABLE_CPU_FEATURES'),"
        " 'avx512_sort': m.__cpu_features__.get('AVX512_SKX', False),"
        " 'dispatch': m.__cpu_dispatch__}))\n"
    )
    found = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], env=env, capture_output=True, text=True, check=True
    )
    result: dict[str, object] = json.loads(found.stdout)
    return result


@pytest.mark.skipif(not Path("/proc/cpuinfo").exists(), reason="no /proc/cpuinfo: not Linux")
def test_importing_index_steers_numpy_on_this_machine() -> None:
    """The real thing, in a fresh interpreter (numpy reads the variable once, at its import; -W error:
    numpy warns about a target it does not dispatch)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NPY_")}
    probe = _probe(env)
    numpy_2_4 = "X86_V4" in probe["dispatch"]  # type: ignore[operator]
    if zen4(Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")) and numpy_2_4:
        assert probe["variable"] == DISABLED
        assert probe["avx512_sort"] is False
    else:
        assert probe["variable"] is None
    # The user's own setting wins, an empty one included.
    assert _probe(env | {"NPY_DISABLE_CPU_FEATURES": ""})["variable"] == ""
