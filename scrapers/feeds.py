"""Feeds and sitemaps: article URLs (and their dates) from RSS 2.0, RSS 1.0/RDF, Atom and sitemaps.

Pure functions of a document's bytes. Parsing never resolves entities nor touches the network (the
documents come from the sites being crawled). Gzip is undone here when the bytes start with its magic
number (``sitemap.xml.gz`` served as a file rather than with ``Content-Encoding``), up to a limit.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from lxml import etree

from archive.urls import canonicalize_url

_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class FeedEntry:
    """One URL a feed or sitemap lists, with the date it gives (publication or last modification)."""

    url: str
    modified: datetime | None = None


@dataclass(frozen=True)
class Feed:
    """What a feed or sitemap document holds.

    ``kind`` is ``rss``, ``atom``, ``urlset`` (a sitemap), ``sitemapindex`` (its entries are sitemaps)
    or ``unknown`` (not a feed: HTML, broken XML); ``entries`` in document order.
    """

    kind: str
    entries: list[FeedEntry] = field(default_factory=list)


def gunzip_if_needed(data: bytes, limit: int) -> bytes:
    """``data`` inflated when it is gzip (magic number), at most ``limit`` bytes; else unchanged."""
    if not data.startswith(_GZIP_MAGIC):
        return data
    try:
        return zlib.decompressobj(47).decompress(data, limit)
    except zlib.error:
        return b""


def _local(tag: object) -> str:
    return etree.QName(tag).localname.lower() if isinstance(tag, str) else ""


def _date(text: str | None) -> datetime | None:
    if not text or not text.strip():
        return None
    text = text.strip()
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            value = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _child_text(element: etree._Element, *names: str) -> str | None:
    for child in element:
        if _local(child.tag) in names and child.text and child.text.strip():
            return str(child.text).strip()
    return None


def _url(raw: str | None, base: str) -> str | None:
    if not raw:
        return None
    try:
        url = canonicalize_url(raw.strip(), base=base)
    except ValueError:
        return None
    return url if url.startswith(("http://", "https://")) else None


def parse_feed(data: bytes, url: str, limit: int = 50 * 1024 * 1024) -> Feed:
    """Parse an RSS/Atom feed or a sitemap (index); ``kind`` ``unknown`` when it is none of them."""
    data = gunzip_if_needed(data, limit)
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, recover=True, huge_tree=False, remove_comments=True
    )
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError):
        return Feed("unknown")
    if root is None:
        return Feed("unknown")
    kind = _local(root.tag)
    if kind in ("urlset", "sitemapindex"):
        return Feed(kind, _sitemap_entries(root, url, "url" if kind == "urlset" else "sitemap"))
    if kind in ("rss", "rdf"):
        return Feed("rss", _rss_entries(root, url))
    if kind == "feed":
        return Feed("atom", _atom_entries(root, url))
    return Feed("unknown")


def _sitemap_entries(root: etree._Element, base: str, item: str) -> list[FeedEntry]:
    entries: list[FeedEntry] = []
    for element in root:
        if _local(element.tag) != item:
            continue
        url = _url(_child_text(element, "loc"), base)
        if url is not None:
            entries.append(FeedEntry(url, _date(_child_text(element, "lastmod"))))
    return entries


def _rss_entries(root: etree._Element, base: str) -> list[FeedEntry]:
    entries: list[FeedEntry] = []
    for element in root.iter():
        if _local(element.tag) != "item":
            continue
        raw = _child_text(element, "link")
        if raw is None:
            # RSS allows a permalink guid instead of a link.
            guid = next((c for c in element if _local(c.tag) == "guid"), None)
            if guid is not None and guid.get("isPermaLink", "true") != "false":
                raw = (guid.text or "").strip() or None
        if raw is None:
            raw = element.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about")
        url = _url(raw, base)
        if url is not None:
            entries.append(FeedEntry(url, _date(_child_text(element, "pubdate", "date", "updated"))))
    return entries


def _atom_entries(root: etree._Element, base: str) -> list[FeedEntry]:
    entries: list[FeedEntry] = []
    for element in root:
        if _local(element.tag) != "entry":
            continue
        href: str | None = None
        for link in element:
            if _local(link.tag) == "link" and link.get("rel", "alternate") == "alternate":
                href = link.get("href")
                break
        url = _url(href, base)
        if url is not None:
            entries.append(FeedEntry(url, _date(_child_text(element, "updated", "published"))))
    return entries
