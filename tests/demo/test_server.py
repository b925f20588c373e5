"""Tests of the demo department websites served by ``deptnews.demo.DemoWeb``.

Everything runs against 127.0.0.1 on free ports; no internet access is needed.  The seed
paragraphs below are deliberately copied here rather than read from the site data, so an
accidental edit of the demo content is caught.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from datetime import date, time
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from bs4 import BeautifulSoup, Tag

from deptnews.demo import SEED_ARTICLE_PATH, SITES, DemoSite, DemoWeb, get_site
from deptnews.demo.assets import pdf_document
from deptnews.demo.documents import FILES
from deptnews.demo.render import Response
from deptnews.demo.server import not_modified

NB = "\xa0"
FULL_TITLE = (
    "Bộ Thông tin và Truyền thông tổ chức Hội nghị giao ban trực tuyến Sơ kết 6 tháng đầu năm"
    " và triển khai nhiệm vụ 6 tháng cuối năm 2010"
)
SHOWN_TITLE = (
    "Bộ Thông tin và Truyền thông tổ chức Hội nghị giao ban trực tuyến Sơ kết 6 tháng đầu năm và triển"
)
SEED_PARAGRAPHS = (
    (
        "Ngày 05 tháng 7 năm 2010 Bộ Thông tin và Truyền thông tổ chức Hội nghị giao ban trực"
        " tuyến Sơ kết 6 tháng đầu năm và triển khai nhiệm vụ 6 tháng cuối năm 2010 với các "
        "Sở Thông tin và Truyền thông 63 tỉnh, thành phố trong cả nước. Chủ trì Hội nghị đồng"
        " chí Bộ trưởng và các Thứ trưởng Bộ Thông tin và Truyền thông."
    ),
    (
        "Thành phần Hội nghị: Tại Hà nội: Lãnh đạo Bộ, lãnh đạo các các cơ quan, đơn vị thuộc"
        " Bộ, Tổng công ty VTC, Văn phòng Đảng ủy, Chủ tịch, phó Chủ tịch Công đoàn Bộ, Bí "
        "thư Đoàn thanh niên Bộ; Tại thành phố Hồ Chí Minh và thành phố Đà nẵng: Lãnh đạo các"
        " cơ quan đơn vị thuộc khối QLNN, các Trường đào tạo, các Trung tâm, các Chi nhánh, "
        "các cơ quan đại diện của các Cục, các đơn vị thuộc Bộ trên địa bàn thành phố; Các Sở"
        " TTTT: Lãnh đạo Sở, lãnh đạo các phòng, ban, trung tâm."
    ),
    (
        "Hội nghị đã nghe lãnh đạo các Sở TTTT tham gia ý kiến vào Báo cáo Sơ kết công tác "
        "Thông tin và Truyền thông 6 tháng đầu năm 2010 và Chương trình công tác 6 tháng cuối"
        " năm 2010 của Bộ Thông tin và Truyền thông. Tập trung vào những kết quả đã đạt được,"
        " chưa đạt được, nguyên nhân, bài học kinh nghiệm, các nhiệm vụ trọng tâm 6 tháng "
        "cuối năm, các đề xuất, kiến nghị với Bộ TTTT; Nghe ý kiến trả lời của lãnh đạo các "
        "Vụ, Viện thuộc Bộ TTTT về những vẫn đề các Địa phương đang vướng mắc; Nghe ý kiến "
        "phát biểu của 04 Thứ trưởng Bộ TTTT về các vấn đề quan tâm và định hướng phát triển "
        "trên từng lĩnh vực..."
    ),
    (
        "Phát biểu kết luận Hội nghị Bộ trưởng Lê Doãn Hợp đã nêu bật 10 thành tựu quan trọng"
        " đã đạt được và 03 yếu kém cần khắc phục của Việt nam trong 6 tháng đầu năm 2010; "
        "Chính phủ đề ra các giải pháp thực hiện 10 nhiệm vụ trọng tâm trong 6 tháng cuối "
        "năm; Bộ trưởng tập trung phân tích những mặt đã làm được, chưa làm được, nguyên nhân"
        " và đề ra các giải pháp cụ thể nhằm quyết tâm hoàn thành vượt mức các chỉ tiêu kế "
        "hoạch năm 2010, thiết thực chào mừng đại hội Đảng các cấp..."
    ),
)
SIGNATURE = (
    NB * 36 + " " + NB * 38 + "Hoàng Văn Đồng",
    NB * 63 + " Sở Thông tin và Truyền thông",
)


@pytest.fixture(scope="module")
def web() -> Iterator[DemoWeb]:
    with DemoWeb() as demo:
        yield demo


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10, follow_redirects=False) as http:
        yield http


def soup_of(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.content.decode("utf-8"), "html.parser")


def one(node: Tag, css: str) -> Tag:
    """The single element matching ``css`` (fails the test if there is none)."""
    found = node.select_one(css)
    assert found is not None, css
    return found


def next_page(site: DemoSite, soup: BeautifulSoup) -> str | None:
    """The listing's "next page" link, found the way a crawler would."""
    if site.cms == "drupal":
        link = soup.select_one("ul.pager li.pager-next a")
    else:
        link = next((a for a in soup.select("ul.pager a") if a.get_text(strip=True) == "Trang sau"), None)
    href = link.get("href") if link is not None else None
    return href if isinstance(href, str) and not href.startswith("javascript:") else None


