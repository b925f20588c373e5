"""``deptnews extract``: read the text of the archived attachments (PDF text layer, OCR, office files)."""

from __future__ import annotations

import sys

from archive.documents.link import link_records
from archive.documents.run import ExtractStats, extract_attachments
from archive.documents.tools import missing_tools
from archive.errors import ArchiveError
from deptnews.commands.base import EXIT_FAILURES, EXIT_LOCKED, EXIT_OK
from deptnews.commands.parse import PARSE_LOCK
from deptnews.settings import Settings
from scrapers.errors import CrawlLocked
from scrapers.lock import CrawlLock
from scrapers.progress import CountProgress

EXTRACT_LOCK = "extract.lock"


def extract(settings: Settings, *, progress: bool | None = None, workers: int | None = None) -> int:
    """Extract the attachments not read yet (and retry recent failures), then give the records their
    texts. Exit 0 when every file was read, 1 when some failed (recorded with their reason, retried by
    a later run), 3 when another extract runs or a parse holds the records (the texts are kept; the next
    run links them)."""
    home = settings.data_home.ensure()
    missing = missing_tools()
    if missing:
        print(
            f"deptnews extract: missing tools: {', '.join(missing)} (files needing them fail)",
            file=sys.stderr,
        )
    show = sys.stderr.isatty() if progress is None else progress
    bar = CountProgress(sys.stderr, "files") if show else None
    try:
        with CrawlLock(home.root / EXTRACT_LOCK, what="extract"):
            stats = extract_attachments(
                home,
                limits=settings.extract.limits(),
                workers=workers or settings.extract.workers,
                report=bar.update if bar else None,
            )
            if bar:
                bar.close()
            with CrawlLock(home.root / PARSE_LOCK, what="parse"):
                stats.records_updated, _ = link_records(home)
    except CrawlLocked as exc:
        print(f"deptnews extract: {exc}; exiting (texts read so far are kept).", file=sys.stderr)
        return EXIT_LOCKED
    except ArchiveError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURES
    finally:
        if bar:
            bar.close()
    print(_summary(stats))
    return EXIT_FAILURES if stats.failed else EXIT_OK


def _summary(stats: ExtractStats) -> str:
    failed = ", ".join(f"{k} {v}" for k, v in sorted(stats.failed.items())) or "none"
    return (
        f"extract: {stats.urls} attachment URL(s); read {stats.extracted} ({stats.pages} page(s), "
        f"{stats.ocr_pages} by OCR), same bytes as a text already read {stats.reused}, already done "
        f"{stats.known}; not archived {stats.not_archived}; failed: {failed}; given up after repeated "
        f"failures {stats.given_up}; records updated {stats.records_updated}"
    )
