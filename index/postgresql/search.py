"""The PostgreSQL backend's reading face (:class:`~index.backend.SearchBackend`), on a read node.

A search runs in one read-only REPEATABLE READ transaction on the node :meth:`Connections.reader`
chooses (a replica within the lag bound, else the primary), so its total, facets and page agree. The
matching set is one SQL condition (:mod:`index.postgresql.translate`, plus filters and the date range
on ``ts``) over the rows joined to the postings of the query's terms (:func:`~index.postgresql.scoring.
matched_terms`: each holder's BM25 score and the terms it holds), so that no row's terms or weights are
read; the total and the facets are aggregates over it, the page is the top of it by score or by
``(ts, id)``, after the cursor's key (keyset paging). A query that can match a document holding none of
its terms (``source:x OR hội``) tests the rows' own terms instead and takes the scores from a left join.

Cursors are :mod:`index.cursor`'s, bound to the same request description as Whoosh's and signed with the
index's key, which is a row of the database: a cursor made on one node is valid on every other.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from psycopg import Connection, sql
from whoosh import query as q

from index.backend import NodeStatus
from index.cursor import Cursor, Stats, decode_cursor, encode_cursor
from index.dates import local_span
from index.errors import IndexMissing, QueryError
from index.health import SourceHealth
from index.postgresql.connections import Connections
from index.postgresql.ddl import FULLTEXT
from index.postgresql.hits import fetch_hits
from index.postgresql.scoring import collection_stats, matched_terms
from index.postgresql.status import index_meta, read_only, source_health, stats_of
from index.postgresql.translate import condition, exact_condition, needs_text, positive_terms, text_terms
from index.proximity import Run, holds_run, query_run, rerank
from index.query import Highlights, ParsedQuery
from index.request import Hit, IndexStats, Interval, SearchRequest, SearchResults, Sort, parse_request
from index.snippets import PageTokenizer

__all__ = ["PostgresSearch"]

_PERIOD_LEN = {"day": 10, "month": 7, "year": 4}


@dataclass(frozen=True)
class _Plan:
    main: Any
    """The parsed query tree."""
    filters: list[sql.Composable]
    """``searchable``, the filters and the date range."""
    terms: list[tuple[str, str, float]]
    highlights: Highlights
    sort: Sort
    binding: str
    everything: bool
    """No query, filter or date: every document matches."""


@dataclass(frozen=True)
class _Matching:
    """The matching set under one statistics: ``SELECT … FROM {source} WHERE {where}``, ``score`` the
    expression of a row's score. ``postings``: the test on the postings' matches alone when it decides
    the set by itself (no filter, no exact field), see :func:`_top_query`."""

    source: sql.Composable
    where: sql.Composable
    score: sql.Composable
    postings: tuple[sql.Composable, sql.Composable] | None = None


def _matching(plan: _Plan, stats: Stats | None) -> _Matching:
    """The matching set of ``plan``, scored under ``stats`` (unscored without)."""
    if not plan.terms and not text_terms(plan.main):
        where = sql.SQL(" AND ").join([condition(plan.main), *plan.filters])
        return _Matching(sql.SQL("deptnews_records"), where, sql.SQL("0::float8"))
    if stats is None:
        stats = Stats(doc_count=0, dfs=tuple(0 for _ in plan.terms), averages=())
    source, numbers = matched_terms(plan.terms, text_terms(plan.main), stats)
    if needs_text(plan.main):
        held = condition(plan.main, numbers)
        where = sql.SQL(" AND ").join([held, *plan.filters])
        joined = sql.SQL("{} JOIN deptnews_records AS r ON r.docno = s.docno").format(source)
        alone = len(plan.filters) == 1 and not _exact_terms(plan.main)
        return _Matching(joined, where, sql.SQL("s.score"), (source, held) if alone else None)
    where = sql.SQL(" AND ").join([condition(plan.main), *plan.filters])
    joined = sql.SQL("deptnews_records AS r LEFT JOIN {} ON s.docno = r.docno").format(source)
    return _Matching(joined, where, sql.SQL("coalesce(s.score, 0)"))


def _plan(request: SearchRequest, parsed: ParsedQuery | None) -> _Plan:
    main: Any = parsed.query if parsed is not None else q.Every()
    parts: list[sql.Composable] = [sql.SQL("searchable")]
    parts += [exact_condition(k, v) for k, v in sorted(request.filters.items()) if v]
    if request.date_from or request.date_to:
        lo, hi = local_span(request.date_from, request.date_to)
        parts.append(sql.SQL("ts BETWEEN {} AND {}").format(sql.Literal(lo), sql.Literal(hi)))
    sort: Sort = request.sort or ("relevance" if parsed is not None else "newest")
    binding = "|".join(
        [
            sort,
            parsed.fingerprint if parsed is not None else "*",
            repr(sorted(request.filters.items())),
            str(request.date_from),
            str(request.date_to),
        ]
    )
    return _Plan(
        main=main,
        filters=parts,
        terms=positive_terms(main),
        highlights=parsed.highlights if parsed is not None else Highlights(),
        sort=sort,
        binding=binding,
        everything=len(parts) == 1 and isinstance(main, q.Every),
    )


class PostgresSearch:
    """Searches the index through ``nodes`` (see the module docstring)."""

    def __init__(self, nodes: Connections) -> None:
        self.nodes = nodes
        self._tokenizer = PageTokenizer()

    def close(self) -> None:
        self.nodes.close()

    # --- searching --------------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResults:
        started = time.perf_counter()
        parsed = parse_request(request)
        plan = _plan(request, parsed)
        with self.nodes.reader() as conn, read_only(conn):
            secret = index_meta(conn).secret
            page, cursor, counted = _page(conn, plan, request, request.size, secret)
            total = counted if counted is not None else _total(conn, plan)
            facets = _facets(conn, plan, request.facets) if request.facets else {}
            hits = fetch_hits(
                conn, page, plan.highlights, snippets=True, scope=request.scope, tokenizer=self._tokenizer
            )
        token = encode_cursor(cursor, binding=plan.binding, secret=secret) if cursor else None
        took = round((time.perf_counter() - started) * 1000, 2)
        return SearchResults(total=total, hits=hits, facets=facets, took_ms=took, next_cursor=token)

    def iter_hits(self, request: SearchRequest, batch: int = 500, *, snippets: bool = False) -> Iterator[Hit]:
        """Every match in order, ``batch`` at a time by cursor (each batch may come from another node)."""
        if batch < 1:
            raise QueryError("batch must be at least 1")
        current = replace(request, size=1, offset=0, facets=())
        parsed = parse_request(current)
        plan = _plan(current, parsed)
        token = request.cursor
        while True:
            with self.nodes.reader() as conn, read_only(conn):
                secret = index_meta(conn).secret
                page, cursor, _ = _page(conn, plan, replace(current, cursor=token), batch, secret)
                hits = fetch_hits(
                    conn,
                    page,
                    plan.highlights,
                    snippets=snippets,
                    scope=request.scope,
                    tokenizer=self._tokenizer,
                )
            yield from hits
            if cursor is None:
                return
            token = encode_cursor(cursor, binding=plan.binding, secret=secret)

    def timeline(self, request: SearchRequest, interval: Interval) -> list[tuple[str, int]]:
        """Matches per local day / month / year, by period; undated documents are not counted."""
        if interval not in _PERIOD_LEN:
            raise QueryError(f"interval must be one of {', '.join(_PERIOD_LEN)}")
        parsed = parse_request(replace(request, size=1, offset=0, cursor=None))
        plan = _plan(request, parsed)
        m = _matching(plan, None)
        query = sql.SQL(
            "SELECT left(day, {}), count(*) FROM {} WHERE {} AND day <> '' GROUP BY 1 ORDER BY 1"
        ).format(sql.Literal(_PERIOD_LEN[interval]), m.source, m.where)
        with self.nodes.reader() as conn, read_only(conn):
            index_meta(conn)
            return [(str(p), int(n)) for p, n in conn.execute(query).fetchall()]

    # --- the index itself -------------------------------------------------------------------------

    def count(self) -> int:
        """Documents in the index (0 when nothing has been indexed yet)."""
        try:
            return self.stats().documents
        except IndexMissing:
            return 0

    def stats(self) -> IndexStats:
        with self.nodes.reader() as conn, read_only(conn):
            return stats_of(conn, index_meta(conn))

    def health(self) -> dict[str, SourceHealth]:
        with self.nodes.reader() as conn, read_only(conn):
            index_meta(conn)
            return source_health(conn)

    def readiness(self) -> list[NodeStatus]:
        """Each node as :meth:`Connections.readiness` finds it; none is ready while the database holds
        no index this code can search (the reason is given)."""
        nodes = self.nodes.readiness()
        if not any(n.ready for n in nodes):
            return nodes
        try:
            with self.nodes.reader() as conn, read_only(conn):
                index_meta(conn)
        except Exception as exc:  # readiness never raises: it says why
            return [replace(n, ready=False, detail=n.detail or str(exc)) for n in nodes]
        return nodes


def _total(conn: Connection[Any], plan: _Plan) -> int:
    """The size of the matching set; everything: the kept document count (no scan of the table)."""
    if plan.everything:
        row = conn.execute("SELECT value FROM deptnews_totals WHERE name = 'documents'").fetchone()
    else:
        m = _matching(plan, None)
        row = conn.execute(sql.SQL("SELECT count(*) FROM {} WHERE {}").format(m.source, m.where)).fetchone()
    return max(0, int(row[0])) if row else 0


def _facets(conn: Connection[Any], plan: _Plan, names: Any) -> dict[str, list[tuple[str, int]]]:
    """``(value, count)`` per facet over the matching set, most frequent first, then by value: one
    pass over the matches, a grouping set per facet (each column is NOT NULL, so the one a result row
    is grouped by is the one that is not NULL)."""
    wanted = list(dict.fromkeys(names))
    m = _matching(plan, None)
    columns = sql.SQL(", ").join(map(sql.Identifier, wanted))
    sets = sql.SQL(", ").join(sql.SQL("({})").format(sql.Identifier(name)) for name in wanted)
    query = sql.SQL("SELECT {}, count(*) FROM {} WHERE {} GROUP BY GROUPING SETS ({})").format(
        columns, m.source, m.where, sets
    )
    found: dict[str, list[tuple[str, int]]] = {name: [] for name in wanted}
    for row in conn.execute(query).fetchall():
        for name, value in zip(wanted, row[:-1], strict=True):
            if value is not None and value != "":
                found[name].append((str(value), int(row[-1])))
    return {name: sorted(pairs, key=lambda kv: (-kv[1], kv[0])) for name, pairs in found.items()}


def _cursor(token: str | None, plan: _Plan, secret: bytes) -> Cursor | None:
    if not token:
        return None
    cursor = decode_cursor(token, binding=plan.binding, secret=secret)
    if cursor.sort != plan.sort:
        raise QueryError("invalid cursor")
    return cursor


def _page(
    conn: Connection[Any], plan: _Plan, request: SearchRequest, limit: int, secret: bytes
) -> tuple[list[tuple[str, float | None]], Cursor | None, int | None]:
    """Up to ``limit`` ``(id, score)`` from the request's offset or cursor, the cursor of the last one
    when more follow, and the size of the matching set when the page query counted it too.

    A first relevance page scores every match anyway (to find the best), so it counts them in the same
    scan (``count(*) OVER ()``) rather than :func:`_total` reading every matching row a second time."""
    cursor = _cursor(request.cursor, plan, secret)
    window = sql.SQL("LIMIT {} OFFSET {}").format(sql.Literal(limit + 1), sql.Literal(request.offset))
    stats: Stats | None = None
    if plan.sort == "relevance":
        stats = cursor.stats if cursor is not None and cursor.stats is not None else None
        if stats is None:
            stats = collection_stats(conn, plan.terms)
        if len(stats.dfs) != len(plan.terms):
            raise QueryError("invalid cursor")
        run = query_run(request.q, request.scope)
        if run is not None:
            return _lifted_page(conn, plan, request, limit, run, cursor, stats)
        after = (float(cursor.key), cursor.id) if cursor is not None else None
        rows = _relevance_rows(conn, plan, stats, after, limit + 1, request.offset, counted=after is None)
        return _pack(rows, plan, limit, stats)
    descending = plan.sort == "newest"
    after_key: sql.Composable = sql.SQL("TRUE")
    if cursor is not None:
        after_key = sql.SQL("(ts, id) {} ({}, {})").format(
            sql.SQL("<" if descending else ">"), sql.Literal(int(cursor.key)), sql.Literal(cursor.id)
        )
    order = sql.SQL("ts DESC, id DESC" if descending else "ts, id")
    m = _matching(plan, None)
    # A first page finds every match anyway (to order them) unless nothing narrows the set (then
    # it walks the date key and the total is the kept count): it counts them in the same scan.
    count = sql.SQL(", count(*) OVER ()" if cursor is None and not plan.everything else "")
    query = sql.SQL("SELECT id, ts{} FROM {} WHERE {} AND {} ORDER BY {} {}").format(
        count, m.source, m.where, after_key, order, window
    )
    return _pack(conn.execute(query).fetchall(), plan, limit, stats)


def _pack(
    rows: list[Any], plan: _Plan, limit: int, stats: Stats | None
) -> tuple[list[tuple[str, float | None]], Cursor | None, int | None]:
    """:func:`_page`'s answer from up to ``limit + 1`` rows ``(id, key[, count])``."""
    more = len(rows) > limit
    rows = rows[:limit]
    relevance = plan.sort == "relevance"
    page = [(str(r[0]), float(r[1]) if relevance else None) for r in rows]
    # Every returned row carries the count; none is returned past the end (then _total counts).
    counted = int(rows[0][2]) if rows and len(rows[0]) > 2 else None
    if not more or not rows:
        return page, None, counted
    rid, key = str(rows[-1][0]), rows[-1][1]
    if relevance:
        return page, Cursor(plan.sort, float(key), rid, stats), counted
    return page, Cursor(plan.sort, int(key), rid), counted