def crawl_listing(site: DemoSite, base: str, client: httpx.Client) -> tuple[list[str], int]:
    """Follow the pager from the first listing page; return article paths and page count."""
    url: str | None = base + site.listing_path
    found: list[str] = []
    pages = 0
    while url is not None and pages < 20:
        response = client.get(url)
        assert response.status_code == 200
        soup = soup_of(response)
        pages += 1
        for anchor in soup.select("a[href]"):
            href = urljoin(url, str(anchor["href"]))
            parts = urlsplit(href)
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            same_site = parts.netloc == urlsplit(base).netloc
            if same_site and site.is_article_url(target) and parts.path not in found:
                found.append(parts.path)
        relative = next_page(site, soup)
        url = urljoin(url, relative) if relative else None
    return found, pages


@pytest.mark.parametrize("site", SITES, ids=lambda s: s.id)
def test_listing_pagination_reaches_all_articles(site: DemoSite, web: DemoWeb, client: httpx.Client) -> None:
    found, pages = crawl_listing(site, web.base_urls[site.id], client)
    assert pages == site.page_count == 3
    assert set(found) == {a.path for a in site.articles}
    assert len(site.articles) >= 12


def test_drupal_pager_uses_zero_based_page_parameter(web: DemoWeb, client: httpx.Client) -> None:
    site = get_site("stttt")
    soup = soup_of(client.get(web.url("stttt", "/tin-tuc?page=1")))
    assert one(soup, "li.pager-current").get_text() == "2"
    assert one(soup, "li.pager-next a")["href"] == "/tin-tuc?page=2"
    assert one(soup, "li.pager-first a")["href"] == "/tin-tuc"
    rows = soup.select("div.view-tin-tuc div.views-row")
    assert [one(r, "a")["href"] for r in rows] == [a.path for a in site.articles[5:10]]
    # Out-of-range and junk page numbers are clamped like Drupal does.
    last = soup_of(client.get(web.url("stttt", "/tin-tuc?page=99")))
    assert one(last, "li.pager-current").get_text() == "3"
    junk = soup_of(client.get(web.url("stttt", "/tin-tuc?page=abc")))
    assert one(junk, "li.pager-current").get_text() == "1"


