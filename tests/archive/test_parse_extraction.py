"""Body extraction and the listing check on pages in real shapes: related-news blocks that outweigh a short
article, listings of dated teasers, a standfirst outside the body's container, teasers, captions and
galleries set in the body, a short ``<article>`` teaser in front of the real text, a misnamed wrapper."""

from __future__ import annotations

from datetime import UTC, datetime

from bs4 import BeautifulSoup

from archive.parse import classify, listing, ltree
from archive.parse import page as lpage
from archive.parse.article import parse_capture
from archive.parse.result import Article, NotArticle
from archive.sources import Source

SOURCE = Source(
    id="x-stnmt",
    name="Sở Tài nguyên và Môi trường tỉnh Mẫu",
    department="Sở Tài nguyên và Môi trường",
    jurisdiction="Tỉnh Mẫu",
    homepage="https://stnmt.example.vn/",
    listings=["https://stnmt.example.vn/tin-tuc"],
    article_pattern="^/tin-tuc/",
)
URL = "https://stnmt.example.vn/tin-tuc/kiem-tra-bai-rac-123"
NOW = datetime(2024, 6, 1, tzinfo=UTC)
TITLE = "Kiểm tra công tác xử lý rác thải tại bãi rác Đồng Xoài"
SENTENCES = [
    "Đoàn kiểm tra của Sở Tài nguyên và Môi trường đã làm việc tại bãi rác Đồng Xoài về công tác xử lý "
    "nước rỉ rác và che phủ ô chôn lấp trong mùa mưa.",
    "Qua kiểm tra, đoàn ghi nhận đơn vị vận hành đã khắc phục phần lớn tồn tại nêu trong biên bản lần trước, "
    "song hệ thống thu gom nước rỉ rác vẫn còn quá tải.",
    "Phó Giám đốc Sở yêu cầu đơn vị hoàn thành việc nâng công suất trạm xử lý trước ngày 30/6 và báo cáo kết "
    "quả bằng văn bản.",
]


def parse(markup: str) -> Article | NotArticle:
    html = (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{TITLE} | Sở TN&amp;MT</title></head>"
        f"<body><div id='main'>{markup}</div></body></html>"
    )
    return parse_capture(html.encode(), URL, [("Content-Type", "text/html")], SOURCE, captured_at=NOW)


def teaser_box(count: int, *, heading: str = "Tin cùng chuyên mục", summaries: bool = True) -> str:
    """A related-news box with no boilerplate class: dated teasers, with a summary each or not."""
    summary = (
        "<p>Sở tổ chức hội nghị tập huấn cho cán bộ địa chính cấp xã về đăng ký đất đai, cấp giấy chứng nhận "
        "và cơ sở dữ liệu đất đai.</p>"
    )
    items = "".join(
        f'<div class="item"><h3><a href="/tin-tuc/bai-{n}">Hội nghị tập huấn nghiệp vụ quản lý đất đai '
        f'đợt {n} năm 2024</a></h3><span class="date">{n + 1:02d}/05/2024</span>{summary * summaries}</div>'
        for n in range(count)
    )
    return f'<div class="box"><h2>{heading}</h2>{items}</div>'


def body(*extra: str) -> str:
    return "".join(f"<p>{s}</p>" for s in SENTENCES) + "".join(extra)


def test_a_short_article_beside_many_teasers_is_an_article() -> None:
    """15 dated teasers outweigh four paragraphs; a link inside a sentence is prose, not a teaser (it used
    to make the whole text block one teaser, and the page a listing)."""
    prose_link = (
        '<p>Trước đó, Sở đã có văn bản yêu cầu đơn vị vận hành bãi rác khắc phục, theo <a href="/tin-tuc/'
        'van-ban-456">kết luận kiểm tra tháng 3</a> của Ủy ban nhân dân tỉnh.</p>'
    )
    result = parse(
        f'<h1>{TITLE}</h1><div class="detail">{body(prose_link)}</div>{teaser_box(15, summaries=False)}'
    )
    assert isinstance(result, Article), result
    assert result.content.body[: len(SENTENCES)] == SENTENCES
    assert any("kết luận kiểm tra tháng 3" in p for p in result.content.body)
    assert not any("tập huấn" in p for p in result.content.body)


def test_a_related_box_inside_the_article_container_is_not_body() -> None:
    result = parse(f'<article><h1>{TITLE}</h1><div class="content">{body()}{teaser_box(12)}</div></article>')
    assert isinstance(result, Article), result
    assert result.content.body == SENTENCES


def test_a_listing_of_dated_teasers_is_still_a_listing() -> None:
    result = parse(f"<h1>Tin tức</h1>{teaser_box(12, heading='Tin tức - Sự kiện')}")
    assert isinstance(result, NotArticle)
    assert result.reason == "listing"


