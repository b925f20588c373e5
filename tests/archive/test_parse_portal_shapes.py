"""Regression tests for what saved portal pages showed the parser getting wrong, one part at a time: a short
article whose CMS body element sits beside related-news abstracts, bylines and dates in the places real
themes print them (Olivero's ``node__author``, Twenty Twenty-One's entry footer, SharePoint's ArticleLeft
layout, NukeViet 4.5's microdata), category links, screen-reader text in breadcrumbs, tags after an icon,
files behind download handlers, and English pages that name Vietnamese places."""

from __future__ import annotations

from datetime import datetime

from bs4 import BeautifulSoup

from archive.parse import dom, fields, laround, ltree, media, when
from archive.parse.article import parse_capture
from archive.parse.dates import VN_TZ
from archive.parse.result import Article, NotArticle
from archive.parse.select import Index, select_grouped
from archive.sources import Source

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=VN_TZ)
SOURCE = Source(
    id="x-stc",
    name="Sở Tài chính tỉnh Mẫu",
    department="Sở Tài chính",
    jurisdiction="Tỉnh Mẫu",
    homepage="https://stc.example.vn/",
    listings=["https://stc.example.vn/tin-tuc"],
    article_pattern="/tin-tuc/",
)
URL = "https://stc.example.vn/tin-tuc/tam-dung-tiep-nhan-ho-so"
SHORT = [
    "Sở Tài chính tạm dừng tiếp nhận và trả kết quả hồ sơ trực tiếp tại Bộ phận một cửa trong ngày 28/4.",
    "Các tổ chức, cá nhân vẫn nộp hồ sơ trực tuyến qua Cổng dịch vụ công của tỉnh trong thời gian này.",
]


def soup(markup: str) -> BeautifulSoup:
    return BeautifulSoup(markup, "lxml")


def parse(body: str, head: str = "") -> Article | NotArticle:
    html = f"<!DOCTYPE html><html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>"
    return parse_capture(html.encode(), URL, [("Content-Type", "text/html")], SOURCE, captured_at=NOW)


def abstracts(count: int) -> str:
    """Liferay asset publisher abstracts: a linked title and a summary of one or two sentences each."""
    return "".join(
        f'<div class="asset-abstract"><h4 class="asset-title"><a href="/tin-tuc/bai-{n}">Hội nghị tập huấn '
        f'nghiệp vụ quản lý tài sản công đợt {n}</a></h4><div class="asset-content">'
        '<div class="asset-summary">'
        "Hơn 200 cán bộ làm công tác kế toán của các đơn vị sự nghiệp được hướng dẫn kê khai, cập nhật dữ "
        "liệu vào Cơ sở dữ liệu quốc gia về tài sản công.</div></div></div>"
        for n in range(count)
    )


def test_a_short_article_in_its_cms_body_element_outweighed_by_abstracts_is_an_article() -> None:
    paragraphs = "".join(f"<p>{p}</p>" for p in SHORT)
    article = (
        '<span class="header-title">Tạm dừng tiếp nhận hồ sơ trực tiếp</span><div class="asset-full-content">'
        f'<div class="asset-content"><div class="journal-content-article">{paragraphs}</div></div></div>'
    )
    result = parse(f"<div>{article}</div><div>{abstracts(6)}</div>")
    assert isinstance(result, Article), result
    assert result.content.body == SHORT
    assert result.extractor == "liferay-asset-publisher"
    # The same text found by text density alone is not known to be the page's own article.
    title = "<h1>Tạm dừng tiếp nhận hồ sơ trực tiếp</h1>"
    plain = parse(f"<div>{title}{paragraphs}</div><div>{abstracts(6)}</div>")
    assert isinstance(plain, NotArticle)
    assert plain.reason == "listing"
    # A listing whose abstracts hold the family's body element stays a listing.
    listing = parse(f'<div class="asset-full-content"><div class="asset-content">{abstracts(6)}</div></div>')
    assert isinstance(listing, NotArticle)
    assert listing.reason == "listing"


