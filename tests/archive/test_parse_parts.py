"""The parser's parts one by one: layouts, selection, titles, dates, media, bylines, fields, classifiers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from bs4 import BeautifulSoup
from lxml import etree

from archive.parse import classify, dom, fields, laround, layouts, lblock, ltree, media, titles, when
from archive.parse import page as lpage
from archive.parse.byline import author_from_element, split_byline
from archive.parse.dates import VN_TZ
from archive.parse.ltree import Element, Keys
from archive.parse.select import select_all, select_first, select_grouped
from archive.parse.text import clean_text
from archive.parse.title_candidates import SectionLabels
from archive.sources import Selectors, Source

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=VN_TZ)
SOURCE = Source(
    id="x-syt",
    name="Sở Y tế tỉnh Mẫu",
    department="Sở Y tế",
    jurisdiction="Tỉnh Mẫu",
    homepage="http://syt.example.vn/",
    listings=["http://syt.example.vn/tin-tuc"],
    article_pattern="^/tin-tuc/[^/]+$",
)


def soup(markup: str) -> BeautifulSoup:
    return BeautifulSoup(markup, "lxml")


def tree(markup: str) -> Element:
    """The page's lxml tree, as the parser reads it after boilerplate removal."""
    root = ltree.parse(markup)
    assert root is not None
    return root


def by_id(root: Element, value: str) -> Element:
    return next(el for el in root.iter() if el.get("id") == value)


@pytest.mark.parametrize(
    ("markup", "url", "family"),
    [
        ('<meta name="generator" content="Drupal 10 (https://www.drupal.org)">', "http://a/", "drupal"),
        (
            '<meta name="generator" content="Joomla! - CMS"><div id="k2Container"></div>',
            "http://a/",
            "joomla-k2",
        ),
        ('<meta name="generator" content="Joomla! - CMS">', "http://a/", "joomla"),
        ('<meta name="generator" content="WordPress 6.4">', "http://a/", "wordpress"),
        ('<meta name="GENERATOR" content="Microsoft SharePoint">', "http://a/", "sharepoint"),
        (
            '<div class="asset-full-content"><div class="journal-content-article"></div></div>',
            "http://a/",
            "liferay-asset-publisher",
        ),
        ('<div class="journal-content-article"></div>', "http://a/", "liferay-journal-content"),
        ('<section class="ibmPortalControl wpthemeControl"></section>', "http://a/", "java-portal"),
        ("<p>x</p>", "http://a/webcenter/portal/x/pages_r/l/tin?dDocName=MOF1", "java-portal"),
        ('<div class="item-page"></div>', "http://a/", "joomla"),
        ("<p>x</p>", "http://a/tin-tuc/ten-bai-12345.html", "slug-id"),
        ("<p>x</p>", "http://a/Default.aspx?tabid=5&ItemID=12", "slug-id"),
        ("<p>x</p>", "http://a/bai-viet/ten-bai", "generic"),
    ],
)
def test_families_are_recognised(markup: str, url: str, family: str) -> None:
    assert layouts.detect(soup(markup), url).name == family


def test_source_selectors_come_first() -> None:
    layout = layouts.effective(layouts.DRUPAL, Selectors(body="#noi-dung", drop=[".quang-cao"]))
    assert layout.body[0] == "#noi-dung"
    assert layout.body[1:] == layouts.DRUPAL.body
    assert layout.drop[0] == ".quang-cao"
    assert layouts.effective(layouts.GENERIC, Selectors()) == layouts.GENERIC


def test_selection_orders_by_selector_and_survives_bad_selectors() -> None:
    page = soup('<p class="b">1</p><p class="a">2</p><p class="a b">3</p>')
    assert [t.get_text() for t in select_all(page, (".a", ".b"))] == ["2", "3", "1"]
    assert [[t.get_text() for t in g] for g in select_grouped(page, (".b", "div[", ".a"))] == [
        ["1", "3"],
        [],
        ["2", "3"],
    ]
    assert select_first(page, ("div[", ".zzz")) is None


