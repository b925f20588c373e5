"""The scrapers package's exception hierarchy (httpx errors are mapped to these at the fetch edge)."""

from __future__ import annotations


class ScraperError(Exception):
    """Base class of every error raised by :mod:`scrapers`."""


class FetchError(ScraperError):
    """A URL could not be fetched (after retries); ``retryable`` says whether a later run may succeed."""

    def __init__(self, url: str, message: str, *, retryable: bool = True) -> None:
        super().__init__(f"{url}: {message}")
        self.url = url
        self.retryable = retryable


class CrawlLocked(ScraperError):
    """Another crawl holds the data home's lock."""
