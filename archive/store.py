"""The record store: one JSON file per record under the data home's ``records/`` directory.

Files are written atomically (temporary file, fsync, rename), so a reader or a crash never sees half a
record. :meth:`RecordStore.apply` implements versioning: a capture whose normalized content differs from
the latest version adds a version (with its capture reference); an identical one only moves ``last_seen``;
re-applying a capture that is already recorded changes nothing, so re-parsing is idempotent.
:meth:`RecordStore.mark_removed` sets ``removed_at`` when the page is found gone; a later capture with
content clears it. Every version is kept; the latest is the record's current content.

:class:`~archive.ledger.Ledger` (re-exported here) is the records' bookkeeping beside them.
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
from archive.ledger import Ledger
from archive.model import CaptureRef, Content, Record, RemovedReason, Version, record_id
from archive.sources import Source

__all__ = ["Change", "Ledger", "RecordStore"]


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
                if _valid_id(path.stem):  # not a temporary file left by a crash
                    yield self.get(path.stem)

    def put(self, record: Record) -> None:
        """Write ``record`` atomically."""
        path = self.path_for(record.id)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = record.model_dump_json(indent=2).encode("utf-8")
        tmp: str | None = None
        try:
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
            tmp = None
            _fsync_dir(path.parent)
        except OSError as exc:
            raise StoreError(f"cannot write {path}: {exc}") from exc
        finally:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)

    def find(self, rid: str) -> Record | None:
        """The record with id ``rid``, or None."""
        try:
            return self.get(rid)
        except RecordNotFound:
            return None

    def apply(
        self,
        *,
        canonical_url: str,
        content: Content,
        capture: CaptureRef,
        source: Source,
        parser_version: str,
        extractor: str | None = None,
        refreshed: tuple[Content, str | None] | None = None,
        repost_of: str | None = None,
    ) -> tuple[Record, Change]:
        """Merge one parsed capture into the store and return the record and what changed.

        ``refreshed`` is the latest version's own capture parsed again by ``parser_version`` (content and
        extractor), given when the latest version was made by another parser version: it replaces that
        version's content before the comparison, so that a parser upgrade alone never adds a version.
        ``repost_of`` marks a new record as a repost of another source's record (see :mod:`archive.twins`).
        """
        rid = record_id(canonical_url)
        digest = content.compute_hash()
        seen = capture.captured_at
        current = self.find(rid)
        if current is None:
            version = _version(1, content, digest, capture, parser_version, extractor, seen)
            record = _record(rid, canonical_url, source, [version], removed=None).model_copy(
                update={"repost_of": repost_of}
            )
            self.put(record)
            return record, Change.NEW
        versions = list(current.versions)
        if any(v.capture.warc_record_id == capture.warc_record_id for v in versions):
            # Already merged; a parser upgrade is applied by rebuilding (`deptnews parse --all`).
            return current, Change.UNCHANGED
        latest = versions[-1]
        if refreshed is not None and latest.parser_version != parser_version:
            new_content, new_extractor = refreshed
            latest = latest.model_copy(
                update={
                    "content": new_content,
                    "content_hash": new_content.compute_hash(),
                    "parser_version": parser_version,
                    "extractor": new_extractor,
                }
            )
            versions[-1] = latest
        removed = _removed(current)
        if latest.content_hash == digest or seen < latest.first_seen:
            # Same content, or an older capture than what we have (re-parse out of order): only widen
            # the time window in which the latest content was seen.
            versions[-1] = latest.model_copy(update={"last_seen": max(latest.last_seen, seen)})
            still_removed = removed if removed and removed[0] > seen else None
            record = _record(rid, canonical_url, source, versions, removed=still_removed, like=current)
            self.put(record)
            return record, Change.UNCHANGED
        versions.append(_version(latest.n + 1, content, digest, capture, parser_version, extractor, seen))
        record = _record(rid, canonical_url, source, versions, removed=None, like=current)
        self.put(record)
        return record, Change.CHANGED

    def mark_removed(
        self,
        canonical_url: str,
        when: datetime,
        *,
        reason: RemovedReason = "http-404",
        rid: str | None = None,
    ) -> Record | None:
        """Record that the article was found gone at ``when`` (``reason``: how); None if it was never
        archived. ``rid`` overrides the id derived from ``canonical_url`` (a fetched URL that is an alias).
        A removal older than the last sighting, or an article already marked removed, changes nothing."""
        current = self.find(rid or record_id(canonical_url))
        if current is None:
            return None
        if current.removed_at is not None or when < current.versions[-1].last_seen:
            return current
        record = current.model_copy(update={"removed_at": when, "removed_reason": reason})
        self.put(record)
        return record

    def touch(self, canonical_url: str, when: datetime, *, rid: str | None = None) -> Record | None:
        """A revisit (identical payload, or 304 Not Modified) was captured at ``when``: extend
        ``last_seen`` (and clear a removal seen before it)."""
        current = self.find(rid or record_id(canonical_url))
        if current is None:
            return None
        versions = list(current.versions)
        if when <= versions[-1].last_seen:
            return current
        versions[-1] = versions[-1].model_copy(update={"last_seen": when})
        removed = _removed(current)
        still_removed = removed if removed and removed[0] > when else None
        record = _record(current.id, current.url, None, versions, removed=still_removed, like=current)
        self.put(record)
        return record

    def refresh(self, rid: str, content: Content, extractor: str | None, *, parser_version: str) -> bool:
        """Replace the current version's content with its capture parsed again (by another parser or with
        a newly learnt template), adding no version. Returns whether the record changed."""
        current = self.find(rid)
        if current is None:
            return False
        latest = current.versions[-1]
        update = {
            "content": content,
            "content_hash": content.compute_hash(),
            "parser_version": parser_version,
            "extractor": extractor,
        }
        if all(getattr(latest, k) == v for k, v in update.items()):
            return False
        versions = [*current.versions[:-1], latest.model_copy(update=update)]
        self.put(_record(rid, current.url, None, versions, removed=_removed(current), like=current))
        return True

    def add_url(self, rid: str, url: str, when: datetime) -> Record | None:
        """The same article was captured under another URL ``url`` at ``when``: remember the URL in
        ``also_at`` and extend ``last_seen`` (:meth:`touch`). None if there is no such record."""
        current = self.touch(url, when, rid=rid)
        if current is None or url == current.url or url in current.also_at:
            return current
        record = current.model_copy(update={"also_at": [*current.also_at, url]})
        self.put(record)
        return record


def _fsync_dir(directory: Path) -> None:
    """Make a rename in ``directory`` durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _version(
    n: int,
    content: Content,
    digest: str,
    capture: CaptureRef,
    parser_version: str,
    extractor: str | None,
    seen: datetime,
) -> Version:
    return Version(
        n=n,
        content_hash=digest,
        content=content,
        capture=capture,
        parser_version=parser_version,
        first_seen=seen,
        last_seen=seen,
        extractor=extractor,
    )


