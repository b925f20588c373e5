"""The record store: one JSON file per record under the data home's ``records/`` directory.

Files are written atomically (temporary file, fsync, rename), so a reader or a crash never sees half a
record. :meth:`RecordStore.apply` implements versioning: a capture whose normalized content differs from
the latest version adds a version; an identical one only moves ``last_seen``; re-applying a capture that
is already recorded changes nothing, so re-parsing is idempotent.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from pydantic import ValidationError

from archive.errors import RecordNotFound, StoreError
from archive.model import CaptureRef, Content, Record, Version, record_id
from archive.sources import Source


class Change(StrEnum):
    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    REMOVED = "removed"


def _valid_id(value: str) -> bool:
    return len(value) == 16 and all(c in "0123456789abcdef" for c in value)


class RecordStore:
    """Reads and writes records in one directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path_for(self, rid: str) -> Path:
        return self.directory / rid[:2] / f"{rid}.json"

    def exists(self, rid: str) -> bool:
        return _valid_id(rid) and self.path_for(rid).is_file()

    def get(self, rid: str) -> Record:
        """The record with id ``rid``; :class:`RecordNotFound` if there is none (or the id is malformed)."""
        if not _valid_id(rid):
            raise RecordNotFound(rid)
        path = self.path_for(rid)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise RecordNotFound(rid) from None
        except OSError as exc:
            raise StoreError(f"cannot read {path}: {exc}") from exc
        try:
            return Record.model_validate_json(data)
        except ValidationError as exc:
            raise StoreError(f"{path} is not a valid record: {exc.error_count()} error(s)") from exc

    def __iter__(self) -> Iterator[Record]:
        """Every record, in id order; streams one file at a time."""
        if not self.directory.is_dir():
            return
        for shard in sorted(p for p in self.directory.iterdir() if p.is_dir()):
            for path in sorted(shard.glob("*.json")):
                yield self.get(path.stem)

    def put(self, record: Record) -> None:
        """Write ``record`` atomically."""
        path = self.path_for(record.id)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = record.model_dump_json(indent=2).encode("utf-8")
        try:
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except OSError as exc:
            raise StoreError(f"cannot write {path}: {exc}") from exc

    def apply(
        self,
        *,
        canonical_url: str,
        content: Content,
        capture: CaptureRef,
        source: Source,
        parser_version: str,
    ) -> tuple[Record, Change]:
        """Merge one parsed capture into the store and return the record and what changed."""
        rid = record_id(canonical_url)
        digest = content.compute_hash()
        seen = capture.captured_at
        try:
            current: Record | None = self.get(rid)
        except RecordNotFound:
            current = None
        if current is None:
            version = Version(
                n=1,
                content_hash=digest,
                content=content,
                capture=capture,
                parser_version=parser_version,
                first_seen=seen,
                last_seen=seen,
            )
            record = _record(rid, canonical_url, source, [version], removed_at=None)
            self.put(record)
            return record, Change.NEW
        versions = list(current.versions)
        known = next((v for v in versions if v.capture.warc_record_id == capture.warc_record_id), None)
        if known is not None:
            # Already merged; a parser upgrade is applied by rebuilding (`deptnews parse --all`).
            return current, Change.UNCHANGED
        latest = versions[-1]
        if latest.content_hash == digest or seen < latest.first_seen:
            # Same content, or an older capture than what we have (re-parse out of order): only widen
            # the time window in which the latest content was seen.
            versions[-1] = latest.model_copy(update={"last_seen": max(latest.last_seen, seen)})
            removed = current.removed_at if current.removed_at and current.removed_at > seen else None
            record = _record(rid, canonical_url, source, versions, removed_at=removed)
            self.put(record)
            return record, Change.UNCHANGED
        versions.append(
            Version(
                n=latest.n + 1,
                content_hash=digest,
                content=content,
                capture=capture,
                parser_version=parser_version,
                first_seen=seen,
                last_seen=seen,
            )
        )
        record = _record(rid, canonical_url, source, versions, removed_at=None)
        self.put(record)
        return record, Change.CHANGED

    def mark_removed(self, canonical_url: str, when: datetime) -> Record | None:
        """Record that the article answered 404/410 at ``when``; None if it was never archived."""
        try:
            current = self.get(record_id(canonical_url))
        except RecordNotFound:
            return None
        if current.removed_at is not None or when < current.versions[-1].last_seen:
            return current
        record = current.model_copy(update={"removed_at": when})
        self.put(record)
        return record

    def touch(self, canonical_url: str, when: datetime) -> Record | None:
        """A revisit (identical payload) was captured at ``when``: extend ``last_seen``."""
        try:
            current = self.get(record_id(canonical_url))
        except RecordNotFound:
            return None
        versions = list(current.versions)
        if when <= versions[-1].last_seen:
            return current
        versions[-1] = versions[-1].model_copy(update={"last_seen": when})
        record = current.model_copy(update={"versions": versions, "last_seen": when, "removed_at": None})
        self.put(record)
        return record


def _record(
    rid: str, url: str, source: Source, versions: list[Version], *, removed_at: datetime | None
) -> Record:
    latest = versions[-1]
    return Record(
        **latest.content.model_dump(),
        id=rid,
        url=url,
        source=source.id,
        department=source.department,
        jurisdiction=source.jurisdiction,
        content_hash=latest.content_hash,
        capture=latest.capture,
        parser_version=latest.parser_version,
        first_seen=versions[0].first_seen,
        last_seen=latest.last_seen,
        removed_at=removed_at,
        versions=versions,
    )
