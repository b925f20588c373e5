"""What the parser returns: an article, or the reason a capture is not one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from archive.model import Content

PARSER_VERSION = "2.3.0"
"""Bumped whenever extraction changes what records contain; stored in every version."""

NotArticleReason = Literal[
    "not-article-url",  # the URL does not match the source's article_pattern
    "error-status",  # the response status is not 200
    "not-html",  # a non-HTML content type, or binary data (a PDF, an image) labelled text/html
    "too-large",  # more markup than the parser reads (archive.parse.guard.MAX_HTML_BYTES)
    "error-page",  # a "page not found" page served with status 200
    "contact",  # a contact page ("Liên hệ"): a form or contact details
    "listing",  # a list of teasers of other articles
    "empty",  # no title, no content block, or too little body text
    "truncated",  # the WARC payload was cut at the reader's size limit (set by ingest)
    "parser-error",  # the parser failed on this page: a bug, reported with the exception (never raised)
]


@dataclass(frozen=True)
class Article:
    """A capture that is a news article: its canonical URL (the record's identity) and content.

    ``extractor`` names what found the body: ``override`` (the source's selector), a CMS family
    (``drupal``, ``liferay-asset-publisher``, …), ``common`` or ``generic`` (text density).
    """

    canonical_url: str
    content: Content
    extractor: str = "generic"
    encoding: str = "utf-8"
    observed: frozenset[str] = frozenset()
    """What the page showed, for learning its source's template (:func:`archive.parse.template.observe`)."""


@dataclass(frozen=True)
class NotArticle:
    """A capture that is not an article (a listing, an error page, …), with a human-readable detail."""

    reason: NotArticleReason
    detail: str