TIES = 16
"""Matches a top page from the postings reads past the ones it returns, so that a tie with its last
score is seen whole (see :func:`_relevance_rows`)."""


def _relevance_rows(
    conn: Connection[Any],
    plan: _Plan,
    stats: Stats,
    after: tuple[float, str] | None,
    limit: int,
    offset: int,
    *,
    counted: bool = False,
) -> list[Any]:
    """The rows of :func:`_relevance_query`.

    From the postings alone (no cursor, no filter), the best ``offset + limit + TIES`` matches are
    chosen by score only (a bounded top-N sort, instead of ranking every match), then ordered by
    ``(score, id)``: exact unless the last one read ties with the last one wanted, when a tie may go on
    among the matches not read; then the ranking query decides."""
    m = _matching(plan, stats)
    if m.postings is None or after is not None:
        return conn.execute(_relevance_query(plan, stats, after, limit, offset, counted=counted)).fetchall()
    wanted = offset + limit
    rows = conn.execute(_best_query(*m.postings, wanted + TIES, counted=counted)).fetchall()
    if len(rows) < wanted + TIES or rows[wanted - 1][1] > rows[-1][1]:
        return rows[offset:wanted]
    return conn.execute(_top_query(*m.postings, limit, offset, counted=counted)).fetchall()


