"""What a search asks for and what it returns (the types :mod:`index.whoosh.service` works with)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from index.errors import QueryError
from index.query import ParsedQuery, parse_query
from index.schema import FACET_FIELDS

Sort = Literal["relevance", "newest", "oldest"]
Scope = Literal["all", "page", "attachments"]
Interval = Literal["day", "month", "year"]
FILTER_FIELDS = (
    "source",
    "department",
    "jurisdiction",
    "category",
    "author",
    "year",
    "month",
    "doc_number",
)
"""Fields ``SearchRequest.filters`` may name (exact values; ``month`` as ``YYYY-MM``; ``doc_number`` a
document number the page or one of its attachments names, e.g. ``1234/QĐ-UBND``, in any case)."""
MAX_SIZE = 100
SORTS: tuple[Sort, ...] = ("relevance", "newest", "oldest")

__all__ = [
    "FACET_FIELDS",
    "FILTER_FIELDS",
    "MAX_SIZE",
    "SORTS",
    "Hit",
    "IndexStats",
    "Interval",
    "Scope",
    "SearchRequest",
    "SearchResults",
    "Sort",
    "parse_request",
]


@dataclass(frozen=True)
class SearchRequest:
    """One search. ``q`` None or blank lists everything (newest first unless ``sort`` says otherwise).

    ``filters``: exact values of :data:`FILTER_FIELDS` (``month`` as ``YYYY-MM``); ``date_from`` /
    ``date_to``: inclusive local days. Page either by ``offset`` or by the ``cursor`` of the previous
    page's :attr:`SearchResults.next_cursor` (not both). Undated documents come last in ``newest``
    and first in ``oldest``; ties are broken by id.
    """

    q: str | None = None
    filters: dict[str, str] = field(default_factory=dict)
    date_from: date | None = None
    date_to: date | None = None
    sort: Sort | None = None
    size: int = 20
    offset: int = 0
    facets: Sequence[str] = ()
    cursor: str | None = None
    scope: Scope = "all"
    """Where plain words are looked for: the page's text and its attachments' (``all``), or one of them."""


@dataclass(frozen=True)
class Hit:
    id: str
    title: str
    url: str
    published: datetime | None
    """Publication time in Asia/Ho_Chi_Minh."""
    source: str
    department: str
    score: float | None
    """BM25 score when sorted by relevance, else None."""
    snippet: str
    """Safe HTML: matched words in ``<mark>``, all else escaped ("" when snippets were not asked for)."""
    jurisdiction: str | None = None
    category: str | None = None
    author: str | None = None
    attachment: int | None = None
    """When the snippet comes from an attachment: its number in the record's ``attachments`` (from 1)."""
    page: int | None = None
    """With ``attachment``: the page (or sheet) of it the snippet comes from (from 1)."""


@dataclass(frozen=True)
class SearchResults:
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]]
    took_ms: float
    next_cursor: str | None = None
    """The cursor of the next page, None on the last page."""


@dataclass(frozen=True)
class IndexStats:
    documents: int
    generation: str
    """The index build (changes on ``--rebuild``)."""
    commit: int
    """Whoosh's commit number within the build (changes on every write)."""
    last_commit: datetime | None
    built_at: str


def parse_request(request: SearchRequest) -> ParsedQuery | None:
    """Check the request and read its query (before any index is opened)."""
    _validate(request)
    text = (request.q or "").strip()
    return parse_query(text, scope=request.scope) if text else None


def _validate(request: SearchRequest) -> None:
    unknown = set(request.filters) - set(FILTER_FIELDS)
    if unknown:
        raise QueryError(f"unknown filter(s): {', '.join(sorted(unknown))}")
    bad_facets = set(request.facets) - set(FACET_FIELDS)
    if bad_facets:
        raise QueryError(f"unknown facet(s): {', '.join(sorted(bad_facets))}")
    if not 1 <= request.size <= MAX_SIZE:
        raise QueryError(f"size must be between 1 and {MAX_SIZE}")
    if request.offset < 0:
        raise QueryError("offset must not be negative")
    if request.cursor and request.offset:
        raise QueryError("page with either offset or cursor, not both")
    if request.sort is not None and request.sort not in SORTS:
        raise QueryError(f"sort must be one of {', '.join(SORTS)}")
    if request.date_from and request.date_to and request.date_from > request.date_to:
        raise QueryError("date_from is after date_to")
