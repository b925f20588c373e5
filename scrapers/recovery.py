"""Recovery after a crawl was killed: complete its WARC file and teach the state what that file holds.

A capture is written to WARC before its state row is committed. A crawl killed between the two leaves a
capture the state does not know about; fetching that URL again would store it twice. So, at the start of
every crawl (under the crawl lock), each ``.open`` WARC file is cut after its last complete record and
renamed (:func:`archive.warc.recover_open_file`), and every response or revisit record in it that is newer
than the state's row for its URL is recorded in the state, as the crawler would have done.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urljoin

from archive.errors import WarcError
from archive.warc import Capture, iter_captures, open_files, recover_open_file
from scrapers.capture import next_due
from scrapers.discover import is_attachment_url
from scrapers.state import CrawlState, parse_stamp

log = logging.getLogger(__name__)

SourceOf = Callable[[str], tuple[str, timedelta] | None]
"""Maps a URL to (source id, recheck interval) for captures the state has no row for."""


@dataclass
class Recovery:
    """What recovery did: files completed (final names), files removed (nothing complete), and the
    captures recorded in the state."""

    files: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    recorded: int = 0
    errors: list[str] = field(default_factory=list)


def recover(warc_dir: Path, state: CrawlState, source_of: SourceOf, default_recheck: timedelta) -> Recovery:
    """Complete every ``.open`` WARC file of ``warc_dir`` and reconcile the state with it."""
    recovery = Recovery()
    for path in open_files(warc_dir):
        try:
            final = recover_open_file(path)
        except WarcError as exc:
            recovery.errors.append(str(exc))
            log.error("%s", exc)
            continue
        if final is None:
            recovery.removed.append(path.name)
            continue
        recovery.files.append(final.name)
        try:
            for capture in iter_captures(final, max_body=0):
                recovery.recorded += _reconcile(capture, state, source_of, default_recheck)
        except WarcError as exc:
            recovery.errors.append(str(exc))
            log.error("%s", exc)
    if recovery.files or recovery.removed:
        log.warning(
            "recovered %d WARC file(s) of an interrupted crawl (%d capture(s) recorded), removed %d empty",
            len(recovery.files),
            recovery.recorded,
            len(recovery.removed),
            extra={"event": "recovery"},
        )
    return recovery


def reconcile_files(
    paths: list[Path], state: CrawlState, source_of: SourceOf, default_recheck: timedelta
) -> int:
    """Record in the state the captures of complete WARC files it may not know (a crawl that stopped on
    an unexpected error between a WARC write and its state row); returns how many were recorded."""
    recorded = 0
    for path in paths:
        if path.is_file():
            for capture in iter_captures(path, max_body=0):
                recorded += _reconcile(capture, state, source_of, default_recheck)
    return recorded


def _guess_kind(url: str) -> str:
    if url.endswith("/robots.txt"):
        return "robots"
    return "attachment" if is_attachment_url(url) else "article"


def _reconcile(capture: Capture, state: CrawlState, source_of: SourceOf, default_recheck: timedelta) -> int:
    row = state.get(capture.url)
    when = capture.ref.captured_at
    if row is not None and row.captured_at is not None and parse_stamp(row.captured_at) >= when:
        return 0
    resolved = source_of(capture.url)
    if row is not None:
        source, kind = row.source, row.kind
        recheck = resolved[1] if resolved else default_recheck
    elif resolved is not None:
        source, recheck = resolved
        kind = _guess_kind(capture.url)
    else:
        log.warning("recovered capture of %s belongs to no known source; left out of the state", capture.url)
        return 0
    headers = {k.lower(): v for k, v in capture.headers}
    revisit = capture.record_type == "revisit"
    state.fetched(
        capture.url,
        source=source,
        kind=kind,
        status=capture.ref.status,
        etag=headers.get("etag"),
        last_modified=headers.get("last-modified"),
        digest=capture.ref.payload_digest,
        warc_file=None if revisit else capture.ref.warc_file,
        warc_offset=None if revisit else capture.ref.offset,
        warc_record_id=None if revisit else capture.ref.warc_record_id,
        captured_at=None if revisit else when,
        next_due=next_due(kind, capture.ref.status, when, recheck),
        alias_of=_location(capture),
    )
    return 1


def _location(capture: Capture) -> str | None:
    if not 300 <= capture.ref.status < 400:
        return None
    location = next((v for k, v in capture.headers if k.lower() == "location"), None)
    return urljoin(capture.url, location) if location else None
