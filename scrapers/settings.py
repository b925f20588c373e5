"""Crawl settings: politeness and limits, one typed object passed down from the CLI."""

from __future__ import annotations

from pydantic import BaseModel, Field


class CrawlSettings(BaseModel):
    """How the crawler behaves on every host (a source may override ``delay``)."""

    user_agent: str = Field(
        "deptnews/0.1 (+https://github.com/deptnews/deptnews; open-data archive of department news)",
        description="Names deptnews and a contact URL, as robots.txt etiquette asks.",
    )
    delay: float = Field(1.0, ge=0, description="Seconds between two requests to the same host.")
    connect_timeout: float = Field(10.0, gt=0)
    read_timeout: float = Field(30.0, gt=0)
    max_body: int = Field(20 * 1024 * 1024, gt=0, description="Largest response body kept, bytes.")
    max_redirects: int = Field(10, ge=0)
    retries: int = Field(3, ge=0, description="Extra attempts on timeouts, connection errors, 5xx, 429.")
    backoff: float = Field(1.0, ge=0, description="First retry wait, seconds; doubles per attempt.")
    max_retry_after: float = Field(600.0, ge=0, description="Longest Retry-After honoured, seconds.")
    host_concurrency: int = Field(8, ge=1, description="Hosts crawled at the same time.")
    obey_robots: bool = True
    max_pages: int | None = Field(None, ge=1, description="Cap on listing pages per listing (all sources).")
    content_types: tuple[str, ...] = (
        "text/html",
        "application/xhtml+xml",
        "text/plain",
        "application/pdf",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    warc_max_file_size: int = Field(1 << 30, gt=0, description="WARC files rotate past this size, bytes.")
