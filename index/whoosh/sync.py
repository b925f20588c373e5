"""Bringing the index in line with the record store: incremental by default, rebuilt when it must be.

The caller lists every record as ``(id, stamp)``, where the stamp is anything that changes when the
record's file changes (the record store's file time and size), and supplies ``load(id)``. Then:

* an id not in the index is added; an id in the index but not listed is deleted, and so is one whose
  record is no longer :func:`~index.schema.searchable` (a repost of another source's article);
* a listed record whose stamp equals the one remembered at the last sync is skipped without being read;
* any other record is read and its index document built; it is written only if the document's
  ``doc_hash`` (everything indexed: content, metadata, URL; a superset of the record's
  ``content_hash``) differs from the indexed one;
* with no index, an index from older code (:class:`~index.errors.IndexOutdated`) or ``rebuild=True``,
  a fresh generation is built and switched to when complete.

A record that cannot be read is reported and, in an incremental run, left as it is in the index
(never deleted for being unreadable); a rebuild cannot carry it over (bodies are not stored in the
index), so it is missing from the new index until it can be read again, and the previous build stays
on disk as ``previous`` until the next rebuild.

Remembered stamps are a cache beside the index (``sync-stamps.json`` in the generation directory),
written after the commit: if it is lost or stale, records are only read again.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index

from archive.errors import ArchiveError
from archive.model import Record
from index.backend import Progress, SyncReport
from index.errors import IndexMissing, IndexOutdated
from index.schema import searchable, to_document
from index.whoosh.store import INDEX_NAME, IndexWriter, Location

__all__ = ["SyncReport", "auto_procs", "indexed_documents", "indexed_hashes", "sync"]

STAMPS = "sync-stamps.json"


_LEFT_OUT = "-"
"""Prefix of the remembered stamp of a record left out of the index (so it is not read again)."""


def indexed_documents(location: Location) -> dict[str, list[bytes]]:
    """``{id: [doc_hash, …]}`` of every live document of the index at ``location`` (more than one hash:
    the id is indexed more than once, which only damage makes)."""
    ix = whoosh_index.open_dir(str(location.directory), indexname=INDEX_NAME)
    found: dict[str, list[bytes]] = {}
    with ix.searcher() as searcher:
        for sub, _ in searcher.leaf_searchers():
            reader = sub.reader()
            if not reader.doc_count_all():
                continue
            ids = list(reader.column_reader("id"))
            hashes = list(reader.column_reader("doc_hash"))
            for docnum in reader.all_doc_ids():
                found.setdefault(ids[docnum], []).append(hashes[docnum])
    return found


def indexed_hashes(location: Location) -> dict[str, bytes]:
    """``{id: doc_hash}`` of every live document of the index at ``location``."""
    return {rid: hashes[-1] for rid, hashes in indexed_documents(location).items()}


def _load_stamps(directory: Path) -> dict[str, str]:
    try:
        data = json.loads((directory / STAMPS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


class _RecordMaker:
    """The documents of a rebuild, made from ``(id, stamp)`` by the process that builds them (see
    :class:`~index.whoosh.rebuild.DocumentMaker`); notes ``("failed", id, reason)`` for a record that
    cannot be read and ``("left_out", id)`` for one that is not searchable."""

    def __init__(self, load: Callable[[str], Record], texts_root: Path | None) -> None:
        self._load, self._texts_root = load, texts_root
        self._notes: list[tuple[str, ...]] = []

    def make(self, item: tuple[str, str]) -> dict[str, Any] | None:
        rid = item[0]
        try:
            record = self._load(rid)
            if not searchable(record):
                self._notes.append(("left_out", rid))
                return None
            return to_document(record, self._texts_root)
        except (ArchiveError, ValueError) as exc:
            self._notes.append(("failed", rid, str(exc)))
            return None

    def notes(self) -> list[Any]:
        found, self._notes = self._notes, []
        return found

    def add_notes(self, notes: list[Any]) -> None:
        self._notes += notes


def _rebuilt(
    report: SyncReport, stamps: dict[str, str], listed: list[tuple[str, str]], maker: _RecordMaker
) -> None:
    """Fill a rebuild's report (but ``added``) and its stamps from what its records' maker noted."""
    failed: dict[str, str] = {}
    left_out: set[str] = set()
    for note in maker.notes():
        if note[0] == "failed":
            failed[note[1]] = note[2]
        else:
            left_out.add(note[1])
    for rid, stamp in listed:
        if rid in failed:
            report.failed.append((rid, failed[rid]))
        elif rid in left_out:
            stamps[rid] = _LEFT_OUT + stamp
            report.left_out += 1
        else:
            stamps[rid] = stamp


def _save_stamps(directory: Path, stamps: dict[str, str]) -> None:
    tmp = directory / f".{STAMPS}.{os.getpid()}"
    tmp.write_text(json.dumps(stamps, separators=(",", ":")), encoding="utf-8")
    os.replace(tmp, directory / STAMPS)


PARALLEL_FROM = 1000
"""Writes of at least this many records (a full build, or the changed records of an incremental one)
use two writer processes by default."""


def auto_procs(records: int) -> int:
    """Writer processes for writing ``records``: 2 for large writes on Linux with 2+ CPUs.

    Small writes stay in one process: starting workers costs more than it saves (measured: an
    incremental write of 1,000 changed documents, ~500 docs/s in one process, ~630 with two builders
    beside the reading process), and forking a process that runs threads (a test server, an API) is
    best avoided.
    """
    parallel = records >= PARALLEL_FROM and (os.cpu_count() or 1) >= 2 and sys.platform.startswith("linux")
    return 2 if parallel else 1


def sync(
    writer: IndexWriter,
    entries: Iterable[tuple[str, str]],
    load: Callable[[str], Record],
    *,
    rebuild: bool = False,
    procs: int | None = None,
    texts_root: Path | None = None,
    progress: Progress | None = None,
) -> SyncReport:
    """Make the index hold the current version of exactly the listed records (see the module docstring).

    ``procs``: writer processes for a full build and for an incremental write's new segments; None
    chooses :func:`auto_procs` from the number of records to write. ``texts_root``: the
    data home, whose extracted attachment texts are indexed with their records. ``progress(done,
    total)`` is called as records are checked.
    """
    report = SyncReport()
    listed = list(entries)
    with writer.locked():
        location: Location | None = None
        if rebuild:
            report.reason = "rebuild requested"
        else:
            try:
                location = writer.location()
            except IndexMissing:
                report.reason = "there was no index yet"
            except IndexOutdated as exc:
                report.reason = str(exc)
        stamps: dict[str, str] = {}

        left_out: list[str] = []  # indexed records that are no longer searchable (deleted after writing)

        checked = 0

        def tick() -> None:
            nonlocal checked
            checked += 1
            if progress is not None:
                progress(checked, len(listed))

        def documents(wanted: Iterable[tuple[str, str]], known: dict[str, bytes]) -> Iterator[dict[str, Any]]:
            for rid, stamp in wanted:
                tick()
                try:
                    record = load(rid)
                    doc = to_document(record, texts_root) if searchable(record) else None
                except (ArchiveError, ValueError) as exc:
                    report.failed.append((rid, str(exc)))
                    continue
                if doc is None:
                    stamps[rid] = _LEFT_OUT + stamp
                    report.left_out += 1
                    if rid in known:
                        left_out.append(rid)
                    continue
                stamps[rid] = stamp
                old = known.get(rid)
                if old == doc["doc_hash"]:
                    report.unchanged += 1
                    continue
                if old is None:
                    report.added += 1
                else:
                    report.updated += 1
                yield doc

        if location is None:
            report.rebuilt = True
            # The building processes read the records themselves: reading and validating them would
            # otherwise all fall on this process, beside the workers, and every document would then
            # be pickled over to one of them.
            maker = _RecordMaker(load, texts_root)

            def items() -> Iterator[tuple[str, str]]:
                for entry in listed:
                    tick()
                    yield entry

            def after(directory: Path) -> None:
                _rebuilt(report, stamps, listed, maker)
                _save_stamps(directory, stamps)

            report.added = writer.rebuild_documents(
                items(),
                procs=procs if procs is not None else auto_procs(len(listed)),
                after=after,
                maker=maker,
            )
            return report

        known = indexed_hashes(location)
        remembered = _load_stamps(location.directory)
        present = {rid for rid, _ in listed}
        gone = [rid for rid in known if rid not in present]
        todo: list[tuple[str, str]] = []
        for rid, stamp in listed:
            if rid in known and remembered.get(rid) == stamp:
                tick()
                stamps[rid] = stamp
                report.unchanged += 1
            elif rid not in known and remembered.get(rid) == _LEFT_OUT + stamp:
                tick()
                stamps[rid] = _LEFT_OUT + stamp
                report.left_out += 1
            else:
                todo.append((rid, stamp))
        changed = documents(todo, known)
        first = next(changed, None)  # read records until one needs writing: no empty commits
        if first is not None or gone or left_out:
            pending = itertools.chain([first] if first is not None else [], changed)
            # ``left_out`` grows while ``pending`` is read; the writer reads deletions after documents.
            _, report.deleted = writer.write(
                pending,
                itertools.chain(gone, left_out),
                procs=procs if procs is not None else auto_procs(len(todo)),
            )
        _save_stamps(location.directory, stamps)
        return report