def _best_query(source: sql.Composable, held: sql.Composable, read: int, *, counted: bool) -> sql.Composed:
    """The ``read`` best matches from the postings by score alone (ties cut anywhere), joined to their
    rows and ordered by ``(score, id)``: ``(id, score[, n])``, ``n`` the number of matches."""
    window = sql.SQL(", count(*) OVER () AS n" if counted else "")
    return sql.SQL(
        "SELECT r.id, t.score{} FROM (SELECT s.docno, s.score{} FROM {} WHERE {} AND NOT EXISTS "
        "(SELECT 1 FROM deptnews_dead AS d WHERE d.docno = s.docno) ORDER BY s.score DESC LIMIT {}) AS t "
        "JOIN deptnews_records AS r ON r.docno = t.docno ORDER BY t.score DESC, r.id"
    ).format(sql.SQL(", t.n" if counted else ""), window, source, held, sql.Literal(read))


def _relevance_query(
    plan: _Plan,
    stats: Stats,
    after: tuple[float, str] | None,
    limit: int,
    offset: int,
    *,
    counted: bool = False,
) -> sql.Composed:
    """``(id, score)`` of the matches by BM25, best first, strictly after ``after = (score, id)``, the
    ``limit`` from ``offset``; ``counted``: ``(id, score, n)`` with ``n`` the number of those matches."""
    m = _matching(plan, stats)
    if m.postings is not None and after is None:
        return _top_query(*m.postings, limit, offset, counted=counted)
    cond: sql.Composable = sql.SQL("TRUE")
    if after is not None:
        key = sql.Literal(after[0])
        cond = sql.SQL("(score < {0} OR (score = {0} AND id > {1}))").format(key, sql.Literal(after[1]))
    return sql.SQL(
        "SELECT id, score{} FROM (SELECT id, {} AS score FROM {} WHERE {}) AS ranked "
        "WHERE {} ORDER BY score DESC, id LIMIT {} OFFSET {}"
    ).format(
        sql.SQL(", count(*) OVER ()" if counted else ""),
        m.score,
        m.source,
        m.where,
        cond,
        sql.Literal(limit),
        sql.Literal(offset),
    )


