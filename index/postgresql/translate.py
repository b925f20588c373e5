"""The query language's parsed tree (:func:`index.query.parse_query`) as SQL over ``deptnews_records``.

A term of a full-text field is a test of that field's terms, served by its GIN index: the terms of an
``And`` on one field become one test that all are there, those of an ``Or`` one test that any is (a
tsquery ``'hoi' & 'nghi'`` / ``'hoi' | 'nghi'`` on a tsvector; containment ``@>`` / overlap ``&&`` on
a ``text[]``; see :mod:`index.postgresql.ddl`). ``AndNot`` is ``AND NOT``; ``AndMaybe`` requires its
first part only (the second adds to the score). A term of an exact field (``source:``, ``year:``, the
filters) is an equality on its column. Phrases need no more than this: :mod:`index.query` already turns
a quoted phrase into the required folded bigrams of its adjacent syllables, as Whoosh runs it.

Where the query is run from postings (:func:`index.postgresql.scoring.matched_terms`), a full-text term
is instead a test of which of its terms a document holds (:func:`~index.postgresql.scoring.held`): no
row's terms are read.
Values are embedded as SQL literals (:class:`psycopg.sql.Literal`), never spliced as text.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from psycopg import sql
from whoosh import query as q

from index.errors import QueryError
from index.postgresql.ddl import FULLTEXT, TSVECTOR
from index.postgresql.scoring import held
from index.schema import doc_number_key

__all__ = [
    "EXACT_FIELDS",
    "Numbers",
    "condition",
    "exact_condition",
    "needs_text",
    "positive_terms",
    "text_array",
    "text_terms",
    "tsquery",
]

Numbers = dict[tuple[str, str], int]
"""``(field, text)`` of a full-text term → its number (:func:`~index.postgresql.scoring.matched_terms`)."""

EXACT_FIELDS = frozenset(
    ("source", "department", "jurisdiction", "category", "author", "year", "month", "day")
)
"""Fields held as one exact value per document (a column of the same name)."""

_NO_MATCH = sql.SQL("FALSE")


def text_array(values: list[str]) -> sql.Composable:
    return sql.SQL("{}::text[]").format(sql.Literal(values))


def tsquery(terms: list[str], *, every: bool) -> str:
    """The tsquery text testing for every (or any) of ``terms`` as they are: each lexeme quoted (quote
    doubled, backslash escaped), so no character of a term is read as an operator."""
    quoted = ["'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in terms]
    return (" & " if every else " | ").join(quoted)


def _has_terms(col: str, terms: list[str], *, every: bool) -> sql.Composable:
    column = sql.Identifier(f"t_{col}")
    if col in TSVECTOR:
        return sql.SQL("{} @@ {}::tsquery").format(column, sql.Literal(tsquery(terms, every=every)))
    return sql.SQL("{} {} {}").format(column, sql.SQL("@>" if every else "&&"), text_array(terms))


def exact_condition(fieldname: str, value: str) -> sql.Composable:
    """``column = value`` for an exact field (``doc_number``: one of the document's numbers, compared as
    :func:`~index.schema.doc_number_key` makes them); FALSE for a field documents do not have."""
    if fieldname == "doc_number":
        return sql.SQL("doc_number @> {}").format(text_array([doc_number_key(value)]))
    if fieldname not in EXACT_FIELDS:
        return _NO_MATCH
    return sql.SQL("{} = {}").format(sql.Identifier(fieldname), sql.Literal(value))


def _terms(nodes: list[Any], operator: str, joiner: str, numbers: Numbers | None) -> sql.Composable:
    """Terms under one And (``@>``) or Or (``&&``), one array test per full-text field (or one test of
    the postings' matches)."""
    by_field: dict[str, list[str]] = defaultdict(list)
    parts: list[sql.Composable] = []
    for node in nodes:
        if isinstance(node, q.Term) and node.fieldname in FULLTEXT:
            by_field[node.fieldname].append(node.text)
        else:
            parts.append(condition(node, numbers))
    if numbers is not None and by_field:
        wanted = sorted({numbers[(f, t)] for f, texts in by_field.items() for t in texts})
        parts.insert(0, held(wanted, every=operator == "@>"))
        by_field = defaultdict(list)
    for fieldname, texts in sorted(by_field.items()):
        parts.insert(0, _has_terms(FULLTEXT[fieldname], sorted(set(texts)), every=operator == "@>"))
    if len(parts) == 1:
        return parts[0]
    return sql.SQL("({})").format(sql.SQL(f" {joiner} ").join(parts))


def condition(node: Any, numbers: Numbers | None = None) -> sql.Composable:
    """The SQL condition of a parsed query tree, its full-text terms tested on the rows or, given
    ``numbers`` (holding every term of :func:`text_terms`), on the postings' matches;
    :class:`QueryError` for a node it has no rule for."""
    if isinstance(node, q.Term):
        if node.fieldname in FULLTEXT:
            return _terms([node], "@>", "AND", numbers)
        return exact_condition(node.fieldname, str(node.text))
    if isinstance(node, q.And):
        return _terms(list(node.subqueries), "@>", "AND", numbers) if node.subqueries else sql.SQL("TRUE")
    if isinstance(node, q.Or):
        return _terms(list(node.subqueries), "&&", "OR", numbers) if node.subqueries else _NO_MATCH
    if isinstance(node, q.AndMaybe):
        return condition(node.a, numbers)
    if isinstance(node, q.AndNot):
        return sql.SQL("({} AND NOT {})").format(condition(node.a, numbers), condition(node.b, numbers))
    if isinstance(node, q.Every):
        return sql.SQL("TRUE")
    if node is q.NullQuery:
        return _NO_MATCH
    raise QueryError(f"the query has a part PostgreSQL cannot run: {type(node).__name__}")


def positive_terms(node: Any, boost: float = 1.0) -> list[tuple[str, str, float]]:
    """``(field, text, boost)`` of every term that adds to the score, in the order Whoosh's ranking
    lists them (a relevance cursor's statistics follow this order on both backends)."""
    boost *= float(getattr(node, "boost", 1.0))
    if isinstance(node, q.Term):
        return [(node.fieldname, str(node.text), boost)]
    if isinstance(node, q.And | q.Or):
        return [t for child in node.subqueries for t in positive_terms(child, boost)]
    if isinstance(node, q.AndMaybe):
        return positive_terms(node.a, boost) + positive_terms(node.b, boost)
    if isinstance(node, q.AndNot):
        return positive_terms(node.a, boost)
    return []


def text_terms(node: Any) -> list[tuple[str, str]]:
    """``(field, text)`` of every full-text term of the tree, in order (duplicates kept)."""
    if isinstance(node, q.Term):
        return [(node.fieldname, str(node.text))] if node.fieldname in FULLTEXT else []
    if isinstance(node, q.And | q.Or):
        return [t for child in node.subqueries for t in text_terms(child)]
    if isinstance(node, q.AndMaybe | q.AndNot):
        return text_terms(node.a) + text_terms(node.b)
    return []


def needs_text(node: Any) -> bool:
    """Whether every document the tree matches holds one of its full-text terms at least (then the
    postings of its terms find every match)."""
    if isinstance(node, q.Term):
        return node.fieldname in FULLTEXT
    if isinstance(node, q.And):
        return any(needs_text(child) for child in node.subqueries)
    if isinstance(node, q.Or):
        return all(needs_text(child) for child in node.subqueries)
    if isinstance(node, q.AndMaybe | q.AndNot):
        return needs_text(node.a)
    return node is q.NullQuery