def test_olivero_prints_the_author_in_node_author() -> None:
    result = parse(
        '<article class="node node--type-article node--view-mode-full"><header><div class="node__meta">'
        '<span>Bởi <span class="node__author"><a class="username" href="/user/4">Lương Thị Mai</a></span>, '
        '<time datetime="2024-04-14T16:05:00+07:00">14 Tháng 4, 2024</time></span></div></header>'
        '<div class="node__content"><div class="field field--name-body">'
        + "".join(f"<p>{p}</p>" for p in SHORT)
        + "</div></div></article>",
        head='<meta name="Generator" content="Drupal 9 (https://www.drupal.org)"><title>Tạm dừng</title>',
    )
    assert isinstance(result, Article), result
    assert result.content.author == "Lương Thị Mai"
    assert result.content.published == datetime(2024, 4, 14, 16, 5, tzinfo=VN_TZ)


def test_an_articles_own_footer_is_kept_and_the_pages_footer_goes() -> None:
    page = soup(
        '<body><article><div class="entry-content"><p>x</p></div><footer class="entry-footer">'
        '<span class="posted-on">Đã đăng <time datetime="2024-03-12T08:40:17+07:00">12/03/2024</time>'
        '</span></footer></article><footer id="colophon">Sở Nội vụ</footer></body>'
    )
    dom.drop_boilerplate(page)
    assert page.find(class_="entry-footer") is not None
    assert page.find(id="colophon") is None
    tree = ltree.parse(str(page))
    assert tree is not None
    content = next(el for el in tree.iter("div") if el.get("class") == "entry-content")
    dated = laround.visible(tree, content, (), NOW, ltree.Keys(tree))
    assert dated is not None
    assert dated[0][0] == datetime(2024, 3, 12, 8, 40, 17, tzinfo=VN_TZ)


def test_the_category_link_is_the_category_when_there_is_no_breadcrumb() -> None:
    k2 = soup('<div class="itemCategory"><span>Được đăng trong</span> <a href="/c/14">Đất đai</a></div>')
    wordpress = soup('<span class="cat-links"><a href="/c/tin/" rel="category tag">Tin hoạt động</a></span>')
    assert fields.category_link(k2) == "Đất đai"
    assert fields.category_link(wordpress) == "Tin hoạt động"
    assert fields.category_link(soup('<a href="/tag/x/" rel="tag">x</a>')) is None
    assert fields.category([], "Tiêu đề", None, "Đất đai") == "Đất đai"
    assert fields.category([], "Tiêu đề", "Văn hóa", "Đất đai") == "Văn hóa"
    assert fields.category(["Trang chủ", "Tin tức"], "Tiêu đề", None, "Đất đai") == "Tin tức"


def test_breadcrumbs_skip_screen_reader_text_and_empty_placeholders() -> None:
    sharepoint = soup(
        '<div class="ms-breadcrumb-box"><ul><li><a href="/"><span>Trang chủ</span></a></li><li>'
        '<a href="/tin"><span class="menu-item-text">Tin tức</span><span class="ms-hidden">Hiện đã chọn'
        "</span></a></li></ul></div>"
    )
    assert fields.breadcrumb(sharepoint) == ["Trang chủ", "Tin tức"]
    assert sharepoint.find(class_="ms-hidden") is not None  # the page itself is left as it was
    nukeviet = soup(
        '<div class="breadcrumbs-wrap"><ul class="breadcrumbs list-none"></ul><ul class="temp-breadcrumbs '
        'hidden"><li><a href="/"><span>Trang nhất</span></a></li><li><a href="/news/thong-bao/"><span>'
        "Thông báo</span></a></li></ul></div>"
    )
    assert fields.breadcrumb(nukeviet) == ["Trang nhất", "Thông báo"]


