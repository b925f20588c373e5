"""Small department sites on loopback, in the shapes of the CMS families department sites run, for the
onboarding tests (``deptnews sources add``). Written for these tests in the families' real shapes (URL
schemes, feed and sitemap locations, menu, pager and article markup); no third-party page is copied.

* ``wordpress``: ``/2025/03/05/slug/`` posts, category listing ``/category/tin-tuc/`` paged
  ``/page/2/``, ``<link rel=alternate>`` to ``/feed/``, ``Sitemap: /wp-sitemap.xml`` (an index) in robots.txt;
* ``joomla``: blog ``/tin-tuc-su-kien`` of ``/tin-tuc-su-kien/123-slug`` articles paged ``?start=5``
  ("Tiếp"), the category feed ``?format=feed&type=rss`` declared, no sitemap;
* ``sharepoint``: ``/tintuc/Pages/hoat-dong.aspx?ItemID=N`` articles, ``?Page=2`` pager, neither feed
  nor sitemap;
* ``nukeviet``: ``/news/tin-tuc/slug-1234.html`` articles, ``/news/tin-tuc/page-2`` pager, ``/rss/news/``
  declared, ``/sitemap.xml``;
* ``company``: not a news site (no news menu, no dated teasers);
* ``closed``: robots.txt disallows everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from xml.etree import ElementTree as ET

from conftest import ScriptedServer, send

FAMILIES = ("wordpress", "joomla", "sharepoint", "nukeviet")
ARTICLES = 8
PAGE_SIZE = 5
_HTML = {"Content-Type": "text/html; charset=utf-8"}
_XML = {"Content-Type": "application/xml; charset=utf-8"}
_TOPICS = [
    "Hội nghị triển khai nhiệm vụ chuyển đổi số năm 2025",
    "Tập huấn kỹ năng số cho cán bộ cấp xã",
    "Kiểm tra công tác cải cách hành chính tại các đơn vị",
    "Sơ kết công tác quý I và triển khai nhiệm vụ quý II",
    "Phát động phong trào thi đua yêu nước năm 2025",
    "Hướng dẫn thực hiện dịch vụ công trực tuyến toàn trình",
    "Đoàn công tác làm việc với Ủy ban nhân dân huyện",
    "Tổng kết chương trình hỗ trợ doanh nghiệp khởi nghiệp",
    "Lễ ký kết quy chế phối hợp giữa các sở, ngành",
]
_SLUGS = [
    "hoi-nghi-trien-khai-chuyen-doi-so",
    "tap-huan-ky-nang-so-can-bo-cap-xa",
    "kiem-tra-cai-cach-hanh-chinh",
    "so-ket-cong-tac-quy-i",
    "phat-dong-phong-trao-thi-dua",
    "huong-dan-dich-vu-cong-truc-tuyen",
    "doan-cong-tac-lam-viec-voi-ubnd-huyen",
    "tong-ket-chuong-trinh-khoi-nghiep",
    "le-ky-ket-quy-che-phoi-hop",
]
_PARAGRAPH = (
    "Tham dự có lãnh đạo Sở, trưởng các phòng chuyên môn và đại diện các đơn vị trực thuộc. Tại hội nghị, "
    "các đại biểu đã thảo luận, đánh giá kết quả đạt được, chỉ ra những tồn tại, hạn chế "
    "và đề xuất giải pháp."
)


@dataclass
class Article:
    path: str
    title: str
    day: datetime


@dataclass
class FamilySite:
    """One site on its own loopback server; ``articles`` are what a complete crawl must archive."""

    family: str
    server: ScriptedServer = field(default_factory=ScriptedServer)
    articles: list[Article] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.server.url

    def close(self) -> None:
        self.server.close()

    def article_urls(self) -> set[str]:
        return {self.url + a.path for a in self.articles}


def _path(family: str, n: int) -> str:
    slug = _SLUGS[n]
    match family:
        case "wordpress":
            return f"/2025/03/{n + 1:02d}/{slug}/"
        case "joomla":
            return f"/tin-tuc-su-kien/{120 + n}-{slug}"
        case "sharepoint":
            return f"/tintuc/Pages/hoat-dong.aspx?ItemID={40 + n}"
        case _:
            return f"/news/tin-tuc/{slug}-{4400 + n}.html"


_LISTING = {
    "wordpress": ("/category/tin-tuc/", "Tin tức"),
    "joomla": ("/tin-tuc-su-kien", "Tin tức - Sự kiện"),
    "sharepoint": ("/tintuc/Pages/hoat-dong.aspx", "Hoạt động của Sở"),
    "nukeviet": ("/news/tin-tuc/", "Tin tức"),
}


def _page_url(family: str, listing: str, number: int) -> str:
    if number == 1:
        return listing
    match family:
        case "wordpress":
            return f"{listing}page/{number}/"
        case "joomla":
            return f"{listing}?start={(number - 1) * PAGE_SIZE}"
        case "sharepoint":
            return f"{listing}?Page={number}"
        case _:
            return f"{listing}page-{number}"


def _frame(family: str, title: str, main: str, head: str = "", menu: str | None = None) -> bytes:
    generator = {
        "wordpress": "WordPress 6.5.2",
        "joomla": "Joomla! - Open Source Content Management",
        "nukeviet": "NukeViet v4.5",
    }.get(family)
    meta = f'<meta name="generator" content="{generator}">' if generator else ""
    listing, label = _LISTING.get(family, ("/gioi-thieu", "Giới thiệu"))
    menu = menu or (
        f'<ul class="menu nav"><li class="menu-item"><a href="/">Trang chủ</a></li>'
        f'<li class="menu-item"><a href="/gioi-thieu">Giới thiệu</a></li>'
        f'<li class="menu-item"><a href="{escape(listing)}">{label}</a></li>'
        f'<li class="menu-item"><a href="/lien-he">Liên hệ</a></li></ul>'
    )
    return (
        f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">{meta}'
        f"<title>{escape(title)}</title>{head}"
        f'</head><body><header id="header"><div class="site-name">SỞ NỘI VỤ TỈNH CAO BẰNG</div>'
        f'<nav id="main-menu">{menu}</nav></header><div id="content">{main}</div>'
        '<footer id="footer"><p>Cơ quan chủ quản: Sở Nội vụ tỉnh Cao Bằng</p><p>Địa chỉ: 10 đường Hoàng Đình '
        "Giong, thành phố Cao Bằng</p></footer></body></html>"
    ).encode()


def _teaser(family: str, article: Article) -> str:
    href = escape(article.path)
    day = article.day.strftime("%d/%m/%Y")
    if family == "wordpress":
        return (
            f'<article class="post type-post hentry"><h2 class="entry-title"><a href="{href}" rel="bookmark">'
            f'{escape(article.title)}</a></h2><div class="entry-meta"><time class="entry-date published" '
            f'datetime="{article.day.isoformat()}">{day}</time></div><div class="entry-summary"><p>Tóm tắt: '
            f"{escape(article.title.lower())}.</p></div></article>"
        )
    if family == "joomla":
        return (
            f'<div class="item"><div class="page-header"><h2 itemprop="name"><a href="{href}">'
            f'{escape(article.title)}</a></h2></div><dl class="article-info"><dd class="published">'
            f'<time datetime="{article.day.isoformat()}">Ngày đăng: {day}</time></dd></dl>'
            f"<p>Tóm tắt: {escape(article.title.lower())}.</p></div>"
        )
    return (
        f'<div class="news-item"><a class="title" href="{href}">{escape(article.title)}</a>'
        f'<span class="date">({day})</span>'
        f'<p class="sapo">Tóm tắt: {escape(article.title.lower())}.</p></div>'
    )


def _pager(family: str, listing: str, number: int, pages: int) -> str:
    links = "".join(
        f'<li><a href="{escape(_page_url(family, listing, n))}">{n}</a></li>'
        if n != number
        else f"<li>{n}</li>"
        for n in range(1, pages + 1)
    )
    if number < pages:
        links += f'<li><a class="next" href="{escape(_page_url(family, listing, number + 1))}">Tiếp</a></li>'
    return f'<ul class="pagination">{links}</ul>'


def _article_page(family: str, article: Article) -> bytes:
    body = "".join(f"<p>{_PARAGRAPH} ({escape(article.title)}, đoạn {n}.)</p>" for n in range(4))
    day = article.day.strftime("%d/%m/%Y %H:%M")
    match family:
        case "wordpress":
            main = (
                f'<article class="post type-post hentry"><h1 class="entry-title">{escape(article.title)}</h1>'
                f'<time class="entry-date published" datetime="{article.day.isoformat()}">{day}</time>'
                f'<div class="entry-content">{body}</div></article>'
            )
        case "joomla":
            main = (
                '<div class="item-page" itemscope itemtype="https://schema.org/Article">'
                '<div class="page-header">'
                f'<h2 itemprop="headline">{escape(article.title)}</h2></div><dl class="article-info">'
                f'<dd class="published"><time datetime="{article.day.isoformat()}" itemprop="datePublished">'
                f'{day}</time></dd></dl><div itemprop="articleBody">{body}</div></div>'
            )
        case _:
            main = (
                f'<div class="news-detail"><h1>{escape(article.title)}</h1>'
                f'<div class="date">Ngày đăng: {day}</div>'
                f'<div class="content">{body}</div></div>'
            )
    return _frame(family, article.title, main)


def _rss(site: FamilySite, articles: list[Article]) -> bytes:
    rss = ET.Element("rss", version="2.0")
    channel = ET.SubElement(rss, "channel")
    ET.SubElement(channel, "title").text = "Tin tức"
    ET.SubElement(channel, "link").text = site.url + "/"
    for article in articles:
        item = ET.SubElement(channel, "item")
        ET.SubElement(item, "title").text = article.title
        ET.SubElement(item, "link").text = site.url + article.path
        ET.SubElement(item, "pubDate").text = format_datetime(article.day)
    return ET.tostring(rss, encoding="utf-8", xml_declaration=True)


def _sitemap(site: FamilySite, urls: list[str], tag: str = "urlset", item: str = "url") -> bytes:
    root = ET.Element(tag, xmlns="http://www.sitemaps.org/schemas/sitemap/0.9")
    for url in urls:
        ET.SubElement(ET.SubElement(root, item), "loc").text = url
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _route(server: ScriptedServer, path: str, body: bytes, headers: dict[str, str]) -> None:
    server.routes[path] = lambda h, b=body, hd=headers: send(h, 200, b, hd)


def family_site(family: str, count: int = ARTICLES) -> FamilySite:
    """A news site of ``family`` with ``count`` articles, newest first, on its own server."""
    site = FamilySite(family)
    site.articles = [
        Article(_path(family, n), _TOPICS[n], datetime(2025, 3, n + 1, 8, 30, tzinfo=UTC))
        for n in range(count)
    ][::-1]
    server = site.server
    robots = "User-agent: *\nDisallow: /wp-admin/\n"
    if family == "wordpress":
        robots += f"Sitemap: {site.url}/wp-sitemap.xml\n"
    _route(server, "/robots.txt", robots.encode(), {"Content-Type": "text/plain"})
    listing, _ = _LISTING[family]
    head = {
        "wordpress": '<link rel="alternate" type="application/rss+xml" title="Feed" href="/feed/">',
        "joomla": f'<link href="{listing}?format=feed&amp;type=rss" rel="alternate" '
        'type="application/rss+xml">',
        "nukeviet": '<link rel="alternate" href="/rss/news/" title="Tin tức" type="application/rss+xml">',
    }.get(family, "")
    newest = "".join(_teaser(family, a) for a in site.articles[:3])
    _route(server, "/", _frame(family, "Trang chủ | Sở Nội vụ tỉnh Cao Bằng", newest, head), _HTML)
    _route(server, "/gioi-thieu", _frame(family, "Giới thiệu", "<p>Chức năng, nhiệm vụ của Sở.</p>"), _HTML)
    pages = -(-len(site.articles) // PAGE_SIZE)
    for number in range(1, pages + 1):
        chunk = site.articles[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
        main = "".join(_teaser(family, a) for a in chunk) + _pager(family, listing, number, pages)
        _route(server, _page_url(family, listing, number), _frame(family, "Tin tức", main, head), _HTML)
    for article in site.articles:
        _route(server, article.path, _article_page(family, article), _HTML)
    feed = _rss(site, site.articles[:5])
    rss = {"Content-Type": "application/rss+xml; charset=utf-8"}
    match family:
        case "wordpress":
            _route(server, "/feed/", feed, rss)
            index = _sitemap(site, [site.url + "/wp-sitemap-posts-post-1.xml"], "sitemapindex", "sitemap")
            _route(server, "/wp-sitemap.xml", index, _XML)
            _route(server, "/wp-sitemap-posts-post-1.xml", _sitemap(site, sorted(site.article_urls())), _XML)
        case "joomla":
            _route(server, f"{listing}?format=feed&type=rss", feed, rss)
        case "nukeviet":
            _route(server, "/rss/news/", feed, rss)
            _route(server, "/sitemap.xml", _sitemap(site, sorted(site.article_urls())), _XML)
    return site


def company_site() -> FamilySite:
    """A site that is no department news site: products, no dates."""
    site = FamilySite("company")
    server = site.server
    _route(server, "/robots.txt", b"User-agent: *\nDisallow:\n", {"Content-Type": "text/plain"})
    menu = (
        '<ul class="menu"><li><a href="/">Trang chủ</a></li><li><a href="/san-pham">Sản phẩm</a></li>'
        '<li><a href="/lien-he">Liên hệ</a></li></ul>'
    )
    products = "".join(f'<p><a href="/san-pham/may-{n}">Máy {n}</a></p>' for n in range(6))
    _route(server, "/", _frame("company", "Công ty Máy Xanh", products, menu=menu), _HTML)
    return site


def closed_site() -> FamilySite:
    """A news site whose robots.txt disallows every path."""
    site = family_site("nukeviet")
    _route(site.server, "/robots.txt", b"User-agent: *\nDisallow: /\n", {"Content-Type": "text/plain"})
    return site
