"""The crawler against local sites: discovery, dedup, incremental runs, re-checks, politeness, failures."""

from __future__ import annotations

import asyncio
import gzip
import itertools
import json
import subprocess
import sys
import tracemalloc
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import NewsSite, ScriptedServer, send

from archive.sources import parse_sources
from archive.warc import Capture, WarcWriter, iter_captures, warc_files
from scrapers.crawl import Crawler
from scrapers.politeness import HostGate, host_key
from scrapers.report import SourceReport
from scrapers.settings import CrawlSettings
from scrapers.state import CrawlState

FAST = CrawlSettings(delay=0, backoff=0.01, retries=1, read_timeout=5, connect_timeout=2)


def crawl(
    home: Path,
    toml: str,
    settings: CrawlSettings = FAST,
    clock: Callable[[], datetime] | None = None,
) -> SourceReport:
    """One run over the registry's single source; returns its report."""
    sources = list(parse_sources(toml).sources.values())
    with (
        CrawlState(home / "state.sqlite", clock=clock) as state,
        WarcWriter(home / "warc", max_file_size=settings.warc_max_file_size) as writer,
    ):
        reports = asyncio.run(Crawler(settings, state, writer).run(sources))
    return reports[sources[0].id]


def captures(home: Path, file: int | None = None) -> list[Capture]:
    files = warc_files(home / "warc")
    chosen = files if file is None else [files[file]]
    return [c for f in chosen for c in iter_captures(f)]


def responses(home: Path, file: int | None = None) -> Counter[str]:
    return Counter(c.url for c in captures(home, file) if c.record_type == "response")


def test_first_crawl_captures_every_article_once(tmp_path: Path, news_site: NewsSite) -> None:
    report = crawl(tmp_path, news_site.source_toml())
    assert report.failed == 0, report.errors
    assert report.new == 25
    assert report.listing_pages == 3
    assert report.attachments == 5
    stored = responses(tmp_path)
    articles = news_site.article_urls()
    # Links with tracking parameters and fragments, sidebars repeating the newest: one fetch each.
    assert {u for u in stored if "/tin-tuc/" in u and u.endswith(".html")} == articles
    assert all(stored[u] == 1 for u in articles)
    assert all(news_site.hits[u.removeprefix(news_site.url)] == 1 for u in articles)
    assert not any("utm_" in path for path in news_site.hits)
    assert sum(1 for u in stored if u.endswith(".pdf")) == 5
    with CrawlState(tmp_path / "state.sqlite") as state:
        rows = {r.url: r for r in state.rows()}
    assert all(rows[u].status == 200 and rows[u].warc_file and rows[u].etag for u in articles)
    check = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", *map(str, warc_files(tmp_path / "warc"))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_incremental_run_fetches_new_articles_and_stops_paging(tmp_path: Path) -> None:
    site = NewsSite(60, page_size=10)
    try:
        crawl(tmp_path, site.source_toml())
        assert site.hits["/tin-tuc?page=5"] == 1
        site.add(3)
        site.hits.clear()
        report = crawl(tmp_path, site.source_toml(stop_after_known_pages=1))
        assert report.new == 3
        # Page 0 had new articles, page 1 only known ones: paging stops there.
        assert [p for p in site.hits if p.startswith("/tin-tuc?") or p == "/tin-tuc"] == [
            "/tin-tuc",
            "/tin-tuc?page=1",
        ]
        assert responses(tmp_path, -1).keys() >= {site.url + a.path for a in site.articles[:3]}
        site.add(1)
        site.hits.clear()
        crawl(tmp_path, site.source_toml(stop_after_known_pages=3))
        assert "/tin-tuc?page=3" in site.hits
        assert "/tin-tuc?page=4" not in site.hits
    finally:
        site.close()


