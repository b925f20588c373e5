"""Listing pages: the teasers (link, title, date) that a news listing shows for each article.

:func:`teasers` finds, for every link to another article of the source, the largest element around it that
holds no other article link and is teaser-sized (its teaser) and the date printed in it. The parser uses
them to tell a listing from an article; :func:`listing_dates` gives ingest the dates a listing shows beside
each article, the last resort for an article page that prints no date of its own.

A teaser is small: a title, a summary of a paragraph or two, a date. An element with more text, or with
several long paragraphs, is not one even when it links to a single article: an article's body that links
once to another article of the site is prose that holds a link, not that article's teaser.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from bs4 import BeautifulSoup, Tag
from bs4.element import Comment, NavigableString

from archive.parse.dates import find_dates, parse_date
from archive.parse.dom import BLOCKS, Size, measure
from archive.parse.guard import flatten, shrink, sniff_binary, too_large
from archive.parse.media import resolve
from archive.parse.text import clean_text, decode_html
from archive.sources import Source
from archive.urls import canonicalize_url, same_host

MAX_CLIMB: Final = 6
MAX_TEASER_TEXT: Final = 2000  # characters of a teaser searched for its date
_TEASER_CHARS: Final = 1200  # characters of text a teaser holds at most (title, summary, date)
_TEASER_PARAGRAPHS: Final = 2  # long paragraphs (150+ characters) a teaser holds at most
PROSE_BLOCKS: Final = frozenset({"p", "blockquote", "dd"})
PROSE_BEFORE: Final = 40  # characters of a sentence before a link that make it a link in running text


@dataclass(frozen=True)
class Teaser:
    """One article as a listing shows it."""

    url: str
    """Canonical URL of the article."""
    element: Tag
    """The largest element around the link that links to no other article."""
    published: datetime | None


def _article_links(root: Tag, page_url: str, source: Source) -> dict[int, str]:
    """Anchor element id → canonical URL, for links to articles of ``source`` other than the page."""
    links: dict[int, str] = {}
    if resolve(page_url, page_url) is None:
        return links
    page = canonicalize_url(page_url)
    for a in root.find_all("a", href=True):
        href = a.get("href")
        url = resolve(page_url, href) if isinstance(href, str) else None
        if url is None or not source.is_article_url(url) or _taxonomy(a):
            continue
        if not (same_host(url, page_url) or same_host(url, source.homepage)):
            continue
        canonical = canonicalize_url(url)
        if canonical != page:
            links[id(a)] = canonical
    return links


def _taxonomy(anchor: Tag) -> bool:
    """A link to a category or tag page (``rel="category tag"``, the rel-tag microformat WordPress and
    others print in an article's footer): navigation, never another article's teaser."""
    rel = anchor.get("rel")
    words = rel if isinstance(rel, list) else str(rel or "").split()
    return any(w.lower() in ("tag", "category") for w in words)


MANY: Final = ""  # more than one distinct article below an element


def _single_link(root: Tag, links: dict[int, str]) -> dict[int, str]:
    """Element id → the one article URL linked below it, or ``MANY``; elements without any are absent.
    One bottom-up pass, so that finding every teaser stays linear in the size of the page."""
    order: list[Tag] = []
    stack = [root]
    while stack:
        tag = stack.pop()
        order.append(tag)
        stack.extend(c for c in tag.contents if isinstance(c, Tag))
    below: dict[int, str] = {}
    for tag in reversed(order):
        urls = {below[id(c)] for c in tag.contents if isinstance(c, Tag) and id(c) in below}
        if id(tag) in links:
            urls.add(links[id(tag)])
        if urls:
            below[id(tag)] = urls.pop() if len(urls) == 1 else MANY
    return below


def _teaser_date(item: Tag, now: datetime) -> datetime | None:
    """A ``<time datetime>`` in the teaser, else the first date in its text."""
    for time in item.find_all("time"):
        value = time.get("datetime")
        if isinstance(value, str) and (when := parse_date(value, now=now)) is not None:
            return when
    dates = find_dates(clean_text(item.get_text(" "))[:MAX_TEASER_TEXT], now=now)
    return dates[0].value if dates else None


def _in_prose(a: Tag) -> bool:
    """``a`` is a link inside a sentence of a paragraph ("…, as <a>the ministry said</a>"), not the title
    of a teaser, which opens its block: the paragraph has a sentence's worth of text before the link."""
    block = a.parent
    while isinstance(block, Tag) and block.name not in PROSE_BLOCKS and block.name not in BLOCKS:
        block = block.parent
    if not isinstance(block, Tag) or block.name not in PROSE_BLOCKS:
        return False
    before = 0
    for node in a.previous_elements:
        if node is block:
            break
        if isinstance(node, NavigableString) and not isinstance(node, Comment):
            before += len(node.strip())
            if before >= PROSE_BEFORE:
                return True
    return False


def teaser_sized(size: Size | None) -> bool:
    return size is not None and size.text <= _TEASER_CHARS and size.long_paragraphs <= _TEASER_PARAGRAPHS


def teasers(
    root: Tag, page_url: str, source: Source, now: datetime, sizes: dict[int, Size] | None = None
) -> list[Teaser]:
    """The teasers under ``root``, one per distinct article, in page order; ``sizes`` is
    :func:`~archive.parse.dom.measure` of ``root`` or of an ancestor, when the caller has it."""
    links = _article_links(root, page_url, source)
    if not links:
        return []
    below = _single_link(root, links)
    sizes = sizes if sizes is not None else measure(root)
    out: list[Teaser] = []
    seen: set[str] = set()
    for a in root.find_all("a", href=True):
        url = links.get(id(a))
        if url is None or url in seen or _in_prose(a):
            continue
        seen.add(url)
        item: Tag = a
        for _ in range(MAX_CLIMB):
            parent = item.parent
            if not isinstance(parent, Tag) or parent is root or parent.name in ("body", "html"):
                break
            if below.get(id(parent)) != url or not teaser_sized(sizes.get(id(parent))):
                break
            item = parent
        out.append(Teaser(url=url, element=item, published=_teaser_date(item, now)))
    return out


def teaser_share(root: Tag, items: Sequence[Teaser]) -> float:
    """The share of ``root``'s text that is teaser text."""
    total = len(root.get_text(" ", strip=True)) or 1
    return sum(len(t.element.get_text(" ", strip=True)) for t in items) / total


def listing_dates(
    body: bytes, url: str, headers: Sequence[tuple[str, str]], source: Source, *, captured_at: datetime
) -> dict[str, datetime]:
    """Article URL (canonical) → the date a listing page shows beside it; empty for anything that is not
    a parseable HTML page. Pure and never raises on bad input, like the parser."""
    content_type = next((v for k, v in headers if k.lower() == "content-type"), None)
    if content_type and "html" not in content_type.lower():
        return {}
    body = shrink(body)
    if too_large(body) is not None or sniff_binary(body) is not None:
        return {}
    try:
        soup = BeautifulSoup(decode_html(body, content_type).text, "lxml")
        flatten(soup)
        return {t.url: t.published for t in teasers(soup, url, source, captured_at) if t.published}
    except RecursionError:
        return {}