def test_liferay_listing_paging_parameters(web: DemoWeb, client: httpx.Client) -> None:
    site = get_site("skhcn")
    ns = f"_101_INSTANCE_{site.portlet_instance}_"
    query = f"p_p_id=101_INSTANCE_{site.portlet_instance}&{ns}cur=2&{ns}delta=5"
    soup = soup_of(client.get(web.url("skhcn", f"{site.listing_path}?{query}")))
    titles = [a.get_text() for a in soup.select("div.asset-abstract h3.asset-title a")]
    assert titles == [a.title for a in site.articles[5:10]]
    assert "Trang 2 / 3" in soup.get_text()
    # A larger delta shows everything on one page, without a "Trang sau" link.
    query = f"p_p_id=101_INSTANCE_{site.portlet_instance}&{ns}delta=20"
    soup = soup_of(client.get(web.url("skhcn", f"{site.listing_path}?{query}")))
    assert len(soup.select("div.asset-abstract")) == len(site.articles)
    assert next_page(site, soup) is None


def test_seed_article_reproduces_the_original_page(web: DemoWeb, client: httpx.Client) -> None:
    response = client.get(web.url("stttt", SEED_ARTICLE_PATH))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    soup = soup_of(response)
    skip = soup.select_one('a[href="#main-content"]')
    assert skip is not None
    assert skip.get_text() == "Skip to main content"
    assert skip["class"] == ["element-invisible", "element-focusable"]
    assert soup.select_one("div#page ul.menu") is not None
    assert [h.get_text() for h in soup.find_all("h1")] == [SHOWN_TITLE]
    assert soup.title is not None
    assert soup.title.get_text() == f"{FULL_TITLE} | Sở Thông tin và Truyền thông tỉnh Lạng Sơn"
    og = soup.select_one('meta[property="og:title"]')
    assert og is not None
    assert og["content"] == FULL_TITLE

    body = soup.select_one("article.node div.field-name-body div.field-item")
    assert body is not None
    texts = [p.get_text() for p in body.find_all("p")]
    assert texts[:4] == [NB * 11 + " " + p for p in SEED_PARAGRAPHS]
    assert texts[4:] == [NB, *SIGNATURE]
    assert len(texts) == 7