def test_max_pages_leaves_a_continuation_for_the_next_runs(tmp_path: Path) -> None:
    site = NewsSite(50, page_size=10)
    settings = FAST.model_copy(update={"max_pages": 2})
    try:
        counts = [crawl(tmp_path, site.source_toml(), settings).new for _ in range(3)]
    finally:
        site.close()
    assert counts == [20, 20, 10]
    assert set(responses(tmp_path)) >= site.article_urls()


def test_recheck_conditional_304_revisit_update_and_removal(tmp_path: Path, news_site: NewsSite) -> None:
    now = [datetime.now(UTC)]
    crawl(tmp_path, news_site.source_toml(), clock=lambda: now[0])
    edited, same_body, removed = news_site.articles[0], news_site.articles[1], news_site.articles[2]
    edited.edit()
    same_body.version += 1  # a new ETag, the same bytes: stored as a revisit
    removed.status = 404
    news_site.log.clear()
    now[0] += timedelta(days=8)
    report = crawl(tmp_path, news_site.source_toml(), clock=lambda: now[0])
    assert (report.updated, report.removed, report.failed) == (1, 1, 0)
    rechecks = [h for _, path, h in news_site.log if path.endswith(".html")]
    assert len(rechecks) == 25
    assert all("If-None-Match" in h and "If-Modified-Since" in h for h in rechecks)
    last = {c.url: c for c in captures(tmp_path, -1) if c.url.endswith(".html")}
    assert set(last) == {news_site.url + a.path for a in (edited, same_body, removed)}
    assert last[news_site.url + edited.path].record_type == "response"
    assert last[news_site.url + same_body.path].record_type == "revisit"
    assert last[news_site.url + removed.path].ref.status == 404
    with CrawlState(tmp_path / "state.sqlite") as state:
        untouched = state.get(news_site.url + news_site.articles[5].path)
    assert untouched is not None
    assert untouched.status == 304  # recorded, not stored
    assert untouched.warc_file == warc_files(tmp_path / "warc")[0].name
    assert untouched.next_due is not None
    # Not due again right away.
    news_site.log.clear()
    crawl(tmp_path, news_site.source_toml(), clock=lambda: now[0])
    assert not [p for _, p, _ in news_site.log if p.endswith(".html")]


def test_rechecks_per_run_are_capped(tmp_path: Path, news_site: NewsSite) -> None:
    now = [datetime.now(UTC)]
    crawl(tmp_path, news_site.source_toml(recheck_after="1d"), clock=lambda: now[0])
    now[0] += timedelta(days=2)
    news_site.log.clear()
    crawl(tmp_path, news_site.source_toml(), FAST.model_copy(update={"max_rechecks": 4}), lambda: now[0])
    assert len([p for _, p, _ in news_site.log if p.endswith(".html")]) == 4


def test_feeds_and_sitemaps(tmp_path: Path, news_site: NewsSite) -> None:
    empty = news_site.url + "/tin-tuc?page=99"
    toml = news_site.source_toml(feeds=[news_site.url + "/rss.xml"]).replace(
        news_site.url + "/tin-tuc", empty
    )
    assert crawl(tmp_path / "a", toml).new == 10  # the feed lists the 10 newest
    toml = news_site.source_toml(sitemaps=[news_site.url + "/sitemap.xml"]).replace(
        news_site.url + "/tin-tuc", empty
    )
    report = crawl(tmp_path / "b", toml)
    assert report.new == 25  # the gzipped child of the sitemap index lists them all
    assert report.failed == 0
    # The feed says an article changed after we captured it: re-checked in this run, not in 7 days.
    news_site.articles[0].edit()
    news_site.articles[0].modified = datetime.now(UTC) + timedelta(hours=1)
    report = crawl(tmp_path / "a", news_site.source_toml(feeds=[news_site.url + "/rss.xml"]))
    assert report.updated == 1


def _mini_site(server: ScriptedServer, pages: dict[str, tuple[int, bytes, dict[str, str]]]) -> None:
    server.routes["/robots.txt"] = lambda h: send(
        h, 200, b"User-agent: *\nDisallow:", {"Content-Type": "text/plain"}
    )
    for path, (status, body, headers) in pages.items():
        server.routes[path] = lambda h, s=status, b=body, hd=headers: send(h, s, b, hd)


