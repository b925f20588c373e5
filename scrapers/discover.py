"""Link discovery on listing pages: article links and the next listing page. Pure functions of HTML."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bs4 import BeautifulSoup, Tag

from archive.sources import Source
from archive.urls import canonicalize_url, same_host

# The "next page" links of the CMSs Vietnamese departments run: Drupal pagers, Liferay "Trang sau",
# plain "Sau", arrows, English leftovers.
_NEXT_TEXT = re.compile(r"^\s*(trang sau|tiếp theo|tiếp|sau|next|›|»|>|>>)\s*[›»>]*\s*$", re.IGNORECASE)
_NEXT_CLASS = re.compile(r"(^|[-_\s])(pager-next|next|nextpage|page-next)($|[-_\s])", re.IGNORECASE)


@dataclass(frozen=True)
class ListingLinks:
    """What a listing page points to: article URLs (canonical, in page order) and the next page."""

    articles: list[str]
    next_page: str | None


def _href(tag: Tag, base: str) -> str | None:
    href = tag.get("href")
    if (
        not isinstance(href, str)
        or not href.strip()
        or href.strip().startswith(("#", "javascript:", "mailto:"))
    ):
        return None
    return canonicalize_url(href, base=base)


def listing_links(html: str, url: str, source: Source) -> ListingLinks:
    """Article links on one listing page (same host, matching the source's pattern) and the next page."""
    soup = BeautifulSoup(html, "lxml")
    articles: list[str] = []
    next_page: str | None = None
    rel_next = soup.find(["a", "link"], rel="next", href=True)
    if isinstance(rel_next, Tag):
        next_page = _href(rel_next, url)
    for anchor in soup.find_all("a", href=True):
        target = _href(anchor, url)
        if target is None or not same_host(target, url):
            continue
        if source.is_article_url(target):
            if target not in articles:
                articles.append(target)
            continue
        if next_page is None and _is_next_link(anchor):
            next_page = target
    if next_page == canonicalize_url(url):
        next_page = None
    return ListingLinks(articles=articles, next_page=next_page)


def _is_next_link(anchor: Tag) -> bool:
    text = anchor.get_text(" ", strip=True)
    if text and _NEXT_TEXT.match(text):
        return True
    classes = " ".join(
        [
            *anchor.get_attribute_list("class"),
            *(anchor.parent.get_attribute_list("class") if anchor.parent else []),
        ]
    )
    title = anchor.get("title")
    if isinstance(title, str) and _NEXT_TEXT.match(title):
        return True
    return bool(classes and _NEXT_CLASS.search(classes))