def test_seed_article_has_no_machine_readable_date(web: DemoWeb, client: httpx.Client) -> None:
    html = client.get(web.url("stttt", SEED_ARTICLE_PATH)).content.decode("utf-8")
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("time") is None
    assert not soup.select("[datetime], .date-display-single, .submitted, [property*='date']")
    for meta in soup.find_all("meta"):
        key = str(meta.get("property") or meta.get("name") or "").lower()
        assert "date" not in key
        assert "time" not in key
    text = soup.get_text(" ")
    assert not re.search(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b", text)
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", html)
    # The only date is the one that opens the body.
    assert len(re.findall(r"Ngày \d+ tháng \d+ năm \d{4}", text)) == 1


def test_seed_article_metadata() -> None:
    site = get_site("stttt")
    article = site.article(SEED_ARTICLE_PATH)
    assert article is not None
    assert article.title == FULL_TITLE
    assert article.display_title == SHOWN_TITLE
    assert article.published == date(2010, 7, 5)
    assert article.published_time is None
    assert article.published_at is None
    assert not article.shows_date_line
    assert article.author == "Hoàng Văn Đồng"
    assert article.paragraphs == SEED_PARAGRAPHS
    assert article.tail_lines == ("Hoàng Văn Đồng", "Sở Thông tin và Truyền thông")


def test_seed_listing_entry_shows_date(web: DemoWeb, client: httpx.Client) -> None:
    site = get_site("stttt")
    index = [a.path for a in site.articles].index(SEED_ARTICLE_PATH)
    page = index // site.page_size
    soup = soup_of(client.get(web.url("stttt", f"/tin-tuc?page={page}")))
    for row in soup.select("div.view-tin-tuc div.views-row"):
        link = row.select_one(".views-field-title a")
        if link is not None and link["href"] == SEED_ARTICLE_PATH:
            assert link.get_text() == FULL_TITLE
            created = row.select_one(".views-field-created")
            assert created is not None
            assert created.get_text(strip=True) == "05/07/2010"
            return
    pytest.fail("seed article not on its listing page")


@pytest.mark.parametrize("site", SITES, ids=lambda s: s.id)
def test_article_pages_show_title_date_and_body(site: DemoSite, web: DemoWeb, client: httpx.Client) -> None:
    for article in site.articles:
        response = client.get(web.url(site.id, article.path))
        assert response.status_code == 200
        soup = soup_of(response)
        text = soup.get_text(" ")
        og = soup.select_one('meta[property="og:title"]')
        assert og is not None
        assert og["content"] == article.title
        canonical = soup.select_one('link[rel="canonical"]')
        assert canonical is not None
        assert urlsplit(str(canonical["href"])).path == article.path
        for paragraph in article.paragraphs:
            assert paragraph in " ".join(text.split())
        shown = f"{article.published:%d/%m/%Y}"
        if article.date_style == "body":
            assert shown not in text
        elif article.date_style in ("submitted", "rdfa"):
            span = soup.select_one(".date-display-single, .submitted span[property]")
            assert span is not None
            assert f"{shown} - {article.published_time:%H:%M}" in span.get_text()
        elif article.date_style == "ngay-dang":
            assert soup.select_one("h3.header-title") is not None
            assert f"Ngày đăng: {shown} {article.published_time:%H:%M}" in text
        else:
            assert soup.select_one(".journal-content-article h1") is not None
            assert f"Cập nhật lúc: {shown} {article.published_time:%H:%M}" in text


def test_article_variety() -> None:
    """The content exercises the cases the parser must handle."""
    stttt, skhcn = get_site("stttt"), get_site("skhcn")
    assert {a.date_style for a in stttt.articles} == {"submitted", "rdfa", "body"}
    assert {a.date_style for a in skhcn.articles} == {"ngay-dang", "cap-nhat"}
    assert any(a.attachments for a in stttt.articles)
    assert any(a.images for a in stttt.articles)
    assert any("1234/QĐ-UBND" in p for a in stttt.articles for p in a.paragraphs)
    assert any("567/STTTT-BCVT" in p for a in stttt.articles for p in a.paragraphs)
    assert any(a.source for a in skhcn.articles)
    assert any("hợp nhất" in a.title and a.published.year == 2025 for a in skhcn.articles)
    for site in SITES:
        assert len({a.published for a in site.articles}) == len(site.articles)
        assert all(a.paragraphs and a.author and a.tail_lines for a in site.articles)
        assert all(3 <= len(a.paragraphs) <= 6 for a in site.articles)
    assert stttt.department == "Sở Thông tin và Truyền thông"
    assert skhcn.department == "Sở Khoa học và Công nghệ"
    assert {s.jurisdiction_kind for s in SITES} == {"province"}


@pytest.mark.parametrize("site", SITES, ids=lambda s: s.id)
def test_article_pattern(site: DemoSite) -> None:
    for article in site.articles:
        assert site.is_article_url(article.path)
        assert site.is_article_url(article.path + "?inheritRedirect=false&redirect=%2F")
    not_articles = [site.listing_path, site.listing_path + "?page=1", site.home_path, "/robots.txt"]
    not_articles += [p.path for p in site.pages]
    not_articles += [f.path for a in site.articles for f in a.attachments]
    not_articles += [i for a in site.articles for i in a.images]
    not_articles += [a.path + "/edit" for a in site.articles[:1]]
    for path in not_articles:
        assert not site.is_article_url(path), path
    if site.cms == "liferay":
        ns = f"_101_INSTANCE_{site.portlet_instance}_"
        assert not site.is_article_url(f"{site.listing_path}?p_p_id=x&{ns}cur=2")


@pytest.mark.parametrize(
    ("site_id", "path"),
    [
        ("stttt", "/khong-ton-tai"),
        ("stttt", "/tin-tuc/bai-viet-khong-ton-tai"),
        ("stttt", "/tin-tuc/"),
        ("stttt", "/sites/default/files/khong-co.pdf"),
        ("skhcn", "/web/skhcn/khong-ton-tai"),
        ("skhcn", "/web/skhcn/tin-tuc/-/asset_publisher/hN3kQ7wZpT2a/content/khong-co"),
        ("skhcn", "/c/portal/khong-co"),
    ],
)
def test_unknown_paths_are_404_html(site_id: str, path: str, web: DemoWeb, client: httpx.Client) -> None:
    response = client.get(web.url(site_id, path))
    assert response.status_code == 404
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "etag" not in response.headers
    assert "Không tìm thấy" in response.content.decode("utf-8")


def test_conditional_requests(web: DemoWeb, client: httpx.Client) -> None:
    for site in SITES:
        url = web.url(site.id, site.articles[0].path)
        first = client.get(url)
        etag, modified = first.headers["etag"], first.headers["last-modified"]
        assert parsedate_to_datetime(modified) == site.articles[0].modified
        by_etag = client.get(url, headers={"If-None-Match": etag})
        assert by_etag.status_code == 304
        assert by_etag.content == b""
        assert by_etag.headers["etag"] == etag
        weak = client.get(url, headers={"If-None-Match": f'"nope", W/{etag}'})
        assert weak.status_code == 304
        assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
        earlier = format_datetime(parsedate_to_datetime(modified).replace(year=2001), usegmt=True)
        assert client.get(url, headers={"If-Modified-Since": earlier}).status_code == 200
        # If-None-Match takes precedence over If-Modified-Since (RFC 9110 §13.2.2).
        both = {"If-None-Match": '"other"', "If-Modified-Since": modified}
        assert client.get(url, headers=both).status_code == 200
        garbage = client.get(url, headers={"If-Modified-Since": "not a date"})
        assert garbage.status_code == 200


def test_not_modified_ignores_errors() -> None:
    missing = Response(404, b"x")
    assert not not_modified(missing, "*", None)
    assert not not_modified(Response(200, b"x"), None, "Thu, 01 Jan 2099 00:00:00 GMT")


def test_robots_txt(web: DemoWeb, client: httpx.Client) -> None:
    drupal = client.get(web.url("stttt", "/robots.txt"))
    assert drupal.status_code == 200
    assert drupal.headers["content-type"] == "text/plain; charset=utf-8"
    lines = drupal.text.splitlines()
    assert "User-agent: *" in lines
    assert [x for x in lines if x.startswith("Disallow")] == [
        "Disallow: /admin/",
        "Disallow: /user/",
    ]
    liferay = client.get(web.url("skhcn", "/robots.txt")).text.splitlines()
    assert [x for x in liferay if x.startswith("Disallow")] == [
        "Disallow: /admin/",
        "Disallow: /user/",
        "Disallow: /c/",
    ]
    # The disallowed areas are linked from every page, so a crawler can get it wrong.
    assert "/user/login" in client.get(web.url("stttt", "/")).text
    assert "/c/portal/login" in client.get(web.url("skhcn", "/web/skhcn")).text


@pytest.mark.parametrize("site", SITES, ids=lambda s: s.id)
def test_every_page_is_utf8_nfc(site: DemoSite, web: DemoWeb, client: httpx.Client) -> None:
    base = web.base_urls[site.id]
    seen: set[str] = set()
    queue = [site.home_path]
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        response = client.get(base + path)
        assert response.status_code == 200, path
        if not response.headers["content-type"].startswith("text/html"):
            continue
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        html = response.content.decode("utf-8")  # strict: raises on invalid UTF-8
        assert unicodedata.is_normalized("NFC", html), path
        for anchor in BeautifulSoup(html, "html.parser").select("a[href]"):
            parts = urlsplit(urljoin(base + path, str(anchor["href"])))
            same_site = parts.scheme == "http" and parts.netloc == urlsplit(base).netloc
            if same_site and not parts.path.startswith(("/user", "/c/")):
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    article_paths = {urlsplit(p).path for p in seen if site.is_article_url(p)}
    assert article_paths == {a.path for a in site.articles}
    assert all(page.path in seen for page in site.pages)


def test_attachments_and_images(web: DemoWeb, client: httpx.Client) -> None:
    site = get_site("stttt")
    attached = [(s.id, a, x) for s in (site, get_site("skhcn")) for a in s.articles for x in a.attachments]
    assert {x.file for _, _, x in attached} == set(FILES)  # every generated file is attached somewhere
    for site_id, article, attachment in attached:
        page = client.get(web.url(site_id, article.path)).text
        if site_id == "stttt":  # Drupal's public files
            assert attachment.path.startswith("/sites/default/files/")
        else:  # Liferay's document library and its download servlet
            assert attachment.path.startswith(("/documents/10181/", "/c/document_library/get_file?uuid="))
        assert f'href="{attachment.path.replace("&", "&amp;")}"' in page
        served = client.get(web.url(site_id, attachment.path))
        assert served.status_code == 200
        assert attachment.file is not None
        data, media_type = FILES[attachment.file]
        assert (served.headers["content-type"], served.content) == (media_type, data())
        if "get_file" in attachment.path:  # the URL says nothing: the response names the file
            assert served.headers["content-disposition"].startswith("attachment; filename*=UTF-8''")
    # The tiny placeholder PDF other demo attachments get is a valid PDF: its xref offsets are right.
    pdf = httpx.Response(200, content=pdf_document("deptnews demo attachment"))
    assert pdf.content.startswith(b"%PDF-1.4")
    assert pdf.content.endswith(b"%%EOF\n")
    startxref = int(pdf.content.rsplit(b"startxref", 1)[1].split()[0])
    assert pdf.content[startxref:].startswith(b"xref")
    for number, line in enumerate(pdf.content[startxref:].splitlines()[3:8], start=1):
        offset = int(line.split()[0])
        assert pdf.content[offset:].startswith(b"%d 0 obj" % number)
    illustrated = next(a for a in site.articles if a.images)
    image = client.get(web.url("stttt", illustrated.images[0]))
    assert image.headers["content-type"] == "image/png"
    assert image.content.startswith(b"\x89PNG\r\n\x1a\n")
    figure = soup_of(client.get(web.url("stttt", illustrated.path))).select_one("figure")
    assert figure is not None
    assert figure.select_one("figcaption") is not None


def test_liferay_root_redirects_and_head(web: DemoWeb, client: httpx.Client) -> None:
    root = client.get(web.url("skhcn", "/"))
    assert root.status_code == 302
    assert root.headers["location"] == "/web/skhcn"
    article = get_site("skhcn").articles[0]
    head = client.head(web.url("skhcn", article.path))
    assert head.status_code == 200
    assert head.content == b""
    assert int(head.headers["content-length"]) > 1000


def test_request_log_and_lifecycle(client: httpx.Client) -> None:
    with pytest.raises(ValueError, match="unknown"):
        DemoWeb({"nope": 0})
    web = DemoWeb()
    with pytest.raises(RuntimeError):
        _ = web.base_urls
    with web:
        assert set(web.base_urls) == {s.id for s in SITES}
        assert all(re.fullmatch(r"http://127\.0\.0\.1:\d+", u) for u in web.base_urls.values())
        client.get(web.url("stttt", "/robots.txt"), headers={"User-Agent": "deptnews-test"})
        (record,) = web.requests
        assert (record.site_id, record.target, record.status) == ("stttt", "/robots.txt", 200)
        assert record.user_agent == "deptnews-test"
        web.clear_requests()
        assert web.requests == []
    web.stop()  # idempotent


def test_article_times_are_local() -> None:
    article = next(a for a in get_site("skhcn").articles if a.published == date(2022, 1, 25))
    assert article.published_time == time(16, 22)
    assert article.published_at is not None
    assert article.published_at.isoformat() == "2022-01-25T16:22:00+07:00"


def test_author_follows_the_documented_credit_convention() -> None:
    for site in SITES:
        for article in site.articles:
            credit = next(t for t in article.tail_lines if not t.startswith("Nguồn"))
            credit = re.sub(r"^(Tin, ảnh|Tin|Tác giả):\s*", "", credit)
            credit = re.sub(r"\s*\([^)]*\)$", "", credit).split(" - ")[0].strip()
            assert credit == article.author, article.path
            source = [t for t in article.tail_lines if t.startswith("Nguồn:")]
            assert source == ([f"Nguồn: {article.source}"] if article.source else [])