def _top_query(
    source: sql.Composable, held: sql.Composable, limit: int, offset: int, *, counted: bool
) -> sql.Composed:
    """:func:`_relevance_query` from the postings alone: the best are chosen by score before any row is
    read (with every match tied with the last of them, so the order by ``(score, id)`` is exact), and
    only they are joined to their rows; the dead entries (``deptnews_dead``: docnos no row holds any
    more) are left out by an anti-join with that short list instead of a join of every match."""
    return sql.SQL(
        "SELECT r.id, t.score{} FROM (SELECT docno, score, n FROM (SELECT s.docno, s.score, "
        "count(*) OVER () AS n, rank() OVER (ORDER BY s.score DESC) AS rk FROM {} WHERE {} AND NOT EXISTS "
        "(SELECT 1 FROM deptnews_dead AS d WHERE d.docno = s.docno)) AS x WHERE rk <= {}) AS t "
        "JOIN deptnews_records AS r ON r.docno = t.docno ORDER BY t.score DESC, r.id LIMIT {} OFFSET {}"
    ).format(
        sql.SQL(", t.n" if counted else ""),
        source,
        held,
        sql.Literal(offset + limit),
        sql.Literal(limit),
        sql.Literal(offset),
    )


def _exact_terms(node: Any) -> bool:
    """Whether the tree tests an exact field (a column of the rows)."""
    if isinstance(node, q.Term):
        return node.fieldname not in FULLTEXT
    if isinstance(node, q.And | q.Or):
        return any(_exact_terms(child) for child in node.subqueries)
    if isinstance(node, q.AndMaybe | q.AndNot):
        return _exact_terms(node.a) or _exact_terms(node.b)
    return False