def test_site_names_are_stripped_from_titles() -> None:
    sites = titles.SiteNames.of(["Cổng TTĐT Sở Y tế"], "Sở Y tế", "Tỉnh Lạng Sơn")
    assert sites.remove_from("Tiêm chủng mở rộng - Sở Y tế Lạng Sơn") == "Tiêm chủng mở rộng"
    assert sites.remove_from("Sở Y tế tỉnh Lạng Sơn | Tiêm chủng mở rộng") == "Tiêm chủng mở rộng"
    assert sites.remove_from("Hội nghị A - hướng tới B") == "Hội nghị A - hướng tới B"
    assert "SO Y TE TINH LANG SON" in sites  # written without marks
    assert "Trang thông tin điện tử Sở Y tế" in sites
    assert "Ra mắt trang dichvucong.gov.vn" not in sites


def test_cut_headings_are_completed_but_not_with_the_site_name() -> None:
    page = soup(
        "<title>Hội nghị giao ban trực tuyến sơ kết 6 tháng | Sở Y tế</title>"
        '<meta property="og:title" content="Hội nghị giao ban trực tuyến sơ kết 6 tháng đầu năm 2010">'
        "<h1>Hội nghị giao ban trực tuyến sơ kết 6 tháng…</h1>"
    )
    sites = titles.SiteNames(["Sở Y tế"])
    metas = titles.Metas(page)
    assert titles.title(page, metas, (), sites) == (
        "Hội nghị giao ban trực tuyến sơ kết 6 tháng đầu năm 2010",
        True,
    )
    page = soup("<title>Tiêm chủng mở rộng đợt 2 | Sở Y tế Mẫu</title><h1>Tiêm chủng mở rộng đợt 2</h1>")
    assert titles.title(page, titles.Metas(page), (), sites)[0] == "Tiêm chủng mở rộng đợt 2"  # type: ignore[index]
    page = soup("<title>Chi tiết tin</title>")
    assert titles.title(page, titles.Metas(page), (), sites) == ("Chi tiết tin", False)


def test_a_heading_is_found_from_the_content_block() -> None:
    page = tree(
        '<td><span class="NewsTitle">Hội nghị xúc tiến thương mại năm 2024</span>'
        '<div id="c"><p>' + "Nội dung bài viết. " * 10 + "</p></div></td>"
    )
    found = laround.near_content(page, by_id(page, "c"), titles.SiteNames([]), None, SectionLabels([]))
    assert found is not None
    assert found[0] == "Hội nghị xúc tiến thương mại năm 2024"
    signature_only = tree('<div id="c"><p>' + "Nội dung. " * 20 + "</p><p><b>Nguyễn Văn An</b></p></div>")
    container = by_id(signature_only, "c")
    none = SectionLabels([])
    assert laround.near_content(signature_only, container, titles.SiteNames([]), None, none) is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://a.vn/2023/08/15/ten-bai/", "2023-08-15"),
        ("http://a.vn/tin/2023-08-15-ten-bai", "2023-08-15"),
        ("http://a.vn/tin/ten-bai-20230815.html", "2023-08-15"),
        ("http://a.vn/tin/ten-bai-20230815093012345.htm", None),  # a timestamp id, not a date
        ("http://a.vn/2023/13/45/x", None),
        ("http://a.vn/2030/01/01/x", None),  # after the capture
        ("http://a.vn/tin?date=2023/08/15", None),  # the query is not the path
    ],
)
def test_dates_in_urls(url: str, expected: str | None) -> None:
    found = when.from_url(url, NOW)
    assert (found.date().isoformat() if found else None) == expected


