"""Running the command-line tools extraction relies on (poppler, Tesseract, catdoc)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from archive.documents.lifetime import die_with_parent
from archive.documents.result import ExtractionError

TOOLS: dict[str, str] = {
    "pdftotext": "poppler-utils",
    "pdfinfo": "poppler-utils",
    "pdftoppm": "poppler-utils",
    "tesseract": "tesseract-ocr (and tesseract-ocr-vie)",
    "catdoc": "catdoc",
    "xls2csv": "catdoc",
}
"""Each tool and the Debian package that provides it."""


def missing_tools() -> list[str]:
    """The tools of :data:`TOOLS` not on ``PATH``, plus ``tesseract-vie`` when Tesseract lacks Vietnamese."""
    missing = [name for name in TOOLS if shutil.which(name) is None]
    if "tesseract" not in missing and "vie" not in tesseract_languages():
        missing.append("tesseract-vie")
    return missing


def tesseract_languages() -> list[str]:
    try:
        out = subprocess.run(
            ["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [line.strip() for line in out.stdout.splitlines()[1:] if line.strip()]


def run(
    args: list[str], *, timeout: float, cwd: Path | None = None, env: dict[str, str] | None = None
) -> bytes:
    """Run a tool, returning its standard output; :class:`ExtractionError` when it is missing
    (``tool-missing``), exceeds ``timeout`` (``timeout``) or fails (``corrupt``, with its stderr)."""
    if shutil.which(args[0]) is None:
        raise ExtractionError(
            "tool-missing", f"{args[0]} is not installed (Debian: {TOOLS.get(args[0], '?')})"
        )
    env = {**os.environ, "OMP_THREAD_LIMIT": "1", "LC_ALL": "C.UTF-8", **(env or {})}  # one core per worker
    parent = os.getpid()
    try:
        done = subprocess.run(
            args,
            capture_output=True,
            timeout=max(1.0, timeout),
            cwd=cwd,
            env=env,
            check=False,
            preexec_fn=lambda: die_with_parent(parent),  # a killed worker leaves no tool running
        )
    except subprocess.TimeoutExpired:
        raise ExtractionError("timeout", f"{args[0]} took longer than {timeout:.0f} s") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = message[-1] if message else f"exit status {done.returncode}"
        raise ExtractionError("corrupt", f"{args[0]}: {detail[:300]}")
    return done.stdout
