"""Crawl traps and budgets: a hostile loopback site (``deptnews.demo.trapsite``) must be crawled within
the crawler's budgets, with everything real archived, without stalling the other sources of the run."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import NewsSite, ScriptedServer, send, trickle_forever

import scrapers.feedwalk
import scrapers.walk
from archive.sources import parse_sources
from archive.warc import WarcWriter, iter_captures, warc_files
from deptnews.demo.trapsite import HEAVY_ARTICLE, SHARED_ATTACHMENT, TrapSite
from scrapers.crawl import Crawler
from scrapers.report import SourceReport
from scrapers.settings import CrawlSettings
from scrapers.state import CrawlState, parse_stamp

FAST = CrawlSettings(delay=0, backoff=0.01, retries=1, read_timeout=5, connect_timeout=2)
GUARD = 120.0
"""Seconds a crawl of the trap site may take before the test fails: a wall-clock guard, not a measurement
(a bounded crawl takes a few seconds; the unbounded one took minutes)."""


def crawl_all(home: Path, toml: str, settings: CrawlSettings) -> dict[str, SourceReport]:
    """One run over every source of the registry, in a thread joined with :data:`GUARD`: a crawl that
    blocks its event loop cannot be timed out from inside it."""
    sources = list(parse_sources(toml).sources.values())
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            with (
                CrawlState(home / "state.sqlite") as state,
                WarcWriter(home / "warc", max_file_size=settings.warc_max_file_size) as writer,
            ):
                outcome["reports"] = asyncio.run(Crawler(settings, state, writer).run(sources))
        except BaseException as exc:  # re-raised in the test's thread
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(GUARD)
    assert not thread.is_alive(), f"the crawl did not finish within {GUARD:g} s"
    if "error" in outcome:
        raise outcome["error"]
    reports: dict[str, SourceReport] = outcome["reports"]
    return reports


def stored(home: Path) -> Counter[str]:
    """Response records per URL in the WARC files."""
    return Counter(
        c.url for f in warc_files(home / "warc") for c in iter_captures(f) if c.record_type == "response"
    )


def test_trap_site_is_crawled_within_its_budgets(tmp_path: Path) -> None:
    settings = FAST.model_copy(
        update={
            "max_pages": 6,
            "max_articles": 60,
            "max_links_per_page": 1000,
            "max_attachments_per_article": 20,
        }
    )
    with TrapSite() as site:
        reports = crawl_all(tmp_path, site.source_toml(), settings)
        hits = site.hits
    report = reports["trap"]
    # Endless paging and both endless calendars stop at max_pages; the link farm is one page.
    for prefix in ("/tin-tuc?", "/lich?", "/su-kien?"):
        pages = [p for p in hits if p.startswith(prefix)]
        assert 1 <= len(pages) <= settings.max_pages - (prefix == "/tin-tuc?"), (prefix, pages)
    assert hits["/lien-ket"] == 1
    assert report.pages_cut == 1
    # Session ids in every link change on every view: still one request per page, article and file.
    assert max(hits.values()) == 1, [p for p, n in hits.items() if n > 1]
    # The heavy article's 1,000 files: the first max_attachments_per_article of them, not more.
    heavy = [p for p in hits if p.startswith("/files/phu-luc-")]
    assert len(heavy) == settings.max_attachments_per_article
    assert report.attachments_skipped == site.heavy_attachments - settings.max_attachments_per_article
    # Articles: every real one, the farm only within max_articles.
    articles = [p for p in hits if p.startswith("/tin-tuc/")]
    assert settings.max_articles is not None
    assert len(articles) <= settings.max_articles
    assert report.new == len(articles)
    saved = stored(tmp_path)
    assert site.real_article_urls() <= set(saved)
    assert {site.url + p for p in site.real_attachments()} <= set(saved)
    assert hits[SHARED_ATTACHMENT] == 1
    assert max(saved.values()) == 1
    assert report.failed == 0, report.errors
    # Nothing past the budgets waits in the frontier: only the farm links that were read.
    with CrawlState(tmp_path / "state.sqlite") as state:
        pending = state.count_pending("trap", "article")
        attachments = state.count_pending("trap", "attachment")
    assert pending <= settings.max_links_per_page
    assert attachments == 0
    assert site.url + HEAVY_ARTICLE in saved


def test_a_listing_of_100k_links_neither_stalls_nor_blocks_other_sources(tmp_path: Path) -> None:
    """The 5 MB listing is read within ``max_links_per_page`` and parsed off the event loop: the crawl
    ends (the quadratic de-duplication took minutes) and the other source of the run is fully crawled."""
    settings = FAST.model_copy(update={"max_articles": 30})
    other = NewsSite(25)
    try:
        with TrapSite() as site:
            registry = site.source_toml(listings=[f"{site.url}/lien-ket"]) + "\n" + other.source_toml("other")
            reports = crawl_all(tmp_path, registry, settings)
            hits = site.hits
    finally:
        other.close()
    farm = reports["trap"]
    assert farm.pages_cut == 1
    assert farm.articles_listed == settings.max_links_per_page
    assert farm.new == 30
    assert sum(1 for p in hits if p.startswith("/tin-tuc/lien-ket-")) == 30
    assert reports["other"].new == 25
    assert other.article_urls() <= set(stored(tmp_path))


def test_pages_are_parsed_off_the_event_loop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Listing, article and feed parsing run in worker threads, never on the loop all sources share."""
    on_loop: list[tuple[str, bool]] = []

    def spy(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                asyncio.get_running_loop()
                on_loop.append((name, True))
            except RuntimeError:
                on_loop.append((name, False))
            return real(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(scrapers.walk, "listing_links", spy("listing", scrapers.walk.listing_links))
    monkeypatch.setattr(scrapers.walk, "article_links", spy("article", scrapers.walk.article_links))
    monkeypatch.setattr(scrapers.feedwalk, "parse_feed", spy("feed", scrapers.feedwalk.parse_feed))
    site = NewsSite(5)
    try:
        toml = site.source_toml(feeds=[f"{site.url}/rss.xml"])
        report = crawl_all(tmp_path, toml, FAST)["fixture"]
    finally:
        site.close()
    assert report.new == 5
    assert {name for name, _ in on_loop} == {"listing", "article", "feed"}
    assert not any(loop for _, loop in on_loop), on_loop


def test_an_attachment_linked_from_many_articles_and_sources_is_fetched_once(tmp_path: Path) -> None:
    """Two sources share a (slow) file host; the PDF every article of both links is requested once,
    although both sources reach it while the first request for it is still in flight."""
    with (
        TrapSite(real_pages=1, heavy_attachments=0, shared_every=1, file_delay=0.5) as files,
        TrapSite(real_pages=1, heavy_attachments=0, shared_every=1, files_base=files.url) as other,
    ):
        first = files.source_toml("a", listings=[f"{files.url}/tin-tuc"], max_pages=1)
        second = other.source_toml(
            "b",
            listings=[f"{other.url}/tin-tuc"],
            attachment_hosts=[files.url.removeprefix("http://")],
            max_pages=1,
        )
        reports = crawl_all(tmp_path, first + "\n" + second, FAST)
        hits = files.hits
    assert reports["a"].new == reports["b"].new == files.page_size
    assert reports["a"].failed == reports["b"].failed == 0
    assert hits[SHARED_ATTACHMENT] == 1
    assert files.url + SHARED_ATTACHMENT in stored(tmp_path)


def test_attachments_per_article_are_capped(tmp_path: Path) -> None:
    """An article linking 1,000 PDFs: the first ``max_attachments_per_article`` are fetched, the others
    not even put in the frontier; 0 fetches none."""
    for cap, home in ((7, tmp_path / "seven"), (0, tmp_path / "none")):
        with TrapSite(real_pages=1, attachment_every=1000, shared_every=1000) as site:
            toml = site.source_toml(listings=[f"{site.url}/tin-tuc"], max_pages=1)
            report = crawl_all(home, toml, FAST.model_copy(update={"max_attachments_per_article": cap}))[
                "trap"
            ]
            fetched = [p for p in site.hits if p.startswith("/files/")]
        assert fetched == [f"/files/phu-luc-{i}.pdf" for i in range(1, cap + 1)]
        assert report.attachments == cap
        assert report.attachments_skipped == site.heavy_attachments - cap
        with CrawlState(home / "state.sqlite") as state:
            assert sum(1 for r in state.rows() if r.kind == "attachment") == cap


def test_a_trickling_article_costs_one_url_budget_and_is_retried_later(
    tmp_path: Path, server: ScriptedServer
) -> None:
    server.routes["/robots.txt"] = lambda h: send(h, 404)
    server.routes["/tin-tuc"] = lambda h: send(h, 200, b'<a href="/tin-tuc/cham-chap-1001.html">x</a>')

    server.routes["/tin-tuc/cham-chap-1001.html"] = trickle_forever
    toml = (
        f'[[source]]\nid = "slow"\nname = "x"\ndepartment = "x"\njurisdiction = "x"\n'
        f'homepage = "{server.url}/"\nlistings = ["{server.url}/tin-tuc"]\n'
        f"article_pattern = '^/tin-tuc/[a-z-]+-\\d+\\.html$'\ndelay = 0.0\n"
    )
    settings = FAST.model_copy(update={"retries": 3, "total_timeout": 0.8, "url_budget": 1.2})
    report = crawl_all(tmp_path, toml, settings)["slow"]
    assert server.hits["/tin-tuc/cham-chap-1001.html"] == 2  # without the budget: 4 attempts
    assert report.failed == 1
    assert "url_budget" in report.errors[0]
    with CrawlState(tmp_path / "state.sqlite") as state:
        row = state.get(f"{server.url}/tin-tuc/cham-chap-1001.html")
        now = state.now()
    assert row is not None
    assert row.status is None
    assert row.failures == 1
    assert row.next_due is not None
    # Retryable: tried again after retry_failed_after (1 h), not left until the re-check period.
    assert parse_stamp(row.next_due) - now <= settings.retry_failed_after + timedelta(minutes=1)


def test_a_robots_txt_over_2_mib_is_cut_and_obeyed(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """RFC 9309 §2.5: the first 512 KiB are parsed, the rest ignored, the host crawled. The file's last
    rule (``Disallow: /tin-tuc/``, past 2.5 MiB) is not seen; ``/admin/`` in its first line is obeyed."""
    with TrapSite(real_pages=1, big_robots=True, heavy_attachments=0) as site:
        assert len(site.respond("/robots.txt")[1]) > 2 * 1024 * 1024
        toml = site.source_toml(listings=[f"{site.url}/tin-tuc"], max_pages=1)
        with caplog.at_level(logging.WARNING):
            report = crawl_all(tmp_path, toml, FAST)["trap"]
        robots_url = f"{site.url}/robots.txt"
    assert report.failed == 0, report.errors
    assert report.new == site.page_size
    assert any(getattr(r, "event", None) == "robots-cut" for r in caplog.records)
    with CrawlState(tmp_path / "state.sqlite") as state:
        row = state.get(robots_url)
    assert row is not None
    assert row.status == 200
    assert row.warc_file is None
    assert robots_url not in stored(tmp_path)  # half a response is no capture


def test_an_endless_pager_stops_soon_after_its_last_real_page(tmp_path: Path) -> None:
    """Past its last page the trap's listing repeats that page, with "Trang sau" still there: paging stops
    after ``stop_after_empty_pages`` such pages, far below ``max_pages``, with every real article archived
    and nothing left pending for the next run to walk again."""
    settings = FAST.model_copy(update={"stop_after_empty_pages": 3})
    with TrapSite(real_pages=3, heavy_attachments=0) as site:
        toml = site.source_toml(listings=[f"{site.url}/tin-tuc"], max_pages=200)
        report = crawl_all(tmp_path, toml, settings)["trap"]
        pages = sorted(p for p in site.hits if p == "/tin-tuc" or p.startswith("/tin-tuc?"))
        articles = {site.url + p for p in site.listing_articles()}
    assert len(pages) == site.real_pages + settings.stop_after_empty_pages, pages
    assert report.listing_pages == len(pages)
    assert articles <= set(stored(tmp_path))
    with CrawlState(tmp_path / "state.sqlite") as state:
        assert state.count_pending("trap", "listing") == 0
