"""What a PostgreSQL search reads: the request as a plan, and its matching set as SQL.

A :class:`Plan` holds the parsed query, the filters and date range as conditions on the rows, the
positive terms to score and the sort; :func:`matching` makes the matching set of a plan, scored under
given collection statistics: the rows joined to the postings of the query's terms
(:func:`~index.postgresql.scoring.matched_terms`), or, for a query that can match a document holding none
of its terms (``source:x OR hội``), the rows with the scores from a left join.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg import sql
from whoosh import query as q

from index.cursor import Stats
from index.dates import local_span
from index.postgresql.ddl import FULLTEXT
from index.postgresql.scoring import matched_terms
from index.postgresql.translate import condition, exact_condition, needs_text, positive_terms, text_terms
from index.query import Highlights, ParsedQuery
from index.request import SearchRequest, Sort

__all__ = ["Matching", "Plan", "exact_terms", "matching", "plan_of"]


@dataclass(frozen=True)
class Plan:
    """A search request made ready for SQL (see the module's doc)."""

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
class Matching:
    """The matching set under one statistics: ``SELECT … FROM {source} WHERE {where}``, ``score`` the
    expression of a row's score. ``postings``: the test on the postings' matches alone when it decides
    the set by itself (no filter, no exact field), see :func:`_top_query`."""

    source: sql.Composable
    where: sql.Composable
    score: sql.Composable
    postings: tuple[sql.Composable, sql.Composable] | None = None


def matching(plan: Plan, stats: Stats | None) -> Matching:
    """The matching set of ``plan``, scored under ``stats`` (unscored without)."""
    if not plan.terms and not text_terms(plan.main):
        where = sql.SQL(" AND ").join([condition(plan.main), *plan.filters])
        return Matching(sql.SQL("deptnews_records"), where, sql.SQL("0::float8"))
    if stats is None:
        stats = Stats(doc_count=0, dfs=tuple(0 for _ in plan.terms), averages=())
    source, numbers = matched_terms(plan.terms, text_terms(plan.main), stats)
    if needs_text(plan.main):
        held = condition(plan.main, numbers)
        where = sql.SQL(" AND ").join([held, *plan.filters])
        joined = sql.SQL("{} JOIN deptnews_records AS r ON r.docno = s.docno").format(source)
        alone = len(plan.filters) == 1 and not exact_terms(plan.main)
        return Matching(joined, where, sql.SQL("s.score"), (source, held) if alone else None)
    where = sql.SQL(" AND ").join([condition(plan.main), *plan.filters])
    joined = sql.SQL("deptnews_records AS r LEFT JOIN {} ON s.docno = r.docno").format(source)
    return Matching(joined, where, sql.SQL("coalesce(s.score, 0)"))


def plan_of(request: SearchRequest, parsed: ParsedQuery | None) -> Plan:
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
    return Plan(
        main=main,
        filters=parts,
        terms=positive_terms(main),
        highlights=parsed.highlights if parsed is not None else Highlights(),
        sort=sort,
        binding=binding,
        everything=len(parts) == 1 and isinstance(main, q.Every),
    )


def exact_terms(node: Any) -> bool:
    """Whether the tree tests an exact field (a column of the rows)."""
    if isinstance(node, q.Term):
        return node.fieldname not in FULLTEXT
    if isinstance(node, q.And | q.Or):
        return any(exact_terms(child) for child in node.subqueries)
    if isinstance(node, q.AndMaybe | q.AndNot):
        return exact_terms(node.a) or exact_terms(node.b)
    return False
