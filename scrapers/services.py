"""The narrow interfaces between the layers of a crawl, so that dependencies go one way.

:class:`~scrapers.crawl.Crawler` (the run: clients, robots.txt, politeness, failure accounting) drives a
:class:`~scrapers.walk.SourceWalk` per source, which reads feeds and sitemaps through
:mod:`scrapers.feedwalk`. Each lower layer sees the one above only through a protocol defined here:

* :class:`RunServices` — what a source's walk asks of the run (implemented by ``Crawler``);
* :class:`FeedWalker` — what reading a feed asks of the source's walk (implemented by ``SourceWalk``).

So ``crawl`` imports ``walk``, ``walk`` imports ``feedwalk``, and both import only this module in return.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta
from typing import Protocol

from archive.sources import Source
from scrapers.capture import Recorder
from scrapers.fetch import FetchResult
from scrapers.report import SourceReport
from scrapers.settings import CrawlSettings
from scrapers.state import CrawlState


class RunServices(Protocol):
    """What one source's walk needs from the crawl run it belongs to."""

    settings: CrawlSettings
    state: CrawlState
    recorder: Recorder

    def recheck_after(self, source: Source) -> timedelta:
        """How often ``source``'s known articles are re-checked."""
        ...

    async def get(
        self,
        source: Source,
        url: str,
        kind: str,
        report: SourceReport,
        *,
        accept: Collection[str] | None,
        max_bytes: int | None = None,
        conditional: dict[str, str] | None = None,
    ) -> FetchResult | None:
        """Fetch ``url`` politely; None when robots.txt forbids it or the fetch failed (counted)."""
        ...

    def record_failure(
        self, source: Source, url: str, kind: str, error: str, status: int | None, *, retryable: bool = True
    ) -> None:
        """Record a failed URL with the time of its next attempt."""
        ...

    def claim_attachment(self, url: str) -> bool:
        """True the first time ``url`` is claimed in this run: an attachment is requested once per run,
        however many articles (of however many sources) link to it."""
        ...


class FeedWalker(Protocol):
    """What reading one feed or sitemap needs from the walk of its source."""

    settings: CrawlSettings
    state: CrawlState
    source: Source
    report: SourceReport
    recheck_after: timedelta
    pages: set[str]
    """Listing pages, feeds and sitemaps read in this run."""
    handled: set[str]
    """Article URLs fetched (or decided) in this run."""

    @property
    def recorder(self) -> Recorder:
        """Where fetch results are saved (WARC, then the crawl state)."""
        ...

    async def get(
        self,
        url: str,
        kind: str,
        *,
        accept: tuple[str, ...] | None,
        max_bytes: int | None = None,
        conditional: dict[str, str] | None = None,
    ) -> FetchResult | None:
        """Fetch ``url`` for the source (failures counted; too many in a row abandon the source)."""
        ...

    def off_host(self, result: FetchResult, kind: str) -> bool:
        """Whether ``result`` redirects to another host (then recorded and reported)."""
        ...

    def on_site(self, url: str) -> bool:
        """Whether ``url`` is an article of the source on one of its hosts."""
        ...

    def take_listed(self, urls: list[str]) -> list[str]:
        """The article URLs not seen yet in this run, added to the frontier."""
        ...

    async def fetch_new_articles(self, urls: list[str]) -> None:
        """Fetch the new articles ``urls`` (within the run's article budget)."""
        ...
