"""Extracted texts on disk: ``<home>/texts/<sha256[:2]>/<sha256>.json``, one per distinct file.

Keyed by the SHA-256 of the archived bytes, so a file attached to many articles (or archived many
times unchanged) is read once. Every text is derived from the WARC files and can be made again; files
are written atomically (temporary file, rename).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from archive.documents.result import EXTRACTOR_VERSION, Extracted
from archive.errors import StoreError

DIRECTORY = "texts"
WORK = ".work"
"""Under the text store: the workers' temporary files (each worker's input and its tools' images)."""


class TextStore:
    """The extracted texts under ``directory`` (the data home's ``texts/``)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def relative(self, sha256: str) -> str:
        """The text file's path relative to the data home (what a record's attachment names)."""
        return f"{DIRECTORY}/{sha256[:2]}/{sha256}.json"

    def path_for(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise StoreError(f"not a SHA-256: {sha256[:80]!r}")
        return self.directory / sha256[:2] / f"{sha256}.json"

    def get(self, sha256: str) -> Extracted | None:
        """The stored text of the file with this hash, None if there is none or it does not read."""
        try:
            return Extracted.from_json(json.loads(self.path_for(sha256).read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError, StoreError):
            return None

    def current(self, sha256: str) -> Extracted | None:
        """:meth:`get`, when it was made by this extractor version."""
        found = self.get(sha256)
        return found if found is not None and found.version == EXTRACTOR_VERSION else None

    def clear_partial(self) -> Path:
        """Remove what a killed run left half-done — text files being written (``.*.tmp``) and the
        workers' temporary directories — and return the (empty) directory for workers' files. Only
        while no other extract runs (the extract lock)."""
        for partial in self.directory.glob("*/.*.tmp"):
            with contextlib.suppress(OSError):
                partial.unlink()
        work = self.directory / WORK
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True, exist_ok=True)
        return work

    def put(self, extracted: Extracted) -> str:
        """Store ``extracted`` atomically; returns its path relative to the data home."""
        path = self.path_for(extracted.sha256)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(extracted.to_json(), fh, ensure_ascii=False)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise StoreError(f"cannot write {path}: {exc}") from exc
        return self.relative(extracted.sha256)
