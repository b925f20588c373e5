"""The query language, read leniently into a Whoosh query over the terms of :mod:`index.terms`.

Syntax: ``term``, ``"quoted phrase"``, ``-exclusion`` (also ``-"phrase"``), ``a OR b`` (OR binds tighter
than the implicit AND), ``field:value`` / ``field:"value"`` for ``title``, ``author``, ``department``
(text, same rules as plain words), ``attachment`` and ``page`` (a word looked for only in the
attachments' text or only in the page's), ``source`` and ``year`` (exact values).

Per syllable: typed without marks it matches any spelling that folds to it (the folded term) and, with
:data:`EXACT_BOOST`, the same unmarked spelling (so exact matches rank above folded ones); typed with
marks it matches exactly, tone placement normalized ("hoà" = "hòa"). A quoted phrase requires the
folded bigram of each adjacent pair (plus each syllable by the rules above), so it cannot match across
punctuation; adjacent syllables of unquoted words only raise the score (:data:`BIGRAM_BOOST`).

Nothing here raises on odd input except :class:`~index.errors.QueryError`, for a query that is too long
or has nothing to search for: unbalanced quotes close at the end of the query, lone operators are
ignored, an unknown ``field:`` is read as words.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from whoosh import query as q

from index.errors import QueryError
from index.terms import FOLD_PREFIX, bigram_term, syllable_forms
from index.vietnamese import nfc, tokenize

MAX_QUERY_CHARS = 1000
MAX_CLAUSES = 64
FIELDS = ("title", "author", "source", "department", "year", "attachment", "page")
BIGRAM_BOOST = 2.0
EXACT_BOOST = 2.0
_TEXT_FIELDS: dict[str | None, tuple[str, ...]] = {
    "title": ("title",),
    "author": ("author_t",),
    "department": ("department_t",),
    "attachment": ("files",),
    "page": ("text",),
}
SCOPES: dict[str, tuple[str, ...]] = {"all": ("text", "files"), "page": ("text",), "attachments": ("files",)}
"""Where a plain word is looked for: the page's text and its attachments' text (``all``), or one of them."""
_LEXER = re.compile(
    r'\s*(?P<neg>-(?=\S))?(?:(?P<field>[A-Za-z_]+):(?=\S))?(?:"(?P<quoted>[^"]*)"?|(?P<bare>[^\s"]+))'
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


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
    fingerprint: str
    """A canonical rendering of the query (what a cursor is bound to)."""


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


def syllables(text: str) -> list[str]:
    """The NFC tokens of ``text`` (syllables, numbers, document numbers).

    A document number typed in lower case ("1234/qđ-ubnd") is read as written in documents
    ("1234/QĐ-UBND"): the tokenizer only recognises issuing-body codes in capitals.
    """
    words: list[str] = []
    for chunk in nfc(text).split():
        tokens = [t.text for t in tokenize(chunk)]
        if len(tokens) > 1 and "/" in chunk and any(c.isdigit() for c in chunk):
            upper = [t.text for t in tokenize(chunk.upper())]
            if len(upper) == 1 and "/" in upper[0]:
                tokens = upper
        words.extend(tokens)
    return words


def syllable_query(s: str, fieldname: str, hl: Highlights) -> q.Query:
    """One syllable: exact if typed with marks, else folded or (boosted) the same unmarked spelling."""
    exact, folded = syllable_forms(s)
    if exact != folded:
        hl.exact.add(exact)
        return q.Term(fieldname, exact)
    hl.folded.add(folded)
    return q.Or([q.Term(fieldname, exact, boost=EXACT_BOOST), q.Term(fieldname, FOLD_PREFIX + folded)])


def bigram_query(a: str, b: str, fieldname: str, hl: Highlights, boost: float = 1.0) -> q.Query:
    ea, fa = syllable_forms(a)
    eb, fb = syllable_forms(b)
    if ea != fa and eb != fb:
        hl.bigrams_exact.add((ea, eb))
    else:
        hl.bigrams_folded.add((fa, fb))
    return q.Term(fieldname, bigram_term(a, b), boost=boost)


def _clause_query(clause: Clause, hl: Highlights, scope: tuple[str, ...] = SCOPES["all"]) -> q.Query | None:
    if clause.field == "source":
        return q.Term("source", clause.text.strip().lower())
    if clause.field == "year":
        return q.Term("year", clause.text.strip())
    words = syllables(clause.text)
    if not words:
        return None
    fieldnames = _TEXT_FIELDS.get(clause.field, scope) if clause.field else scope
    built = [_words_query(words, clause, fieldname, hl) for fieldname in fieldnames]
    # A phrase must be whole in one field: in the page's text or in an attachment's, never across.
    return built[0] if len(built) == 1 else q.Or(built)


def _words_query(words: list[str], clause: Clause, fieldname: str, hl: Highlights) -> q.Query:
    parts = [syllable_query(s, fieldname, hl) for s in words]
    if len(words) == 1:
        return parts[0]
    pairs = [bigram_query(a, b, fieldname, hl) for a, b in itertools.pairwise(words)]
    if clause.phrase:
        return q.And(parts + pairs)
    # "Hà-Nội" or "hội_nghị" typed as one word: adjacency boosts but is not required.
    return q.AndMaybe(q.And(parts), q.Or([q.Term(p.fieldname, p.text, boost=BIGRAM_BOOST) for p in pairs]))


def parse_query(text: str, *, scope: str = "all") -> ParsedQuery:
    """Read a user query; :class:`QueryError` if it is too long or has nothing to search for.

    ``scope`` (:data:`SCOPES`): where plain words are looked for; ``attachment:`` and ``page:`` choose
    per word."""
    if scope not in SCOPES:
        raise QueryError(f"scope must be one of {', '.join(SCOPES)}")
    fields = SCOPES[scope]
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is {len(text)} characters long; the maximum is {MAX_QUERY_CHARS}")
    items = lex(_CONTROL.sub(" ", nfc(text)))
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
        built = _clause_query(item, hl if not item.negated else Highlights(), fields)
        if built is None:
            join_next = False
            continue
        if item.negated:
            negatives.append(built)
            join_next = False
            continue
        if join_next:
            groups[-1].append(built)
            adjacent = []
        else:
            groups.append([built])
        join_next = False
        if item.field is None and not item.phrase:
            words = syllables(item.text)
            if adjacent and words:
                boosts.append(bigram_query(adjacent[-1], words[0], fields[0], hl, BIGRAM_BOOST))
            adjacent = words
        else:
            adjacent = []
    required = [g[0] if len(g) == 1 else q.Or(g) for g in groups]
    if not required and not negatives:
        raise QueryError("the query has no words to search for")
    positive: q.Query = q.And(required) if len(required) > 1 else required[0] if required else q.Every()
    if boosts:
        positive = q.AndMaybe(positive, q.Or(boosts))
    if negatives:
        positive = q.AndNot(positive, q.Or(negatives))
    positive = positive.normalize()
    return ParsedQuery(query=positive, highlights=hl, fingerprint=repr(positive))
