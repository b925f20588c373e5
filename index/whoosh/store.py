"""Where the index lives on disk, and writing to it: upsert by id, delete, rebuild, with a version stamp.

Layout of the index directory (``<home>/index``)::

    CURRENT      {"generation": "g000003", "schema_version": 2, "analysis": "…", "previous": "g000002", …}
    g000003/     the Whoosh index readers use (segments written with compound=False)
    g000002/     the generation before the last rebuild, kept until the next one (a reader may hold it)
    write.lock   flock'ed by the one process writing (see :mod:`index.whoosh.locking`)

A rebuild writes a new generation directory and switches ``CURRENT`` (an atomic rename) only once it
is complete and verified, so readers never see a half-built index. Incremental writes go into the current
generation; a Whoosh commit is atomic too (its TOC file is renamed into place last). So a writer killed
at any point leaves the last complete index readable, its lock is released by the kernel, and the next
writer removes what the dead one left (unfinished generations, Whoosh temp files).

``CURRENT`` carries :data:`~index.schema.SCHEMA_VERSION` and :func:`~index.schema.analysis_fingerprint`:
an index built by other code raises :class:`IndexOutdated` instead of answering with mismatched terms.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.index import LockError
from whoosh.writing import MERGE_SMALL

from archive.model import Record
from index.cursor import ensure_secret
from index.errors import IndexBusy, IndexMissing, IndexOutdated, SearchError
from index.schema import SCHEMA_VERSION, analysis_fingerprint, build_schema, searchable, to_document
from index.whoosh.locking import WriteLock
from index.whoosh.rebuild import DocumentMaker, build_index, build_segments
from index.whoosh.textstore import LIVE_PART, PartWriter, store_directory

INDEX_NAME = "records"
CURRENT = "CURRENT"
_LOCK = "write.lock"
_PREFIX = "g"
MERGE_FROM = 12
"""Segments from which a commit merges small ones (Whoosh's ``MERGE_SMALL``, posting by posting in
Python): below it, each incremental write only adds its bulk-built segment."""


def _merge(writer: Any, segments: list[Any]) -> list[Any]:
    """The segments a commit keeps (see :data:`MERGE_FROM`)."""
    return list(segments) if len(segments) < MERGE_FROM else list(MERGE_SMALL(writer, segments))


@dataclass(frozen=True)
class Location:
    """The generation ``CURRENT`` points to."""

    root: Path
    generation: str
    schema_version: int
    analysis: str
    built_at: str
    previous: str | None

    @property
    def directory(self) -> Path:
        return self.root / self.generation


def read_location(root: Path) -> Location:
    """The current generation; :class:`IndexMissing` if there is none, :class:`IndexOutdated` if it was
    built by another schema or analysis (or is in the layout of an older deptnews)."""
    try:
        data = json.loads((root / CURRENT).read_text(encoding="utf-8"))
    except FileNotFoundError:
        if root.is_dir() and whoosh_index.exists_in(str(root), indexname=INDEX_NAME):
            raise IndexOutdated(
                f"the index at {root} was built by an older version: run `deptnews index --rebuild`"
            ) from None
        raise IndexMissing(f"no index at {root}: run `deptnews index` first") from None
    except (OSError, ValueError) as exc:
        raise IndexOutdated(f"the index at {root} has an unreadable {CURRENT} ({exc}): rebuild it") from None
    location = Location(
        root=root,
        generation=str(data.get("generation", "")),
        schema_version=int(data.get("schema_version", -1)),
        analysis=str(data.get("analysis", "")),
        built_at=str(data.get("built_at", "")),
        previous=data.get("previous"),
    )
    if location.schema_version != SCHEMA_VERSION or location.analysis != analysis_fingerprint():
        raise IndexOutdated(
            f"the index at {root} was built with another schema or analysis "
            f"(schema {location.schema_version}, analysis {location.analysis or '?'}): "
            "run `deptnews index --rebuild`"
        )
    if not whoosh_index.exists_in(str(location.directory), indexname=INDEX_NAME):
        raise IndexMissing(f"the index at {root} points to a missing generation {location.generation!r}")
    return location


def _current_raw(root: Path) -> dict[str, Any] | None:
    """``CURRENT`` as written, without any version check; {} if missing, None if unreadable."""
    try:
        data = json.loads((root / CURRENT).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _referenced(root: Path) -> set[str] | None:
    """The generations ``CURRENT`` names (current and previous); None if it cannot be read."""
    raw = _current_raw(root)
    if raw is None:
        return None
    return {str(v) for v in (raw.get("generation"), raw.get("previous")) if v}


def open_index(root: Path) -> Any:
    """The Whoosh index of the current generation, for reading."""
    return whoosh_index.open_dir(str(read_location(root).directory), indexname=INDEX_NAME)


def create_index(root: Path) -> Any:
    """Replace whatever index is at ``root`` with an empty one (under the writer lock)."""
    writer = IndexWriter(root)
    writer.rebuild_documents([])
    return open_index(root)


def _write_current(root: Path, generation: str, previous: str | None) -> None:
    payload = {
        "generation": generation,
        "schema_version": SCHEMA_VERSION,
        "analysis": analysis_fingerprint(),
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "previous": previous,
    }
    tmp = root / f".{CURRENT}.{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(payload, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, root / CURRENT)


class IndexWriter:
    """Writes to the index at ``path``; each method is one commit, under the writer lock.

    ``timeout``: seconds to wait for another writer before :class:`IndexBusy`. ``limitmb``: postings
    a process of a full build holds before it writes a segment and starts another (see
    :mod:`index.whoosh.rebuild`; incremental writes go through Whoosh's writer, which gets it as its pool
    size).
    """

    def __init__(self, path: Path, *, timeout: float = 30.0, limitmb: float = 256) -> None:
        self.path = path
        self.timeout = timeout
        self.limitmb = limitmb
        self._lock: WriteLock | None = None

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the writer lock across several calls (re-entrant within this object)."""
        if self._lock is not None:
            yield
            return
        lock = WriteLock(self.path / _LOCK, self.timeout)
        lock.acquire()
        self._lock = lock
        try:
            self._tidy()
            ensure_secret(self.path)
            yield
        finally:
            self._lock = None
            lock.release()

    def location(self) -> Location:
        return read_location(self.path)

    def _whoosh_writer(self, ix: Any, **kwargs: Any) -> Any:
        try:
            return ix.writer(timeout=self.timeout, compound=False, limitmb=self.limitmb, **kwargs)
        except LockError:
            raise IndexBusy(f"Whoosh's lock on {self.path} is held (waited {self.timeout:g}s)") from None

    def _tidy(self) -> None:
        """Remove what a killed writer left: unfinished generations and Whoosh temp files.

        Only generations ``CURRENT`` names are kept, whether or not this code can read them (an index
        built by newer code is left alone); if ``CURRENT`` cannot be read at all, nothing is removed.
        """
        keep = _referenced(self.path)
        for child in self.path.iterdir():
            if (
                keep is not None
                and child.is_dir()
                and child.name.startswith(_PREFIX)
                and child.name not in keep
            ):
                shutil.rmtree(child, ignore_errors=True)
            elif child.name.startswith(f".{CURRENT}."):
                child.unlink(missing_ok=True)
        try:
            location = read_location(self.path)
        except SearchError:
            return
        for child in location.directory.iterdir():
            if child.is_dir() and child.name.endswith(".tmp"):
                shutil.rmtree(child, ignore_errors=True)
            elif ".toc." in child.name:  # a TOC that was never renamed into place
                child.unlink(missing_ok=True)

    def write(
        self, documents: Iterable[dict[str, Any]], deletions: Iterable[str] = (), *, procs: int = 1
    ) -> tuple[int, int]:
        """Add or replace ``documents``, then delete ``deletions`` (ids), in one commit; an empty index is
        created first if there is none. Returns ``(written, deleted)``.

        ``deletions`` is read after ``documents``, so the producer of the documents may still add to it.
        ``procs`` > 1: forked processes build the new segments while this one reads the documents and
        writes their text store entries (see :func:`~index.whoosh.rebuild.build_segments`)."""
        with self.locked():
            try:
                location = read_location(self.path)
            except IndexMissing:
                self._build([], procs=1)
                location = read_location(self.path)
            ix = whoosh_index.open_dir(str(location.directory), indexname=INDEX_NAME)
            writer = self._whoosh_writer(ix)
            written = deleted = 0
            texts: PartWriter | None = None

            def replacing(docs: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
                nonlocal written, texts
                for doc in docs:
                    if texts is None:
                        texts = PartWriter(store_directory(location.directory), LIVE_PART)
                    texts.add(doc)
                    writer.delete_by_term("id", doc["id"])  # the version it replaces, if any
                    written += 1
                    yield doc

            try:
                # The documents go into new segments built in bulk (index.whoosh.bulk), not through
                # Whoosh's writer (15 µs per posting); Whoosh's writer deletes and commits them.
                added = build_segments(
                    ix.storage, ix.schema, INDEX_NAME, replacing(documents), self.limitmb, procs=procs
                )
                for rid in deletions:
                    deleted += writer.delete_by_term("id", rid)
                if texts is not None:
                    texts.close()  # the text store's entries are durable before the commit shows them
            except BaseException:
                writer.cancel()
                if texts is not None:
                    texts.abandon()
                raise
            writer.commit(mergetype=lambda w, segments: _merge(w, segments) + added)
            return written, int(deleted)

    def upsert(self, records: Iterable[Record], texts_root: Path | None = None) -> int:
        """Add or replace the current version of each record (by id); a record that is not
        :func:`~index.schema.searchable` is removed instead (``texts_root``: the data home, whose
        attachment texts are indexed with the records). Returns the number written."""
        records = list(records)
        skipped = [r.id for r in records if not searchable(r)]
        return self.write((to_document(r, texts_root) for r in records if searchable(r)), skipped)[0]

    def delete(self, ids: Iterable[str]) -> int:
        """Remove records by id. Returns the number of documents deleted."""
        return self.write([], ids)[1]

    def rebuild(self, records: Iterable[Record], *, procs: int = 1) -> int:
        """Build a fresh index from the :func:`~index.schema.searchable` ``records`` and switch to it when
        complete; returns the count."""
        return self.rebuild_documents((to_document(r) for r in records if searchable(r)), procs=procs)

    def rebuild_documents(
        self,
        documents: Iterable[Any],
        *,
        procs: int = 1,
        after: Callable[[Path], None] | None = None,
        maker: DocumentMaker | None = None,
    ) -> int:
        """Like :meth:`rebuild` for ready-made documents, built in bulk (:mod:`index.whoosh.rebuild`) with
        ``procs`` processes; or, with ``maker``, for items it makes documents of in those processes
        (see :class:`~index.whoosh.rebuild.DocumentMaker`). ``after(directory)`` runs before the
        switch (e.g. to add files), when ``maker`` holds every process's notes."""
        with self.locked():
            return self._build(documents, procs=procs, after=after, maker=maker)

    def _build(
        self,
        documents: Iterable[Any],
        *,
        procs: int,
        after: Callable[[Path], None] | None = None,
        maker: DocumentMaker | None = None,
    ) -> int:
        referenced = _referenced(self.path)
        try:
            previous: str | None = str(
                json.loads((self.path / CURRENT).read_text(encoding="utf-8"))["generation"]
            )
        except (OSError, ValueError, KeyError, TypeError):
            previous = None
        if referenced is None:
            previous = None
        existing = [int(p.name[1:]) for p in self.path.glob(f"{_PREFIX}*") if p.name[1:].isdigit()]
        generation = f"{_PREFIX}{max(existing, default=0) + 1:06d}"
        directory = self.path / generation
        directory.mkdir(parents=True)
        ix = whoosh_index.create_in(str(directory), build_schema(), indexname=INDEX_NAME)
        try:
            count = build_index(
                ix.storage, ix.schema, INDEX_NAME, documents, procs=procs, limitmb=self.limitmb, maker=maker
            )
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)
            raise
        # A last check that every document made it into a segment.
        found = whoosh_index.open_dir(str(directory), indexname=INDEX_NAME).doc_count()
        if found != count:
            shutil.rmtree(directory, ignore_errors=True)
            raise SearchError(f"the new index has {found} documents instead of {count}; kept the old one")
        if after is not None:
            after(directory)
        _write_current(self.path, generation, previous)
        self._tidy()
        return count
