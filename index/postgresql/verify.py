"""Checking that the collection statistics and the postings agree with the rows (what a killed writer
must never break).

The statistics are kept in step with the rows batch by batch (:mod:`index.postgresql.rows`); this
recounts them from the rows, on the primary, and names every difference. :func:`recount` rewrites them
from the rows (one transaction), for an operator who finds a difference; postings that disagree are
written anew by a rebuild (every row gets a new docno).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg import Connection, sql
from psycopg.pq import TransactionStatus

from index.postgresql.ddl import FULLTEXT, term_array

__all__ = ["Disagreements", "disagreements", "recount", "statistics_problems"]


def _recounted_terms() -> sql.Composed:
    return sql.SQL(" UNION ALL ").join(
        sql.SQL(
            "SELECT {name} AS field, term, count(*) AS df FROM deptnews_records, unnest({terms}) AS term "
            "WHERE searchable GROUP BY term"
        ).format(name=sql.Literal(col), terms=term_array(col))
        for col in FULLTEXT.values()
    )


def _totals(conn: Connection[Any]) -> dict[str, float]:
    """The document count and the summed length of each full-text field, from the rows."""
    sums = [
        sql.SQL("coalesce(sum({}), 0)::float8").format(sql.Identifier(f"l_{c}")) for c in FULLTEXT.values()
    ]
    query = sql.SQL("SELECT count(*)::float8, {} FROM deptnews_records WHERE searchable").format(
        sql.SQL(", ").join(sums)
    )
    row = conn.execute(query).fetchone()
    assert row is not None
    names = ["documents", *(f"length:{c}" for c in FULLTEXT.values())]
    return dict(zip(names, (float(v) for v in row), strict=True))


@dataclass(frozen=True)
class Disagreements:
    """What :func:`disagreements` found, in plain words, by what repairs it."""

    statistics: list[str]
    """Document count, field lengths, document frequencies or the dead docnos' list unlike the rows':
    :func:`recount`."""
    postings: list[str]
    """Postings that do not list exactly the rows holding their term: a rebuild."""


def statistics_problems(conn: Connection[Any]) -> list[str]:
    """Every difference between the kept statistics and the rows, in plain words (empty: they agree)."""
    found = disagreements(conn)
    return [*found.statistics, *found.postings]


def disagreements(conn: Connection[Any]) -> Disagreements:
    """The differences between the kept statistics and postings and the rows (at most 20 terms each),
    in one snapshot (a transaction of its own when ``conn`` is idle)."""
    idle = conn.info.transaction_status == TransactionStatus.IDLE
    with conn.transaction():
        if idle:  # a transaction of its own: one snapshot for the rows and the statistics
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        problems: list[str] = []
        kept = dict(conn.execute("SELECT name, value FROM deptnews_totals").fetchall())
        for name, value in _totals(conn).items():
            if float(kept.get(name, 0.0)) != value:
                problems.append(f"{name}: kept {kept.get(name, 0.0):g}, the rows give {value:g}")
        query = sql.SQL(
            "SELECT coalesce(k.field, r.field), coalesce(k.term, r.term), "
            "coalesce(k.df, 0), coalesce(r.df, 0) "
            "FROM (SELECT * FROM deptnews_terms WHERE df <> 0) AS k FULL JOIN ({}) AS r "
            "ON k.field = r.field AND k.term = r.term WHERE coalesce(k.df, 0) <> coalesce(r.df, 0) LIMIT 20"
        ).format(_recounted_terms())
        for field, term, kept_df, real_df in conn.execute(query).fetchall():
            problems.append(f"term {term!r} of {field}: kept in {kept_df} documents, found in {real_df}")
        return Disagreements(problems + _dead_problems(conn), _postings_problems(conn))


def _postings_problems(conn: Connection[Any]) -> list[str]:
    """Terms whose postings do not list exactly the searchable rows holding them (each once)."""
    query = sql.SQL(
        "SELECT coalesce(p.col, r.col), coalesce(p.term, r.term), coalesce(p.n, 0), coalesce(r.n, 0) "
        "FROM (SELECT col, term, count(*) AS n, count(DISTINCT u.d) AS distinct_n "
        "      FROM deptnews_postings AS pp CROSS JOIN LATERAL unnest(pp.docs) AS u(d) "
        "      JOIN deptnews_records AS live ON live.docno = u.d AND live.searchable "
        "      GROUP BY col, term) AS p "
        "FULL JOIN ({}) AS r ON p.col = r.col AND p.term = r.term "
        "WHERE coalesce(p.n, 0) <> coalesce(r.n, 0) OR p.n <> p.distinct_n LIMIT 20"
    ).format(
        sql.SQL(" UNION ALL ").join(
            sql.SQL(
                "SELECT {name} AS col, term, count(*) AS n FROM deptnews_records, unnest({terms}) AS term "
                "WHERE searchable GROUP BY term"
            ).format(name=sql.Literal(col), terms=term_array(col))
            for col in FULLTEXT.values()
        )
    )
    return [
        f"postings of {term!r} in {col}: list {listed} documents, {held} hold it"
        for col, term, listed, held in conn.execute(query).fetchall()
    ]


_DOCNOS = (
    "SELECT u.d, EXISTS (SELECT 1 FROM deptnews_records AS r WHERE r.docno = u.d) AS live, "
    "EXISTS (SELECT 1 FROM deptnews_dead AS x WHERE x.docno = u.d) AS dead "
    "FROM (SELECT DISTINCT d FROM deptnews_postings, unnest(docs) AS d "
    "UNION SELECT docno FROM deptnews_dead) AS u(d)"
)
"""Each docno of the postings and of the dead list: held by a row, listed as dead."""


def _dead_problems(conn: Connection[Any]) -> list[str]:
    """Docnos the dead list should name and does not (a row deleted behind the indexer's back: a search
    that reads no row would count it), or names and should not."""
    row = conn.execute(
        "SELECT count(*) FILTER (WHERE NOT live AND NOT dead), count(*) FILTER (WHERE live AND dead) "
        f"FROM ({_DOCNOS}) AS docnos"
    ).fetchone()
    unlisted, listed_live = (int(row[0]), int(row[1])) if row else (0, 0)
    problems = []
    if unlisted:
        problems.append(f"dead docnos: {unlisted} that no row holds are not listed (they would be counted)")
    if listed_live:
        problems.append(f"dead docnos: {listed_live} listed are held by a row")
    return problems


def recount(conn: Connection[Any]) -> None:
    """Rewrite the statistics and the dead docnos' list from the rows (under the rows' lock, in one
    transaction)."""
    with conn.transaction():
        conn.execute("LOCK TABLE deptnews_records IN SHARE MODE")
        conn.execute(
            f"INSERT INTO deptnews_dead (docno) SELECT d FROM ({_DOCNOS}) AS u WHERE NOT live AND NOT dead"
        )
        conn.execute("DELETE FROM deptnews_dead WHERE docno IN (SELECT docno FROM deptnews_records)")
        conn.execute("DELETE FROM deptnews_terms")
        conn.execute(sql.SQL("INSERT INTO deptnews_terms (field, term, df) {}").format(_recounted_terms()))
        for name, value in _totals(conn).items():
            conn.execute(
                "INSERT INTO deptnews_totals (name, value) VALUES (%s, %s) "
                "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                (name, value),
            )
