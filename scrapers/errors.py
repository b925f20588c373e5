"""The scrapers package's exception hierarchy (httpx errors are mapped to these at the fetch edge)."""

from __future__ import annotations


class ScraperError(Exception):
    """Base class of every error raised by :mod:`scrapers`."""


class FetchError(ScraperError):
    """A URL could not be fetched (after retries); ``retryable`` says whether a later run may succeed."""

    def __init__(self, url: str, message: str, *, retryable: bool = True) -> None:
        super().__init__(f"{url}: {message}")
        self.url = url
        self.message = message
        self.retryable = retryable


class TooLarge(FetchError):
    """The body is larger than the limit for its kind (announced or read); nothing of it is kept."""

    def __init__(self, url: str, message: str) -> None:
        super().__init__(url, message, retryable=False)


class UnwantedContent(FetchError):
    """The response has a media type the crawler does not keep for this kind of URL (body not read)."""

    def __init__(self, url: str, content_type: str, status: int) -> None:
        super().__init__(url, f"content type {content_type} not accepted", retryable=False)
        self.content_type = content_type
        self.status = status


class SourceAbandoned(ScraperError):
    """A source is given up for the rest of a run (host unreachable, too many failures in a row)."""


class CrawlLocked(ScraperError):
    """Another crawl holds the data home's lock."""
