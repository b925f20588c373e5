"""The work behind each CLI command, as plain functions of :class:`Settings` (testable without argv).

Each returns the process exit code. Exit codes: 0 ok, 1 some sources or items failed, 2 bad
configuration or usage, 3 another crawl is running.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Sequence
from typing import TextIO

from archive.errors import ArchiveError
from archive.ingest import IngestStats, ingest
from archive.model import Record
from archive.sources import Registry, load_sources
from archive.store import RecordStore
from archive.warc import WarcWriter
from deptnews.settings import Settings
from index.errors import QueryError, SearchError
from index.search import SearchRequest, SearchService
from index.store import IndexWriter
from scrapers.crawl import Crawler, SourceReport
from scrapers.errors import CrawlLocked
from scrapers.lock import CrawlLock
from scrapers.state import CrawlState

EXIT_OK, EXIT_FAILURES, EXIT_CONFIG, EXIT_LOCKED = 0, 1, 2, 3
log = logging.getLogger("deptnews")


def _registry(settings: Settings) -> Registry:
    return load_sources(settings.sources_file)


def crawl(settings: Settings, source_ids: Sequence[str]) -> int:
    """Crawl the selected sources (all by default) into the data home."""
    try:
        sources = _registry(settings).select(source_ids)
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


def parse(settings: Settings, *, rebuild: bool) -> int:
    """Parse WARC captures into records (``rebuild``: from scratch, replacing all records)."""
    try:
        registry = _registry(settings)
    except ArchiveError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    home = settings.data_home.ensure()
    stats: IngestStats = ingest(home, registry, rebuild=rebuild)
    changes = ", ".join(f"{k} {v}" for k, v in sorted(stats.changes.items())) or "none"
    skipped = ", ".join(f"{k} {v}" for k, v in sorted(stats.skipped.items())) or "none"
    print(f"captures: {stats.captures}; records: {changes}; skipped: {skipped}")
    for error in stats.errors:
        print(f"  ! {error}")
    return EXIT_FAILURES if stats.errors else EXIT_OK


def index(settings: Settings, *, rebuild: bool) -> int:
    """Index every record's current version (``rebuild``: build a fresh index and swap it in)."""
    home = settings.data_home.ensure()
    store = RecordStore(home.records_dir)
    writer = IndexWriter(home.index_dir, timeout=settings.index_writer_timeout)
    try:
        count = writer.rebuild(store) if rebuild else writer.upsert(store)
    except (SearchError, ArchiveError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURES
    print(f"indexed {count} record(s) into {home.index_dir}")
    return EXIT_OK


def search(settings: Settings, query: str, *, as_json: bool, size: int) -> int:
    """Search the index from the command line."""
    store = RecordStore(settings.data_home.records_dir)

    def load_text(rid: str) -> str | None:
        try:
            record: Record = store.get(rid)
        except ArchiveError:
            return None
        return "\n".join(p for p in (record.lead, *record.body) if p)

    service = SearchService(settings.data_home.index_dir, load_text)
    try:
        results = service.search(SearchRequest(q=query, size=size))
    except QueryError as exc:
        print(f"error: invalid query: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except SearchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURES
    finally:
        service.close()
    if as_json:
        payload = {
            "total": results.total,
            "hits": [
                {
                    "id": h.id,
                    "title": h.title,
                    "url": h.url,
                    "published": h.published.isoformat() if h.published else None,
                    "source": h.source,
                    "snippet": h.snippet,
                }
                for h in results.hits
            ],
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return EXIT_OK
    print(f"{results.total} result(s) for {query!r}")
    for n, hit in enumerate(results.hits, start=1):
        day = hit.published.date().isoformat() if hit.published else "????-??-??"
        print(f"{n:>3}. [{day}] {hit.title}\n     {hit.url}  (id {hit.id})")
    return EXIT_OK


def schema(out: TextIO = sys.stdout) -> int:
    """Print the JSON Schema of a record."""
    print(json.dumps(Record.model_json_schema(), ensure_ascii=False, indent=2))
    return EXIT_OK


def serve(settings: Settings, *, host: str, port: int) -> int:
    import uvicorn

    from api.app import create_app

    app = create_app(settings.data_home)
    uvicorn.run(app, host=host, port=port, log_level="info")
    return EXIT_OK


def sources(settings: Settings, *, check: bool) -> int:
    """List the registry's sources; with ``check``, only validate it (network probes: a later step)."""
    try:
        registry = _registry(settings)
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
