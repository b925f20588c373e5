"""Searching the index: queries, filters, sorting, facets, cursors, timelines and snippets.

A :class:`SearchService` is long-lived (one per API process) and thread-safe: each call borrows one of
a few long-lived searchers (:mod:`index.whoosh.snapshots`), which follow new commits and rebuilds without a
restart. A search first computes the set of matching documents (:mod:`index.whoosh.docsets`; it gives the
total, the facet counts and the date order), then the page: by date (:mod:`index.whoosh.docvalues`) or by
BM25 score (:mod:`index.whoosh.ranking`), lifted for a typed run (:mod:`index.whoosh.proximity`).
Snippets are cut from the index's text store (:mod:`index.whoosh.textstore`), outside the searcher; from
the record text (``load_text``) only for a document the store has no entry for.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import query as q

from index.backend import NodeStatus
from index.cursor import Cursor, decode_cursor, encode_cursor
from index.dates import date_range_query, local_span
from index.errors import IndexMissing, QueryError, SearchError
from index.health import SourceHealth
from index.highlight import match_count, snippet
from index.proximity import query_run, rerank
from index.query import Highlights, ParsedQuery
from index.request import (
    FACET_FIELDS,
    FILTER_FIELDS,
    MAX_SIZE,
    Hit,
    IndexStats,
    Interval,
    SearchRequest,
    SearchResults,
    Sort,
    parse_request,
)
from index.schema import LOCAL_TZ, doc_number_key
from index.snippets import Marks, page_snippets
from index.whoosh.collect import PageCollector
from index.whoosh.docsets import narrow, query_docs
from index.whoosh.docvalues import stored_fields
from index.whoosh.health import source_health
from index.whoosh.postcache import DEFAULT_CACHE_MB, DecodedPostings, PostingCache
from index.whoosh.postings import leaves
from index.whoosh.proximity import holders
from index.whoosh.ranking import Stats, collection_stats, positive_terms, rank
from index.whoosh.snapshots import Snapshot, SnapshotPool
from index.whoosh.textreader import StoredDoc, TextReader
from index.whoosh.textstore import summary_fields

_PERIOD_LEN = {"day": 10, "month": 7, "year": 4}
MAX_SNIPPET_PAGES = 300
"""Attachment pages looked at per hit for its snippet (the first ones; a long file's later pages still
match the query, they only do not give the snippet)."""

__all__ = [  # the request and result types are re-exported: callers import them from here
    "FACET_FIELDS",
    "FILTER_FIELDS",
    "MAX_SIZE",
    "Hit",
    "IndexStats",
    "Interval",
    "SearchRequest",
    "SearchResults",
    "SearchService",
    "Sort",
]


_Text = tuple[StoredDoc, int, str]
"""A hit's text store entry, its marked tokens and its page snippet (see ``page_snippets``)."""
"""A hit's text store entry and what the query marks."""
_Stored = tuple[dict[str, Any], float | None, _Text | None]
"""A hit's stored fields, score and text store entry."""


@dataclass(frozen=True)
class _Plan:
    main: q.Query
    full: q.Query
    """main AND the filters, dates included"""
    base: q.Query
    """main AND the filters other than dates"""
    dates: q.Query | None
    """the date range as year/month/day terms"""
    span: tuple[int, int] | None
    """the date range as inclusive epoch seconds (the ``ts`` column)"""
    filtered: bool
    highlights: Highlights
    sort: Sort
    binding: str