def _toml(server: ScriptedServer, listing: str = "/list", **extra: str) -> str:
    lines = [
        "[[source]]",
        'id = "mini"',
        'name = "Sở X"',
        'department = "Sở X"',
        'jurisdiction = "Tỉnh X"',
        f'homepage = "{server.url}/"',
        f'listings = ["{server.url}{listing}"]',
        "article_pattern = '-\\d+\\.html$'",
        "delay = 0.0",
        *(f"{k} = {v}" for k, v in extra.items()),
    ]
    return "\n".join(lines) + "\n"


def test_a_pattern_that_matches_the_pager_still_pages(tmp_path: Path, server: ScriptedServer) -> None:
    # A hand-written ".html$" also matches "trang-2.html": page 2 must be read as a listing.
    html = "text/html; charset=utf-8"

    def listing(items: list[str], pager: str) -> bytes:
        links = "".join(f'<li><a href="/tin-tuc/{i}.html">Bài {i}</a></li>' for i in items)
        return (
            f'<html><head><meta charset="utf-8"></head><body><ul>{links}</ul>{pager}</body></html>'.encode()
        )

    def article(name: str) -> bytes:
        return f"<html><body><h1>Bài {name}</h1><p>Nội dung bài {name}.</p></body></html>".encode()

    names = ["a", "b", "c", "d", "e", "f", "g"]
    pager = '<div class="pagination"><a href="/tin-tuc/trang-{n}.html">{n}</a>{extra}</div>'
    pages: dict[str, tuple[int, bytes, dict[str, str]]] = {
        "/tin-tuc": (
            200,
            listing(names[:3], pager.format(n=2, extra='<a href="/tin-tuc/trang-2.html">Trang sau ›</a>')),
            {"Content-Type": html},
        ),
        "/tin-tuc/trang-2.html": (
            200,
            listing(names[3:6], pager.format(n=3, extra='<a href="/tin-tuc/trang-3.html">›</a>')),
            {"Content-Type": html},
        ),
        "/tin-tuc/trang-3.html": (200, listing(names[6:], ""), {"Content-Type": html}),
    }
    pages |= {f"/tin-tuc/{n}.html": (200, article(n), {"Content-Type": html}) for n in names}
    _mini_site(server, pages)
    report = crawl(tmp_path, _toml(server, "/tin-tuc").replace("-\\d+\\.html$", "\\.html$"))
    assert report.new == len(names)  # every article of every page
    assert all(server.hits.get(f"/tin-tuc/{n}.html") == 1 for n in names)
    assert server.hits.get("/tin-tuc/trang-2.html") == 1
    with CrawlState(tmp_path / "state.sqlite") as state:
        page2 = state.get(server.url + "/tin-tuc/trang-2.html")
    assert page2 is not None
    assert page2.kind == "listing"


def test_a_charset_named_only_in_http_still_finds_the_next_page(
    tmp_path: Path, server: ScriptedServer
) -> None:
    # No <meta charset>: the page is UTF-8 by its Content-Type header only, and its one paging link is
    # "Trang sau ›" (read as Latin-1, "Trang sau â€º" is no next link and paging would stop).
    utf8 = {"Content-Type": "text/html; charset=utf-8"}

    def listing(n: int, more: bool) -> bytes:
        # "start=" is no page number deptnews knows: only the link's text says it is the next page
        pager = f'<a href="/list?start={n * 10}">Trang sau ›</a>' if more else ""
        return f'<html><body><a href="/a-{n}1.html">Bài {n}</a>{pager}</body></html>'.encode()

    _mini_site(
        server,
        {
            "/list": (200, listing(1, True), utf8),
            "/list?start=10": (200, listing(2, False), utf8),
            **{f"/a-{n}1.html": (200, b"<html><body><p>x</p></body></html>", utf8) for n in (1, 2)},
        },
    )
    report = crawl(tmp_path, _toml(server))
    assert server.hits.get("/list?start=10") == 1
    assert report.new == 2


