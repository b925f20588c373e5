"""Link discovery: article links (canonical, same host, patterns) and next pages of listing pagers."""

from __future__ import annotations

import threading

import pytest

from archive.sources import Source
from archive.urls import canonicalize_url
from scrapers.discover import (
    article_links,
    infer_next_page,
    is_attachment_url,
    listing_links,
    looks_like_article,
    page_marker,
)

BASE = "https://skhcn.example.gov.vn"


def _source(**kw: object) -> Source:
    values: dict[str, object] = {
        "id": "s",
        "name": "Sở Khoa học và Công nghệ",
        "department": "Sở Khoa học và Công nghệ",
        "jurisdiction": "Tỉnh X",
        "homepage": BASE + "/",
        "listings": [BASE + "/tin-tuc"],
        "article_pattern": r"-\d+\.html$",
    }
    values.update(kw)
    return Source.model_validate(values)


def _page(body: str) -> str:
    return f"<html><head><title>t</title></head><body>{body}</body></html>"


def test_article_links_are_canonical_unique_and_on_the_host() -> None:
    html = _page(
        '<a href="/tin-tuc/hop-ban-1.html?utm_source=fb&utm_campaign=x#comments">1</a>'
        '<a href="/tin-tuc/hop-ban-1.html">again</a>'
        '<a href="https://SKHCN.example.gov.vn:443/tin-tuc/hop-ban-2.html?fbclid=abc">2</a>'
        '<a href="https://other.gov.vn/tin-tuc/khac-3.html">other host</a>'
        '<a href="javascript:void(0)">js</a><a href="mailto:a@b.vn">mail</a><a href="#top">top</a>'
        '<a href="/gioi-thieu">not an article</a>'
    )
    links = listing_links(html, BASE + "/tin-tuc", _source())
    assert links.articles == [BASE + "/tin-tuc/hop-ban-1.html", BASE + "/tin-tuc/hop-ban-2.html"]


def test_a_page_of_100k_links_is_read_in_linear_time() -> None:
    """De-duplication keeps page order without scanning a list per link (quadratic: minutes for 100k
    links). Bounded by a generous wall-clock guard, not measured."""
    hrefs = [f"/tin-tuc/bai-{i}-{1000 + i}.html" for i in range(100_000)]
    repeated = hrefs + hrefs[:1000]  # a sidebar repeats the first ones at the end
    html = _page("".join(f'<a href="{h}">{i}</a>' for i, h in enumerate(repeated)))
    found: list[list[str]] = []
    thread = threading.Thread(
        target=lambda: found.append(listing_links(html, BASE + "/tin-tuc", _source()).articles), daemon=True
    )
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), "listing_links took more than 60 s"
    assert found[0] == [BASE + h for h in hrefs]
    attachments = _page("".join(f'<a href="/files/f-{i % 30_000}.pdf">f</a>' for i in range(60_000)))
    assert len(article_links(attachments, BASE + "/a").attachments) == 30_000


def test_links_past_the_page_budget_are_ignored_but_the_next_page_is_found() -> None:
    html = _page(
        '<a href="/tin-tuc/a-1.html">1</a><a href="/gioi-thieu">about</a><a name="anchor">no href</a>'
        '<a href="/tin-tuc/a-2.html">2</a><a href="/tin-tuc/a-3.html">3</a><a href="/tin-tuc/a-4.html">4</a>'
        '<a href="/tin-tuc?page=2">2</a><a class="next" href="/tin-tuc?page=1">Trang sau</a>'
    )
    links = listing_links(html, BASE + "/tin-tuc", _source(), max_links=3)
    assert links.articles == [BASE + "/tin-tuc/a-1.html", BASE + "/tin-tuc/a-2.html"]
    assert links.ignored == 4  # a-3, a-4 and both pager links; the anchor without href is no link
    assert links.next_page == BASE + "/tin-tuc?page=1"
    assert listing_links(html, BASE + "/tin-tuc", _source()).ignored == 0
    head = '<html><head><link rel="next" href="/tin-tuc?page=1"></head><body>'
    late = listing_links(
        head + '<a href="/tin-tuc/a-1.html">1</a></body></html>', BASE + "/tin-tuc", _source(), 0
    )
    assert late.articles == []
    assert late.next_page == BASE + "/tin-tuc?page=1"
    files = _page("".join(f'<a href="/files/f-{i}.pdf">f</a>' for i in range(10)))
    cut = article_links(files, BASE + "/a", max_links=4)
    assert cut.attachments == [f"{BASE}/files/f-{i}.pdf" for i in range(4)]
    assert cut.ignored == 6


