"""Onboarding's pure parts: URL shapes and the inferred pattern, the site's identity, its news menu."""

from __future__ import annotations

import re

import lxml.html
import pytest

from scrapers.onboard.entries import family, family_feeds, feed_links, news_menu
from scrapers.onboard.identity import read_identity, source_id
from scrapers.onboard.shapes import exclude_pages, group_by_shape, pattern_for, target


@pytest.mark.parametrize(
    ("paths", "pattern", "other"),
    [
        (["/tin-tuc/mo-rong-5g", "/tin-tuc/hoi-nghi-nam-2025"], r"^/tin-tuc/[^/?#]+$", "/tin-tuc?page=1"),
        (
            ["/news/a-b-1234.html", "/news/c-d-98765.html"],
            r"^/news/[^/?#]*[-_]\d{3,}\.html$",
            "/news/trang-2.html",
        ),
        (["/?p=12", "/?p=345"], r"^/\?p=\d+$", "/?paged=2"),
        (
            ["/tintuc/Pages/x.aspx?ItemID=1", "/tintuc/Pages/x.aspx?ItemID=22"],
            r"^/tintuc/Pages/x\.aspx\?ItemID=\d+$",
            "/tintuc/Pages/x.aspx?Page=2",
        ),
        (["/tin/12-ab-cd", "/tin/134-ef-gh"], r"^/tin/\d+-[^/?#]+$", "/tin?start=5"),
        (["/2025/03/05/ab-cd/", "/2024/12/06/ef-gh/"], r"^/\d+/\d+/\d+/[^/?#]+/$", "/category/tin/page/2/"),
        (["/node/12", "/node/345"], r"^/node/\d+$", "/node?page=1"),
        (
            ["/-/view_content/12-ab-cd", "/-/view_content/345-ef"],
            r"^/-/view_content/\d+-[^/?#]+$",
            "/tin-tuc",
        ),
        (
            ["/w/-/asset_publisher/Ab1/content/a-b", "/w/-/asset_publisher/Ab1/content/c-d"],
            r"^/w/-/asset_publisher/[^/?#]+/content/[^/?#]+$",
            "/w",
        ),
    ],
)
def test_the_pattern_keeps_the_shared_shape(paths: list[str], pattern: str, other: str) -> None:
    urls = [f"https://so.example{p}" for p in paths]
    assert len(group_by_shape(urls)) == 1
    assert pattern_for(urls) == pattern
    assert all(re.search(pattern, target(u)) for u in urls)
    assert not re.search(pattern, other)


def test_the_pager_is_left_out_of_a_pattern_that_would_match_it() -> None:
    pattern = r"^/tin-tuc/[^/?#]+\.html$"
    guarded = exclude_pages(pattern, ["https://so.example/tin-tuc/trang-2.html"])
    assert guarded is not None
    assert not re.search(guarded, "/tin-tuc/trang-7.html")
    assert re.search(guarded, "/tin-tuc/hoi-nghi.html")
    assert exclude_pages(pattern, ["https://so.example/tin-tuc/khac.html"]) is None  # no page number: cannot


def test_the_identity_comes_from_title_header_or_footer() -> None:
    def read(html: str) -> tuple[str | None, str | None, str]:
        found = read_identity(lxml.html.document_fromstring(html))
        return found.department, found.jurisdiction, found.kind

    assert read("<title>Trang chủ | Sở Thông tin và Truyền thông tỉnh Lạng Sơn</title>") == (
        "Sở Thông tin và Truyền thông",
        "Tỉnh Lạng Sơn",
        "province",
    )
    assert read(
        "<title>x</title><header><div class=logo>SỞ TÀI CHÍNH TỈNH LẠNG SƠN</div><a>Tin</a></header>"
    )[:2] == (
        "Sở Tài chính",
        "Tỉnh Lạng Sơn",
    )
    assert read("<title>Bộ Y tế - Cổng thông tin</title>") == ("Bộ Y tế", "Trung ương", "ministry")
    footer = (
        "<title>Home</title><footer><p>Cơ quan chủ quản: Sở Nội vụ thành phố Hà Nội</p>"
        "<p>Địa chỉ: 1</p></footer>"
    )
    assert read(footer)[:2] == ("Sở Nội vụ", "Thành phố Hà Nội")
    assert read("<title>Công ty Máy Xanh</title>") == (None, None, "province")


def test_ids_come_from_the_host() -> None:
    assert source_id("https://stttt.langson.gov.vn/", None, []) == "langson-stttt"
    assert source_id("https://www.moh.gov.vn/", None, ["moh"]) == "moh-2"
    assert source_id("http://127.0.0.1:4567/", "Sở Thông tin và Truyền thông", []) == "stttt-4567"


def test_feeds_family_and_news_menu() -> None:
    doc = lxml.html.document_fromstring(
        '<html><head><meta name="generator" content="WordPress 6.5">'
        '<link rel="alternate" type="application/rss+xml" href="/feed/">'
        '<link rel="alternate" type="application/rss+xml" href="https://other.example/feed/"></head><body>'
        '<a href="/gioi-thieu">Giới thiệu</a><a href="/thong-bao">Thông báo</a>'
        '<a href="/tin-tuc-su-kien">Tin tức – Sự kiện</a><a href="/">Tin tức</a></body></html>'
    )
    base = "https://so.example/"
    assert family(doc) == "wordpress"
    assert feed_links(doc, base) == ["https://so.example/feed/"]
    assert news_menu(doc, base) == ["https://so.example/tin-tuc-su-kien", "https://so.example/thong-bao"]
    assert family_feeds("joomla", base, ["https://so.example/tin"]) == [
        "https://so.example/tin?format=feed&type=rss"
    ]
    assert family_feeds("drupal", base, []) == ["https://so.example/rss.xml"]