def _removed(record: Record) -> tuple[datetime, RemovedReason | None] | None:
    return (record.removed_at, record.removed_reason) if record.removed_at is not None else None


def _record(
    rid: str,
    url: str,
    source: Source | None,
    versions: list[Version],
    *,
    removed: tuple[datetime, RemovedReason | None] | None,
    like: Record | None = None,
) -> Record:
    """The record for ``versions``; provenance from ``source``, or from ``like`` when there is none, and
    what ``like`` (the record as it was) knew of other URLs and reposts."""
    latest = versions[-1]
    if source is not None:
        owner = (source.id, source.department, source.jurisdiction)
    elif like is not None:
        owner = (like.source, like.department, like.jurisdiction)
    else:  # pragma: no cover - callers pass one of them
        raise ValueError("a record needs its source")
    return Record(
        **latest.content.model_dump(),
        id=rid,
        url=url,
        source=owner[0],
        department=owner[1],
        jurisdiction=owner[2],
        content_hash=latest.content_hash,
        capture=latest.capture,
        parser_version=latest.parser_version,
        extractor=latest.extractor,
        first_seen=versions[0].first_seen,
        last_seen=latest.last_seen,
        removed_at=removed[0] if removed else None,
        removed_reason=removed[1] if removed else None,
        also_at=like.also_at if like is not None else [],
        repost_of=like.repost_of if like is not None else None,
        versions=versions,
    )
