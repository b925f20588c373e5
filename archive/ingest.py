"""From raw captures to records: read WARC files, parse each article response, merge into the store.

This is the only place that joins WARC reading, the parser and the record store. It works without
network, so ``deptnews parse --all`` can rebuild every record from the raw archive at any time.

What a capture does to the records:

* a 200 article page: parsed and merged (:meth:`RecordStore.apply`: new record, new version, or only a
  later ``last_seen``);
* a revisit record or a 304 Not Modified: ``last_seen`` moves;
* a 404 or 410, a redirect from an article to a page that is not an article (a home page, a listing), or
  a "page not found" page served with 200: the record gets ``removed_at`` and the reason;
* a listing page: the dates it shows beside each article are remembered, for articles without a date;
* a 200 article page under a new URL whose content is an article already recorded (:mod:`archive.twins`):
  merged into that record (the URL joins its ``also_at``) when it is of the same source; a new record
  marked ``repost_of`` the earlier one when another source published it first.

The :class:`~archive.store.Ledger` beside the records remembers which WARC files were ingested (so that
an incremental run reads only new files), which fetched URLs are aliases of which record, and listing
dates. It is rebuilt with the records.
"""

from __future__ import annotations

import logging
import shutil
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from archive.documents.link import ledger_lookup, with_texts
from archive.errors import WarcError
from archive.home import DataHome
from archive.model import Content, Record, RemovedReason, record_id
from archive.parse.article import parse_capture
from archive.parse.listing import listing_dates
from archive.parse.media import resolve
from archive.parse.result import PARSER_VERSION, Article, NotArticle
from archive.parse.template import EMPTY, Template
from archive.sources import Registry, Source
from archive.store import Change, Ledger, RecordStore
from archive.twins import find_twin, title_key
from archive.urls import canonicalize_url
from archive.warc import Capture, iter_captures, read_capture, warc_files

log = logging.getLogger(__name__)

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_GONE: dict[int, RemovedReason] = {404: "http-404", 410: "http-410"}
_NOT_ARTICLE = frozenset({"listing", "contact", "empty"})
"""Reasons a page matching the article pattern is no article that tell of the pattern, not of the page."""
DUPLICATE = "duplicate"
REFRESHED = "refreshed"
"""Count key of records whose current version was parsed again with a newly learnt source template."""
"""Count key of captures merged into the record of the same article under another URL."""


@dataclass
class IngestStats:
    """Counts of one ingest run: captures seen, records new/changed/unchanged/removed, skipped by reason."""

    captures: int = 0
    changes: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    changed_ids: set[str] = field(default_factory=set)
    files: int = 0
    """WARC files read in this run."""
    files_known: int = 0
    """WARC files skipped because an earlier run ingested them (incremental runs only)."""


@dataclass
class _Context:
    registry: Registry
    store: RecordStore
    stats: IngestStats
    ledger: Ledger | None = None
    warc_dir: Path | None = None

    def template(self, source: Source) -> Template:
        return self.ledger.template(source.id) if self.ledger is not None else EMPTY


def parse_archived(
    capture: Capture, source: Source, *, listing_date: datetime | None = None, template: Template = EMPTY
) -> Article | NotArticle:
    """:func:`~archive.parse.article.parse_capture` of an archived capture (its body, URL, headers,
    WARC date and status)."""
    return parse_capture(
        capture.body,
        capture.url,
        capture.headers,
        source,
        captured_at=capture.ref.captured_at,
        status=capture.ref.status,
        listing_date=listing_date,
        template=template,
    )


def ingest_capture(
    capture: Capture,
    registry: Registry,
    store: RecordStore,
    stats: IngestStats,
    *,
    ledger: Ledger | None = None,
    warc_dir: Path | None = None,
) -> None:
    """Merge one capture into the store, counting what happened.

    ``ledger`` (optional) resolves aliases and listing dates and learns from this capture; ``warc_dir``
    (optional) lets a record made by an older parser be re-parsed before comparing (see
    :meth:`RecordStore.apply`).
    """
    _ingest(capture, _Context(registry, store, stats, ledger, warc_dir))


def _record_id(ctx: _Context, url: str) -> str:
    return (ctx.ledger.alias(url) if ctx.ledger else None) or record_id(url)


def _remove(ctx: _Context, url: str, capture: Capture, reason: RemovedReason) -> None:
    removed = ctx.store.mark_removed(url, capture.ref.captured_at, reason=reason, rid=_record_id(ctx, url))
    if removed is None:
        ctx.stats.skipped[f"gone-unknown-{reason}"] += 1
        return
    ctx.stats.changes[Change.REMOVED] += 1
    ctx.stats.changed_ids.add(removed.id)