class SearchService:
    """The Whoosh :class:`~index.backend.SearchBackend`: searches the index at ``path``; ``load_text(id)``
    supplies the text snippets are cut from, and ``load_attachments(id)`` the record's attachment pages as
    ``(attachment, page, text)``: a hit whose attachment page matches more words than its page text (or
    any, for a search of attachments only) takes its snippet from that page and names it
    (:attr:`Hit.attachment`, :attr:`Hit.page`).

    ``max_searchers``: searchers kept open for reuse (more are opened while more threads search).
    ``posting_cache_mb``: decoded posting lists kept for later searches (see :mod:`index.whoosh.postcache`).
    """

    def __init__(
        self,
        path: Path,
        load_text: Callable[[str], str | None],
        *,
        load_attachments: Callable[[str], Iterable[tuple[int, int, str]]] | None = None,
        max_searchers: int = 4,
        posting_cache_mb: float = DEFAULT_CACHE_MB,
    ) -> None:
        self.path = path
        self._load_text = load_text
        self._load_attachments = load_attachments
        self._pool = SnapshotPool(path, max_idle=max_searchers)
        self.postings = DecodedPostings(int(posting_cache_mb * 2**20))
        self._texts: tuple[tuple[str, int], TextReader] | None = None
        self._texts_lock = threading.Lock()

    def close(self) -> None:
        self._pool.close()
        with self._texts_lock:
            self._texts = None

    def _text_reader(self, snap: Snapshot) -> TextReader:
        """The text store of the snapshot's generation, read up to (at least) its commit."""
        texts = self._texts
        if texts is not None and texts[0] == snap.version:
            return texts[1]
        with self._texts_lock:
            texts = self._texts
            if texts is None or texts[0][0] != snap.version[0]:
                reader = TextReader(snap.location.directory)
            else:
                reader = texts[1]
            reader.refresh()  # entries are written before the commit that makes them searchable
            self._texts = (snap.version, reader)
            return reader

    @staticmethod
    def _stored(
        snap: Snapshot,
        reader: TextReader,
        docnums: list[int],
        *,
        text: bool = True,
        summary: bool = False,
    ) -> list[StoredDoc | None]:
        """The entries of these documents in ``reader`` (None where it has none)."""
        hashes = snap.values.column(snap.searcher, "doc_hash")
        return reader.get_many(
            [h if isinstance(h := hashes[d], bytes) else None for d in docnums], text=text, summary=summary
        )

    @staticmethod
    def _hit_fields(snap: Snapshot, docnums: list[int], docs: list[StoredDoc | None]) -> list[dict[str, Any]]:
        """The fields a hit shows for each of ``docnums``: from its text store entry's summary, else
        (an entry written without one, or none, or one that cannot be read) from Whoosh's stored
        fields."""
        found: list[dict[str, Any] | None] = [None] * len(docnums)
        for k, doc in enumerate(docs):
            if doc is not None and doc.summary is not None:
                with contextlib.suppress(ValueError):  # not ISO 8601: Whoosh's stored fields instead
                    found[k] = summary_fields(doc.summary)
        missing = [k for k, fields in enumerate(found) if fields is None]
        if missing:
            for k, fields in zip(
                missing, stored_fields(snap.searcher, [docnums[k] for k in missing]), strict=True
            ):
                found[k] = fields
        return [fields if fields is not None else {} for fields in found]

    def count(self) -> int:
        """Documents in the index (0 if there is no index yet)."""
        try:
            return self._pool.run(lambda snap: int(snap.searcher.doc_count()))
        except IndexMissing:
            return 0

    def stats(self) -> IndexStats:
        """Size and freshness of the index; IndexMissing / IndexOutdated when it cannot be searched."""

        def work(snap: Snapshot) -> IndexStats:
            toc = snap.location.directory / f"_records_{snap.commit}.toc"
            try:
                modified: datetime | None = datetime.fromtimestamp(toc.stat().st_mtime, UTC)
            except OSError:
                modified = None
            return IndexStats(
                documents=int(snap.searcher.doc_count()),
                generation=snap.location.generation,
                commit=snap.commit,
                last_commit=modified,
                built_at=snap.location.built_at,
            )

        return self._pool.run(work)

    def readiness(self) -> list[NodeStatus]:
        """The one local node: ready when the index opens and can be searched."""
        try:
            self._pool.run(lambda snap: int(snap.searcher.doc_count()))
        except SearchError as exc:
            return [NodeStatus("local", "local", False, detail=str(exc))]
        return [NodeStatus("local", "local", True)]

    def health(self) -> dict[str, SourceHealth]:
        """Per-source parser health of the current records (see :mod:`index.whoosh.health`)."""
        return self._pool.run(lambda snap: source_health(snap.searcher, snap.values))

    # --- planning -------------------------------------------------------------------------------

    def _plan(self, snap: Snapshot, request: SearchRequest, parsed: ParsedQuery | None) -> _Plan:
        highlights = Highlights()
        main: q.Query = q.Every()
        fingerprint = "*"
        if parsed is not None:
            main, highlights, fingerprint = parsed.query, parsed.highlights, parsed.fingerprint
        filters: list[q.Query] = [
            q.Term(k, doc_number_key(v) if k == "doc_number" else v)
            for k, v in sorted(request.filters.items())
            if v
        ]
        base = q.And([main, *filters]) if filters else main
        dates: q.Query | None = None
        span: tuple[int, int] | None = None
        if request.date_from or request.date_to:
            dates = date_range_query(
                request.date_from, request.date_to, snap.values.terms(snap.searcher, "year")
            )
            span = local_span(request.date_from, request.date_to)
            if dates is not None:
                filters.append(dates)
        full = q.And([main, *filters]) if filters else main
        sort: Sort = request.sort or ("relevance" if parsed is not None else "newest")
        binding = "|".join(
            [
                sort,
                fingerprint,
                repr(sorted(request.filters.items())),
                str(request.date_from),
                str(request.date_to),
            ]
        )
        return _Plan(main, full, base, dates, span, bool(filters), highlights, sort, binding)

    def _matches(self, snap: Snapshot, plan: _Plan, cache: PostingCache | None = None) -> Collection[int]:
        searcher, values = snap.searcher, snap.values
        if isinstance(plan.full, q.Every):
            return values.live(searcher)
        if cache is None:
            cache = self._cache(snap)
        live, deleted = values.live_array(searcher), values.deleted_array(searcher)
        if (
            plan.dates is not None
            and plan.span is not None
            and not narrow(searcher, plan.dates, plan.base, cache)
        ):
            # A wide date range: match the rest, then keep the documents whose time is in range (a
            # column look-up each) rather than reading the posting lists of many days and months.
            found = (
                live
                if isinstance(plan.base, q.Every)
                else query_docs(searcher, plan.base, live, deleted, cache)
            )
            if found is not None:
                docs = np.asarray(found, dtype=np.int64)
                ts = values.array(searcher, "ts")[docs]
                lo, hi = plan.span
                return docs[(ts >= lo) & (ts <= hi)]
        found = query_docs(searcher, plan.full, live, deleted, cache)
        if found is None:
            return np.array(sorted(searcher.docs_for_query(plan.full)), dtype=np.int64)
        return found

    def _cache(self, snap: Snapshot) -> PostingCache:
        """A posting cache for one search on ``snap``, backed by the service's decoded lists."""
        return PostingCache(leaves(snap.searcher), self.postings)

    def _cursor(self, snap: Snapshot, plan: _Plan, token: str | None) -> Cursor | None:
        if not token:
            return None
        cursor = decode_cursor(token, binding=plan.binding, secret=snap.secret)
        if cursor.sort != plan.sort:
            raise QueryError("invalid cursor")
        return cursor

    def _page(
        self,
        snap: Snapshot,
        plan: _Plan,
        docnums: Collection[int],
        request: SearchRequest,
        limit: int,
        cache: PostingCache,
    ) -> tuple[list[tuple[float | None, int]], Cursor | None]:
        """Up to ``limit`` hits ``(score, docnum)`` from the request's offset or cursor, plus the cursor
        of the last one if more follow."""
        cursor = self._cursor(snap, plan, request.cursor)
        want = request.offset + limit + 1
        searcher, values = snap.searcher, snap.values
        rows: list[tuple[float | None, int]]
        stats: Stats | None = None
        if plan.sort == "relevance":
            ids = values.column(searcher, "id")
            after = (float(cursor.key), cursor.id) if cursor else None
            terms = positive_terms(plan.main)
            if terms is not None:
                stats = cursor.stats if cursor and cursor.stats else collection_stats(searcher, terms, cache)
                if len(stats.dfs) != len(terms):
                    raise QueryError("invalid cursor")

            def best(limit: int, after: tuple[float, str] | None) -> list[tuple[float, int]] | None:
                return rank(
                    searcher,
                    plan.main,
                    docnums,
                    ids,
                    limit,
                    after=after,
                    norms=lambda f, average: values.norms(searcher, f, average),
                    cache=cache,
                    stats=stats,
                )

            run = query_run(request.q, request.scope)
            if run is None:
                ranked = best(want, after)
            else:
                reader = self._text_reader(snap)

                def has_run(found: list[int]) -> list[bool]:
                    entries = self._stored(snap, reader, found, text=False)
                    return holders(run, entries, reader.vocabulary)

                ranked = rerank(best, want, after, ids, has_run)
            if ranked is None:  # a query shape index.whoosh.ranking cannot score: let Whoosh score it
                allow = set(np.asarray(docnums).tolist()) if plan.filtered else None
                collector = PageCollector(want, ids, after=after, allow=allow)
                searcher.search_with_collector(plan.main, collector)
                ranked = collector.page()
            rows = [(score, d) for score, d in ranked]
        else:
            key = (int(cursor.key), cursor.id) if cursor else None
            descending = plan.sort == "newest"
            top = values.top_by_date(searcher, docnums, want, descending=descending, key=key)
            rows = [(None, d) for d in top]
        more = len(rows) > request.offset + limit
        rows = rows[request.offset : request.offset + limit]
        if not more or not rows:
            return rows, None
        score, last = rows[-1]
        last_id = values.column(searcher, "id")[last]
        if plan.sort == "relevance":
            assert score is not None
            return rows, Cursor(plan.sort, score, last_id, stats)
        return rows, Cursor(plan.sort, int(values.column(searcher, "ts")[last]), last_id)

    # --- public operations ----------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResults:
        """Run a search; :class:`QueryError` for a query or parameter that cannot be run."""
        started = time.perf_counter()
        parsed = parse_request(request)
        plan, total, facets, stored, token = self._pool.run(
            lambda snap: self._run(snap, request, parsed, request.size, snippets=True)
        )
        hits = [
            self._hit(fields, score, plan.highlights, snippets=True, scope=request.scope, stored=text)
            for fields, score, text in stored
        ]
        took = (time.perf_counter() - started) * 1000
        return SearchResults(total=total, hits=hits, facets=facets, took_ms=round(took, 2), next_cursor=token)

    def _run(
        self,
        snap: Snapshot,
        request: SearchRequest,
        parsed: ParsedQuery | None,
        size: int,
        *,
        snippets: bool = False,
    ) -> tuple[_Plan, int, dict[str, list[tuple[str, int]]], list[_Stored], str | None]:
        """One page on one searcher: (plan, total, facets, stored fields with scores and, with
        ``snippets``, text store entries, next cursor)."""
        plan = self._plan(snap, request, parsed)
        cache = self._cache(snap)
        docnums = self._matches(snap, plan, cache)
        facets: dict[str, list[tuple[str, int]]] = {}
        if request.facets:
            matched = np.asarray(docnums, dtype=np.int64)
            facets = {name: snap.values.count(snap.searcher, name, matched) for name in request.facets}
        rows, next_cursor = self._page(snap, plan, docnums, request, size, cache)
        found = [d for _, d in rows]
        entries: list[_Text | None] = [None] * len(found)
        reader = self._text_reader(snap)
        docs = self._stored(snap, reader, found, text=snippets, summary=True)
        if snippets:
            present = [doc for doc in docs if doc is not None]
            if present:
                marks = Marks(plan.highlights, reader.vocabulary)  # after the look-ups: knows their ids
                made = iter(page_snippets(present, marks))
                entries = [(doc, *next(made)) if doc is not None else None for doc in docs]
        stored = [
            (fields, score, entry)
            for (score, _), fields, entry in zip(
                rows, self._hit_fields(snap, found, docs), entries, strict=True
            )
        ]
        token = encode_cursor(next_cursor, binding=plan.binding, secret=snap.secret) if next_cursor else None
        return plan, len(docnums), facets, stored, token

    def iter_hits(self, request: SearchRequest, batch: int = 500, *, snippets: bool = False) -> Iterator[Hit]:
        """Every match of ``request`` in its order (``size``, ``offset`` and ``facets`` are ignored),
        fetched ``batch`` at a time by cursor: one batch of hits is held at a time (and, while a batch
        is computed, the set of matching document numbers), and commits between batches are followed
        as cursors are (see ``SearchRequest``). Each batch costs about one search."""
        if batch < 1:
            raise QueryError("batch must be at least 1")
        current = replace(request, size=1, offset=0, facets=())
        parsed = parse_request(current)
        token = request.cursor
        while True:
            page = replace(current, cursor=token)
            plan, _, _, stored, token = self._pool.run(
                lambda snap, page=page: self._run(snap, page, parsed, batch, snippets=snippets)  # type: ignore[misc]
            )
            for fields, score, text in stored:
                yield self._hit(
                    fields, score, plan.highlights, snippets=snippets, scope=request.scope, stored=text
                )
            if token is None:
                return

    def timeline(self, request: SearchRequest, interval: Interval) -> list[tuple[str, int]]:
        """Matches of ``request`` per local day (``YYYY-MM-DD``), month (``YYYY-MM``) or year, by period;
        undated documents are not counted."""
        if interval not in _PERIOD_LEN:
            raise QueryError(f"interval must be one of {', '.join(_PERIOD_LEN)}")
        parsed = parse_request(replace(request, size=1, offset=0, cursor=None))

        def work(snap: Snapshot) -> Counter[str]:
            docnums = self._matches(snap, self._plan(snap, request, parsed))
            days = snap.values.column(snap.searcher, "day")
            return Counter(map(days.__getitem__, docnums))

        per_day = self._pool.run(work)
        width = _PERIOD_LEN[interval]
        periods: Counter[str] = Counter()
        for day, n in per_day.items():
            if day:
                periods[day[:width]] += n
        return sorted(periods.items())

    def _hit(
        self,
        fields: dict[str, Any],
        score: float | None,
        hl: Highlights,
        *,
        snippets: bool,
        scope: str = "all",
        stored: _Text | None = None,
    ) -> Hit:
        """A hit of the stored fields ``fields``; its snippet from the text store entry ``stored`` when
        there is one (and its page text is not empty), else from the record (``load_text``)."""
        when = fields.get("published")
        published = when.astimezone(LOCAL_TZ) if isinstance(when, datetime) else None
        text = ""
        where: tuple[int, int] | None = None
        if snippets:
            own: int
            page_snippet: Callable[[], str]
            if stored is not None and stored[0].text:
                doc, own, made = stored
                page_snippet = functools.partial(str, made)
                has_files = doc.has_files
            else:
                page_text = self._load_text(fields["id"]) or fields.get("title", "")
                if stored is not None:  # an empty page: the title, as the record would give
                    page_text = fields.get("title", "")
                own = match_count(page_text, hl)
                page_snippet = functools.partial(snippet, page_text, hl)
                has_files = stored is None or stored[0].has_files
            found = self._attachment_match(fields["id"], hl, scope) if has_files else None
            if scope == "attachments":
                own = 0
            if found is not None and found[0] > own:
                where = found[1], found[2]
                text = snippet(found[3], hl)
            else:
                text = page_snippet()
        return Hit(
            id=fields["id"],
            title=fields.get("title", ""),
            url=fields.get("url", ""),
            published=published,
            source=fields.get("source", ""),
            department=fields.get("department", ""),
            score=score,
            snippet=text,
            jurisdiction=fields.get("jurisdiction"),
            category=fields.get("category"),
            author=fields.get("author"),
            attachment=where[0] if where else None,
            page=where[1] if where else None,
        )

    def _attachment_match(self, rid: str, hl: Highlights, scope: str) -> tuple[int, int, int, str] | None:
        """The attachment page marking the most words: ``(count, attachment, page, text)``; None when
        none marks any (or attachments are not searched)."""
        if self._load_attachments is None or scope == "page" or not (hl.exact or hl.folded):
            return None
        best: tuple[int, int, int, str] | None = None
        for number, page, text in itertools.islice(self._load_attachments(rid), MAX_SNIPPET_PAGES):
            count = match_count(text, hl)
            if count and (best is None or count > best[0]):
                best = (count, number, page, text)
        return best