def test_datelines_and_date_lines() -> None:
    assert when.dateline(["Ngày 05 tháng 7 năm 2010 Bộ Thông tin và Truyền thông tổ chức hội nghị."], NOW)
    assert (
        when.dateline(["Theo Quyết định số 12 ngày 05/7/2010 của Bộ, các đơn vị phải báo cáo."], NOW) is None
    )
    assert when.dateline(["BỘ Y TẾ", "Số: 12/TB-BYT", "Hà Nội, ngày 12 tháng 3 năm 2024"], NOW)
    assert when.is_date_line("Cập nhật lúc: 08/04/2024 17:02", NOW)
    assert when.is_date_line("(29/04/2024, 14:49)", NOW)
    assert not when.is_date_line("Thời gian: 8h00 ngày 20/6/2024 tại hội trường", NOW)
    assert not when.is_date_line("Hội nghị ngày 20/4/2024", NOW)


def test_the_date_nearest_the_article_wins_and_the_top_bar_today_loses() -> None:
    page = tree(
        '<div id="top"><div class="bar"><div class="x">'
        '<span class="date">Thứ Tư, 01/05/2024</span></div></div></div>'
        '<div class="col"><div class="news"><span class="post-date">28/04/2024 09:15</span>'
        '<div id="c"><p>Nội dung</p></div></div><ul><li><span class="date">20/04/2024</span></li></ul></div>'
    )
    found = laround.visible(page, by_id(page, "c"), (), NOW, Keys(page))
    assert found is not None
    assert found[0] == (datetime(2024, 4, 28, 9, 15, tzinfo=VN_TZ), "text")
    only_today = tree(
        '<div id="top"><div class="a"><div class="b"><div class="c"><span class="date">01/05/2024</span>'
        '</div></div></div></div><div class="k"><div class="l"><div id="c"><p>x</p></div></div></div>'
    )
    assert laround.visible(only_today, by_id(only_today, "c"), (), NOW, Keys(only_today)) is None


def test_structured_dates_prefer_json_ld_then_meta() -> None:
    page = soup('<meta property="article:published_time" content="2024-04-02T10:00:00+07:00">')
    found = [{"@type": "NewsArticle", "datePublished": "2024-04-01T08:00:00+07:00"}]
    assert when.structured(titles.Metas(page), found, NOW)["published"][1] == "json-ld"
    assert when.structured(titles.Metas(page), [], NOW)["published"] == (
        datetime(2024, 4, 2, 10, 0, tzinfo=VN_TZ),
        "meta",
    )


@pytest.mark.parametrize(
    ("href", "hints", "kind"),
    [
        ("http://a/files/QD-12.PDF", (), "pdf"),
        ("http://a/documents/10181/0/QD+12.docx/5f3c-uuid?t=1", (), "docx"),
        ("http://a/download.aspx?file=Bao%20cao.xlsx", (), "xlsx"),
        ("http://a/item/download/245_8f0e", ("Chuong_trinh.pdf",), "pdf"),
        ("http://a/item/download/245_8f0e", ("Chương trình hội nghị",), None),
        ("http://a/tin-tuc/bai.html", (), None),
    ],
)
def test_attachment_types(href: str, hints: tuple[str, ...], kind: str | None) -> None:
    assert media.file_type(href, None, hints) == kind


def test_attachments_titles_and_bad_urls() -> None:
    page = soup(
        '<div><a href="/f/a.pdf">Quyết định 12/QĐ-UBND</a><a href="/f/b.doc" title="Tờ trình số 5">Tải về</a>'
        '<a href="/f/Bao%20cao%20quy%20I.xlsx">tại đây</a><a href="http://[x/c.pdf">x</a>'
        '<a href="/f/a.pdf">again</a></div>'
    )
    found = media.attachments(page.div, "http://a.vn/tin/1")  # type: ignore[arg-type]
    assert [(a.url, a.title, a.type) for a in found] == [
        ("http://a.vn/f/a.pdf", "Quyết định 12/QĐ-UBND", "pdf"),
        ("http://a.vn/f/b.doc", "Tờ trình số 5", "doc"),
        ("http://a.vn/f/Bao%20cao%20quy%20I.xlsx", "Bao cao quy I.xlsx", "xlsx"),
    ]


