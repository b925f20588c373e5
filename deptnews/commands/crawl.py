"""Crawling and the sources registry."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence

from archive.errors import ArchiveError
from archive.warc import WarcWriter
from deptnews.commands.base import EXIT_CONFIG, EXIT_FAILURES, EXIT_LOCKED, EXIT_OK, load_registry
from deptnews.settings import Settings
from scrapers.crawl import Crawler, SourceReport
from scrapers.errors import CrawlLocked
from scrapers.lock import CrawlLock
from scrapers.state import CrawlState


def crawl(settings: Settings, source_ids: Sequence[str]) -> int:
    """Crawl the selected sources (all by default) into the data home."""
    try:
        sources = load_registry(settings).select(source_ids)
    except ArchiveError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    home = settings.data_home.ensure()
    try:
        with (
            CrawlLock(home.root / "crawl.lock"),
            CrawlState(home.state_db) as state,
            WarcWriter(home.warc_dir, max_file_size=settings.crawl.warc_max_file_size) as writer,
        ):
            run_id = state.start_run([s.id for s in sources])
            reports = asyncio.run(Crawler(settings.crawl, state, writer).run(sources))
            state.finish_run(run_id, {sid: r.counts() for sid, r in reports.items()})
    except CrawlLocked as exc:
        print(f"deptnews crawl: {exc}; exiting.", file=sys.stderr)
        return EXIT_LOCKED
    _print_crawl_summary(reports)
    return EXIT_FAILURES if any(r.failed for r in reports.values()) else EXIT_OK


def _print_crawl_summary(reports: dict[str, SourceReport]) -> None:
    print(f"{'source':<24} {'fetched':>7} {'new':>5} {'known':>5} {'failed':>6} {'robots':>6}")
    for sid, r in reports.items():
        print(
            f"{sid:<24} {r.fetched:>7} {r.new:>5} {r.unchanged:>5} {r.failed:>6} {r.skipped_robots:>6}",
        )
        for error in r.errors[:5]:
            print(f"  ! {error}")


def sources(settings: Settings, *, check: bool) -> int:
    """List the registry's sources; with ``check``, only validate it (network probes: a later step)."""
    try:
        registry = load_registry(settings)
    except ArchiveError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    if check:
        print(f"{settings.sources_file}: {len(registry.sources)} source(s), valid")
        return EXIT_OK
    for source in registry.sources.values():
        mark = "verified" if source.verified else "unverified"
        print(
            f"{source.id:<24} {source.department} — {source.jurisdiction} [{mark}]\n  {source.homepage}",
        )
    return EXIT_OK
