"""Opening the index and writing to it: upsert by id, delete, rebuild, with a version stamp.

One writer at a time: Whoosh's file lock is taken with a timeout and a clear :class:`IndexBusy` when it
expires (never Whoosh's AsyncWriter, which can silently drop writes). Segments are written with
``compound=False``: opening a searcher on non-compound segments is two orders of magnitude cheaper.
A commit is atomic in Whoosh (a new TOC file is written last), so a process killed mid-write leaves
the previous commit readable; its stale lock is released by the kernel with the process.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.index import LockError

from archive.model import Record
from index.errors import IndexBusy, IndexMissing, IndexOutdated
from index.schema import SCHEMA_VERSION, build_schema, to_document

_STAMP = "deptnews-index.json"
INDEX_NAME = "records"


def _stamp_ok(path: Path) -> bool:
    try:
        data = json.loads((path / _STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("schema_version") == SCHEMA_VERSION


def open_index(path: Path) -> Any:
    """Open an existing index for reading; :class:`IndexMissing` / :class:`IndexOutdated` otherwise."""
    if not path.is_dir() or not whoosh_index.exists_in(str(path), indexname=INDEX_NAME):
        raise IndexMissing(f"no index at {path}: run `deptnews index` first")
    if not _stamp_ok(path):
        raise IndexOutdated(
            f"the index at {path} was built by another version: run `deptnews index --rebuild`"
        )
    return whoosh_index.open_dir(str(path), indexname=INDEX_NAME)


def create_index(path: Path) -> Any:
    """Create an empty index at ``path`` (replacing whatever is there) and stamp its version."""
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    ix = whoosh_index.create_in(str(path), build_schema(), indexname=INDEX_NAME)
    (path / _STAMP).write_text(json.dumps({"schema_version": SCHEMA_VERSION}), encoding="utf-8")
    return ix


class IndexWriter:
    """Writes records into the index at ``path``; each method is one commit."""

    def __init__(self, path: Path, *, timeout: float = 30.0) -> None:
        self.path = path
        self.timeout = timeout

    def _writer(self, ix: Any, **kwargs: Any) -> Any:
        try:
            return ix.writer(timeout=self.timeout, compound=False, **kwargs)
        except LockError:
            raise IndexBusy(
                f"another process is writing the index at {self.path} (waited {self.timeout}s)"
            ) from None

    def _open_or_create(self) -> Any:
        try:
            return open_index(self.path)
        except IndexMissing:
            return create_index(self.path)

    def upsert(self, records: Iterable[Record]) -> int:
        """Add or replace the current version of each record (by id). Returns the number written."""
        ix = self._open_or_create()
        writer = self._writer(ix)
        count = 0
        try:
            for record in records:
                writer.update_document(**to_document(record))
                count += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        return count

    def delete(self, ids: Iterable[str]) -> int:
        """Remove records by id. Returns the number of documents deleted."""
        ix = self._open_or_create()
        writer = self._writer(ix)
        deleted = 0
        try:
            for rid in ids:
                deleted += writer.delete_by_term("id", rid)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        return int(deleted)

    def rebuild(self, records: Iterable[Record], *, procs: int = 1) -> int:
        """Build a fresh index beside the old one and swap it in when complete."""
        staging = self.path.with_name(self.path.name + ".rebuild")
        ix = create_index(staging)
        kwargs: dict[str, Any] = {"procs": procs, "multisegment": True} if procs > 1 else {}
        writer = self._writer(ix, **kwargs)
        count = 0
        try:
            for record in records:
                writer.add_document(**to_document(record))
                count += 1
        except BaseException:
            writer.cancel()
            shutil.rmtree(staging, ignore_errors=True)
            raise
        writer.commit()
        old = self.path.with_name(self.path.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if self.path.exists():
            self.path.rename(old)
        staging.rename(self.path)
        shutil.rmtree(old, ignore_errors=True)
        return count