def _redirected_away(capture: Capture, source: Source) -> bool:
    location = next((v for k, v in capture.headers if k.lower() == "location"), None)
    target = resolve(capture.url, location) if location else None
    return target is None or not source.is_article_url(target)


def _ingest(capture: Capture, ctx: _Context) -> None:
    ctx.stats.captures += 1
    source = ctx.registry.for_url(capture.url)
    if source is None:
        ctx.stats.skipped["no-source"] += 1
        return
    url = canonicalize_url(capture.url)
    status = capture.ref.status
    is_article = source.is_article_url(capture.url)
    if capture.record_type == "revisit" or status == 304:
        if not is_article:
            ctx.stats.skipped["revisit"] += 1  # a listing or robots.txt seen again
            return
        touched = ctx.store.touch(url, capture.ref.captured_at, rid=_record_id(ctx, url))
        ctx.stats.changes[Change.UNCHANGED if touched else "revisit-unknown"] += 1
        return
    if status in _GONE and is_article:
        _remove(ctx, url, capture, _GONE[status])
        return
    if status in _REDIRECTS and is_article:
        if _redirected_away(capture, source):
            _remove(ctx, url, capture, "redirected-away")
        else:
            ctx.stats.skipped["redirect"] += 1
        return
    if capture.truncated:
        ctx.stats.skipped["truncated"] += 1
        return
    _parse(capture, source, url, ctx)


def _parse(capture: Capture, source: Source, url: str, ctx: _Context) -> None:
    when = capture.ref.captured_at
    template = ctx.template(source)
    result = parse_archived(
        capture, source, listing_date=ctx.ledger.listing_date(url) if ctx.ledger else None, template=template
    )
    if ctx.ledger and capture.ref.status == 200:
        # A 200 page at an article-shaped URL that is no article: the pattern is looser than the site.
        reason = result.reason if isinstance(result, NotArticle) else None
        if reason is None or (reason in _NOT_ARTICLE and source.is_article_url(url)):
            ctx.ledger.set_not_article(url, source.id, reason)
    if not isinstance(result, Article):
        if result.reason == "error-page":
            _remove(ctx, url, capture, "error-page")
            return
        ctx.stats.skipped[result.reason] += 1
        if result.reason in ("not-article-url", "listing") and capture.ref.status == 200 and ctx.ledger:
            dates = listing_dates(capture.body, capture.url, capture.headers, source, captured_at=when)
            ctx.ledger.add_listing_dates(dates)
        return
    rid = record_id(result.canonical_url)
    repost_of: str | None = None
    if ctx.ledger and not ctx.store.exists(rid):
        twin = _known_twin(ctx, url, rid) or find_twin(ctx.ledger, ctx.store, source.id, result.content, rid)
        if twin is not None and twin.source == source.id:
            # The same article under another URL of the same source: one record, every URL kept.
            ctx.ledger.add_alias(url, twin.id)
            ctx.store.add_url(twin.id, result.canonical_url, when)
            ctx.stats.changes[DUPLICATE] += 1
            ctx.stats.changed_ids.add(twin.id)
            return
        repost_of = twin.id if twin is not None else None
    if ctx.ledger:
        ctx.ledger.add_alias(url, rid)
    record, change = ctx.store.apply(
        canonical_url=result.canonical_url,
        content=with_texts(result.content, ledger_lookup(ctx.ledger)) if ctx.ledger else result.content,
        capture=capture.ref,
        source=source,
        parser_version=template.parser_version(PARSER_VERSION),
        extractor=result.extractor,
        refreshed=_reparse_latest(ctx, rid, capture, source),
        repost_of=repost_of,
    )
    if ctx.ledger:
        # A page counts once for its source's template: when this ledger first meets its record (a
        # ledger made again over an existing store counts the same pages as the first one did).
        if not ctx.ledger.knows_article(record.id):
            ctx.ledger.observe(source.id, result.observed)
        day = record.published.date().isoformat() if record.published else None
        ctx.ledger.add_article(record.id, source.id, title_key(record.title), day)
    ctx.stats.changes[change] += 1
    if change != Change.UNCHANGED:
        ctx.stats.changed_ids.add(record.id)


def _known_twin(ctx: _Context, url: str, rid: str) -> Record | None:
    """The record an earlier capture of ``url`` was merged into, if any (its content may have moved on
    since, but it stays the same article)."""
    alias = ctx.ledger.alias(url) if ctx.ledger else None
    return ctx.store.find(alias) if alias is not None and alias != rid else None


