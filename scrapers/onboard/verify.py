"""The check of a proposed configuration: a sample of its articles parsed with the project's parser.

A proposal stands when most sampled article URLs parse as articles (:func:`archive.parse.article.
parse_capture` with the proposed source), their titles are distinct (a section name taken for every title
would not be) and the listings themselves do not parse as articles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Final

from archive.parse.article import parse_capture
from archive.parse.result import Article
from archive.sources import Source
from scrapers.onboard.client import Page

MIN_SHARE: Final = 0.6
"""Share of the sampled article URLs that must parse as articles."""


@dataclass
class SampleCheck:
    """What parsing the sample showed."""

    sampled: int = 0
    articles: int = 0
    dated: int = 0
    titles: set[str] = field(default_factory=set)
    not_articles: list[str] = field(default_factory=list)
    listings_as_articles: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    """One line per further listing page read (the listing's next page)."""

    def add_article_page(self, page: Page, source: Source) -> None:
        self.sampled += 1
        result = parse_capture(
            page.body, page.url, page.headers, source, captured_at=page.captured_at, status=page.status
        )
        if isinstance(result, Article):
            self.articles += 1
            self.dated += result.content.published is not None
            self.titles.add(result.content.title)
        else:
            self.not_articles.append(f"{page.url}: {result.reason} ({result.detail})")

    def add_listing_page(self, page: Page, source: Source) -> None:
        result = parse_capture(
            page.body, page.url, page.headers, source, captured_at=page.captured_at, status=page.status
        )
        if isinstance(result, Article):
            self.listings_as_articles.append(page.url)

    def summary(self, *, pages: bool = True) -> str:
        further = "".join(f"; {line}" for line in self.pages) if pages else ""
        return (
            f"{self.articles} of {self.sampled} sampled article pages parse as articles, "
            f"{self.dated} with a date, {len(self.titles)} distinct titles{further}"
        )

    def problems(self) -> list[str]:
        """Why the configuration does not stand (empty when it does)."""
        found: list[str] = []
        if self.articles < max(2, math.ceil(MIN_SHARE * self.sampled)):
            found.append(f"too few sampled pages parse as articles ({self.summary()})")
            found.extend(f"  not an article: {line}" for line in self.not_articles[:3])
        elif len(self.titles) < math.ceil(0.8 * self.articles):
            found.append(
                f"the articles' titles are not distinct ({self.summary()}): a [source.selectors] title?"
            )
        found.extend(f"a listing parses as an article: {url}" for url in self.listings_as_articles)
        return found
