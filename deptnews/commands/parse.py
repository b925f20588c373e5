"""Parsing WARC captures into records, and showing what the parser makes of one page."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from archive.errors import ArchiveError
from archive.ingest import IngestStats, ingest
from archive.model import record_id
from archive.parse.article import parse_capture
from archive.parse.result import PARSER_VERSION, Article
from archive.parse.template import EMPTY
from archive.sources import Registry
from archive.store import Ledger, RecordStore
from archive.urls import canonicalize_url
from archive.warc import Capture, iter_captures, read_capture, warc_files
from deptnews.commands.base import EXIT_CONFIG, EXIT_FAILURES, EXIT_LOCKED, EXIT_OK, load_registry
from deptnews.settings import Settings
from scrapers.errors import CrawlLocked
from scrapers.lock import CrawlLock

PARSE_LOCK = "parse.lock"


def parse(settings: Settings, *, rebuild: bool, show: str | None = None, file: Path | None = None) -> int:
    """Parse WARC captures into records (``rebuild``: from scratch, replacing all records).

    With ``show`` (a URL), write nothing: print what the parser makes of that page, read from ``file``
    when given, else from its latest capture in the WARC files.
    """
    try:
        registry = load_registry(settings)
    except ArchiveError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    if show is not None:
        return _show(settings, registry, url=show, file=file)
    if file is not None:
        print("error: --file needs --show URL (the URL the page was fetched from)", file=sys.stderr)
        return EXIT_CONFIG
    home = settings.data_home.ensure()
    try:
        # One parse at a time: two would write the same records and ledger (a crawl may run meanwhile:
        # a parse reads only the WARC files the crawl has completed).
        with CrawlLock(home.root / PARSE_LOCK, what="parse"):
            stats: IngestStats = ingest(home, registry, rebuild=rebuild)
    except CrawlLocked as exc:
        print(f"deptnews parse: {exc}; exiting.", file=sys.stderr)
        return EXIT_LOCKED
    except ArchiveError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURES
    changes = ", ".join(f"{k} {v}" for k, v in sorted(stats.changes.items())) or "none"
    skipped = ", ".join(f"{k} {v}" for k, v in sorted(stats.skipped.items())) or "none"
    print(
        f"parser {PARSER_VERSION}; WARC files read: {stats.files} (already ingested: {stats.files_known}); "
        f"captures: {stats.captures}; records: {changes}; skipped: {skipped}"
    )
    for error in stats.errors:
        print(f"  ! {error}")
    return EXIT_FAILURES if stats.errors else EXIT_OK


def _latest_capture(settings: Settings, url: str) -> Capture | None:
    """The capture behind the URL's record, else the URL's last 200 response in the WARC files."""
    home = settings.data_home
    canonical = canonicalize_url(url)
    rid = record_id(canonical)
    if (home.records_dir / Ledger.FILE_NAME).exists():
        with Ledger.open(home.records_dir) as ledger:
            rid = ledger.alias(canonical) or rid
    record = RecordStore(home.records_dir).find(rid)
    if record is not None:
        return read_capture(home.warc_dir, record.capture)
    latest: Capture | None = None
    for path in warc_files(home.warc_dir):
        for capture in iter_captures(path):
            if capture.ref.status == 200 and canonicalize_url(capture.url) == canonical:
                latest = capture
    return latest


def _show(settings: Settings, registry: Registry, *, url: str, file: Path | None) -> int:
    source = registry.for_url(url)
    if source is None:
        print(f"error: no source in the registry for {url}", file=sys.stderr)
        return EXIT_CONFIG
    try:
        if file is not None:
            body, headers, when = file.read_bytes(), [("Content-Type", "text/html")], datetime.now(UTC)
        elif (capture := _latest_capture(settings, url)) is not None:
            body, headers, when = capture.body, capture.headers, capture.ref.captured_at
        else:
            print(f"error: no capture of {url} in {settings.data_home.warc_dir}", file=sys.stderr)
            return EXIT_FAILURES
    except (OSError, ArchiveError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURES
    template = EMPTY
    if (settings.data_home.records_dir / Ledger.FILE_NAME).exists():
        with Ledger.open(settings.data_home.records_dir) as ledger:
            template = ledger.template(source.id)  # what ingest would parse it with
    result = parse_capture(body, url, headers, source, captured_at=when, template=template)
    if not isinstance(result, Article):
        print(json.dumps({"not_article": result.reason, "detail": result.detail}, ensure_ascii=False))
        return EXIT_FAILURES
    shown = {
        "canonical_url": result.canonical_url,
        "extractor": result.extractor,
        "encoding": result.encoding,
        "parser_version": template.parser_version(PARSER_VERSION),
        "content": result.content.model_dump(mode="json"),
    }
    print(json.dumps(shown, ensure_ascii=False, indent=2))
    return EXIT_OK
