"""Extraction in a child process, bounded in time and memory: ``python -m archive.documents.worker``.

The parent (:func:`extract_bounded`) writes the file to a temporary path and runs this module on it in
a new session, with ``RLIMIT_AS`` (memory) and ``RLIMIT_CPU`` set in the child before it starts (the
tools it runs inherit them); past ``limits.seconds`` the whole process group is killed. The child, and
each tool it runs, is killed by the kernel when its parent dies (:mod:`archive.documents.lifetime`), so a
``kill -9`` of ``deptnews extract`` leaves no worker or tool behind. The child prints
the result as JSON on stdout: ``{"ok": {...}}`` or ``{"error": [reason, message]}``. A child killed by a
limit, or dying in any other way, is reported as an :class:`ExtractionError` too — nothing of the parent
is lost.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

from archive.documents.lifetime import die_with_parent
from archive.documents.limits import Limits
from archive.documents.result import Extracted, ExtractionError


def _limit(limits: Limits, parent: int) -> None:  # runs in the child between fork and exec
    die_with_parent(parent)
    memory = limits.memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = int(limits.seconds) + 5
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))


def extract_bounded(
    data: bytes, *, name: str = "", limits: Limits | None = None, workdir: Path | None = None
) -> Extracted:
    """:func:`~archive.documents.extract.extract` of ``data`` in a child process under ``limits``;
    :class:`ExtractionError` (``timeout``, ``memory``, ``crashed`` or the child's own reason) when it
    fails. The file and every temporary file of the child and its tools go to a new directory under
    ``workdir`` (default: the system's), removed after; the child dies with this process."""
    limits = limits or Limits()
    parent = os.getpid()
    with tempfile.TemporaryDirectory(prefix="deptnews-extract-", dir=workdir) as tmp:
        path = Path(tmp) / "input"
        path.write_bytes(data)
        args = [sys.executable, "-m", "archive.documents.worker", str(path), name, json.dumps(asdict(limits))]
        child = subprocess.Popen(
            args,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group: a timeout kills the tools it started too
            preexec_fn=lambda: _limit(limits, parent),
            env={**os.environ, "OMP_THREAD_LIMIT": "1", "TMPDIR": tmp},
        )
        try:
            out, err = child.communicate(timeout=limits.seconds + 10)
        except subprocess.TimeoutExpired:
            _kill(child)
            raise ExtractionError("timeout", f"extraction took longer than {limits.seconds:.0f} s") from None
        finally:
            _kill(child)
    return _result(child.returncode, out, err, limits)


def _kill(child: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signal.SIGKILL)
    child.communicate()


def _result(code: int, out: bytes, err: bytes, limits: Limits) -> Extracted:
    try:
        answer = json.loads(out.decode("utf-8"))
    except ValueError:
        answer = None
    if isinstance(answer, dict) and "ok" in answer:
        return Extracted.from_json(answer["ok"])
    if isinstance(answer, dict) and "error" in answer:
        reason, message = answer["error"]
        raise ExtractionError(str(reason), str(message))
    tail = err.decode("utf-8", "replace").strip().splitlines()
    last = tail[-1][:300] if tail else ""
    if code in (-signal.SIGXCPU, -signal.SIGKILL) and "MemoryError" not in last:
        raise ExtractionError("timeout", f"the worker used more than {limits.seconds:.0f} s of CPU")
    if "MemoryError" in last or code == -signal.SIGSEGV:
        raise ExtractionError("memory", f"the worker needed more than {limits.memory_mb} MB")
    raise ExtractionError("crashed", f"the worker exited with status {code}: {last}")


def main(argv: list[str]) -> int:
    from archive.documents.extract import extract

    path, name, limits = Path(argv[0]), argv[1], Limits(**json.loads(argv[2]))
    try:
        result = extract(path.read_bytes(), name=name, limits=limits)
        answer: dict[str, object] = {"ok": result.to_json()}
    except ExtractionError as exc:
        answer = {"error": [exc.reason, exc.detail]}
    except MemoryError:
        answer = {"error": ["memory", f"more than {limits.memory_mb} MB needed"]}
    sys.stdout.write(json.dumps(answer, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
