"""The crawler forgives a loose article pattern: a page that matches it but is a listing is read as one.

The site: a listing ``/tin-tuc`` links three articles and a category page ``/tin-tuc/hoat-dong-so.html``
that a hand-written ``\\.html$`` also matches; the category lists five more articles, found nowhere else.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from conftest import ScriptedServer, send

from archive.home import DataHome
from archive.ingest import ingest
from archive.ledger import not_article_counts
from archive.sources import parse_sources
from archive.warc import WarcWriter
from scrapers.crawl import Crawler
from scrapers.report import SourceReport
from scrapers.settings import CrawlSettings
from scrapers.state import CrawlState

FAST = CrawlSettings(delay=0, backoff=0.01, retries=1, read_timeout=5, connect_timeout=2)
HTML = {"Content-Type": "text/html; charset=utf-8"}
SENTENCE = (
    "Sở đã tổ chức hội nghị triển khai nhiệm vụ trọng tâm với sự tham dự của lãnh đạo các phòng, ban và "
    "đơn vị trực thuộc, thảo luận các giải pháp cụ thể cho từng lĩnh vực."
)


def _page(title: str, main: str) -> bytes:
    return (
        f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>'
        f'<div id="menu"><a href="/">Trang chủ</a> <a href="/tin-tuc">Tin tức</a></div>'
        f'<div id="main">{main}</div><div id="footer">Sở Thông tin và Truyền thông tỉnh X</div>'
        "</body></html>"
    ).encode()


def _teasers(slugs: list[str]) -> str:
    items = "".join(
        f'<div class="item"><h3><a href="/tin-tuc/{s}.html">Tin {s} về hoạt động của Sở</a></h3>'
        f'<span class="date">0{i + 1}/03/2025</span><p>Tóm tắt tin {s}.</p></div>'
        for i, s in enumerate(slugs)
    )
    return f'<div class="list">{items}</div>'


def _article(slug: str) -> bytes:
    body = "".join(f"<p>{SENTENCE} Đoạn {n} của tin {slug}.</p>" for n in range(4))
    return _page(
        f"Tin {slug}", f'<h1>Tin {slug} về hoạt động của Sở</h1><div class="date">05/03/2025</div>{body}'
    )


def _site(server: ScriptedServer, category: list[str]) -> None:
    server.routes["/robots.txt"] = lambda h: send(
        h, 200, b"User-agent: *\nDisallow:", {"Content-Type": "text/plain"}
    )
    main = ["tin-a", "tin-b", "tin-c"]
    listing = _teasers(main) + '<p><a href="/tin-tuc/hoat-dong-so.html">Hoạt động của Sở</a></p>'
    pages = {
        "/tin-tuc": _page("Tin tức", listing),
        "/tin-tuc/hoat-dong-so.html": _page("Hoạt động", _teasers(category)),
    }
    pages |= {f"/tin-tuc/{s}.html": _article(s) for s in [*main, *category]}
    for path, body in pages.items():
        server.routes[path] = lambda h, b=body: send(h, 200, b, HTML)


def _toml(server: ScriptedServer) -> str:
    return (
        '[[source]]\nid = "loose"\nname = "Sở X"\ndepartment = "Sở X"\njurisdiction = "Tỉnh X"\n'
        f'homepage = "{server.url}/"\nlistings = ["{server.url}/tin-tuc"]\n'
        "article_pattern = '\\.html$'\ndelay = 0.0\n"
    )


def _crawl(home: Path, toml: str) -> SourceReport:
    sources = list(parse_sources(toml).sources.values())
    with CrawlState(home / "state.sqlite") as state, WarcWriter(home / "warc") as writer:
        return asyncio.run(Crawler(FAST, state, writer).run(sources))["loose"]


def test_a_listing_the_pattern_matches_is_read_as_a_listing(tmp_path: Path, server: ScriptedServer) -> None:
    category = ["tin-d", "tin-e", "tin-f", "tin-g", "tin-h"]
    _site(server, category)
    report = _crawl(tmp_path, _toml(server))
    assert report.failed == 0, report.errors
    assert report.not_articles == 1
    assert report.new == 8  # three from the listing, five from the category page only
    assert all(server.hits.get(f"/tin-tuc/{s}.html") == 1 for s in ["tin-a", *category])
    with CrawlState(tmp_path / "state.sqlite") as state:
        row = state.get(server.url + "/tin-tuc/hoat-dong-so.html")
        assert row is not None
        assert row.kind == "listing"
        assert state.count("loose", "article", stored=True) == 8

    # Parsed, the category page is no record, and the source's health counts it.
    registry = parse_sources(_toml(server))
    home = DataHome(tmp_path)
    stats = ingest(home, registry)
    assert sum(stats.changes.values()) == 8
    assert not_article_counts(home.records_dir) == {"loose": 1}

    # A later run walks the category again (it is a listing now) and finds what it newly lists.
    _site(server, ["tin-i", *category])
    report = _crawl(tmp_path, _toml(server))
    assert report.new == 1
    assert server.hits.get("/tin-tuc/tin-i.html") == 1
