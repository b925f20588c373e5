"""Titles by agreement, section names, double-escaped entities, wire tails; bylines and CMS accounts."""

from __future__ import annotations

from bs4 import BeautifulSoup

from archive.parse import titles
from archive.parse.byline import author_from_element, is_account, lines_after, split_byline
from archive.parse.title_candidates import SectionLabels, decode_entities, in_chrome, prefixes


def soup(markup: str) -> BeautifulSoup:
    return BeautifulSoup(markup, "lxml")


def choose(markup: str, family: tuple[str, ...] = (), crumbs: tuple[str, ...] = ()) -> titles.Title | None:
    page = soup(markup)
    labels = SectionLabels.of(page, list(crumbs))
    return titles.title(page, titles.Metas(page), family, titles.SiteNames(["Sở Y tế"]), None, None, labels)


def test_double_escaped_entities_are_decoded_once_and_a_literal_ampersand_stays() -> None:
    assert decode_entities("Hội thảo &ndash; lần II") == "Hội thảo – lần II"
    assert decode_entities("Sở TT&TT &amp; Sở KH&CN") == "Sở TT&TT & Sở KH&CN"
    assert decode_entities("&amp;ndash;") == "&ndash;"  # once, not until nothing is left
    assert decode_entities("Giá &unknownname; giữ nguyên") == "Giá &unknownname; giữ nguyên"


def test_title_prefixes_are_the_leading_runs_of_parts() -> None:
    assert prefixes("Tiêu đề - Tin tức - Sở Y tế") == {
        "tieu de",
        "tieu de tin tuc",
        "tieu de tin tuc so y te",
    }


def test_a_portlet_title_does_not_win_over_a_heading_that_agrees_with_the_document_title() -> None:
    markup = (
        "<title>Tiêm chủng mở rộng đợt 2 năm 2024 - Tin tức nổi bật - Sở Y tế</title>"
        '<h1 class="portlet-title"><span class="portlet-title-text">Tin tức nổi bật</span></h1>'
        "<div><h2>Tiêm chủng mở rộng đợt 2 năm 2024</h2><p>Nội dung.</p></div>"
    )
    assert choose(markup) == ("Tiêm chủng mở rộng đợt 2 năm 2024", True)


def test_a_section_heading_first_in_the_family_selector_loses_to_the_agreeing_one() -> None:
    markup = (
        "<title>Lấy ý kiến về quy hoạch chung đô thị - quy hoạch - kế hoạch - Sở Y tế</title>"
        '<nav><a href="/qh">quy hoạch - kế hoạch</a></nav>'
        '<h3 class="header-title">quy hoạch - kế hoạch</h3>'
        '<h3 class="header-title">Lấy ý kiến về quy hoạch chung đô thị</h3>'
    )
    assert choose(markup, (".header-title",)) == ("Lấy ý kiến về quy hoạch chung đô thị", True)
    # Without any agreeing offer, the document title loses its section and site names.
    bare = "<title>Lấy ý kiến về quy hoạch chung đô thị - quy hoạch - kế hoạch - Sở Y tế</title>"
    assert choose(bare, crumbs=("Trang chủ", "quy hoạch - kế hoạch")) == (
        "Lấy ý kiến về quy hoạch chung đô thị",
        False,
    )


def test_known_section_names_are_labels_without_a_menu() -> None:
    markup = "<title>Sở Y tế</title><h1>Hot News</h1><h1>Khám sàng lọc miễn phí cho người cao tuổi</h1>"
    assert choose(markup) == ("Khám sàng lọc miễn phí cho người cao tuổi", True)


def test_an_update_stamp_glued_on_a_heading_is_cut_when_the_other_offers_lack_it() -> None:
    markup = (
        '<meta property="og:title" content="Xuất khẩu gạo tăng mạnh">'
        "<h1>Xuất khẩu gạo tăng mạnh <span>Updated: 10:32 GMT+7, 12/03/2024</span></h1>"
    )
    assert choose(markup) == ("Xuất khẩu gạo tăng mạnh", True)
    # A heading whose words only look like a tail keeps them when nothing says otherwise.
    alone = "<h1>Người dân cập nhật thông tin cư trú qua ứng dụng</h1>"
    assert choose(alone) == ("Người dân cập nhật thông tin cư trú qua ứng dụng", True)


def test_teaser_headings_in_sidebars_are_not_titles() -> None:
    page = soup(
        '<div class="sidebar"><h1>Tin đọc nhiều trong tuần qua</h1></div>'
        '<div class="main"><h2><a href="/a">Bài khác của chuyên mục</a></h2></div>'
    )
    first, second = page.find_all(["h1", "h2"])
    assert in_chrome(first)
    assert in_chrome(second)
    assert not in_chrome(soup('<div class="main"><h1>Tiêu đề bài viết</h1></div>').h1)  # type: ignore[arg-type]


def test_localized_byline_labels_are_stripped() -> None:
    assert author_from_element("Được viết bởi Vũ Thị Hằng") == "Vũ Thị Hằng"
    assert author_from_element("Viết bởi Vũ Thị Hằng") == "Vũ Thị Hằng"
    assert author_from_element("Người đăng: Đỗ Quang Huy") == "Đỗ Quang Huy"
    assert author_from_element("Đăng bởi Trần Minh") == "Trần Minh"
    assert author_from_element("Biên tập: Hồng Nhung") == "Hồng Nhung"
    assert author_from_element("Written by Lan Anh") == "Lan Anh"
    assert author_from_element("Posted by: Lan Anh") == "Lan Anh"


def test_cms_accounts_are_never_authors() -> None:
    for account in ("Admin", "Admin English", "administrator", "Quản trị viên", "Quản trị hệ thống"):
        assert is_account(account), account
        assert author_from_element(f"Người đăng: {account}") is None
    for account in ("webmaster", "Super User", "nvhung", "user_12", "10234"):
        assert is_account(account), account
    assert not is_account("Phạm Văn Tuấn")
    assert not is_account("Minh Châu")


def test_labelled_lines_after_the_body_element_join_the_byline() -> None:
    page = soup(
        '<div id="a"><div id="body"><p>' + "Nội dung bài viết. " * 10 + "</p></div>"
        '<div class="tac-gia"><p><strong>Tác giả: </strong>Lê Minh Châu</p>'
        "<p><strong>Nguồn tin: </strong>Phòng Đăng ký kinh doanh</p></div>"
        "<p>Theo Báo Khánh Hòa</p><p>Lượt xem: 12</p></div>"
    )
    lines = lines_after(page.find(id="body"))  # type: ignore[arg-type]
    assert lines == ["Tác giả: Lê Minh Châu", "Nguồn tin: Phòng Đăng ký kinh doanh", "(Theo Báo Khánh Hòa)"]
    byline = split_byline(["Nội dung bài viết. " * 10, *lines])
    assert byline.author == "Lê Minh Châu"
    assert byline.source_line == "Báo Khánh Hòa"  # the last credit line
    assert byline.body == ["Nội dung bài viết. " * 10]
