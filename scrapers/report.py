"""What one source's crawl did, counted as it goes."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

MAX_ERRORS = 50
"""Errors kept per source and run (the count in ``failed`` is complete)."""


@dataclass
class SourceReport:
    """Counts of one source's crawl.

    ``fetched``: HTTP responses received; ``new``: articles captured for the first time; ``updated``:
    known articles whose content changed; ``unchanged``: known articles listed again, answered 304 or
    with identical content; ``removed``: known articles now 404/410; ``failed``: URLs that could not be
    fetched or answered with an error; ``skipped_robots``: URLs robots.txt disallows; ``skipped_type``:
    responses of a type not kept; ``deferred``: new articles left in the frontier for a later run;
    ``pages_cut``: pages with more links than ``max_links_per_page`` (the rest ignored);
    ``attachments_skipped``: attachment links past ``max_attachments_per_article``; ``not_articles``:
    pages fetched as articles (they matched ``article_pattern``) that were listings, read as such.
    """

    fetched: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: int = 0
    skipped_robots: int = 0
    skipped_type: int = 0
    deferred: int = 0
    listing_pages: int = 0
    articles_listed: int = 0
    attachments: int = 0
    pages_cut: int = 0
    attachments_skipped: int = 0
    not_articles: int = 0
    errors: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {k: v for k, v in asdict(self).items() if isinstance(v, int)}

    def error(self, message: str) -> None:
        """Count one failure and keep its message (the first :data:`MAX_ERRORS`)."""
        self.failed += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(message)