def test_image_captions() -> None:
    page = soup(
        '<div id="c"><p style="text-align:center"><img src="/a.jpg"></p>'
        "<p><em>Ảnh: Toàn cảnh hội nghị</em></p>"
        '<p><img src="/b.jpg"><br><i>Đại biểu phát biểu</i></p>'
        '<table class="image"><tr><td><img src="/c.jpg"></td></tr><tr><td>Lễ ký kết</td></tr></table>'
        '<p><img src="/d.jpg"> Nội dung <em>nhấn mạnh</em> trong đoạn văn.</p>'
        '<img src="/icons/pdf.png"><img src="/e.gif" width="16"><img src="data:image/png;base64,AA"></div>'
    )
    images, captions = media.images(page.find(id="c"), "http://a.vn/")  # type: ignore[arg-type]
    assert [(i.url.rsplit("/", 1)[-1], i.caption) for i in images] == [
        ("a.jpg", "Ảnh: Toàn cảnh hội nghị"),
        ("b.jpg", "Đại biểu phát biểu"),
        ("c.jpg", "Lễ ký kết"),
        ("d.jpg", None),
    ]
    assert len(captions) == 3


@pytest.mark.parametrize(
    ("lines", "author", "source_line", "signature"),
    [
        (["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "(Đã ký)", "Nguyễn Văn A"], "Nguyễn Văn A", None, 4),
        (["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Lê Văn Bình"], "Lê Văn Bình", None, 4),
        (["Tin, ảnh: Mạc Văn Hùng"], "Mạc Văn Hùng", None, 1),
        (["(Theo Báo Lạng Sơn)"], None, "Báo Lạng Sơn", 0),
        (["Phòng Quản lý khoa học", "Nguồn: Sở KH&CN"], "Phòng Quản lý khoa học", "Sở KH&CN", 1),
        (["Hội nghị kết thúc trong không khí phấn khởi."], None, None, 0),
    ],
)
def test_bylines(lines: list[str], author: str | None, source_line: str | None, signature: int) -> None:
    byline = split_byline(["Nội dung chính của bài viết, một câu dài kết thúc bằng dấu chấm.", *lines])
    assert (byline.author, byline.source_line, len(byline.signature)) == (author, source_line, signature)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Viết bởi Nguyễn Văn A", "Nguyễn Văn A"),
        ("Tác giả: Thu Hà - Trung tâm Y tế", "Thu Hà"),
        ("Đăng bởi admin", None),
        ("Super User", None),
        ("Biên tập viên", None),
        ("", None),
        ("Lượt xem 1234", None),
    ],
)
def test_author_elements(text: str, name: str | None) -> None:
    assert author_from_element(text) == name


def test_category_tags_numbers_language() -> None:
    assert fields.category(["Trang chủ", "Tin tức", "Y tế dự phòng"], "Tiêm chủng", None) == "Y tế dự phòng"
    assert (
        fields.category(["Trang chủ", "Thông báo"], "Thông báo kết quả tuyển sinh lớp 10", None)
        == "Thông báo"
    )
    assert (
        fields.category(
            ["Trang chủ", "Tin tức", "Thông báo kết quả tuyển sinh…"],
            "Thông báo kết quả tuyển sinh lớp 10",
            None,
        )
        == "Tin tức"
    )
    assert fields.category(["Trang chủ"], "X", "Văn hóa") == "Văn hóa"
    page = soup('<div class="tags"><a>Từ khóa: y tế</a><a>y tế</a><a>tiêm chủng</a></div>')
    assert fields.tags(page, ["meta"]) == ["y tế", "tiêm chủng"]
    assert fields.tags(soup("<p>x</p>"), ["meta"]) == ["meta"]
    text = "Theo Quyết định 1234/QĐ-UBND, Nghị định 15/2023/NĐ-CP, Luật 59/2020/QH14 và ngày 12/05/2010/"
    assert fields.doc_numbers([text]) == ["1234/QĐ-UBND", "15/2023/NĐ-CP", "59/2020/QH14"]
    assert fields.language("Hội nghị tổng kết công tác năm") == "vi"
    assert fields.language("The Department of Health held a meeting on the plan for the year") == "en"
    assert fields.language("12345 ---") == "und"