def _lifted_page(
    conn: Connection[Any],
    plan: _Plan,
    request: SearchRequest,
    limit: int,
    run: Run,
    cursor: Cursor | None,
    stats: Stats,
) -> tuple[list[tuple[str, float | None]], Cursor | None, int | None]:
    """A relevance page of a query typed as a run of syllables, in the order of :mod:`index.proximity`
    (the step Whoosh takes too, so both backends rank the typed run first), with the size of the
    matching set, counted by its first look at the candidates (None when there were none)."""
    ids: list[str] = []
    counted: list[int] = []

    def top(n: int, after: tuple[float, str] | None) -> list[tuple[float, int]]:
        first = after is None and not counted
        rows = _relevance_rows(conn, plan, stats, after, n, 0, counted=first)
        found: list[tuple[float, int]] = []
        for row in rows:
            ids.append(str(row[0]))
            found.append((float(row[1]), len(ids) - 1))
        if first and rows:
            counted.append(int(rows[0][2]))
        return found

    def has_run(docnums: list[int]) -> list[bool]:
        wanted = [ids[d] for d in docnums]
        texts: dict[str, list[str]] = {}
        query = "SELECT id, title, record->>'lead', record->'body' FROM deptnews_records WHERE id = ANY(%s)"
        for rid, title, lead, body in conn.execute(query, (wanted,)).fetchall():
            page = "\n".join(p for p in (lead, *(body or ())) if p)
            texts[str(rid)] = [str(title or ""), page]
        return [holds_run(run, texts.get(rid, [])) for rid in wanted]

    after = (float(cursor.key), cursor.id) if cursor is not None else None
    want = request.offset + limit + 1
    ranked = rerank(top, want, after, ids, has_run) or []
    more = len(ranked) > request.offset + limit
    rows = ranked[request.offset : request.offset + limit]
    page: list[tuple[str, float | None]] = [(ids[d], score) for score, d in rows]
    total = counted[0] if counted else None  # every match, whatever the page
    if not more or not rows:
        return page, None, total
    score, last = rows[-1]
    return page, Cursor(plan.sort, score, ids[last], stats), total