def test_rel_canonical_alias_is_not_fetched_again(tmp_path: Path, server: ScriptedServer) -> None:
    article = b'<html><head><link rel="canonical" href="/b-1.html"></head><body><p>x</p></body></html>'
    _mini_site(
        server,
        {
            "/list": (200, b'<a href="/a-1.html">a</a> <a href="/b-1.html">b</a>', {}),
            "/a-1.html": (200, article, {}),
            "/b-1.html": (200, article, {}),
        },
    )
    report = crawl(tmp_path, _toml(server))
    assert server.hits.get("/a-1.html") == 1
    assert "/b-1.html" not in server.hits
    assert report.new == 1
    with CrawlState(tmp_path / "state.sqlite") as state:
        alias = state.get(server.url + "/b-1.html")
    assert alias is not None
    assert alias.alias_of == server.url + "/a-1.html"


def test_a_site_misusing_rel_canonical_loses_nothing(tmp_path: Path, server: ScriptedServer) -> None:
    def page(canonical: str) -> tuple[int, bytes, dict[str, str]]:
        return (
            200,
            f'<html><head><link rel="canonical" href="{canonical}"></head><body>x</body></html>'.encode(),
            {},
        )

    _mini_site(
        server,
        {
            "/list": (
                200,
                b'<a href="/a-1.html">a</a> <a href="/b-2.html">b</a> <a href="/c-3.html">c</a>',
                {},
            ),
            "/a-1.html": page("/c-3.html"),  # every article claims to be the newest one
            "/b-2.html": page("/c-3.html"),
            "/c-3.html": page("/c-3.html"),
        },
    )
    report = crawl(tmp_path, _toml(server))
    assert report.new == 3
    assert [server.hits.get(p) for p in ("/a-1.html", "/b-2.html", "/c-3.html")] == [1, 1, 1]


def test_wrong_content_type_is_recorded_not_stored(tmp_path: Path, server: ScriptedServer) -> None:
    _mini_site(
        server,
        {
            "/list": (200, b'<a href="/photo-1.html">a</a>', {}),
            "/photo-1.html": (200, b"\xff\xd8\xff" + b"0" * 5000, {"Content-Type": "image/jpeg"}),
        },
    )
    report = crawl(tmp_path, _toml(server))
    assert (report.skipped_type, report.failed, report.new) == (1, 0, 0)
    assert server.url + "/photo-1.html" not in responses(tmp_path)
    with CrawlState(tmp_path / "state.sqlite") as state:
        row = state.get(server.url + "/photo-1.html")
    assert row is not None
    assert row.status == 200
    assert row.error is not None
    assert "image/jpeg" in row.error
    assert row.warc_file is None


def test_gzip_bomb_page_keeps_memory_bounded(tmp_path: Path, server: ScriptedServer) -> None:
    bomb = gzip.compress(b"<p>" + b" " * (100 * 1024 * 1024), compresslevel=9)
    _mini_site(
        server,
        {
            "/list": (200, b'<a href="/bomb-1.html">a</a>', {}),
            "/bomb-1.html": (200, bomb, {"Content-Encoding": "gzip"}),
        },
    )
    tracemalloc.start()
    try:
        report = crawl(tmp_path, _toml(server), FAST.model_copy(update={"max_decoded": 1024 * 1024}))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.new == 1  # stored raw (compressed) in the WARC; the parser caps decoding too
    assert peak < 40 * 1024 * 1024


def test_redirect_to_another_host_is_reported(tmp_path: Path, server: ScriptedServer) -> None:
    _mini_site(server, {"/list": (301, b"", {"Location": "https://skhcn.example.invalid/tin-tuc"})})
    report = crawl(tmp_path, _toml(server))
    assert report.failed == 1
    assert "redirects to another host: https://skhcn.example.invalid/tin-tuc" in report.errors[0]
    assert any(c.ref.status == 301 for c in captures(tmp_path))  # the answer itself is kept


