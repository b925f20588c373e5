"""Relevance in SQL: Whoosh's BM25F, from the collection statistics the index keeps.

A document's score is the sum, over the query's positive terms (:func:`~index.postgresql.translate.
positive_terms`), of ``boost * idf * (K1 + 1) * w / (w + K1 * ((1 - B) + B * length / average))`` with
``idf = 1 + log(N / (df + 1))``, ``w`` the term's weight in the field (title occurrences weigh more,
see :mod:`index.schema`), as Whoosh scores it (:mod:`index.whoosh.ranking`); only Whoosh's one-byte
quantization of field lengths is left out. ``N``, each term's ``df`` and each field's average length are
read from ``deptnews_terms`` / ``deptnews_totals`` (:func:`collection_stats`), or taken from a relevance
cursor, so every page of a search scores alike on whichever node serves it.
"""

from __future__ import annotations

from collections import defaultdict
from math import log
from typing import Any

from psycopg import Connection, sql

from index.cursor import Stats
from index.postgresql.ddl import FULLTEXT

__all__ = ["K1", "B", "collection_stats", "score_expression"]

K1 = 1.2
B = 0.75
"""BM25F's parameters, Whoosh's defaults."""


def collection_stats(conn: Connection[Any], terms: list[tuple[str, str, float]]) -> Stats:
    """The current :class:`Stats` of ``terms`` (in their order; 0 for a field that is not full text)."""
    wanted = sorted({(FULLTEXT[f], t) for f, t, _ in terms if f in FULLTEXT})
    dfs: dict[tuple[str, str], int] = {}
    if wanted:
        rows = conn.execute(
            "SELECT field, term, df FROM deptnews_terms WHERE (field, term) IN "
            "(SELECT * FROM unnest(%s::text[], %s::text[]))",
            ([c for c, _ in wanted], [t for _, t in wanted]),
        ).fetchall()
        dfs = {(str(c), str(t)): max(0, int(df)) for c, t, df in rows}
    totals = dict(conn.execute("SELECT name, value FROM deptnews_totals").fetchall())
    documents = max(0, int(totals.get("documents", 0)))
    fields = sorted({f for f, _, _ in terms if f in FULLTEXT})
    averages = tuple(
        (f, float(totals.get(f"length:{FULLTEXT[f]}", 0)) / documents or 1.0) if documents else (f, 1.0)
        for f in fields
    )
    return Stats(
        doc_count=documents,
        dfs=tuple(dfs.get((FULLTEXT[f], t), 0) if f in FULLTEXT else 0 for f, t, _ in terms),
        averages=averages,
    )


def score_expression(terms: list[tuple[str, str, float]], stats: Stats) -> sql.Composable:
    """The BM25F score of a row for ``terms`` under ``stats`` (``len(stats.dfs) == len(terms)``)."""
    averages = dict(stats.averages)
    per_field: dict[str, tuple[list[str], list[float]]] = defaultdict(lambda: ([], []))
    for (fieldname, text, boost), df in zip(terms, stats.dfs, strict=True):
        if fieldname not in FULLTEXT or stats.doc_count <= 0:
            continue
        idf = log(stats.doc_count / (df + 1)) + 1
        texts, factors = per_field[fieldname]
        texts.append(text)
        factors.append(boost * idf * (K1 + 1))
    parts: list[sql.Composable] = []
    for fieldname, (texts, factors) in sorted(per_field.items()):
        col = FULLTEXT[fieldname]
        average = averages.get(fieldname, 1.0) or 1.0
        parts.append(
            sql.SQL(
                "deptnews_bm25({w}, {terms}::text[], {factors}::float8[], "
                "{k1}::float8 * ({a}::float8 + {b}::float8 * {l} / {avg}::float8))"
            ).format(
                w=sql.Identifier(f"w_{col}"),
                terms=sql.Literal(texts),
                factors=sql.Literal(factors),
                k1=sql.Literal(K1),
                a=sql.Literal(1 - B),
                b=sql.Literal(B),
                l=sql.Identifier(f"l_{col}"),
                avg=sql.Literal(float(average)),
            )
        )
    if not parts:
        return sql.SQL("0::float8")
    return sql.SQL("({})").format(sql.SQL(" + ").join(parts))
