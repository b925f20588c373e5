"""Searching the index: queries, filters, sorting, facets and snippets, behind deptnews's own types.

A :class:`SearchService` keeps one Whoosh searcher open and replaces it when a writer has committed,
so a long-running API sees new records without restarting and without reopening per request.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from datetime import time as dtime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from whoosh import query as q
from whoosh import sorting

from index.errors import IndexMissing, QueryError
from index.highlight import snippet
from index.query import Highlights, parse_query
from index.schema import FACET_FIELDS
from index.store import open_index

Sort = Literal["relevance", "newest", "oldest"]
FILTER_FIELDS = ("source", "department", "jurisdiction", "category", "author", "year")
MAX_SIZE = 100
_LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass(frozen=True)
class SearchRequest:
    """One search. ``q`` None or blank lists everything (newest first unless ``sort`` says otherwise)."""

    q: str | None = None
    filters: dict[str, str] = field(default_factory=dict)
    date_from: date | None = None
    date_to: date | None = None
    sort: Sort | None = None
    size: int = 20
    offset: int = 0
    facets: Sequence[str] = ()


@dataclass(frozen=True)
class Hit:
    id: str
    title: str
    url: str
    published: datetime | None
    source: str
    department: str
    score: float | None
    snippet: str


@dataclass(frozen=True)
class SearchResults:
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]]
    took_ms: float


def _local_bound(day: date, end: bool) -> datetime:
    moment = datetime.combine(day, dtime.max if end else dtime.min, tzinfo=_LOCAL)
    return moment.astimezone(UTC).replace(tzinfo=None)


class SearchService:
    """Searches the index at ``path``; ``load_text(id)`` supplies the text snippets are cut from."""

    def __init__(self, path: Path, load_text: Callable[[str], str | None]) -> None:
        self.path = path
        self._load_text = load_text
        self._ix: Any = None
        self._searcher: Any = None
        self._lock = threading.Lock()

    def _current(self) -> Any:
        if self._searcher is None:
            self._ix = open_index(self.path)
            self._searcher = self._ix.searcher()
        elif not self._searcher.up_to_date():
            # Not Searcher.refresh(): it reuses segment readers with their old deletion sets, so a
            # document replaced by update_document would be counted twice. A new searcher on
            # non-compound segments costs a few milliseconds, and only after a commit.
            self._searcher.close()
            self._searcher = None
            self._searcher = self._ix.searcher()
        return self._searcher

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
            self._searcher = self._ix = None

    def count(self) -> int:
        with self._lock:
            try:
                return int(self._current().doc_count())
            except IndexMissing:
                return 0

    def search(self, request: SearchRequest) -> SearchResults:
        """Run a search; :class:`QueryError` for a query or parameter that cannot be run."""
        started = time.perf_counter()
        unknown = set(request.filters) - set(FILTER_FIELDS)
        if unknown:
            raise QueryError(f"unknown filter(s): {', '.join(sorted(unknown))}")
        bad_facets = set(request.facets) - set(FACET_FIELDS)
        if bad_facets:
            raise QueryError(f"unknown facet(s): {', '.join(sorted(bad_facets))}")
        if not 1 <= request.size <= MAX_SIZE:
            raise QueryError(f"size must be between 1 and {MAX_SIZE}")
        if request.date_from and request.date_to and request.date_from > request.date_to:
            raise QueryError("date_from is after date_to")
        text = (request.q or "").strip()
        highlights = Highlights()
        if text:
            parsed = parse_query(text)
            main: q.Query = parsed.query
            highlights = parsed.highlights
        else:
            main = q.Every()
        filters: list[q.Query] = [q.Term(k, v) for k, v in request.filters.items() if v]
        if request.date_from or request.date_to:
            filters.append(
                q.DateRange(
                    "published",
                    _local_bound(request.date_from, False) if request.date_from else None,
                    _local_bound(request.date_to, True) if request.date_to else None,
                )
            )
        sort = request.sort or ("relevance" if text else "newest")
        kwargs: dict[str, Any] = {"limit": request.offset + request.size, "terms": False}
        if filters:
            kwargs["filter"] = q.And(filters) if len(filters) > 1 else filters[0]
        if sort != "relevance":
            kwargs["sortedby"] = sorting.MultiFacet(
                [sorting.FieldFacet("published", reverse=sort == "newest"), sorting.FieldFacet("id")]
            )
        if request.facets:
            kwargs["groupedby"] = {
                name: sorting.FieldFacet(name, maptype=sorting.Count) for name in request.facets
            }
        with self._lock:
            searcher = self._current()
            results = searcher.search(main, **kwargs)
            total = len(results)
            page = results[request.offset : request.offset + request.size]
            rows = [(dict(hit.fields()), hit.score if sort == "relevance" else None) for hit in page]
            facets = {
                name: sorted(
                    ((str(k), int(v)) for k, v in results.groups(name).items() if k is not None),
                    key=lambda kv: (-kv[1], kv[0]),
                )
                for name in request.facets
            }
        hits = [self._hit(fields, score, highlights) for fields, score in rows]
        took = (time.perf_counter() - started) * 1000
        return SearchResults(total=total, hits=hits, facets=facets, took_ms=round(took, 2))

    def _hit(self, fields: dict[str, Any], score: float | None, hl: Highlights) -> Hit:
        published = fields.get("published")
        if isinstance(published, datetime):
            published = published.replace(tzinfo=UTC).astimezone(_LOCAL)
        text = self._load_text(fields["id"]) or fields.get("title", "")
        return Hit(
            id=fields["id"],
            title=fields.get("title", ""),
            url=fields.get("url", ""),
            published=published,
            source=fields.get("source", ""),
            department=fields.get("department", ""),
            score=score,
            snippet=snippet(text, hl),
        )