def test_include_and_exclude_patterns() -> None:
    html = _page(
        '<a href="/tin-tuc/a-1.html">1</a><a href="/in-an/a-1.html">print</a>'
        '<a href="/su-kien/b-2.html">2</a>'
    )
    source = _source(include=["^/(tin-tuc|in-an)/"], exclude=["^/in-an/"])
    assert listing_links(html, BASE + "/tin-tuc", source).articles == [BASE + "/tin-tuc/a-1.html"]


def test_base_href_is_honoured() -> None:
    html = '<html><head><base href="/vn/"></head><body><a href="tin-tuc/a-1.html">1</a></body></html>'
    assert listing_links(html, BASE + "/x/y", _source()).articles == [BASE + "/vn/tin-tuc/a-1.html"]


@pytest.mark.parametrize(
    ("pager", "expected"),
    [
        ('<a href="?page=1">Trang sau</a>', "/tin-tuc?page=1"),
        ('<a href="?page=1">Trang sau ›</a>', "/tin-tuc?page=1"),
        ('<a href="?page=1">Tiếp</a>', "/tin-tuc?page=1"),
        ('<a href="?page=1">»</a>', "/tin-tuc?page=1"),
        ('<a href="?page=1" title="Đến trang sau">›</a>', "/tin-tuc?page=1"),
        ('<li class="pager-next"><a href="?page=1">sau cùng</a></li>', "/tin-tuc?page=1"),
        ('<a rel="next" href="?page=1">x</a>', "/tin-tuc?page=1"),
        ('<a class="btn next-page" href="/tin-tuc/trang/2">x</a>', "/tin-tuc/trang/2"),
        # Numbers only: the pager's "2" link.
        ('<a href="?page=1">2</a><a href="?page=2">3</a>', "/tin-tuc?page=1"),
        # SharePoint/ASP.NET style.
        ('<a href="?Page=2">2</a><a href="?Page=3">3</a>', "/tin-tuc?Page=2"),
        ("", None),
    ],
)
def test_next_page_on_a_first_page(pager: str, expected: str | None) -> None:
    links = listing_links(_page(pager), BASE + "/tin-tuc", _source())
    assert links.next_page == (BASE + expected if expected else None)


def test_head_link_rel_next() -> None:
    html = '<html><head><link rel="next" href="/tin-tuc?page=3"></head><body></body></html>'
    assert listing_links(html, BASE + "/tin-tuc?page=2", _source()).next_page == BASE + "/tin-tuc?page=3"


def test_next_page_inferred_from_numbers() -> None:
    # Drupal 0-based ?page=, current page 1 (the second), numbered links only.
    numbers = [(f"{BASE}/tin-tuc?page={n}", str(n + 1)) for n in (0, 2, 3)]
    assert infer_next_page(BASE + "/tin-tuc?page=1", numbers) == BASE + "/tin-tuc?page=2"
    assert infer_next_page(BASE + "/tin-tuc?page=3", numbers) is None
    # Liferay portlet paging keeps its other parameters (_delta included).
    ns = "_101_INSTANCE_abc_"
    liferay = f"{BASE}/web/so/tin-tuc?p_p_id=101_INSTANCE_abc&{ns}delta=10&{ns}cur="
    links = [(liferay + str(n), str(n)) for n in (1, 2, 3, 4)]
    assert infer_next_page(liferay + "2", links) == liferay + "3"
    assert infer_next_page(f"{BASE}/web/so/tin-tuc", links) == liferay + "2"
    # Path forms.
    assert infer_next_page(f"{BASE}/tin-tuc/page/2/", [(f"{BASE}/tin-tuc/page/3/", "3")]) == (
        f"{BASE}/tin-tuc/page/3/"
    )


def test_page_marker() -> None:
    assert page_marker("http://h/a?page=3&x=1")[1] == 3
    assert page_marker("http://h/a?page=3&x=1")[0] == page_marker("http://h/a?page=9&x=1")[0]
    assert page_marker("http://h/a?x=1") == ("http://h/a?x=1", None)
    assert page_marker("http://h/tin-tuc/trang-4.html")[1] == 4