def test_unreachable_host_abandons_the_source(tmp_path: Path) -> None:
    toml = (
        '[[source]]\nid = "down"\nname = "Sở X"\ndepartment = "Sở X"\njurisdiction = "Tỉnh X"\n'
        'homepage = "http://127.0.0.1:9/"\nlistings = ["http://127.0.0.1:9/tin-tuc"]\n'
        "article_pattern = 'x'\n"
    )
    report = crawl(tmp_path, toml, FAST.model_copy(update={"retries": 0}))
    assert report.failed == 1
    assert "robots.txt unreachable" in report.errors[0]


def test_failing_articles_are_retried_later_and_the_source_abandoned(
    tmp_path: Path, server: ScriptedServer
) -> None:
    links = "".join(f'<a href="/a-{n}.html">{n}</a>' for n in range(10))
    _mini_site(server, {"/list": (200, links.encode(), {})})
    for n in range(10):
        server.routes[f"/a-{n}.html"] = lambda h: send(h, 500, b"oops")
    settings = FAST.model_copy(update={"retries": 0, "max_consecutive_failures": 3})
    report = crawl(tmp_path, _toml(server), settings)
    assert report.failed == 4  # three articles, then the abandonment itself
    assert "3 failures in a row" in report.errors[-1]
    assert not responses(tmp_path).keys() & {f"{server.url}/a-{n}.html" for n in range(10)}
    with CrawlState(tmp_path / "state.sqlite") as state:
        assert len(state.pending("mini", ("article",), 100)) == 7  # due now: never tried
        failed = state.get(server.url + "/a-0.html")
    assert failed is not None
    assert (failed.status, failed.failures) == (None, 1)
    assert failed.next_due is not None
    assert failed.next_due > datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def test_robots_disallow_and_crawl_delay(tmp_path: Path) -> None:
    site = NewsSite(5, attachment_every=100)
    site.robots = "User-agent: *\nDisallow: /tin-tuc/tin-so-3-\nCrawl-delay: 0.25\n"
    try:
        report = crawl(tmp_path, site.source_toml())
    finally:
        site.close()
    assert report.skipped_robots == 1
    assert report.new == 4
    assert not any(path.startswith("/tin-tuc/tin-so-3-") for path in site.hits)
    starts = [t for t, path, _ in site.log if path != "/robots.txt"]
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps) >= 0.24


def test_crawl_delay_beyond_the_limit_leaves_the_host_alone(tmp_path: Path, news_site: NewsSite) -> None:
    news_site.robots = "User-agent: *\nCrawl-delay: 3600\n"
    report = crawl(tmp_path, news_site.source_toml())
    assert report.failed == 1
    assert "Crawl-delay of 3600 s, more than max_crawl_delay (60 s)" in report.errors[0]
    assert list(news_site.hits) == ["/robots.txt"]


def test_per_host_delay_and_concurrency(tmp_path: Path) -> None:
    site = NewsSite(8, attachment_every=100)
    site.delay = 0.15  # each answer takes this long
    try:
        crawl(tmp_path / "one", site.source_toml())
        sequential = [t for t, _, _ in site.log]
        site.log.clear()
        crawl(tmp_path / "three", site.source_toml(concurrency=3))
        parallel = [t for t, p, _ in site.log if p.endswith(".html")]
    finally:
        site.close()
    # One at a time: a request starts only when the previous answer is in. Three: they overlap.
    assert min(b - a for a, b in itertools.pairwise(sequential)) >= 0.14
    assert min(b - a for a, b in itertools.pairwise(parallel)) < 0.1


