"""A page of a PostgreSQL search: the top of the matching set by score or by ``(ts, id)``, from an offset
or after a cursor's key (keyset paging), and the size of the matching set when the page query counted
it too.
"""

from __future__ import annotations

from typing import Any

from psycopg import Connection, sql

from index.cursor import Cursor, Stats, decode_cursor
from index.errors import QueryError
from index.postgresql.plans import Matching, Plan, matching
from index.postgresql.scoring import collection_stats
from index.proximity import Run, holds_run, query_run, rerank
from index.request import SearchRequest

__all__ = ["TIES", "read_page"]


def _cursor(token: str | None, plan: Plan, secret: bytes) -> Cursor | None:
    if not token:
        return None
    cursor = decode_cursor(token, binding=plan.binding, secret=secret)
    if cursor.sort != plan.sort:
        raise QueryError("invalid cursor")
    return cursor


def read_page(
    conn: Connection[Any], plan: Plan, request: SearchRequest, limit: int, secret: bytes
) -> tuple[list[tuple[str, float | None]], Cursor | None, int | None]:
    """Up to ``limit`` ``(id, score)`` from the request's offset or cursor, the cursor of the last one
    when more follow, and the size of the matching set when the page query counted it too.

    A first relevance page scores every match anyway (to find the best), so it counts them in the same
    scan (``count(*) OVER ()``) rather than the search reading every matching row a second time."""
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
    m = matching(plan, None)
    # A first page finds every match anyway (to order them) unless nothing narrows the set (then
    # it walks the date key and the total is the kept count): it counts them in the same scan.
    count = sql.SQL(", count(*) OVER ()" if cursor is None and not plan.everything else "")
    query = sql.SQL("SELECT id, ts{} FROM {} WHERE {} AND {} ORDER BY {} {}").format(
        count, m.source, m.where, after_key, order, window
    )
    return _pack(conn.execute(query).fetchall(), plan, limit, stats)


def _pack(
    rows: list[Any], plan: Plan, limit: int, stats: Stats | None
) -> tuple[list[tuple[str, float | None]], Cursor | None, int | None]:
    """:func:`read_page`'s answer from up to ``limit + 1`` rows ``(id, key[, count])``."""
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
    plan: Plan,
    stats: Stats,
    after: tuple[float, str] | None,
    limit: int,
    offset: int,
    *,
    counted: bool = False,
) -> list[Any]:
    """``(id, score)`` of the matches by BM25, best first, strictly after ``after = (score, id)``, the
    ``limit`` from ``offset``; ``counted``: ``(id, score, n)`` with ``n`` the number of those matches.

    From the postings alone (no cursor, no filter), the best ``offset + limit + TIES`` matches are
    chosen by score only (a bounded top-N sort, instead of ranking every match), then ordered by
    ``(score, id)``: exact unless the last one read ties with the last one wanted, when a tie may go on
    among the matches not read; then :func:`_top_query` decides."""
    m = matching(plan, stats)
    if m.postings is None or after is not None:
        return conn.execute(_ranked_query(m, after, limit, offset, counted=counted)).fetchall()
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


def _ranked_query(
    m: Matching, after: tuple[float, str] | None, limit: int, offset: int, *, counted: bool
) -> sql.Composed:
    """:func:`_relevance_rows`'s query over the rows: every match scored and ordered."""
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
    """:func:`_relevance_rows` from the postings alone, ranking every match: the best are chosen by
    score before any row is read (with every match tied with the last of them, so the order by
    ``(score, id)`` is exact), and only they are joined to their rows; the dead entries
    (``deptnews_dead``: docnos no row holds any more) are left out by an anti-join with that short list
    instead of a join of every match."""
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


def _lifted_page(
    conn: Connection[Any],
    plan: Plan,
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