def test_sharepoint_article_left_by_line_and_captioned_image() -> None:
    result = parse(
        '<div id="s4-workspace"><div class="article article-left"><div class="captioned-image">'
        '<div class="image"><img src="/PublishingImages/a.jpg"></div><div class="caption">'
        '<div id="ctl00_PlaceHolderMain_ctl02_label" style="display:none">Chú thích Hình ảnh</div>'
        '<div class="ms-rtestate-field">Tiêm phòng tại xã Phước Thành</div></div></div>'
        '<div class="article-header"><div class="date-line">13/03/2024</div><div class="by-line">Hồ Văn Tín'
        '</div></div><div class="article-content"><div class="ms-rtestate-field">'
        + "".join(f"<p>{p}</p>" for p in SHORT)
        + "</div></div></div></div>",
        head='<meta name="GENERATOR" content="Microsoft SharePoint"><title>Tiêm phòng</title>',
    )
    assert isinstance(result, Article), result
    assert result.content.author == "Hồ Văn Tín"
    assert [(i.url, i.caption) for i in result.content.images] == [
        ("https://stc.example.vn/PublishingImages/a.jpg", "Tiêm phòng tại xã Phước Thành")
    ]
    assert result.content.body == SHORT


def test_microdata_dates_on_hidden_spans_but_not_on_time_or_meta() -> None:
    page = soup(
        '<span class="hidden" itemprop="datePublished">2024-10-16T07:45:00+07:00</span>'
        '<span class="hidden" itemprop="dateModified">2024-10-17T09:00:00+07:00</span>'
    )
    assert when.microdata(page, datetime(2024, 11, 1, tzinfo=VN_TZ)) == {
        "published": (datetime(2024, 10, 16, 7, 45, tzinfo=VN_TZ), "meta"),
        "modified": (datetime(2024, 10, 17, 9, 0, tzinfo=VN_TZ), "meta"),
    }
    joomla = soup('<time datetime="2024-03-01T08:00:00+07:00" itemprop="datePublished">1/3</time>')
    assert when.microdata(joomla, NOW) == {}  # a visible <time>, read as one


def test_tag_links_after_a_tags_icon_and_sibling_selectors_in_the_index() -> None:
    page = soup(
        '<div class="h5"><em class="fa fa-tags"></em><strong>Từ khóa: </strong><a href="/news/tag/dau-tu">'
        '<em>đầu tư</em></a>, <a href="/news/tag/du-an"><em>dự án</em></a></div><p><a href="/x">x</a></p>'
    )
    assert fields.tags(page, []) == ["đầu tư", "dự án"]
    index = Index(page)
    for selector in (".fa-tags ~ a", ".fa-tags + strong", "strong ~ a", ".h5 a"):
        assert select_grouped(page, [selector], index) == select_grouped(page, [selector]), selector


def test_files_behind_a_download_handler_are_typed_by_the_name_in_the_link() -> None:
    page = soup(
        '<div><a href="/index.php?nv=news&amp;op=tb-1582.html&amp;download=1&amp;id=0" title="Tải về 1 '
        'TB-tuyen-chon.pdf" download>Tải về 1: <strong>TB-tuyen-chon.pdf</strong></a>'
        '<a href="/index.php?nv=news&amp;download=1&amp;id=1">Tải về 2: Mau-ho-so.docx</a>'
        '<a href="/tin-tuc/bai-khac">Bài viết khác về hồ sơ</a></div>'
    )
    found = media.attachments(page.div, "https://a.vn/news/tb-1582.html")  # type: ignore[arg-type]
    assert [(a.title, a.type) for a in found] == [("TB-tuyen-chon.pdf", "pdf"), ("Mau-ho-so.docx", "docx")]


def test_an_english_page_naming_vietnamese_places_is_english() -> None:
    text = (
        "Deputy Minister Trần Anh Tuấn proposed that the Japanese side support pilot projects in Quảng Ninh, "
        "Đồng Nai, Thừa Thiên Huế, Bình Định and Cần Thơ, where the Sở Nội vụ of each province would "
        "coordinate the work with the Ministry."
    )
    assert fields.language(text) == "en"
    vietnamese = "Thứ trưởng Trần Anh Tuấn đề nghị phía Nhật Bản hỗ trợ các dự án thí điểm."
    assert fields.language(vietnamese) == "vi"