def test_not_article_classifiers() -> None:
    def text(markup: str) -> str:
        return clean_text(soup(markup).get_text(" "))

    error = text("<body><h1>Lỗi</h1><p>Trang bạn yêu cầu không tồn tại.</p></body>")
    assert classify.error_page("Thông báo", error)
    assert classify.error_page("Lỗi 404", text("<body><p>x</p></body>"))
    assert classify.error_page("Trang bạn yêu cầu không tồn tại", text("<body></body>"))
    short = text("<body><p>Người dân mất giấy tờ cần làm thủ tục cấp lại theo quy định.</p></body>")
    headline = "Do mẹ tôi mất đột ngột nên mọi giấy tờ giờ không tìm thấy đâu"
    assert classify.error_page(headline, short) is None
    long = text("<body><p>" + "Bài viết phân tích vì sao hồ sơ không tồn tại. " * 50 + "</p></body>")
    assert classify.error_page("Hồ sơ không tồn tại", long) is None
    contact = text("<body><p>Địa chỉ: 1 Hùng Vương</p><p>Điện thoại: 0205</p></body>")
    assert classify.contact_page("Liên hệ", contact, form=False)
    long_title = "Liên hệ công tác giữa hai tỉnh được tăng cường mạnh mẽ"
    assert classify.contact_page(long_title, contact, True) is None
    assert classify.has_form(soup('<form><input type="hidden"><input type="text"></form>'))
    assert not classify.has_form(soup('<form><input type="hidden" name="__VIEWSTATE"></form>'))


def test_boilerplate_and_density() -> None:
    markup = (
        '<body><div class="menu"><a href="/">Trang chủ</a></div>'
        '<div class="content-sidebar-wrap"><div id="c">'
        + "<p>"
        + "Đoạn văn dài của bài viết về hội nghị tổng kết công tác năm. " * 4
        + "</p>" * 1
        + "<p>"
        + "Đoạn văn thứ hai của bài viết với nhiều thông tin hơn nữa. " * 4
        + "</p>"
        + "<p>"
        + "Đoạn văn thứ ba kết thúc bài viết với lời kêu gọi của lãnh đạo. " * 4
        + "</p>"
        + '</div></div><div class="comments"><p>'
        + "Bình luận dài của bạn đọc. " * 20
        + "</p></div>"
        + '<form><input type="text"></form></body>'
    )
    page = soup(markup)
    dom.drop_boilerplate(page.body)  # type: ignore[arg-type]
    assert page.find(class_="menu") is None
    assert page.find(class_="comments") is None
    assert page.form is None
    assert page.find(class_="content-sidebar-wrap") is not None  # misnamed wrapper of the article
    on_lxml = tree(markup)
    lpage.drop_boilerplate(on_lxml)
    found = lblock.density_container(on_lxml, lpage.measure(on_lxml))
    assert found is not None
    assert found.get("class") == "content-sidebar-wrap"
    assert dom.block_texts(soup("<div>a<br>b<p>c</p>d</div>").div) == ["a", "b", "c", "d"]  # type: ignore[arg-type]


def test_now_bounds_every_date() -> None:
    assert when.from_url("http://a/2024/05/03/x", datetime(2024, 5, 1, tzinfo=UTC)) is None


def _all_selectors() -> list[str]:
    found: list[str] = []
    for layout in layouts.FAMILIES:
        found += [*layout.markers, *layout.body, *layout.title, *layout.lead, *layout.date, *layout.author]
        found += [*layout.drop, *layout.article]
    found += [*layouts.COMMON_BODY, *fields.LEAD_SELECTORS, *fields._TAG_SELECTORS, *fields._BREADCRUMB]
    found += ["div > p", "p + p", "td ~ td", "*", ":not(.x)", "a[href$='.pdf' i]", "[class|=field]", "div["]
    return found


