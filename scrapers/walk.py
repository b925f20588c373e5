"""One source's crawl: listings, feeds and sitemaps are read, then the articles they list are fetched.

Order of work, each step feeding the frontier in the crawl state before anything is fetched:

1. every listing, page by page: new articles of a page are fetched before the next page is read; paging
   stops after ``stop_after_known_pages`` pages listing only known articles, at the end of the listing,
   after ``stop_after_empty_pages`` pages listing nothing new to this run (an endless pager: past its last
   page it shows that page again, or nothing, with a "next" link still there), or at ``max_pages`` — then
   the next page is kept pending so that a later run continues from it;
2. listing pages left pending by an earlier run (stopped by ``max_pages`` or killed), walked the same way;
3. feeds and sitemaps (conditional GETs): new entries fetched, known ones re-checked when the feed says
   they changed;
4. the pending frontier: articles and attachments discovered earlier but not fetched yet;
5. re-checks: known articles whose ``recheck_after`` has passed, with If-None-Match / If-Modified-Since.

Pages are parsed in a worker thread (:func:`asyncio.to_thread`), never on the event loop that every
source of the run shares, and at most ``max_links_per_page`` links of a page are read: a hostile page of
100,000 links neither stalls the other sources nor costs more than its budget.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

from archive.parse.article import parse_capture
from archive.parse.result import NotArticle
from archive.sources import Source
from scrapers.capture import GONE, Recorder, Saved, stored_status
from scrapers.discover import ArticleLinks, ListingLinks, article_links, candidate, listing_links
from scrapers.errors import SourceAbandoned
from scrapers.feedwalk import conditional, read_feed
from scrapers.fetch import FetchResult, decoded_body, decoded_text, media_type
from scrapers.report import SourceReport
from scrapers.services import RunServices
from scrapers.state import UrlState

log = logging.getLogger(__name__)
T = TypeVar("T")
_LISTING_LINKS = 3
"""Article links a page shows at least before the parser is asked whether it is a listing."""
_LISTING_REASONS = frozenset({"listing", "empty"})
"""What the parser says of a page, linking to articles, that is read as a listing."""


class SourceWalk:
    """The crawl of one source in one run; created and run by :class:`~scrapers.crawl.Crawler` (seen
    here only as :class:`~scrapers.services.RunServices`); it is the :class:`~scrapers.services.FeedWalker`
    of :func:`~scrapers.feedwalk.read_feed`."""

    def __init__(self, crawler: RunServices, source: Source, report: SourceReport) -> None:
        self.crawler = crawler
        self.settings = crawler.settings
        self.state = crawler.state
        self.source = source
        self.report = report
        self.recheck_after = crawler.recheck_after(source)
        self.max_pages = min(source.max_pages, self.settings.max_pages or source.max_pages)
        self.stop_after = source.stop_after_known_pages or self.settings.stop_after_known_pages
        self.budget = self.settings.max_articles
        self.handled: set[str] = set()  # article URLs fetched (or decided) in this run
        self.listed: set[str] = set()  # article URLs seen on listings, feeds and sitemaps in this run
        self.same: set[str] = set()  # known articles seen again unchanged (listed, 304, revisit)
        self.pages: set[str] = set()  # listing pages read in this run
        self._streak = 0  # failures in a row
        self.claims: dict[str, str] = {}  # rel=canonical URL -> the page that declared it
        self.trust_canonical = True
        self.sublistings = 0  # listing pages walked because a listing linked them as articles

    async def run(self) -> None:
        try:
            await self._run()
        finally:
            self.report.unchanged = len(self.same)

    async def _run(self) -> None:
        # Continuations left by earlier runs, taken before this run leaves its own.
        continuations = self.state.pending(self.source.id, ("listing",), limit=100)
        for listing in self.source.listings:
            await self.walk_listing(listing)
        for pending in continuations:
            if pending.url not in self.pages:
                await self.walk_listing(pending.url)
        for feed in self.source.feeds:
            await read_feed(self, feed, "feed")
        for sitemap in self.source.sitemaps:
            await read_feed(self, sitemap, "sitemap")
        frontier = self.state.pending(self.source.id, ("article", "attachment"), limit=self._limit(10_000))
        await self.each([p for p in frontier if p.url not in self.handled], self.fetch_pending)
        self.report.deferred = self.state.count_pending(self.source.id, "article")
        due = self.state.due(self.source.id, "article", limit=self.settings.max_rechecks)
        await self.each([d for d in due if d.url not in self.handled], self.recheck)

    # -- plumbing -------------------------------------------------------------------------------------

    @property
    def recorder(self) -> Recorder:
        return self.crawler.recorder

    def _limit(self, wanted: int) -> int:
        return wanted if self.budget is None else max(0, min(wanted, self.budget))

    async def each(self, items: Iterable[T], work: Callable[[T], Awaitable[None]]) -> None:
        """Run ``work`` on every item, ``source.concurrency`` at a time (in order when 1)."""
        items = list(items)
        if self.source.concurrency <= 1:
            for item in items:
                await work(item)
            return
        slots = asyncio.Semaphore(self.source.concurrency)

        async def one(item: T) -> None:
            async with slots:
                await work(item)

        await asyncio.gather(*(one(i) for i in items))

    async def get(
        self,
        url: str,
        kind: str,
        *,
        accept: tuple[str, ...] | None,
        max_bytes: int | None = None,
        conditional: dict[str, str] | None = None,
    ) -> FetchResult | None:
        if self._streak >= self.settings.max_consecutive_failures:
            raise SourceAbandoned(f"{self._streak} failures in a row; the rest waits for the next run")
        failed_before = self.report.failed
        result = await self.crawler.get(
            self.source, url, kind, self.report, accept=accept, max_bytes=max_bytes, conditional=conditional
        )
        # Errors in a row (timeouts, refused connections, 5xx and 429 after retries) mean the site is
        # down or overloaded: it is left alone for this run once there are too many.
        if result is None:
            self._streak = self._streak + 1 if self.report.failed > failed_before else self._streak
        elif result.status >= 500 or result.status == 429:
            self._streak += 1
        else:
            self._streak = 0
        return result

    def take_listed(self, urls: list[str]) -> list[str]:
        """The article URLs not seen yet in this run, added to the frontier; known ones count as same."""
        listed = [u for u in dict.fromkeys(urls) if u not in self.listed]
        self.listed.update(listed)
        self.report.articles_listed += len(listed)
        self.state.discover(listed, source=self.source.id, kind="article")
        self.same.update(self.state.attempted(listed))
        return listed

    async def fetch_new_articles(self, urls: list[str]) -> None:
        await self.each(urls, self.fetch_new)

    def on_site(self, url: str) -> bool:
        """An article URL of this source on one of its hosts (homepage, listings, feeds, sitemaps)."""
        hosts = (self.source.homepage, *self.source.listings, *self.source.feeds, *self.source.sitemaps)
        return any(candidate(url, self.source, base) for base in hosts)

    def off_host(self, result: FetchResult, kind: str) -> bool:
        """Record a redirect to another host (not followed: a merged department's new site, say)."""
        if result.off_host is None:
            return False
        self.crawler.recorder.save(result, source=self.source.id, kind=kind, recheck_after=self.recheck_after)
        message = f"{result.url}: redirects to another host: {result.off_host}"
        self.report.error(message)
        log.warning("%s", message, extra={"source": self.source.id, "url": result.url})
        return True

    # -- listings -------------------------------------------------------------------------------------

    async def walk_listing(self, first: str) -> None:
        page: str | None = first
        known_pages = empty_pages = read = 0
        while page is not None and page not in self.pages:
            if read >= self.max_pages:
                # Out of pages for this run: a later run continues here (backfill).
                self.state.requeue(page, source=self.source.id, kind="listing")
                return
            self.pages.add(page)
            read += 1
            result = await self.get(page, "listing", accept=self.settings.page_types)
            if result is None or self.off_host(result, "listing"):
                return
            self.crawler.recorder.save(
                result, source=self.source.id, kind="listing", recheck_after=self.recheck_after
            )
            self.report.listing_pages += 1
            if result.status != 200:
                self.report.error(f"{page}: HTTP {result.status}")
                return
            links = await asyncio.to_thread(
                _listing_links,
                result,
                self.source,
                self.settings.max_decoded,
                self.settings.max_links_per_page,
            )
            self._links_cut(page, links.ignored)
            listed = self.take_listed(links.articles)
            known = self.state.attempted(listed)
            fresh = [u for u in listed if u not in known]
            if listed:  # a page of links already seen in this run (sidebars) neither counts nor resets
                known_pages = 0 if fresh else known_pages + 1
            # ... but a run of such pages is a pager gone past its end: not kept pending either, or every
            # later run would walk the same empty pages again.
            empty_pages = 0 if listed else empty_pages + 1
            page = links.next_page
            if known_pages >= self.stop_after:
                return  # incremental run: older pages hold nothing new
            if empty_pages >= self.settings.stop_after_empty_pages:
                log.info(
                    "%s: %d pages in a row list nothing new: paging stops",
                    first,
                    empty_pages,
                    extra={"source": self.source.id, "url": result.url, "event": "pager-exhausted"},
                )
                return
            if page is not None and page not in self.pages:
                # Kept pending until it is read, so a crawl killed on this page continues from the next.
                self.state.requeue(page, source=self.source.id, kind="listing")
            await self.fetch_new_articles(fresh)
            await self.walk_sublistings(listed)

    async def read_as_listing(self, url: str, links: ListingLinks) -> None:
        """``url`` matched the article pattern but is a listing page (a loose pattern, a category page
        shaped like an article): its articles are taken and its pages followed as a listing's, and the
        state files it as a listing, so that it is neither counted nor re-checked as an article."""
        self.report.not_articles += 1
        self.state.reclassify(url, "listing")
        self.pages.add(url)
        log.info(
            "%s matches article_pattern but is a listing: read as one",
            url,
            extra={"source": self.source.id, "url": url, "event": "pattern-listing"},
        )
        listed = self.take_listed(links.articles)
        await self.fetch_new_articles([u for u in listed if u not in self.state.attempted(listed)])
        await self.walk_sublistings(listed)
        if links.next_page is not None and links.next_page not in self.pages:
            await self.walk_listing(links.next_page)

    async def walk_sublistings(self, listed: list[str]) -> None:
        """Walk the listed URLs an earlier fetch found to be listings (at most ``max_pages`` such walks in
        a run, so that pages shaped like articles cannot lead the walk on without end)."""
        for sub in sorted(self.state.of_kind(listed, "listing")):
            if sub in self.pages or self.sublistings >= self.max_pages:
                continue
            self.sublistings += 1
            await self.walk_listing(sub)

    def _links_cut(self, url: str, ignored: int) -> None:
        if not ignored:
            return
        self.report.pages_cut += 1
        log.warning(
            "%s: %d links past max_links_per_page (%d) ignored",
            url,
            ignored,
            self.settings.max_links_per_page,
            extra={"source": self.source.id, "url": url, "event": "links-cut"},
        )

    # -- articles and attachments ---------------------------------------------------------------------

    async def fetch_new(self, url: str) -> None:
        if url in self.handled:
            return
        if self.budget is not None:
            if self.budget <= 0:
                return  # stays pending in the frontier
            self.budget -= 1
        self.handled.add(url)
        await self.fetch_article(url, None)

    async def fetch_pending(self, row: UrlState) -> None:
        if row.kind == "attachment":
            if self.crawler.claim_attachment(row.url):
                await self.fetch_attachment(row.url)
            return
        await self.fetch_new(row.url)

    async def recheck(self, row: UrlState) -> None:
        if row.url in self.handled:
            return
        self.handled.add(row.url)
        await self.fetch_article(row.url, row)

    async def fetch_article(self, url: str, previous: UrlState | None) -> None:
        result = await self.get(
            url, "article", accept=self.settings.page_types, conditional=conditional(previous)
        )
        if result is None or self.off_host(result, "article"):
            return
        recorder = self.crawler.recorder
        if result.status == 304:
            recorder.not_modified(
                url, source=self.source.id, kind="article", recheck_after=self.recheck_after
            )
            self.same.add(url)
            return
        if not stored_status(result.status):
            self.report.error(f"{url}: HTTP {result.status}")
            self.crawler.record_failure(self.source, url, "article", f"HTTP {result.status}", None)
            return
        saved = recorder.save(result, source=self.source.id, kind="article", recheck_after=self.recheck_after)
        self.same.discard(url)
        match saved.outcome:
            case "new":
                self.report.new += 1
            case "updated":
                self.report.updated += 1
            case "unchanged":
                self.same.add(url)
            case "removed":
                self.report.removed += 1
            case _ if saved.status in GONE:
                self.report.error(f"{url}: HTTP {saved.status}")
        if saved.status != 200 or media_type(result.header("content-type")) not in (
            *self.settings.page_types,
            None,
        ):
            return
        links, listing = await asyncio.to_thread(
            _page_links,
            result,
            self.source,
            self.settings.max_decoded,
            self.settings.max_links_per_page,
        )
        self._links_cut(url, links.ignored)
        if listing is not None:
            if saved.outcome in ("new", "updated"):  # counted above as an article; it is not one
                setattr(self.report, saved.outcome, getattr(self.report, saved.outcome) - 1)
            await self.read_as_listing(url, listing)
            return
        if links.canonical is not None and links.canonical != result.final.url:
            self.canonical(result.final.url, links.canonical, saved)
        if self.source.attachments and self.settings.attachments and links.attachments:
            await self.fetch_attachments(url, links.attachments)

    async def fetch_attachments(self, article: str, urls: list[str]) -> None:
        """Fetch the first ``max_attachments_per_article`` of an article's attachments that this run has
        not requested yet (the others are not even put in the frontier)."""
        cap = self.settings.max_attachments_per_article
        if len(urls) > cap:
            self.report.attachments_skipped += len(urls) - cap
            log.warning(
                "%s links %d attachments; the first %d are fetched (max_attachments_per_article)",
                article,
                len(urls),
                cap,
                extra={"source": self.source.id, "url": article, "event": "attachments-cut"},
            )
            urls = urls[:cap]
        if not urls:
            return
        self.state.discover(urls, source=self.source.id, kind="attachment")
        known = self.state.attempted(urls)
        for attachment in urls:
            if attachment not in known and self.crawler.claim_attachment(attachment):
                await self.fetch_attachment(attachment)

    def canonical(self, url: str, canonical: str, saved: Saved) -> None:
        """``url`` declares ``canonical`` as its URL: the same article, not to be fetched again. A site
        that gives two pages the same canonical URL misuses it; from then on it is ignored there."""
        if not self.trust_canonical or not self.source.is_article_url(canonical):
            return
        claimed = self.claims.setdefault(canonical, url)
        if claimed != url:
            self.trust_canonical = False
            log.warning(
                "%s and %s both declare rel=canonical %s: ignored for source %s in this run",
                claimed,
                url,
                canonical,
                self.source.id,
                extra={"source": self.source.id, "url": canonical},
            )
            self.state.requeue(canonical, source=self.source.id, kind="article")
            self.handled.discard(canonical)
            return
        self.crawler.recorder.alias(url, canonical, source=self.source.id, kind="article", saved=saved)
        self.handled.add(canonical)

    async def fetch_attachment(self, url: str) -> None:
        result = await self.get(
            url,
            "attachment",
            accept=self.settings.attachment_types,
            max_bytes=self.source.max_attachment_bytes or self.settings.max_attachment_bytes,
        )
        if result is None or self.off_host(result, "attachment"):
            return
        if not stored_status(result.status):
            self.report.error(f"{url}: HTTP {result.status}")
            self.crawler.record_failure(self.source, url, "attachment", f"HTTP {result.status}", None)
            return
        self.crawler.recorder.save(
            result, source=self.source.id, kind="attachment", recheck_after=self.recheck_after
        )
        self.report.attachments += 1


# Parsing runs in a worker thread: pure functions of the fetched bytes, they touch no shared state.


def _listing_links(result: FetchResult, source: Source, max_decoded: int, max_links: int) -> ListingLinks:
    text = decoded_text(result.final, max_decoded)
    return listing_links(text, result.final.url, source, max_links)


def _page_links(
    result: FetchResult, source: Source, max_decoded: int, max_links: int
) -> tuple[ArticleLinks, ListingLinks | None]:
    """An article page's links, and its listing links when the page is a listing after all: one that
    links to several articles of the source and that the parser calls a listing, or finds no article in."""
    text = decoded_text(result.final, max_decoded)
    url = result.final.url
    links = article_links(text, url, tuple(source.attachment_hosts), max_links)
    listing = listing_links(text, url, source, max_links)
    if len(listing.articles) < _LISTING_LINKS:
        return links, None
    exchange = result.final
    headers = [(k, v) for k, v in exchange.response_headers if k.lower() != "content-encoding"]
    parsed = parse_capture(
        decoded_body(exchange, max_decoded), url, headers, source, captured_at=exchange.captured_at
    )
    # A listing, or a page of links with no article on it (a listing's last page of two teasers is too
    # small for the parser to call it a listing, but it is no article either).
    is_listing = isinstance(parsed, NotArticle) and parsed.reason in _LISTING_REASONS
    return links, listing if is_listing else None
