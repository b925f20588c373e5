"""Feeds and sitemaps of a site, kept when they list its articles.

Feeds: those the homepage and the listings declare, else the default feed paths of the site's CMS family
(:func:`.entries.family_feeds`). Sitemaps: those robots.txt names, else ``/sitemap.xml`` (and WordPress's
``/wp-sitemap.xml``). Each is fetched and parsed (:func:`scrapers.feeds.parse_feed`); a feed is kept when
most of its entries match the article pattern, a sitemap when any does (a sitemap index: its first
sitemap that does).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urlsplit, urlunsplit

from archive.urls import same_host
from scrapers.feeds import parse_feed
from scrapers.onboard.client import SiteClient
from scrapers.onboard.shapes import target

MAX_FEEDS: Final = 3
MAX_SITEMAPS: Final = 2
_FEED_SHARE: Final = 0.5


@dataclass
class Declared:
    """Feeds and sitemaps kept, and one line per thing checked."""

    feeds: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


def _matching(urls: list[str], pattern: str, site: str) -> int:
    return sum(1 for u in urls if same_host(u, site) and re.search(pattern, target(u)))


async def check_feeds(
    client: SiteClient, candidates: list[str], pattern: str, site: str, out: Declared
) -> None:
    for url in candidates[:MAX_FEEDS]:
        page = await client.get(
            url, accept=client.settings.feed_types, max_bytes=client.settings.max_feed_bytes
        )
        if page is None or page.status != 200:
            continue
        feed = parse_feed(page.body, page.url)
        if feed.kind not in ("rss", "atom") or not feed.entries:
            continue
        entries = [e.url for e in feed.entries]
        hits = _matching(entries, pattern, site)
        out.lines.append(f"feed {page.url}: {feed.kind}, {hits} of {len(entries)} entries match the pattern")
        if hits and hits >= _FEED_SHARE * len(entries):
            out.feeds.append(page.url)


def sitemap_candidates(homepage: str, declared: list[str], family: str | None) -> list[str]:
    parts = urlsplit(homepage)
    root = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
    own = [u for u in declared if same_host(u, homepage)]
    if own:
        return own
    return ([root + "/wp-sitemap.xml"] if family == "wordpress" else []) + [root + "/sitemap.xml"]


async def check_sitemaps(
    client: SiteClient, candidates: list[str], pattern: str, site: str, out: Declared
) -> None:
    for url in candidates[:MAX_SITEMAPS]:
        page = await client.get(
            url, accept=client.settings.feed_types, max_bytes=client.settings.max_feed_bytes
        )
        if page is None or page.status != 200:
            continue
        sitemap = parse_feed(page.body, page.url)
        if sitemap.kind == "sitemapindex":
            children = sorted(
                (e.url for e in sitemap.entries), key=lambda u: not re.search(r"post|news|tin|article", u)
            )
            for child in children[:2]:
                inner = await client.get(
                    child, accept=client.settings.feed_types, max_bytes=client.settings.max_feed_bytes
                )
                entries = (
                    [e.url for e in parse_feed(inner.body, inner.url).entries]
                    if inner and inner.status == 200
                    else []
                )
                hits = _matching(entries, pattern, site)
                if hits:
                    out.lines.append(f"sitemap index {page.url}: {child} lists {hits} matching article(s)")
                    out.sitemaps.append(page.url)
                    break
            else:
                out.lines.append(f"sitemap index {page.url}: no sitemap checked lists a matching article")
        elif sitemap.kind == "urlset":
            entries = [e.url for e in sitemap.entries]
            hits = _matching(entries, pattern, site)
            out.lines.append(f"sitemap {page.url}: {hits} of {len(entries)} URLs match the pattern")
            if hits:
                out.sitemaps.append(page.url)
        if out.sitemaps:
            return
