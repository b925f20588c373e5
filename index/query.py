"""The query language, read leniently into a Whoosh query.

Syntax: ``term``, ``"quoted phrase"``, ``-exclusion`` (also ``-"phrase"``), ``a OR b`` (OR binds tighter
than the implicit AND), ``field:value`` / ``field:"value"`` for ``title``, ``author``, ``source``,
``department`` and ``year``. Per syllable: typed without marks it matches the folded form (and ranks
documents with the same unmarked spelling higher); typed with marks it matches exactly, tone placement
normalized. Adjacent syllables of an unquoted query boost documents where they are adjacent; a quoted
phrase requires its syllable bigrams.

Nothing here raises on odd input except :class:`~index.errors.QueryError` for a query that is too long
or has nothing to search for: unbalanced quotes close at the end, lone operators are ignored, unknown
fields are read as words.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from whoosh import query as q

from index.analysis import BIGRAM_JOINER
from index.errors import QueryError
from index.vietnamese import exact_form, folded_form, has_marks, nfc, tokenize

MAX_QUERY_CHARS = 1000
MAX_CLAUSES = 64
FIELDS = ("title", "author", "source", "department", "year")
_BIGRAM_BOOST = 2.0
_EXACT_BOOST = 1.5
_LEXER = re.compile(
    r'\s*(?P<neg>-(?=\S))?(?:(?P<field>[A-Za-z_]+):(?=\S))?(?:"(?P<quoted>[^"]*)"?|(?P<bare>[^\s"]+))'
)


@dataclass(frozen=True)
class Clause:
    text: str
    negated: bool = False
    field: str | None = None
    phrase: bool = False


@dataclass
class Highlights:
    """What to mark in snippets: exact (tone-normalized) syllables, folded syllables, bigram pairs."""

    exact: set[str] = field(default_factory=set)
    folded: set[str] = field(default_factory=set)
    bigrams_exact: set[tuple[str, str]] = field(default_factory=set)
    bigrams_folded: set[tuple[str, str]] = field(default_factory=set)


@dataclass
class ParsedQuery:
    query: q.Query
    highlights: Highlights


def lex(text: str) -> list[Clause | str]:
    """Split the query into clauses and the operator ``"OR"``."""
    items: list[Clause | str] = []
    for match in _LEXER.finditer(text):
        quoted, bare = match["quoted"], match["bare"]
        field_name = (match["field"] or "").lower() or None
        if bare is not None and field_name is None and not match["neg"] and bare in ("OR", "|", "AND", "&&"):
            if bare in ("OR", "|"):
                items.append("OR")
            continue
        value = quoted if quoted is not None else bare or ""
        if field_name is not None and field_name not in FIELDS:
            value, field_name = f"{match['field']} {value}", None  # unknown field: plain words
        if value.strip():
            items.append(Clause(value, bool(match["neg"]), field_name, quoted is not None))
    return items


def _syllables(text: str) -> list[str]:
    return [t.text.lower() for t in tokenize(nfc(text))]


def _syllable(
    s: str, exact_fields: tuple[str, ...], folded_fields: tuple[str, ...], hl: Highlights
) -> q.Query:
    if has_marks(s):
        form = exact_form(s)
        hl.exact.add(form)
        return q.Or([q.Term(f, form) for f in exact_fields])
    folded = folded_form(s)
    hl.folded.add(folded)
    return q.Or(
        [q.Term(f, folded) for f in folded_fields] + [q.Term(f, s, boost=_EXACT_BOOST) for f in exact_fields]
    )


def _bigram(a: str, b: str, hl: Highlights, boost: float = 1.0) -> q.Query:
    if has_marks(a) and has_marks(b):
        pair = (exact_form(a), exact_form(b))
        hl.bigrams_exact.add(pair)
        return q.Term("bigram", BIGRAM_JOINER.join(pair), boost=boost)
    pair = (folded_form(a), folded_form(b))
    hl.bigrams_folded.add(pair)
    return q.Term("bigram_f", BIGRAM_JOINER.join(pair), boost=boost)


def _clause_query(clause: Clause, hl: Highlights) -> q.Query | None:
    if clause.field == "source":
        return q.Term("source", clause.text.strip().lower())
    if clause.field == "year":
        return q.Term("year", clause.text.strip())
    syllables = _syllables(clause.text)
    if not syllables:
        return None
    if clause.field in ("author", "department"):
        name = f"{clause.field}_t"
        return q.And([q.Term(name, folded_form(s)) for s in syllables])
    exact_fields, folded_fields = (
        (("title",), ("title_f",)) if clause.field == "title" else (("title", "text"), ("title_f", "text_f"))
    )
    parts = [_syllable(s, exact_fields, folded_fields, hl) for s in syllables]
    if clause.phrase and clause.field is None and len(syllables) > 1:
        parts += [_bigram(a, b, hl) for a, b in itertools.pairwise(syllables)]
    elif len(syllables) > 1 and clause.field is None:
        # "Hà-Nội" or "hội_nghị" typed as one word: adjacency boosts but is not required.
        return q.AndMaybe(
            q.And(parts),
            q.Or([_bigram(a, b, hl, _BIGRAM_BOOST) for a, b in itertools.pairwise(syllables)]),
        )
    return q.And(parts) if len(parts) > 1 else parts[0]


def parse_query(text: str) -> ParsedQuery:
    """Read a user query; :class:`QueryError` if it is too long or has nothing to search for."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is {len(text)} characters long; the maximum is {MAX_QUERY_CHARS}")
    items = lex(nfc(text))
    if sum(isinstance(i, Clause) for i in items) > MAX_CLAUSES:
        raise QueryError(f"the query has more than {MAX_CLAUSES} terms")
    hl = Highlights()
    groups: list[list[q.Query]] = []
    negatives: list[q.Query] = []
    adjacent: list[str] = []  # syllables of consecutive plain words, for the adjacency boost
    boosts: list[q.Query] = []
    join_next = False
    for item in items:
        if item == "OR":
            join_next = bool(groups)
            continue
        assert isinstance(item, Clause)
        built = _clause_query(item, hl if not item.negated else Highlights())
        if built is None:
            join_next = False
            continue
        if item.negated:
            negatives.append(built)
            join_next = False
            continue
        if join_next:
            groups[-1].append(built)
        else:
            groups.append([built])
        join_next = False
        if item.field is None and not item.phrase:
            adjacent.extend(_syllables(item.text))
        else:
            adjacent = []
        if len(adjacent) >= 2:
            boosts.append(_bigram(adjacent[-2], adjacent[-1], hl, _BIGRAM_BOOST))
    required = [g[0] if len(g) == 1 else q.Or(g) for g in groups]
    if not required and not negatives:
        raise QueryError("the query has no words to search for")
    positive: q.Query = q.And(required) if len(required) > 1 else required[0] if required else q.Every()
    if boosts:
        positive = q.AndMaybe(positive, q.Or(boosts))
    if negatives:
        positive = q.AndNot(positive, q.Or(negatives))
    return ParsedQuery(query=positive, highlights=hl)
