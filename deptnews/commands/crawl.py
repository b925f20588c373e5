"""Crawling, and checking the sources registry (``deptnews sources list|check``)."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from archive.cdxindex import CdxIndex
from archive.crawlstatus import SourceCrawlStatus, update_crawl_status
from archive.errors import ArchiveError
from archive.ledger import not_article_counts
from archive.sources import Registry, Source
from archive.warc import WarcWriter, warcinfo_fields
from deptnews.commands.base import EXIT_CONFIG, EXIT_FAILURES, EXIT_LOCKED, EXIT_OK, load_registry
from deptnews.settings import Settings
from index.backends import open_search
from index.errors import SearchError
from index.health import SHORT_BODY, SourceHealth
from scrapers.crawl import Crawler
from scrapers.errors import CrawlLocked
from scrapers.lock import CrawlLock
from scrapers.probe import ProbeReport, probe_sources
from scrapers.progress import NullProgress, Progress, TerminalProgress
from scrapers.recovery import reconcile_files, recover
from scrapers.report import SourceReport
from scrapers.state import CrawlState

log = logging.getLogger("deptnews.crawl")


def _selected(registry: Registry, source_ids: Sequence[str]) -> list[Source]:
    """The named sources, or every enabled one (a disabled source is crawled only when named)."""
    if source_ids:
        return registry.select(source_ids)
    return [s for s in registry.sources.values() if s.enabled]


def crawl(settings: Settings, source_ids: Sequence[str], *, progress: bool | None = None) -> int:
    """Crawl the selected sources (all enabled ones by default) into the data home.

    ``progress``: draw a status line on stderr (default: when stderr is a terminal). Returns 0 when
    every source crawled without failure, 1 when some failed, 2 for a bad registry, 3 when another
    crawl holds the lock.
    """
    try:
        registry = load_registry(settings)
        sources = _selected(registry, source_ids)
    except ArchiveError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    home = settings.data_home.ensure()
    show = sys.stderr.isatty() if progress is None else progress
    bar: Progress = TerminalProgress(sys.stderr, len(sources)) if show else NullProgress()
    started = datetime.now(UTC)
    outcome = "finished"
    try:
        with CrawlLock(home.root / "crawl.lock"), CrawlState(home.state_db) as state:

            def source_of(url: str) -> tuple[str, timedelta] | None:
                found = registry.for_url(url)
                if found is None:
                    return None
                return found.id, found.recheck_after or settings.crawl.recheck_after

            recovery = recover(home.warc_dir, state, source_of, settings.crawl.recheck_after)
            run_id = state.start_run([s.id for s in sources])
            cdx = CdxIndex(home.cdx_dir, home.warc_dir)
            info = warcinfo_fields(
                operator=settings.crawl.operator,
                user_agent=settings.crawl.user_agent,
                robots="obey" if settings.crawl.obey_robots else "ignore",
            )
            with WarcWriter(
                home.warc_dir,
                max_file_size=settings.crawl.warc_max_file_size,
                info=info,
                on_close=lambda _: _update_cdx(cdx),
            ) as writer:
                crawler = Crawler(settings.crawl, state, writer, progress=bar)
                try:
                    reports = asyncio.run(_run(crawler, sources))
                except (KeyboardInterrupt, asyncio.CancelledError):
                    outcome, reports = "interrupted", crawler.reports
                except Exception:  # a bug: report it, keep what was done, exit 1
                    log.exception("the crawl stopped on an unexpected error")
                    outcome, reports = "crashed", crawler.reports
                finally:
                    bar.close()
            if outcome == "crashed":
                # The error may have come between a WARC write and its state row.
                paths = [home.warc_dir / name for name in writer.files]
                reconcile_files(paths, state, source_of, settings.crawl.recheck_after)
            _update_cdx(cdx)  # files recovered at the start, or a file whose own update failed
            counts = {sid: r.counts() for sid, r in reports.items()}
            state.finish_run(run_id, counts, outcome=outcome)
            captured = {s.id: state.count(s.id, "article", stored=True) for s in sources}
    except CrawlLocked as exc:
        print(f"deptnews crawl: {exc}; exiting.", file=sys.stderr)
        return EXIT_LOCKED
    _write_status(home.root, started, reports, captured)
    _print_summary(reports)
    for error in recovery.errors:
        print(f"  ! recovery: {error}")
    if outcome != "finished":
        print(f"deptnews crawl: {outcome}; the next run continues where this one stopped.", file=sys.stderr)
        return EXIT_FAILURES
    failed = any(r.failed for r in reports.values()) or bool(recovery.errors)
    return EXIT_FAILURES if failed else EXIT_OK


def _update_cdx(cdx: CdxIndex) -> None:
    """Bring the CDXJ index up to date with the complete WARC files. A failure is logged, never fatal to
    the crawl: the captures are safe in WARC and the next crawl or ``deptnews cdx`` indexes them."""
    try:
        cdx.update()
    except (ArchiveError, OSError) as exc:
        log.error("the CDXJ index was not updated: %s", exc, extra={"event": "cdx-failed"})


async def _run(crawler: Crawler, sources: list[Source]) -> dict[str, SourceReport]:
    # SIGTERM (systemd stop, timeout) cancels the crawl between two requests, like Ctrl-C: the WARC file
    # is closed with complete records only and the run is marked interrupted.
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    if task is not None:
        loop.add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        return await crawler.run(sources)
    finally:
        loop.remove_signal_handler(signal.SIGTERM)


def _write_status(
    root: Path, started: datetime, reports: dict[str, SourceReport], captured: dict[str, int]
) -> None:
    finished = datetime.now(UTC)
    update_crawl_status(
        root,
        [
            SourceCrawlStatus(
                source=sid,
                started=started,
                finished=finished,
                fetched=r.fetched,
                new=r.new,
                unchanged=r.unchanged,
                failed=r.failed,
                skipped_robots=r.skipped_robots,
                articles_listed=r.articles_listed,
                articles_captured=captured.get(sid),
                errors=r.errors[:20],
            )
            for sid, r in reports.items()
        ],
    )


_COLUMNS = ("fetched", "new", "updated", "unchanged", "removed", "failed", "skipped_robots", "skipped_type")
_HEADINGS = ("fetched", "new", "updated", "same", "removed", "failed", "robots", "type")


def _print_summary(reports: dict[str, SourceReport]) -> None:
    """One line per source on stdout, and one structured log record per source (JSON with --log-format)."""
    width = max([24, *(len(sid) for sid in reports)])
    print(f"{'source':<{width}} " + " ".join(f"{h:>7}" for h in _HEADINGS))
    for sid, report in reports.items():
        counts = report.counts()
        print(f"{sid:<{width}} " + " ".join(f"{counts[c]:>7}" for c in _COLUMNS))
        for error in report.errors[:5]:
            print(f"  ! {error}")
        if report.deferred:
            print(f"  … {report.deferred} article(s) wait in the frontier for the next run")
        log.info(
            "source %s: %s",
            sid,
            ", ".join(f"{k} {v}" for k, v in counts.items() if v),
            extra={"event": "source-summary", "source": sid, "counts": counts},
        )


def sources(settings: Settings, *, check: bool, probe: bool = False, source_ids: Sequence[str] = ()) -> int:
    """List the registry's sources; ``check``: validate it; ``probe``: also fetch each source's entry
    points, robots.txt, feeds and sitemaps over the network and report per source (exit 1 if any fail)."""
    try:
        registry = load_registry(settings)
        selected = registry.select(source_ids)
    except ArchiveError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    if not check:
        health = _health(settings)
        others = not_article_counts(settings.data_home.records_dir)
        for source in selected:
            mark = "verified" if source.verified else "unverified"
            state = "" if source.enabled else ", disabled"
            print(
                f"{source.id:<24} {source.department} — {source.jurisdiction} [{mark}{state}]\n"
                f"  {source.homepage}"
            )
            if source.id in health:
                print(f"  {_health_line(health[source.id])}")
            if others.get(source.id):
                print(
                    f"  {others[source.id]} page(s) match article_pattern but are no article "
                    "(listings are read as listings; many mean a loose pattern)"
                )
        return EXIT_OK
    unverified = sum(not s.verified for s in registry.sources.values())
    print(
        f"{settings.sources_file}: {len(registry.sources)} source(s), valid "
        f"({unverified} not verified against the live site)"
    )
    if not probe:
        return EXIT_OK
    reports = asyncio.run(probe_sources(selected, settings.crawl))
    for report in reports:
        _print_probe(report)
    failed = [r.source for r in reports if not r.ok]
    print(
        f"probe: {len(reports) - len(failed)} passed, {len(failed)} failed"
        + (f": {', '.join(failed)}" if failed else "")
    )
    return EXIT_FAILURES if failed else EXIT_OK


def _health(settings: Settings) -> dict[str, SourceHealth]:
    """Parser health per source from the index (none without an index)."""
    service = open_search(settings.index, settings.data_home.index_dir, lambda rid: None)
    try:
        return service.health()
    except SearchError:
        return {}
    finally:
        service.close()


def _health_line(health: SourceHealth) -> str:
    def share(n: int) -> str:
        return f"{n} ({n / health.records:.0%})"

    return (
        f"{health.records} records: {share(health.without_date)} without a date, "
        f"{share(health.short_body)} with a body under {SHORT_BODY} characters, "
        f"{share(health.shared_title)} sharing their title"
    )


def _print_probe(report: ProbeReport) -> None:
    verdict = "PASS" if report.ok else "FAIL"
    hint = " (you may set verified = true)" if report.ok and not report.verified else ""
    print(f"{verdict} {report.source}{hint}")
    for line in report.lines:
        print(f"  {line}")
