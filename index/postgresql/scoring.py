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

from math import log
from typing import Any

from psycopg import Connection, sql

from index.cursor import Stats
from index.postgresql.ddl import FULLTEXT

__all__ = ["K1", "WORD_BITS", "B", "collection_stats", "held", "matched_terms"]

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


WORD_BITS = 63
"""Terms per ``bigint`` of the ``m<k>`` columns of :func:`matched_terms` (the sign bit is left alone)."""


def matched_terms(
    terms: list[tuple[str, str, float]], others: list[tuple[str, str]], stats: Stats
) -> tuple[sql.Composable, dict[tuple[str, str], int]]:
    """The matches of the full-text ``terms`` (scored) and ``others`` (tested only: the terms of a
    ``NOT``), as a FROM item ``s(docno, score, m0, m1, …)``: each document holding any of them, its BM25F
    score for ``terms`` under ``stats``, and which of the terms it holds, read from their postings
    (:mod:`index.postgresql.postings`). Term number ``n`` (in the returned map ``(field, text) → n``) is
    bit ``n % WORD_BITS`` of ``m<n // WORD_BITS>``: bit masks aggregate without the memory of an array
    per document.

    A term listed twice counts twice, as Whoosh scores it; a document whose docno no row holds any more
    (its record was rewritten or deleted since) is left to the join with the rows."""
    averages = dict(stats.averages)
    numbers: dict[tuple[str, str], int] = {}
    entries: list[sql.Composable] = []

    def entry(fieldname: str, text: str, factor: float) -> None:
        number = numbers.setdefault((fieldname, text), len(numbers))
        average = averages.get(fieldname, 1.0) or 1.0
        entries.append(
            sql.SQL("({}, {}::bigint, {}, {}, {}::float8, {}::float8, {}::float8)").format(
                sql.Literal(number // WORD_BITS),
                sql.Literal(1 << (number % WORD_BITS)),
                sql.Literal(FULLTEXT[fieldname]),
                sql.Literal(text),
                sql.Literal(factor),
                sql.Literal(K1 * (1 - B)),
                sql.Literal(K1 * B / float(average)),
            )
        )

    for (fieldname, text, boost), df in zip(terms, stats.dfs, strict=True):
        if fieldname in FULLTEXT:
            idf = log(stats.doc_count / (df + 1)) + 1 if stats.doc_count > 0 else 0.0
            entry(fieldname, text, boost * idf * (K1 + 1) if stats.doc_count > 0 else 0.0)
    for fieldname, text in others:
        if fieldname in FULLTEXT and (fieldname, text) not in numbers:
            entry(fieldname, text, 0.0)
    if not entries:
        return sql.SQL("(SELECT NULL::bigint AS docno, NULL::float8 AS score WHERE FALSE) AS s"), numbers
    words = sql.SQL("").join(
        sql.SQL(", coalesce(bit_or(q.bit) FILTER (WHERE q.word = {}), 0) AS {}").format(
            sql.Literal(k), sql.Identifier(f"m{k}")
        )
        for k in range((len(numbers) - 1) // WORD_BITS + 1)
    )
    source = sql.SQL(
        "(SELECT u.d AS docno, sum(q.factor * u.w / (u.w + q.k1a + q.k1b * u.l)) AS score{} "
        "FROM (VALUES {}) AS q(word, bit, col, term, factor, k1a, k1b) "
        "JOIN deptnews_postings AS p ON p.col = q.col AND p.term = q.term "
        "CROSS JOIN LATERAL unnest(p.docs, p.weights, p.lengths) AS u(d, w, l) "
        "GROUP BY u.d) AS s"
    ).format(words, sql.SQL(", ").join(entries))
    return source, numbers


def held(numbers: list[int], *, every: bool) -> sql.Composable:
    """The test that a document of :func:`matched_terms` holds every (or any) of the terms ``numbers``."""
    masks: dict[int, int] = {}
    for n in numbers:
        masks[n // WORD_BITS] = masks.get(n // WORD_BITS, 0) | 1 << (n % WORD_BITS)
    tests = [
        sql.SQL("(s.{} & {}::bigint) {}").format(
            sql.Identifier(f"m{k}"), sql.Literal(mask), sql.SQL(f"= {mask}" if every else "<> 0")
        )
        for k, mask in sorted(masks.items())
    ]
    return sql.SQL("({})").format(sql.SQL(" AND " if every else " OR ").join(tests))
