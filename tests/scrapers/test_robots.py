"""robots.txt per RFC 9309: groups, longest match, wildcards, Crawl-delay, status semantics."""

from __future__ import annotations

import pytest

from scrapers.politeness import Robots
from scrapers.robots import MAX_ROBOTS_BYTES, RobotsRules, product_token, robots_text

UA = "deptnews/0.1 (+https://github.com/deptnews/deptnews)"


def test_product_token() -> None:
    assert product_token(UA) == "deptnews"
    assert product_token("Mozilla/5.0 (X11)") == "mozilla"


@pytest.mark.parametrize(
    ("text", "path", "allowed"),
    [
        # The longest matching rule wins, whatever the order (urllib.robotparser takes the first).
        ("User-agent: *\nDisallow: /\nAllow: /tin-tuc/", "/tin-tuc/a-1.html", True),
        ("User-agent: *\nDisallow: /\nAllow: /tin-tuc/", "/gioi-thieu", False),
        ("User-agent: *\nAllow: /tin-tuc/\nDisallow: /tin-tuc/noi-bo/", "/tin-tuc/noi-bo/x", False),
        # Equal length: allow wins.
        ("User-agent: *\nDisallow: /page\nAllow: /page", "/page", True),
        # Wildcards and end anchors.
        ("User-agent: *\nDisallow: /*?print=", "/tin-tuc/a?print=1", False),
        ("User-agent: *\nDisallow: /*?print=", "/tin-tuc/a?page=1", True),
        ("User-agent: *\nDisallow: /*.pdf$", "/files/a.pdf", False),
        ("User-agent: *\nDisallow: /*.pdf$", "/files/a.pdf?x=1", True),
        # Empty Disallow allows everything; no rules allow everything.
        ("User-agent: *\nDisallow:", "/anything", True),
        ("", "/anything", True),
        # A group for deptnews beats the * group, even when listed later; names compare case-insensitively.
        ("User-agent: *\nDisallow: /\n\nUser-agent: DeptNews\nDisallow: /admin/", "/tin-tuc/x", True),
        ("User-agent: *\nDisallow: /\n\nUser-agent: DeptNews\nDisallow: /admin/", "/admin/x", False),
        # Several user-agent lines share one group; other bots' groups do not apply.
        ("User-agent: googlebot\nUser-agent: deptnews\nDisallow: /a\n", "/a", False),
        ("User-agent: googlebot\nDisallow: /\n", "/a", True),
        # Percent-encoding is compared normalized.
        ("User-agent: *\nDisallow: /tin%2Dtuc/", "/tin-tuc/x", False),
        ("User-agent: *\nDisallow: /tin-tức/", "/tin-t%E1%BB%A9c/x", False),
        # robots.txt itself is always allowed.
        ("User-agent: *\nDisallow: /", "/robots.txt", True),
        # Comments and junk lines are ignored; rules before any user-agent belong to nobody.
        ("Disallow: /\n# comment\nUser-agent: * # all\nDisallow: /x # no x\nnonsense", "/y", True),
    ],
)
def test_rules(text: str, path: str, allowed: bool) -> None:
    assert RobotsRules.parse(text).allowed("http://h.gov.vn" + path, "deptnews") is allowed


def test_crawl_delay_and_sitemaps() -> None:
    rules = RobotsRules.parse(
        "Sitemap: https://h.gov.vn/sitemap.xml\nUser-agent: *\nCrawl-delay: 5\n"
        "User-agent: deptnews\nCrawl-delay: 2.5\nCrawl-delay: soon\n"
    )
    assert rules.crawl_delay("deptnews") == 2.5
    assert rules.crawl_delay("other") == 5.0
    assert rules.sitemaps == ["https://h.gov.vn/sitemap.xml"]


def test_status_semantics() -> None:
    # RFC 9309 §2.3.1: 4xx means no restrictions, 5xx (or no answer) means complete disallow.
    assert Robots.from_status(404, "", UA).allowed("http://h/x")
    assert not Robots.from_status(503, "", UA).allowed("http://h/x")
    robots = Robots.from_status(200, "User-agent: deptnews\nDisallow: /x\nCrawl-delay: 3", UA)
    assert not robots.allowed("http://h/x")
    assert robots.allowed("http://h/y")
    assert robots.crawl_delay() == 3.0


def test_oversized_file_is_cut_at_500_kib() -> None:
    filler = "# " + "x" * 1000 + "\n"
    text = "User-agent: *\n" + filler * 600 + "Disallow: /late\n"
    assert RobotsRules.parse(text).allowed("http://h/late", "deptnews")


def test_a_cut_robots_txt_loses_its_partial_last_line() -> None:
    """Past 512 KiB the file is ignored; the line the cut falls in is dropped, not read as a shorter rule
    (``Allow: /tin-tuc/noi-bo`` cut to ``Allow: /`` would allow everything)."""
    assert MAX_ROBOTS_BYTES >= 500 * 1024  # RFC 9309 §2.5
    head = b"User-agent: *\nDisallow: /\n"
    filler = b"#" * (MAX_ROBOTS_BYTES - len(head) - 10) + b"\n"
    data = head + filler + b"Allow: /tin-tuc/noi-bo\n" + b"Allow: /more\n" * 100_000
    text = robots_text(data, cut=False)  # longer than the limit: cut here
    assert text.endswith(filler.decode())
    rules = RobotsRules.parse(text)
    assert not rules.allowed("https://h/tin-tuc/x", "deptnews")
    # A body already cut by the fetch: its last line is partial even below the limit.
    assert robots_text(b"User-agent: *\nDisallow: /a\nAllow: /", cut=True) == "User-agent: *\nDisallow: /a\n"
    assert robots_text(b"User-agent: *\nDisallow: /a", cut=False) == "User-agent: *\nDisallow: /a"