def test_self_link_is_not_a_next_page() -> None:
    html = _page('<a href="/tin-tuc?page=2">Trang sau</a>')
    assert listing_links(html, BASE + "/tin-tuc?page=2", _source()).next_page is None


def test_empty_and_junk_html() -> None:
    assert listing_links("", BASE, _source()).articles == []
    assert listing_links(b"\x00\xff garbage", BASE, _source()).next_page is None


def test_article_links_canonical_and_attachments() -> None:
    html = (
        '<html><head><link rel="canonical" href="/tin-tuc/a-1.html?utm_medium=x"></head><body>'
        '<a href="/files/QD-123.PDF">QĐ</a><a href="/files/ke-hoach.docx">KH</a>'
        '<a href="/DownloadFile.aspx?id=5&file=bieu-mau.xlsx">biểu mẫu</a>'
        '<a href="https://vanban.example.gov.vn/a.pdf">other host</a>'
        '<a href="https://cdn.example.gov.vn/b.doc">allowed host</a>'
        '<a href="/files/anh.jpg">image</a></body></html>'
    )
    links = article_links(html, BASE + "/tin-tuc/a-1.html?redirect=x", ("cdn.example.gov.vn",))
    assert links.canonical == BASE + "/tin-tuc/a-1.html"
    assert links.attachments == [
        BASE + "/files/QD-123.PDF",
        BASE + "/files/ke-hoach.docx",
        BASE + "/DownloadFile.aspx?id=5&file=bieu-mau.xlsx",
        "https://cdn.example.gov.vn/b.doc",
    ]
    other = '<html><head><link rel="canonical" href="https://x.com/a"></head><body></body></html>'
    assert article_links(other, BASE + "/a").canonical is None


def test_attachment_and_article_shapes() -> None:
    assert is_attachment_url("http://h/a.xls")
    assert not is_attachment_url("http://h/a.html")
    assert looks_like_article("https://h/tin-tuc/hoi-nghi-giao-ban-258090")
    assert looks_like_article("https://h/hoi-nghi-giao-ban-4411.html")
    assert looks_like_article("https://h/web/so/tin-tuc/-/asset_publisher/Ab1/content/hoi-nghi")
    assert not looks_like_article("https://h/tin-tuc?page=2")


LOOSE = r"\.html?$"  # a plausible hand-written pattern that also matches the pager's pages


@pytest.mark.parametrize(
    ("pager", "next_page"),
    [
        # numbered pager entries and a "Trang sau" link, all matching the loose pattern
        (
            '<ul class="pagination"><li class="active"><span>1</span></li>'
            '<li><a href="/tin-tuc/trang-2.html">2</a></li><li><a href="/tin-tuc/trang-3.html">3</a></li>'
            '<li><a href="/tin-tuc/trang-2.html">Trang sau ›</a></li></ul>',
            "/tin-tuc/trang-2.html",
        ),
        (
            '<div class="pager"><a href="/tin-tuc/trang-2.html">2</a> '
            '<a href="/tin-tuc/trang-9.html">9</a></div>',
            "/tin-tuc/trang-2.html",
        ),
        ('<a rel="next" href="/tin-tuc/trang-2.html">»</a>', "/tin-tuc/trang-2.html"),
    ],
)
def test_a_pager_link_is_paging_even_when_the_pattern_matches_it(pager: str, next_page: str) -> None:
    html = _page(
        '<div class="list"><a href="/tin-tuc/hoi-nghi-so-ket.html">Hội nghị sơ kết</a>'
        '<a href="/tin-tuc/hoi-nghi-so-ket.html">Xem tiếp »</a>'
        '<a href="/tin-tuc/tap-huan-2.html">Tập huấn đợt 2</a></div>' + pager
    )
    links = listing_links(html, BASE + "/tin-tuc", _source(article_pattern=LOOSE))
    assert links.articles == [BASE + "/tin-tuc/hoi-nghi-so-ket.html", BASE + "/tin-tuc/tap-huan-2.html"]
    assert links.next_page == BASE + next_page