def _reparse_latest(
    ctx: _Context, rid: str, capture: Capture | None, source: Source
) -> tuple[Content, str | None] | None:
    """The current version's capture parsed by this parser with the source's current template, when
    another parser or template made that version (None when it is current, or ``capture`` is it)."""
    current = ctx.store.find(rid)
    template = ctx.template(source)
    if current is None or ctx.warc_dir is None:
        return None
    if current.parser_version == template.parser_version(PARSER_VERSION):
        return None
    if capture is not None and current.capture.warc_record_id == capture.ref.warc_record_id:
        return None
    try:
        old = read_capture(ctx.warc_dir, current.capture)
    except WarcError as exc:
        log.warning("cannot re-read %s for %s: %s", current.capture.warc_file, rid, exc)
        return None
    listing_date = ctx.ledger.listing_date(canonicalize_url(old.url)) if ctx.ledger else None
    result = parse_archived(old, source, listing_date=listing_date, template=template)
    if not isinstance(result, Article):
        return None
    content = with_texts(result.content, ledger_lookup(ctx.ledger)) if ctx.ledger else result.content
    return content, result.extractor


def _refresh_learnt(ctx: _Context) -> None:
    """Re-parse the current version of every record of the sources whose template was learnt anew, so
    that every record is what the parser makes of it with what is known now. An incremental run and
    ``parse --all`` then agree: each refreshes exactly the records made with another template. A source
    stays marked in the ledger until its refresh is complete, so a killed run's refresh is redone."""
    if ctx.ledger is None:
        return
    for source_id in ctx.ledger.stale_sources():
        source = ctx.registry.sources.get(source_id)
        if source is None:
            continue
        version = ctx.template(source).parser_version(PARSER_VERSION)
        for rid in ctx.ledger.records_of(source_id):
            refreshed = _reparse_latest(ctx, rid, None, source)
            if refreshed is not None and ctx.store.refresh(rid, *refreshed, parser_version=version):
                ctx.stats.changes[REFRESHED] += 1
                ctx.stats.changed_ids.add(rid)
        ctx.ledger.refreshed(source_id)


def ingest_files(
    paths: Iterable[Path],
    registry: Registry,
    store: RecordStore,
    *,
    ledger: Ledger | None = None,
    warc_dir: Path | None = None,
) -> IngestStats:
    """Ingest the given WARC files in order; an unreadable file is reported, not fatal.

    With a ``ledger``, files it lists as ingested (same name and size) are skipped, and each file read
    to its end is added to it.
    """
    ctx = _Context(registry, store, IngestStats(), ledger, warc_dir)
    for path in paths:
        if ledger is not None and ledger.has_file(path):
            ctx.stats.files_known += 1
            continue
        ctx.stats.files += 1
        try:
            for capture in iter_captures(path):
                _ingest(capture, ctx)
        except WarcError as exc:
            log.error("%s", exc)
            ctx.stats.errors.append(str(exc))
            continue
        if ledger is not None:
            ledger.add_file(path)
    _refresh_learnt(ctx)
    return ctx.stats


def ingest(home: DataHome, registry: Registry, *, rebuild: bool = False) -> IngestStats:
    """Parse every WARC file of the home into records.

    Without ``rebuild``, records are merged into the existing store, reading only WARC files no earlier
    run ingested (idempotent: captures already merged change nothing). With ``rebuild``, the records are
    built from scratch in a new directory that replaces the old one only when the whole run succeeded, so
    a failed rebuild loses nothing.
    """
    files = warc_files(home.warc_dir)
    if not rebuild:
        home.records_dir.mkdir(parents=True, exist_ok=True)
        with Ledger.open(home.records_dir) as ledger:
            return ingest_files(
                files, registry, RecordStore(home.records_dir), ledger=ledger, warc_dir=home.warc_dir
            )
    staging = home.records_dir.with_name(home.records_dir.name + ".rebuild")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    with Ledger.open(staging) as ledger:
        stats = ingest_files(files, registry, RecordStore(staging), ledger=ledger, warc_dir=home.warc_dir)
    if stats.errors:
        shutil.rmtree(staging, ignore_errors=True)
        return stats
    old = home.records_dir.with_name(home.records_dir.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if home.records_dir.exists():
        home.records_dir.rename(old)
    staging.rename(home.records_dir)
    shutil.rmtree(old, ignore_errors=True)
    return stats
