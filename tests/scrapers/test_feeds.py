"""Feeds and sitemaps: RSS 2.0, RSS 1.0, Atom, sitemap, sitemap index, gzip, hostile XML."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

from scrapers.feeds import gunzip_if_needed, parse_feed

BASE = "https://so.example.gov.vn/rss"


def test_rss2() -> None:
    xml = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Tin</title>
    <item><title>Hội nghị</title><link>https://so.example.gov.vn/tin/a-1.html?utm_source=rss</link>
    <pubDate>Mon, 05 Jul 2010 07:30:00 GMT</pubDate></item>
    <item><title>b</title><guid>https://so.example.gov.vn/tin/b-2.html</guid></item>
    <item><title>c</title><guid isPermaLink="false">123</guid></item>
    </channel></rss>""".encode()
    feed = parse_feed(xml, BASE)
    assert feed.kind == "rss"
    assert [e.url for e in feed.entries] == [
        "https://so.example.gov.vn/tin/a-1.html",
        "https://so.example.gov.vn/tin/b-2.html",
    ]
    assert feed.entries[0].modified == datetime(2010, 7, 5, 7, 30, tzinfo=UTC)


def test_rss1_rdf() -> None:
    xml = b"""<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"><item rdf:about="https://so.example.gov.vn/a-1.html">
    <title>a</title><link>https://so.example.gov.vn/a-1.html</link><dc:date>2024-03-01T08:00:00+07:00</dc:date>
    </item></rdf:RDF>"""
    feed = parse_feed(xml, BASE)
    assert feed.kind == "rss"
    assert feed.entries[0].url == "https://so.example.gov.vn/a-1.html"
    assert feed.entries[0].modified == datetime(2024, 3, 1, 1, 0, tzinfo=UTC)


def test_atom() -> None:
    xml = b"""<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>a</title>
    <link rel="enclosure" href="/a.pdf"/><link href="/tin/a-1.html"/><updated>2024-01-02T03:04:05Z</updated>
    </entry></feed>"""
    feed = parse_feed(xml, BASE)
    assert feed.kind == "atom"
    assert [e.url for e in feed.entries] == ["https://so.example.gov.vn/tin/a-1.html"]


def test_sitemap_and_index_gzip() -> None:
    urlset = (
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>https://so.example.gov.vn/a-1.html</loc><lastmod>2024-05-01</lastmod></url>"
        b"<url><loc> https://so.example.gov.vn/b-2.html </loc></url><url><lastmod>x</lastmod></url></urlset>"
    )
    feed = parse_feed(gzip.compress(urlset), BASE)
    assert feed.kind == "urlset"
    assert [e.url for e in feed.entries] == [
        "https://so.example.gov.vn/a-1.html",
        "https://so.example.gov.vn/b-2.html",
    ]
    assert feed.entries[0].modified == datetime(2024, 5, 1, tzinfo=UTC)
    index = b"<sitemapindex><sitemap><loc>/sitemap-1.xml.gz</loc></sitemap></sitemapindex>"
    parsed = parse_feed(index, "https://so.example.gov.vn/sitemap.xml")
    assert parsed.kind == "sitemapindex"
    assert parsed.entries[0].url == "https://so.example.gov.vn/sitemap-1.xml.gz"


def test_not_a_feed() -> None:
    assert parse_feed("<html><body>Trang chủ</body></html>".encode(), BASE).kind == "unknown"
    assert parse_feed(b"", BASE).kind == "unknown"
    assert parse_feed(b"\x1f\x8bnot gzip at all", BASE).kind == "unknown"


def test_entities_are_not_expanded() -> None:
    laughs = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">
    <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;">]><rss><channel><item><link>http://h/&c;</link></item></channel></rss>"""
    feed = parse_feed(laughs, BASE)
    assert all(len(e.url) < 200 for e in feed.entries)


def test_gzip_limit() -> None:
    assert len(gunzip_if_needed(gzip.compress(b"x" * 10_000), 100)) == 100
    assert gunzip_if_needed(b"plain", 100) == b"plain"
