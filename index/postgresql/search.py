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
from dataclasses import replace
from typing import Any

from psycopg import Connection, sql

from index.backend import NodeStatus
from index.cursor import encode_cursor
from index.errors import IndexMissing, QueryError
from index.health import SourceHealth
from index.postgresql.connections import Connections
from index.postgresql.hits import fetch_hits
from index.postgresql.pages import read_page
from index.postgresql.plans import Plan, matching, plan_of
from index.postgresql.status import index_meta, read_only, source_health, stats_of
from index.request import Hit, IndexStats, Interval, SearchRequest, SearchResults, parse_request
from index.snippets import PageTokenizer

__all__ = ["PostgresSearch"]

_PERIOD_LEN = {"day": 10, "month": 7, "year": 4}


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
        plan = plan_of(request, parsed)
        with self.nodes.reader() as conn, read_only(conn):
            secret = index_meta(conn).secret
            page, cursor, counted = read_page(conn, plan, request, request.size, secret)
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
        plan = plan_of(current, parsed)
        token = request.cursor
        while True:
            with self.nodes.reader() as conn, read_only(conn):
                secret = index_meta(conn).secret
                page, cursor, _ = read_page(conn, plan, replace(current, cursor=token), batch, secret)
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
        plan = plan_of(request, parsed)
        m = matching(plan, None)
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


def _total(conn: Connection[Any], plan: Plan) -> int:
    """The size of the matching set; everything: the kept document count (no scan of the table)."""
    if plan.everything:
        row = conn.execute("SELECT value FROM deptnews_totals WHERE name = 'documents'").fetchone()
    else:
        m = matching(plan, None)
        row = conn.execute(sql.SQL("SELECT count(*) FROM {} WHERE {}").format(m.source, m.where)).fetchone()
    return max(0, int(row[0])) if row else 0


def _facets(conn: Connection[Any], plan: Plan, names: Any) -> dict[str, list[tuple[str, int]]]:
    """``(value, count)`` per facet over the matching set, most frequent first, then by value: one
    pass over the matches, a grouping set per facet (each column is NOT NULL, so the one a result row
    is grouped by is the one that is not NULL)."""
    wanted = list(dict.fromkeys(names))
    m = matching(plan, None)
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
