"""Teasers of other articles on the page's lxml tree, for :func:`archive.parse.classify.listing`.

The rule is :func:`archive.parse.listing.teasers`' (which stays on BeautifulSoup for the teasers inside the
content block and for listing pages' dates): for every link to another article of the source, the largest
teaser-sized element around it that links to no other article, and the date printed in it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from archive.parse import listing
from archive.parse.dates import find_dates, parse_date
from archive.parse.dom import BLOCKS, Size
from archive.parse.ltree import Element, is_element, stripped_len, text
from archive.parse.media import resolve
from archive.parse.text import clean_text
from archive.sources import Source
from archive.urls import canonicalize_url, same_host


@dataclass(frozen=True)
class Teaser:
    """One article as the page shows it: its canonical URL, the element around its link, its date."""

    url: str
    element: Element
    published: datetime | None


def _anchors(root: Element) -> list[Element]:
    """``root.find_all("a", href=True)``: the links below ``root``, in document order."""
    return [a for a in root.iterdescendants("a") if a.get("href") is not None]


def _article_links(anchors: list[Element], page_url: str, source: Source) -> dict[Element, str]:
    links: dict[Element, str] = {}
    if resolve(page_url, page_url) is None:
        return links
    page = canonicalize_url(page_url)
    for a in anchors:
        url = resolve(page_url, a.get("href"))
        if url is None or not source.is_article_url(url) or _taxonomy(a):
            continue
        if not (same_host(url, page_url) or same_host(url, source.homepage)):
            continue
        canonical = canonicalize_url(url)
        if canonical != page:
            links[a] = canonical
    return links


def _taxonomy(anchor: Element) -> bool:
    return any(w.lower() in ("tag", "category") for w in (anchor.get("rel") or "").split())


def _single_link(root: Element, links: dict[Element, str]) -> dict[Element, str]:
    """Element → the one article URL linked below it, or ``listing._MANY``, in one bottom-up pass."""
    below: dict[Element, str] = {}
    for el in reversed([e for e in root.iter() if is_element(e)]):
        urls = {below[c] for c in el if c in below}
        if el in links:
            urls.add(links[el])
        if urls:
            below[el] = urls.pop() if len(urls) == 1 else listing.MANY
    return below


def _teaser_date(item: Element, now: datetime) -> datetime | None:
    for time in item.iterdescendants("time"):
        value = time.get("datetime")
        if value is not None and (when := parse_date(value, now=now)) is not None:
            return when
    dates = find_dates(clean_text(text(item, " "))[: listing.MAX_TEASER_TEXT], now=now)
    return dates[0].value if dates else None


def _in_prose(a: Element) -> bool:
    """A link inside a sentence (:func:`archive.parse.listing._in_prose`): its paragraph has a sentence's
    worth of text before it."""
    block = a.getparent()
    while block is not None and block.tag not in listing.PROSE_BLOCKS and block.tag not in BLOCKS:
        block = block.getparent()
    if block is None or block.tag not in listing.PROSE_BLOCKS:
        return False
    ancestors = set(a.iterancestors())
    before = 0
    for node in block.iter():
        if node is a:
            break
        if is_element(node) and node.text:
            before += len(node.text.strip())
        if node is not block and node not in ancestors and node.tail:
            before += len(node.tail.strip())
        if before >= listing.PROSE_BEFORE:
            return True
    return False


def teasers(
    root: Element, page_url: str, source: Source, now: datetime, sizes: dict[Element, Size]
) -> list[Teaser]:
    """The teasers under ``root``, one per distinct article, in page order; ``sizes`` is
    :func:`archive.parse.page.measure` of ``root`` or of an ancestor."""
    anchors = _anchors(root)
    links = _article_links(anchors, page_url, source)
    if not links:
        return []
    below = _single_link(root, links)
    out: list[Teaser] = []
    seen: set[str] = set()
    for a in anchors:
        url = links.get(a)
        if url is None or url in seen or _in_prose(a):
            continue
        seen.add(url)
        item = a
        for _ in range(listing.MAX_CLIMB):
            parent = item.getparent()
            if parent is None or parent is root or parent.tag in ("body", "html"):
                break
            if below.get(parent) != url or not listing.teaser_sized(sizes.get(parent)):
                break
            item = parent
        out.append(Teaser(url=url, element=item, published=_teaser_date(item, now)))
    return out


def teaser_share(root: Element, items: Sequence[Teaser]) -> float:
    """The share of ``root``'s text that is teaser text."""
    total = stripped_len(root) or 1
    return sum(stripped_len(t.element) for t in items) / total