def test_source_delay_spaces_requests(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The spacing is read where it is enforced, at the gate: arrival times at the server add the jitter
    # of the network and of a loaded machine, which no tolerance can bound.
    starts: list[float] = []
    slot = HostGate.slot

    @asynccontextmanager
    async def clocked(gate: HostGate, url: str, delay: float, concurrency: int = 1) -> AsyncIterator[None]:
        async with slot(gate, url, delay, concurrency):
            starts.append(gate._last[host_key(url)])
            yield

    monkeypatch.setattr(HostGate, "slot", clocked)
    site = NewsSite(4, attachment_every=100)
    try:
        crawl(tmp_path, site.source_toml().replace("delay = 0.0", "delay = 0.2"))
    finally:
        site.close()
    assert len(starts) == len(site.log) >= 6  # every request went through the gate
    # asyncio may wake a sleeper up to its clock resolution early (1 ns here).
    assert min(b - a for a, b in itertools.pairwise(starts)) >= 0.2 - 1e-6


def test_attachments_have_their_own_limit(tmp_path: Path) -> None:
    site = NewsSite(5)
    site.attachment_size = 50_000
    try:
        report = crawl(tmp_path, site.source_toml(max_attachment_bytes=10_000))
    finally:
        site.close()
    assert report.new == 5
    assert report.attachments == 0
    assert "larger than 10000 bytes" in report.errors[0]


def test_attachments_on_a_file_server(tmp_path: Path, server: ScriptedServer) -> None:
    files = ScriptedServer()
    try:
        pdf = (200, b"%PDF-1.4 a", {"Content-Type": "application/pdf"})
        files.routes["/robots.txt"] = lambda h: send(h, 404, b"")
        files.routes["/kho/a.pdf"] = lambda h: send(h, *pdf)
        files.routes["/kho/b.docx"] = lambda h: send(
            h, 200, b"PK docx", {"Content-Type": "application/octet-stream"}
        )
        article = (
            '<html><body><p>Văn bản</p><a href="/files/a.pdf">a</a>'
            f'<a href="{files.url}/kho/b.docx">b</a><a href="http://127.0.0.1:9/kho/c.pdf">c</a>'
            '<a href="http://127.0.0.1:1/kho/d.pdf">not an allowed host</a></body></html>'
        )
        _mini_site(
            server,
            {
                "/list": (200, b'<a href="/tin-1.html">1</a>', {}),
                "/tin-1.html": (200, article.encode(), {}),
                "/files/a.pdf": (302, b"", {"Location": files.url + "/kho/a.pdf"}),
            },
        )
        hosts = json.dumps([files.url.removeprefix("http://"), "127.0.0.1:9"])
        report = crawl(
            tmp_path, _toml(server, attachment_hosts=hosts), FAST.model_copy(update={"retries": 0})
        )
    finally:
        files.close()
    assert report.new == 1
    assert report.attachments == 2  # a.pdf through its redirect to the file server, b.docx
    assert report.failed == 1  # c.pdf: its host is down; the source goes on
    assert "127.0.0.1:9" in report.errors[0]
    stored = responses(tmp_path)
    assert {files.url + "/kho/a.pdf", files.url + "/kho/b.docx", server.url + "/files/a.pdf"} <= set(stored)
    assert not any("127.0.0.1:1/" in url for url in stored)


def test_warc_files_rotate_and_state_points_into_them(tmp_path: Path, news_site: NewsSite) -> None:
    settings = FAST.model_copy(update={"warc_max_file_size": 12_000})
    crawl(tmp_path, news_site.source_toml(), settings)
    files = warc_files(tmp_path / "warc")
    assert len(files) > 3
    check = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    by_position = {(f.name, c.ref.offset): c for f in files for c in iter_captures(f)}
    with CrawlState(tmp_path / "state.sqlite") as state:
        rows = [r for r in state.rows() if r.warc_file is not None]
    assert len(rows) >= 30
    for row in rows:
        capture = by_position[(row.warc_file, row.warc_offset)]
        assert capture.url == row.url
        assert capture.ref.payload_digest == row.digest