def test_the_index_selects_exactly_what_soupsieve_selects() -> None:
    from pathlib import Path

    from archive.parse.select import Index

    pages = sorted((Path(__file__).parent / "pages").glob("*.html"))
    selectors = _all_selectors()
    assert len(pages) > 20
    for path in pages:
        page = soup(path.read_bytes().decode("utf-8", "replace"))
        index = Index(page)
        assert select_grouped(page, selectors, index) == select_grouped(page, selectors), path.name
        body = page.body or page
        assert select_grouped(body, selectors, index) == select_grouped(body, selectors), path.name
        dom.drop_boilerplate(page, (), index)  # a stale index only skips what is gone
        assert select_grouped(page, selectors, index) == select_grouped(page, selectors), path.name


def test_a_date_inside_a_sentence_stays_in_the_body() -> None:
    page = tree(
        '<div id="c"><p>Ngày <span class="date">12/3/2024</span>, Sở tổ chức hội nghị.</p>'
        '<p><span class="date">13/03/2024 08:00</span></p></div>'
    )
    container = by_id(page, "c")
    spans = [el for el in page.iter("span") if el.get("class") == "date"]
    laround.drop_inside(container, spans[0])
    laround.drop_inside(container, spans[1])
    left = soup(etree.tostring(container, method="html", encoding="unicode")).div
    assert left is not None
    assert dom.block_texts(left) == ["Ngày 12/3/2024, Sở tổ chức hội nghị."]


def test_cms_document_links_are_attachments_and_leave_the_body() -> None:
    from archive.parse import tidy

    liferay = "/documents/10181/20503/K%E1%BA%BF+ho%E1%BA%A1ch+89.docx/3f2b9c1e-7d4a-4c8e-9b1f-5a6d7e8f9012"
    get_file = "/c/document_library/get_file?uuid=8d0c7a55-1b2e-4f3a-a6c4-0e9d8b7a6c5f&amp;groupId=10181"
    page = soup(
        '<div id="c"><p>Sở ban hành kế hoạch.</p>'
        f'<p><a href="{liferay}?version=1.0&amp;t=1736899200000">Kế hoạch số 89/KH-SKHCN</a></p>'
        f'<p><a href="{get_file}">Tải về</a></p>'
        '<p><a href="/index.php?nv=laws&amp;op=detail/qd-12&amp;download=1&amp;id=0">'
        "Tải về 1: QD-12.pdf</a></p>"
        '<p><a href="/_layouts/15/download.aspx?SourceUrl=/Documents/KH%2012.docx">Kế hoạch 12</a></p>'
        '<p><a href="/wp-content/uploads/2024/05/danh-sach.xlsx">Danh sách</a></p></div>'
    )
    container = page.find(id="c")
    found = media.attachments(container, "http://a.vn/tin/1")  # type: ignore[arg-type]
    assert [(a.title, a.type) for a in found] == [
        ("Kế hoạch số 89/KH-SKHCN", "docx"),
        (None, None),  # the URL and the link say nothing: the archived file will (deptnews extract)
        ("QD-12.pdf", "pdf"),
        ("Kế hoạch 12", "docx"),
        ("Danh sách", "xlsx"),
    ]
    assert found[0].url.endswith("3f2b9c1e-7d4a-4c8e-9b1f-5a6d7e8f9012?version=1.0&t=1736899200000")
    assert found[1].url == "http://a.vn" + get_file.replace("&amp;", "&")
    tidy.drop_attachment_blocks(container, "http://a.vn/tin/1")  # type: ignore[arg-type]
    assert dom.block_texts(container) == ["Sở ban hành kế hoạch."]  # type: ignore[arg-type]
