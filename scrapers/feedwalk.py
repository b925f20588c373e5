"""Feeds and sitemaps within one source's crawl: new entries fetched, changed ones re-checked.

A sitemap index is followed (same host, two levels at most); a child sitemap whose ``<lastmod>`` is not
later than our last read of it is skipped. Feeds and sitemaps are fetched conditionally; a 304 means
nothing new. The feed is parsed in a worker thread, off the event loop the run's sources share.

This module sees the source's walk only as a :class:`~scrapers.services.FeedWalker`.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from archive.urls import same_host
from scrapers.feeds import Feed, parse_feed
from scrapers.fetch import FetchResult, decoded_body
from scrapers.services import FeedWalker
from scrapers.state import UrlState, parse_stamp

MAX_DEPTH = 2


def conditional(previous: UrlState | None) -> dict[str, str] | None:
    """If-None-Match / If-Modified-Since for a URL with a stored capture; None without one."""
    if previous is None or previous.warc_file is None:
        return None
    headers = {}
    if previous.etag:
        headers["If-None-Match"] = previous.etag
    if previous.last_modified:
        headers["If-Modified-Since"] = previous.last_modified
    return headers or None


def changed_since(modified: datetime | None, since: str | None) -> bool | None:
    """Whether a feed/sitemap date is later than a state time; None when either is missing."""
    if modified is None or since is None:
        return None
    return modified > parse_stamp(since)


async def read_feed(walk: FeedWalker, url: str, kind: str, depth: int = 0) -> None:
    """Read one feed or sitemap (``kind``) of ``walk``'s source and fetch what it lists."""
    settings, state, recorder, source = walk.settings, walk.state, walk.recorder, walk.source
    result = await walk.get(
        url,
        kind,
        accept=settings.feed_types,
        max_bytes=settings.max_feed_bytes,
        conditional=conditional(state.get(url)),
    )
    if result is None or walk.off_host(result, kind):
        return
    if result.status == 304:
        recorder.not_modified(url, source=source.id, kind=kind, recheck_after=walk.recheck_after)
        return
    recorder.save(result, source=source.id, kind=kind, recheck_after=walk.recheck_after)
    if result.status != 200:
        walk.report.error(f"{url}: HTTP {result.status}")
        return
    feed = await asyncio.to_thread(_parse, result, settings.max_decoded)
    if feed.kind == "unknown":
        walk.report.error(f"{url}: not an RSS/Atom feed or a sitemap")
        return
    if feed.kind == "sitemapindex":
        if depth >= MAX_DEPTH:
            walk.report.error(f"{url}: sitemap indexes nested too deep")
            return
        for entry in feed.entries:
            if entry.url in walk.pages or not same_host(entry.url, url):
                continue
            child = state.get(entry.url)
            # A child the index says has not changed since we read it is skipped.
            if child is None or changed_since(entry.modified, child.last_fetch) is not False:
                walk.pages.add(entry.url)
                await read_feed(walk, entry.url, "sitemap", depth + 1)
        return
    entries = [e for e in feed.entries if walk.on_site(e.url)]
    urls = walk.take_listed([e.url for e in entries])
    known = state.attempted(urls)
    for entry in entries:
        # The feed dates the entry after our capture: re-check it in this run, not when it falls due.
        if entry.modified is not None and entry.url not in walk.handled:
            row = state.get(entry.url)
            if row is not None and changed_since(entry.modified, row.captured_at):
                state.make_due(entry.url)
    await walk.fetch_new_articles([u for u in urls if u not in known])


def _parse(result: FetchResult, max_decoded: int) -> Feed:
    return parse_feed(decoded_body(result.final, max_decoded), result.final.url, max_decoded)
