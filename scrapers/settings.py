"""Crawl settings: politeness and limits, one typed object passed down from the CLI.

Every field can be set from the environment (``DEPTNEWS_CRAWL__DELAY=2``,
``DEPTNEWS_CRAWL__RECHECK_AFTER=3d``); a source in the registry may override the per-host ones
(``delay``, ``recheck_after``, ``stop_after_known_pages``, ``max_attachment_bytes``).
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, Field

from archive.sources import Duration

PAGE_TYPES: tuple[str, ...] = ("text/html", "application/xhtml+xml")
ATTACHMENT_TYPES: tuple[str, ...] = (
    "application/pdf",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    # Many department servers label every download as a generic binary; the URL's extension decided.
    "application/octet-stream",
    "application/x-download",
    "application/force-download",
)
FEED_TYPES: tuple[str, ...] = (
    "application/rss+xml",
    "application/atom+xml",
    "application/xml",
    "text/xml",
    "application/rdf+xml",
    "application/x-gzip",
    "application/gzip",
    "application/octet-stream",
    # Misconfigured servers serve feeds and sitemaps as text/html or text/plain; the parser decides.
    "text/html",
    "text/plain",
)


class CrawlSettings(BaseModel):
    """How the crawler behaves on every host; see ``docs/crawling.md``."""

    user_agent: str = Field(
        "deptnews/0.1 (+https://github.com/deptnews/deptnews; open-data archive of department news)",
        description="Names deptnews and a contact URL, as robots.txt etiquette asks.",
    )
    delay: float = Field(1.0, ge=0, description="Seconds between two requests to the same host.")
    connect_timeout: float = Field(10.0, gt=0)
    read_timeout: float = Field(30.0, gt=0, description="Longest silence while reading a response.")
    total_timeout: float = Field(
        60.0, gt=0, description="Longest time one attempt at a request may take (a trickling body)."
    )
    url_budget: float = Field(
        120.0,
        gt=0,
        description="Longest time one URL may take, all attempts, waits between them and redirects "
        "included; past it the fetch gives up (retried in a later run).",
    )
    max_body: int = Field(20 * 1024 * 1024, gt=0, description="Largest page body kept, bytes (raw).")
    max_decoded: int = Field(
        50 * 1024 * 1024, gt=0, description="Most bytes a compressed body is inflated to for link discovery."
    )
    max_attachment_bytes: int = Field(50 * 1024 * 1024, gt=0, description="Largest attachment kept, bytes.")
    max_feed_bytes: int = Field(50 * 1024 * 1024, gt=0, description="Largest feed or sitemap kept, bytes.")
    max_redirects: int = Field(10, ge=0)
    retries: int = Field(3, ge=0, description="Extra attempts on timeouts, connection errors, 5xx, 429.")
    backoff: float = Field(1.0, ge=0, description="First retry wait, seconds; doubles per attempt.")
    max_retry_after: float = Field(600.0, ge=0, description="Longest Retry-After honoured, seconds.")
    max_crawl_delay: float = Field(
        60.0,
        ge=0,
        description="Hosts asking robots.txt Crawl-delays above this are left alone, not crawled faster.",
    )
    host_concurrency: int = Field(8, ge=1, description="Sources (hosts) crawled at the same time.")
    obey_robots: bool = True
    max_pages: int | None = Field(None, ge=1, description="Cap on listing pages per listing (all sources).")
    stop_after_known_pages: int = Field(
        2, ge=1, description="Paging stops after this many consecutive pages listing only known articles."
    )
    stop_after_empty_pages: int = Field(
        3,
        ge=1,
        description="Paging stops after this many consecutive pages listing nothing not already seen in the "
        "run (a pager that never ends, a calendar running into the future).",
    )
    recheck_after: Duration = Field(
        timedelta(days=7), description="Known articles are fetched again (conditionally) this often."
    )
    max_articles: int | None = Field(
        2000, ge=1, description="Most new articles fetched per source and run; the rest stay in the frontier."
    )
    max_rechecks: int = Field(200, ge=0, description="Most due re-checks per source and run.")
    retry_failed_after: Duration = Field(
        timedelta(hours=1), description="First wait before a failed URL is tried again; doubles per failure."
    )
    max_consecutive_failures: int = Field(
        8, ge=1, description="A source is abandoned for the run after this many failures in a row."
    )
    attachments: bool = Field(True, description="Fetch files linked from articles (a source may opt out).")
    max_attachments_per_article: int = Field(
        20, ge=0, description="Most attachments fetched for one article; further links are ignored."
    )
    max_links_per_page: int = Field(
        5000,
        ge=1,
        description="Most links read from one listing or article page; the rest are ignored (logged), "
        "so a page of 100,000 links costs no more than this many.",
    )
    onboard_requests: int = Field(
        40, ge=5, le=1000, description="Most requests `deptnews sources add` makes to onboard one site."
    )
    onboard_sample: int = Field(
        6, ge=2, le=50, description="Article pages `deptnews sources add` parses to check a proposal."
    )
    page_types: tuple[str, ...] = PAGE_TYPES
    attachment_types: tuple[str, ...] = ATTACHMENT_TYPES
    feed_types: tuple[str, ...] = FEED_TYPES
    warc_max_file_size: int = Field(1 << 30, gt=0, description="WARC files rotate past this size, bytes.")
    operator: str | None = Field(
        None,
        description="Who runs this crawl (a person or an organisation and a contact), written to the "
        "'operator' field of each WARC file's warcinfo record.",
    )
