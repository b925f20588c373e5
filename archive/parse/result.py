"""What the parser returns: an article, or the reason a capture is not one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from archive.model import Content

PARSER_VERSION = "1.0.0"
"""Bumped whenever extraction changes what records contain; stored in every version."""

NotArticleReason = Literal["not-article-url", "not-html", "error-status", "listing", "empty", "truncated"]


@dataclass(frozen=True)
class Article:
    """A capture that is a news article: its canonical URL (the record's identity) and content."""

    canonical_url: str
    content: Content


@dataclass(frozen=True)
class NotArticle:
    """A capture that is not an article (a listing, an error page, …), with a human-readable detail."""

    reason: NotArticleReason
    detail: str