def test_read_more_links_stay_articles_and_later_pages_page_on() -> None:
    # On page 2, "Xem tiếp" under a teaser is the article's link; the pager goes on to page 3.
    html = _page(
        '<a href="/tin-tuc/bai-a.html">Bài A</a> <a href="/tin-tuc/bai-a.html">Xem tiếp</a>'
        '<a href="/tin-tuc/trang-1.html">1</a><a href="/tin-tuc/trang-3.html">3</a>'
        '<a href="/tin-tuc/trang-3.html">Tiếp</a>'
    )
    links = listing_links(html, BASE + "/tin-tuc/trang-2.html", _source(article_pattern=LOOSE))
    assert links.articles == [BASE + "/tin-tuc/bai-a.html"]
    assert links.next_page == BASE + "/tin-tuc/trang-3.html"


def test_text_that_declares_an_encoding_is_parsed() -> None:
    xhtml = (
        '<?xml version="1.0" encoding="utf-8"?>\n<html><body><a href="/tin-tuc/b-9.html">B</a></body></html>'
    )
    links = listing_links(xhtml, BASE + "/tin-tuc", _source(article_pattern=r"\.html$"))
    assert links.articles == [BASE + "/tin-tuc/b-9.html"]


# Document links as CMSs publish them (archive/fileurls.py): the file's name anywhere in the URL, or a
# download handler whose response's Content-Type then decides.
CMS_FILE_LINKS = [
    # Liferay document library: the extension inside the path, a version and a timestamp after it.
    "/documents/10181/20503/K%E1%BA%BF+ho%E1%BA%A1ch+89-KH-SKHCN.docx/3f2b9c1e-7d4a-4c8e-9b1f-5a6d7e8f9012",
    "/documents/10181/0/QD+1234+UBND.pdf/6c1e2f3a-0b1c-4d2e-8f3a-9b8c7d6e5f40?version=1.0&t=1710000000000",
    "/documents/10181/20503/Quyet+dinh+so+12/6c1e2f3a-0b1c-4d2e-8f3a-9b8c7d6e5f40",  # a title, no extension
    "/documents/d/guest/ke-hoach-so-89",  # Liferay 7.4 friendly URL
    "/c/document_library/get_file?uuid=8d0c7a55-1b2e-4f3a-a6c4-0e9d8b7a6c5f&groupId=10181",
    # NukeViet
    "/uploads/news/2024_05/qd-123-ubnd.pdf",
    "/index.php?language=vi&nv=laws&op=detail/quyet-dinh-12&download=1&id=0",
    "/vi/news/thong-bao/lich-tiep-cong-dan-123.html?download=1&id=0",
    # WordPress
    "/wp-content/uploads/2024/05/danh-sach.xlsx",
    # SharePoint
    "/Documents/Van%20ban/KH%2012.docx",
    "/_layouts/15/download.aspx?SourceUrl=/Documents/Van%20ban/KH%2012.docx",
    "/sites/stttt/_layouts/download.aspx?SourceUrl=%2Fsites%2Fstttt%2FDocuments%2Fx",
    # download scripts
    "/DownloadFile.aspx?file=bieu-mau.xlsx&id=5",
]
NOT_FILES = [
    "/web/skhcn/tin-tuc/-/asset_publisher/Ab1/content/hoi-nghi",
    "/documents/10181/huong-dan",  # not the library's /<groupId>/<folderId>/<title> shape
    "/tin-tuc/bao-cao-tong-ket-258090",
    "/tin-tuc?page=2",
    "/files/anh.jpg",
    "/index.php?language=vi&nv=news&op=thong-bao",
]


@pytest.mark.parametrize("path", CMS_FILE_LINKS)
def test_cms_document_links_are_attachments(path: str) -> None:
    assert is_attachment_url(BASE + path)
    html = f'<html><body><p><a href="{path}">Tải về</a></p></body></html>'
    # The link as the crawler keeps it: canonical (the query re-encoded), still a file link.
    found = article_links(html, BASE + "/tin-tuc/a-1.html").attachments
    assert found == [canonicalize_url(BASE + path)]
    assert is_attachment_url(found[0])


@pytest.mark.parametrize("path", NOT_FILES)
def test_pages_are_not_attachments(path: str) -> None:
    assert not is_attachment_url(BASE + path)
