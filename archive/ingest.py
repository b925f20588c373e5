"""From raw captures to records: read WARC files, parse each article response, merge into the store.

This is the only place that joins WARC reading, the parser and the record store. It works without
network, so ``deptnews parse --all`` can rebuild every record from the raw archive at any time.
"""

from __future__ import annotations

import logging
import shutil
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from archive.errors import WarcError
from archive.home import DataHome
from archive.parse.article import parse_capture
from archive.parse.result import PARSER_VERSION, Article
from archive.sources import Registry
from archive.store import Change, RecordStore
from archive.urls import canonicalize_url
from archive.warc import Capture, iter_captures, warc_files

log = logging.getLogger(__name__)


@dataclass
class IngestStats:
    """Counts of one ingest run: captures seen, records new/changed/unchanged/removed, skipped by reason."""

    captures: int = 0
    changes: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    changed_ids: set[str] = field(default_factory=set)


def ingest_capture(capture: Capture, registry: Registry, store: RecordStore, stats: IngestStats) -> None:
    """Merge one capture into the store, counting what happened."""
    stats.captures += 1
    source = registry.for_url(capture.url)
    if source is None:
        stats.skipped["no-source"] += 1
        return
    when = capture.ref.captured_at
    if capture.record_type == "revisit":
        touched = store.touch(canonicalize_url(capture.url), when)
        stats.changes[Change.UNCHANGED if touched else "revisit-unknown"] += 1
        return
    if capture.ref.status in (404, 410) and source.is_article_url(capture.url):
        removed = store.mark_removed(canonicalize_url(capture.url), when)
        if removed is not None:
            stats.changes[Change.REMOVED] += 1
            stats.changed_ids.add(removed.id)
        return
    if capture.truncated:
        stats.skipped["truncated"] += 1
        return
    result = parse_capture(
        capture.body,
        capture.url,
        capture.headers,
        source,
        captured_at=when,
        status=capture.ref.status,
    )
    if not isinstance(result, Article):
        stats.skipped[result.reason] += 1
        return
    record, change = store.apply(
        canonical_url=result.canonical_url,
        content=result.content,
        capture=capture.ref,
        source=source,
        parser_version=PARSER_VERSION,
    )
    stats.changes[change] += 1
    if change != Change.UNCHANGED:
        stats.changed_ids.add(record.id)


def ingest_files(paths: Iterable[Path], registry: Registry, store: RecordStore) -> IngestStats:
    """Ingest the given WARC files in order; an unreadable file is reported, not fatal."""
    stats = IngestStats()
    for path in paths:
        try:
            for capture in iter_captures(path):
                ingest_capture(capture, registry, store, stats)
        except WarcError as exc:
            log.error("%s", exc)
            stats.errors.append(str(exc))
    return stats


def ingest(home: DataHome, registry: Registry, *, rebuild: bool = False) -> IngestStats:
    """Parse every WARC file of the home into records.

    Without ``rebuild``, records are merged into the existing store (idempotent: captures already merged
    change nothing). With ``rebuild``, the records are built from scratch in a new directory that replaces
    the old one only when the whole run succeeded, so a failed rebuild loses nothing.
    """
    files = warc_files(home.warc_dir)
    if not rebuild:
        return ingest_files(files, registry, RecordStore(home.records_dir))
    staging = home.records_dir.with_name(home.records_dir.name + ".rebuild")
    shutil.rmtree(staging, ignore_errors=True)
    stats = ingest_files(files, registry, RecordStore(staging))
    if stats.errors:
        shutil.rmtree(staging, ignore_errors=True)
        return stats
    old = home.records_dir.with_name(home.records_dir.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if home.records_dir.exists():
        home.records_dir.rename(old)
    if staging.exists():
        staging.rename(home.records_dir)
    else:
        home.records_dir.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(old, ignore_errors=True)
    return stats