def test_a_standfirst_outside_the_body_container_is_kept() -> None:
    sapo = "Sở Tài nguyên và Môi trường kiểm tra đột xuất bãi rác Đồng Xoài sau phản ánh của người dân."
    result = parse(
        f'<div class="news-detail"><h1>{TITLE}</h1><p class="sapo">{sapo}</p>'
        f'<div itemprop="articleBody">{body()}</div></div>'
    )
    assert isinstance(result, Article), result
    assert result.content.lead == sapo
    assert result.content.body == SENTENCES


def test_teasers_captions_and_galleries_in_the_body_are_not_body() -> None:
    see_also = '<p>Xem thêm: <a href="/tin-tuc/bai-9">Tỉnh phê duyệt quy hoạch bãi rác mới</a></p>'
    promo = (
        '<div class="more"><a href="/tin-tuc/bai-8">Thu gom rác thải nông thôn</a><p>Năm 2024, 90% xã có tổ '
        "thu gom rác.</p></div>"
    )
    gallery = (
        '<div class="photo-gallery"><ul><li><img src="/anh/1.jpg"><div class="caption">Đoàn kiểm tra tại ô '
        'chôn lấp số 3</div><span class="credit">Ảnh: Minh Anh</span></li></ul></div>'
    )
    result = parse(f"<h1>{TITLE}</h1><div class='detail'>{gallery}{body(see_also, promo)}</div>")
    assert isinstance(result, Article), result
    assert result.content.body == SENTENCES
    assert [i.url for i in result.content.images] == ["https://stnmt.example.vn/anh/1.jpg"]


def test_a_short_article_teaser_does_not_hide_the_text() -> None:
    """An ``<article>`` with a line of text (a featured story) loses to a container with the real text."""
    featured = '<article class="featured"><a href="/tin-tuc/bai-7">Thu gom rác thải nông thôn</a></article>'
    result = parse(f"{featured}<div id='content'><h1>{TITLE}</h1>{body()}</div>")
    assert isinstance(result, Article), result
    assert result.content.body == SENTENCES


def test_a_wrapper_named_like_a_widget_that_holds_the_article_is_kept() -> None:
    """Blogger wraps the post in ``div.widget.Blog``; the post's paragraphs are ``<br>``-separated lines."""
    lines = "<br>".join(SENTENCES)
    result = parse(
        f'<div class="widget Blog"><div class="hentry"><h1>{TITLE}</h1><div>{lines}</div></div></div>'
    )
    assert isinstance(result, Article), result
    assert result.content.body == SENTENCES


def test_prose_run_counts_paragraphs_not_cut_by_links() -> None:
    root = ltree.parse(f"<div>{body()}</div><div>{teaser_box(5)}</div>")
    assert root is not None
    paragraphs, chars = classify.prose_run(root, lpage.measure(root))
    assert paragraphs == len(SENTENCES)
    assert chars == sum(len(s) for s in SENTENCES)
    flat = ltree.parse("".join(f"<h3><a href='/x'>Tin {n}</a></h3><p>{SENTENCES[0]}</p>" for n in range(5)))
    assert flat is not None
    assert classify.prose_run(flat, lpage.measure(flat))[0] == 1


def test_category_and_tag_links_make_no_teasers() -> None:
    # WordPress prints "Posted in <a rel="category tag">…</a>" in a post's entry-footer: under a pattern
    # the category page also matches, that link climbed to the short post around it and made the post
    # one more "teaser" (a real blog post of the extraction benchmark became a listing that way).
    html = (
        f'<body><article><div class="entry-content"><p>{SENTENCES[0]}</p></div><footer class="entry-footer">'
        'Đăng trong <a rel="category tag" href="/tin-tuc/chuyen-muc/moi-truong/">Môi trường</a> '
        '<a rel="tag" href="/tin-tuc/the/rac-thai/">rác thải</a></footer></article>'
        '<ul><li><a href="/tin-tuc/bai-1">Bài khác</a></li></ul></body>'
    )
    soup = BeautifulSoup(html, "lxml")
    found = listing.teasers(soup.body, URL, SOURCE, NOW)
    assert [t.url for t in found] == ["https://stnmt.example.vn/tin-tuc/bai-1"]


def test_a_byline_line_opening_the_body_is_the_author_not_text() -> None:
    # Older CMS editors put the byline as the content's first paragraph ("Đăng bởi Minh Hà").
    post = (
        f'<h1>{TITLE}</h1><div class="noi-dung"><p>Đăng bởi: Minh Hà</p><p>{SENTENCES[0]}</p>'
        f"<p>{SENTENCES[1]}</p><p>{SENTENCES[2]}</p></div>"
    )
    result = parse(post)
    assert isinstance(result, Article), result
    assert result.content.body == SENTENCES
    assert result.content.author == "Minh Hà"
