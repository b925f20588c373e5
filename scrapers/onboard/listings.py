"""A page read as a news listing: which of its links are article teasers, their pattern, its pager.

For every shape of link on the page (:mod:`.shapes`) the parser's own listing reader
(:func:`archive.parse.listing.listing_dates`) is asked which links of that shape are teasers showing a
date; the shape with the most dated teasers — or, on a listing that prints no dates, the most links
titled like news (five words or more) — holds the articles. Their pattern is made not to match the
page's own pager links. Pure: a function of the fetched page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from archive.parse.listing import listing_dates
from archive.sources import Source
from scrapers.discover import listing_links, page_marker, parse_html, same_listing
from scrapers.fetch import media_type
from scrapers.onboard.client import Page
from scrapers.onboard.entries import feed_links, same_host_links
from scrapers.onboard.shapes import exclude_pages, group_by_shape, loose_pattern, pattern_for

MIN_DATED: Final = 3
"""Dated teasers that make a page a news listing."""
MIN_TITLED: Final = 5
"""Links titled like news (without dates) that make a page a news listing."""
_TITLE_WORDS: Final = 5


@dataclass(frozen=True)
class ListingView:
    """What a page offers as a listing: ``articles`` (teaser URLs, page order), their ``pattern`` (None:
    not a news listing, or a pattern that cannot leave the pager out, said in ``problem``)."""

    url: str
    articles: list[str] = field(default_factory=list)
    dated: int = 0
    pattern: str | None = None
    next_page: str | None = None
    feeds: list[str] = field(default_factory=list)
    problem: str | None = None


def probe_source(url: str, pattern: str) -> Source:
    """A throwaway source for asking the parser about ``url``'s site with ``pattern``."""
    return Source(
        id="onboard",
        name="onboard",
        department="onboard",
        jurisdiction="onboard",
        homepage=url,
        listings=[url],
        article_pattern=pattern,
    )


def read_listing(page: Page, max_links: int) -> ListingView:
    """The page read as a listing (see the module's documentation)."""
    if page.status != 200 or media_type(page.header("content-type")) not in (
        None,
        "text/html",
        "application/xhtml+xml",
    ):
        return ListingView(page.url, problem=f"{page.url}: HTTP {page.status}, not an HTML page")
    text = page.text
    doc = parse_html(text)
    if doc is None:
        return ListingView(page.url, problem=f"{page.url}: an empty page")
    links = [(u, t) for u, t in same_host_links(doc, page.url)[:max_links] if u != page.url]
    pagers = [u for u, _ in links if page_marker(u)[1] is not None and same_listing(page.url, u)]
    titled = {u for u, t in links if len(t.split()) >= _TITLE_WORDS}
    best: tuple[int, int, list[str]] = (0, 0, [])
    for form, urls in group_by_shape(u for u, _ in links if u not in pagers).items():
        if len(urls) < 2:
            continue
        dates = listing_dates(
            page.body,
            page.url,
            page.headers,
            probe_source(page.url, loose_pattern(form)),
            captured_at=page.captured_at,
        )
        with_date = [u for u in urls if u in dates]
        with_title = [u for u in urls if u in titled]
        score = (len(with_date), len(with_title), with_date if len(with_date) >= MIN_DATED else with_title)
        if score[:2] > best[:2]:
            best = score
    dated, named, articles = best
    feeds = feed_links(doc, page.url)
    if dated < MIN_DATED and named < MIN_TITLED:
        return ListingView(page.url, feeds=feeds)
    pattern = exclude_pages(pattern_for(articles), pagers)
    if pattern is None:
        return ListingView(
            page.url,
            articles,
            dated,
            feeds=feeds,
            problem=f"{page.url}: its pager links look like its articles",
        )
    following = listing_links(text, page.url, probe_source(page.url, pattern), max_links)
    return ListingView(page.url, articles, dated, pattern, following.next_page, feeds)
