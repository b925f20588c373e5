"""Link discovery in HTML: article links and the next page of a listing, canonical and attachment links of
an article. Pure functions of a page's bytes and URL.

Listings of Vietnamese department sites page in a handful of ways: a "next" link ("Trang sau", "Tiếp",
"›", ``rel=next``, a ``pager-next`` class), Drupal ``?page=N`` (0-based), Liferay
``…_cur=N&…_delta=M`` portlet parameters, SharePoint/ASP.NET ``page=``/``PageIndex=``, and path forms
(``/page/2``, ``/trang-2.html``). An explicit next link wins; otherwise the link to the following page
number is inferred from the pager's numbered links.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import lxml.html
from lxml import etree

from archive.fileurls import file_extension, is_download_handler
from archive.sources import Source
from archive.urls import canonicalize_url, same_host

_NEXT_TEXT = re.compile(
    r"^\s*(trang sau|trang tiếp|tiếp theo|tiếp|sau|xem tiếp|next|›|»|>|>>)\s*[›»>]*\s*$", re.IGNORECASE
)
_NEXT_CLASS = re.compile(r"(^|[-_\s])(pager-next|next|nextpage|page-next)($|[-_\s])", re.IGNORECASE)
# Query parameters that number listing pages (lower-cased); Liferay's ``_<portlet>_cur`` by suffix.
_PAGE_PARAMS = frozenset({"page", "p", "pg", "paged", "pageindex", "pagenumber", "pageno", "trang", "cur"})
_PATH_PAGE = re.compile(r"(/(?:page|trang)/|[/-](?:page|trang)-?|/p)(\d+)(\.html?|/)?$", re.IGNORECASE)
ATTACHMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".xls", ".xlsx")
_EXTENSIONS = frozenset(e.lstrip(".") for e in ATTACHMENT_EXTENSIONS)
# Article URLs of the CMSs department sites run: a slug ending in a numeric id ("/slug-258090",
# "…-4411.html", ".htm", ".aspx"), or a Liferay Asset Publisher content URL.
SLUG_ID_PATTERN = r"[a-z0-9]+(?:-[a-z0-9]+)+-\d{3,}(?:\.html?|\.aspx)?$"
LIFERAY_CONTENT_PATTERN = r"/-/asset_publisher/[^/]+/content/[^/?#]+"
_ARTICLE_LIKE = re.compile(f"(?:{SLUG_ID_PATTERN})|(?:{LIFERAY_CONTENT_PATTERN})", re.IGNORECASE)


@dataclass(frozen=True)
class ListingLinks:
    """What a listing page points to: article URLs (canonical, in page order) and the next page.

    ``ignored``: links past the page's link budget, not read (only a next-page link is looked for).
    """

    articles: list[str]
    next_page: str | None
    ignored: int = 0


@dataclass(frozen=True)
class ArticleLinks:
    """What an article page points to: its canonical URL (same host only) and attached files.

    ``ignored``: links past the page's link budget, not read.
    """

    canonical: str | None
    attachments: list[str]
    ignored: int = 0


_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def parse_html(html: str | bytes) -> lxml.html.HtmlElement | None:
    """The parsed document; None when empty. Give text decoded with the response's charset
    (:func:`scrapers.fetch.decoded_text`): bytes are decoded by lxml from a ``<meta charset>`` alone, and
    as Latin-1 without one, which garbles "Trang sau ›" on a page that names its charset in HTTP only."""
    if not html or not html.strip():
        return None
    if isinstance(html, str):
        html = _XML_DECLARATION.sub("", html, count=1)  # lxml refuses text that declares an encoding
    try:
        return lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None


def _href(element: lxml.html.HtmlElement, base: str) -> str | None:
    href = element.get("href")
    if (
        not href
        or not href.strip()
        or href.strip().lower().startswith(("#", "javascript:", "mailto:", "tel:"))
    ):
        return None
    try:
        url = canonicalize_url(href.strip(), base=base)
    except ValueError:  # an unparsable href, e.g. a bad IPv6 literal
        return None
    return url if urlsplit(url).scheme in ("http", "https") else None


def candidate(url: str, source: Source, base: str) -> bool:
    """Whether ``url`` is an article of ``source`` to fetch: same host, article pattern, include/exclude."""
    return same_host(url, base) and source.is_article_url(url) and source.wants(url)


def listing_links(html: str | bytes, url: str, source: Source, max_links: int | None = None) -> ListingLinks:
    """Article links on one listing page (same host, matching the source's patterns) and the next page.

    At most ``max_links`` links (``<a>`` and ``<link>`` with an href) are read, in page order; past the
    budget only an explicit next-page link is still looked for, so a page of 100,000 links costs little
    more than one of ``max_links``. The work is linear in the page's size.
    """
    doc = parse_html(html)
    if doc is None:
        return ListingLinks([], None)
    base = _base(doc, url)
    current = canonicalize_url(url)
    articles: dict[str, None] = {}  # an ordered set: page order, linear de-duplication
    explicit: str | None = None
    numbered: list[tuple[str, str]] = []  # (url, anchor text) of same-host non-article links
    read = ignored = 0
    for element in doc.iter("a", "link"):
        if element.get("href") is None:
            continue
        if max_links is not None and read >= max_links:
            ignored += 1
            if explicit is None and _declares_next(element):
                target = _href(element, base)
                if target is not None and same_host(target, url):
                    explicit = target
            continue
        read += 1
        target = _href(element, base)
        if target is None or not same_host(target, url):
            continue
        if element.tag == "link":
            if explicit is None and _declares_next(element):
                explicit = target
            continue
        # Paging first: a next-page or numbered pager link is paging even when the source's article
        # pattern also matches it ("trang-2.html" under a pattern of ".html$"); filed as an article, the
        # next page would never be read as a listing and paging would stop there.
        # A "Xem tiếp »" under a teaser is the article's own link, though: a next-looking link that the
        # pattern matches is paging only when it names another page of this listing.
        text = element.text_content().strip()
        is_article = candidate(target, source, url)
        if _is_next_link(element) and (not is_article or _listing_page(target, current)):
            explicit = explicit or target
            continue
        if is_article and not (_listing_page(target, current) and text == str(page_marker(target)[1])):
            articles[target] = None
            continue
        numbered.append((target, text))
    next_page = explicit if explicit is not None else infer_next_page(current, numbered)
    if next_page == current:
        next_page = None
    return ListingLinks(articles=list(articles), next_page=next_page, ignored=ignored)


def _listing_page(target: str, current: str) -> bool:
    """Whether ``target`` is a numbered page of the listing whose page ``current`` is."""
    return page_marker(target)[1] is not None and same_listing(current, target)


def _declares_next(element: lxml.html.HtmlElement) -> bool:
    """A ``<link rel=next>`` or an anchor that names the next page (cheap: the href is not resolved)."""
    if element.tag == "link":
        return "next" in (element.get("rel") or "").lower().split()
    return bool(element.tag == "a" and _is_next_link(element))


def _base(doc: lxml.html.HtmlElement, url: str) -> str:
    base = doc.find(".//base[@href]")
    href = base.get("href") if base is not None else None
    return canonicalize_url(href, base=url) if href else url


def _is_next_link(anchor: lxml.html.HtmlElement) -> bool:
    if "next" in (anchor.get("rel") or "").lower().split():
        return True
    text = anchor.text_content().strip()
    if text and _NEXT_TEXT.match(text):
        return True
    title = anchor.get("title") or anchor.get("aria-label")
    if title and _NEXT_TEXT.match(title):
        return True
    parent = anchor.getparent()
    classes = " ".join([anchor.get("class") or "", parent.get("class") or "" if parent is not None else ""])
    return bool(classes.strip() and _NEXT_CLASS.search(classes))


_MARK = "{n}"


def page_marker(url: str) -> tuple[str, int | None]:
    """``(key, number)``: the URL with its page number replaced by ``{n}``, and that number (None if absent).

    Two pages of the same listing have the same key: ``/tin-tuc?page=3`` → ``("/tin-tuc?page=%7Bn%7D", 3)``.
    """
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    for index, (name, value) in enumerate(query):
        lname = name.lower()
        if (lname in _PAGE_PARAMS or lname.endswith("_cur")) and value.isdigit():
            rest = [*query[:index], (name, _MARK), *query[index + 1 :]]
            return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(rest), "")), int(value)
    match = _PATH_PAGE.search(parts.path)
    if match:
        path = parts.path[: match.start(2)] + _MARK + parts.path[match.end(2) :]
        return urlunsplit((parts.scheme, parts.netloc, path, parts.query, "")), int(match.group(2))
    return url, None


def _first_page_path(key: str) -> tuple[str, str, str]:
    """(scheme, host, path) of the listing a page key belongs to, page marker removed from the path."""
    parts = urlsplit(key)
    path = parts.path
    if _MARK in path:
        path = _PATH_PAGE.sub("", path.replace(_MARK, "0")).rstrip("/") or "/"
    return parts.scheme, parts.netloc, path


def same_listing(current: str, url: str) -> bool:
    """Whether the numbered page ``url`` belongs to the listing whose page is ``current``: the same key
    when ``current`` has a page number, else the same path once the page marker is removed."""
    key, number = page_marker(current)
    other_key, _ = page_marker(url)
    if number is not None:
        return other_key == key
    parts = urlsplit(current)
    return _first_page_path(other_key) == (parts.scheme, parts.netloc, parts.path.rstrip("/") or "/")


def infer_next_page(current: str, links: list[tuple[str, str]]) -> str | None:
    """The link to the page after ``current`` among a pager's numbered links, if one can be told.

    With a page number in ``current``: the link of the same listing numbered one more. On a first page
    (no number): among numbered links to the same path, the one labelled "2", else the lowest number.
    """
    number = page_marker(current)[1]
    same: list[tuple[int, str, str]] = []
    for url, text in links:
        other = page_marker(url)[1]
        if other is not None and same_listing(current, url):
            same.append((other, url, text))
    if not same:
        return None
    if number is not None:
        return next((url for n, url, _ in same if n == number + 1), None)
    labelled = next((url for _, url, text in same if text == "2"), None)
    return labelled or min(same)[1]


def article_links(
    html: str | bytes, url: str, extra_hosts: tuple[str, ...] = (), max_links: int | None = None
) -> ArticleLinks:
    """The canonical URL an article declares (same host only) and the files it links to.

    Attachment links are kept on the article's host and on ``extra_hosts`` (host names, lower case),
    once each in page order, from the first ``max_links`` anchors with an href (the rest are counted in
    ``ignored``).
    """
    doc = parse_html(html)
    if doc is None:
        return ArticleLinks(None, [])
    base = _base(doc, url)
    canonical: str | None = None
    attachments: dict[str, None] = {}  # an ordered set: page order, linear de-duplication
    for element in doc.iter("link"):
        if "canonical" in (element.get("rel") or "").lower().split():
            target = _href(element, base)
            if target is not None and same_host(target, url):
                canonical = target
            break
    read = ignored = 0
    for element in doc.iter("a"):
        if element.get("href") is None:
            continue
        if max_links is not None and read >= max_links:
            ignored += 1
            continue
        read += 1
        target = _href(element, base)
        if target is None or target in attachments or not is_attachment_url(target):
            continue
        host = urlsplit(target).netloc
        if same_host(target, url) or host in extra_hosts:
            attachments[target] = None
    return ArticleLinks(canonical, list(attachments), ignored)


def is_attachment_url(url: str) -> bool:
    """Whether the URL names a PDF/Word/Excel file — at the end of its path, in a path segment (Liferay's
    ``/documents/…/x.pdf/<uuid>``) or a query value (download scripts) — or is a CMS's download handler
    that does not say the type (Liferay's ``get_file``, SharePoint's ``download.aspx``, NukeViet's
    ``download=``), whose response's Content-Type then decides (see :mod:`archive.fileurls`)."""
    return file_extension(url, _EXTENSIONS) is not None or is_download_handler(url)


def looks_like_article(url: str) -> bool:
    """Heuristic for ``sources check``: URLs shaped like department-site articles (slug-ID, Liferay)."""
    parts = urlsplit(url)
    return _ARTICLE_LIKE.search(parts.path) is not None
