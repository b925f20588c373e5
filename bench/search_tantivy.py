"""The tantivy peer of bench/search.py: the same documents, the same analysis, the same query trees.

tantivy (Rust, through its Python bindings; a benchmark-only dependency) cannot analyse Vietnamese the
way deptnews does, so it is fed deptnews's own analysis: every document's full text becomes the terms
:func:`index.terms.term_weights` makes of it (exact syllables, folded syllables, folded bigrams), each
repeated as often as its weight (a title occurrence weighs 4, as in the Whoosh index: tantivy's BM25
then sees the same term frequencies), joined by spaces and indexed with tantivy's ``whitespace``
tokenizer, frequencies but no positions (the Whoosh index has none either). The analysis runs in
Python in two processes, as the Whoosh build's does, and by default with the Whoosh build's batch
tokenizer (:mod:`index.tokenbatch`: 256 documents at a time, term strings made per distinct token;
``--tantivy-analysis text`` gives it :func:`index.terms.tokens` one text at a time, as before
2026-12-07); tantivy's writer uses its own threads.

Queries are the Whoosh query trees :func:`index.query.parse_query` builds, translated node by node
(Term, And, Or, AndMaybe, AndNot with their boosts) into tantivy queries over the same terms, so both
engines match the same documents and score the same terms. Date ranges are a range query on an integer
fast field, facets a terms aggregation per field, the date sort tantivy's fast-field order.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta, timezone
from operator import add
from pathlib import Path
from typing import Any

import tantivy  # type: ignore[import-not-found, unused-ignore]  # a bench extra, not in the test venv
from whoosh import query as q

from index.query import parse_query
from index.schema import TITLE_WEIGHT
from index.terms import BIGRAM_JOINER, FOLD_PREFIX, syllable_forms, tokens
from index.tokenbatch import BatchTokens, TokenVocabulary

__all__ = ["TantivyIndex", "analysed"]

ICT = timezone(timedelta(hours=7))
FACETS = ("source", "department", "jurisdiction", "year", "category")
TITLE_WEIGHT_TIMES = round(TITLE_WEIGHT)


_FORMS: dict[str, tuple[str, str, str]] = {}
"""token -> (exact term, folded term or "", folded form): deptnews's terms of a token, memoized."""


def _terms(text: str) -> list[str]:
    """The terms deptnews indexes for ``text``, in order: per token its exact term and its folded term
    (if it differs), then the bigram of each two adjacent tokens of a clause."""
    stream = tokens(text)
    forms = _FORMS
    for token in set(stream).difference(forms):
        exact, folded = syllable_forms(token)
        forms[token] = (exact, "" if folded == exact else FOLD_PREFIX + folded, folded)
    rows = [forms[t] if t else ("", "", "") for t in stream]
    out = [r[0] for r in rows if r[0]]
    out += [r[1] for r in rows if r[1]]
    out += [a[2] + BIGRAM_JOINER + b[2] for a, b in itertools.pairwise(rows) if a[2] and b[2]]
    return out


def _texts(doc: dict[str, Any]) -> list[str]:
    """The document's texts whose terms are indexed: title, lead, body and the document numbers and
    author not already in the text (as :func:`index.schema.make_document` adds them); "" for none."""
    body = "\n".join(p for p in doc["body"] if p)
    lead = doc.get("lead") or ""
    extra = [
        n
        for n in (*doc.get("doc_numbers", []), *([doc["author"]] if doc.get("author") else []))
        if n not in doc["title"] and n not in body and n not in lead
    ]
    return [doc["title"], lead, body, "\n".join(extra)]


def _joined(title: str, others: list[str]) -> str:
    """The title's terms four times (a title occurrence weighs 4 in the Whoosh index), then the
    others'."""
    return " ".join([title] * TITLE_WEIGHT_TIMES + others)


def analysed(doc: dict[str, Any]) -> str:
    """The document's full text as deptnews's terms, joined by spaces (see :func:`_texts`), one text
    at a time through :func:`index.terms.tokens`."""
    title, *others = _texts(doc)
    return _joined(" ".join(_terms(title)), [" ".join(_terms(t)) for t in others if t])


class _BatchTerms:
    """:func:`analysed` for many documents at once, their texts tokenized together by the bulk
    builder's tokenizer (:mod:`index.tokenbatch`): term strings are made per token id, not per
    token, so the peer gets the same cheaper tokenizing the Whoosh build has."""

    def __init__(self) -> None:
        self.vocabulary = TokenVocabulary()
        self.exact: list[str] = [""]
        self.folded: list[str] = [""]
        self.left: list[str] = [""]
        self.right: list[str] = [""]

    def analysed(self, docs: list[dict[str, Any]]) -> list[str]:
        texts = [_texts(doc) for doc in docs]
        batch = BatchTokens((t for some in texts for t in some), self.vocabulary)
        self._learn()
        out = []
        for title, *others in texts:
            out.append(_joined(self._terms(batch, title), [self._terms(batch, t) for t in others if t]))
        return out

    def _learn(self) -> None:
        for spelling in self.vocabulary.spellings[len(self.exact) :]:
            exact, folded = syllable_forms(spelling)
            self.exact.append(exact)
            self.folded.append("" if folded == exact else FOLD_PREFIX + folded)
            self.left.append(folded + BIGRAM_JOINER)
            self.right.append(folded)

    def _terms(self, batch: BatchTokens, text: str) -> str:
        ids = batch.of(text)[0]
        tokens = ids[ids != 0].tolist()
        pair = (ids[:-1] != 0) & (ids[1:] != 0)
        left, right = ids[:-1][pair].tolist(), ids[1:][pair].tolist()
        terms = [self.exact[i] for i in tokens]
        terms += filter(None, [self.folded[i] for i in tokens])
        terms += map(add, [self.left[i] for i in left], [self.right[i] for i in right])
        return " ".join(terms)


_BATCH_TERMS: _BatchTerms | None = None
"""A pool worker's vocabulary and term tables (one per process)."""


def _analyse_lines(lines: list[str]) -> list[tuple[dict[str, Any], str]]:
    global _BATCH_TERMS
    if _BATCH_TERMS is None or len(_BATCH_TERMS.vocabulary) > 1 << 21:
        _BATCH_TERMS = _BatchTerms()
    docs = [json.loads(line) for line in lines]
    return list(zip(docs, _BATCH_TERMS.analysed(docs), strict=True))


def _analyse_line(line: str) -> tuple[dict[str, Any], str]:
    doc = json.loads(line)
    return doc, analysed(doc)


class TantivyIndex:
    def __init__(self, path: Path) -> None:
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("id", stored=True, tokenizer_name="raw")
        builder.add_text_field("title", stored=True, index_option="basic")  # stored, as Whoosh's hits have it
        builder.add_text_field("text", tokenizer_name="whitespace", index_option="freq")
        builder.add_integer_field("ts", fast=True, indexed=False)
        for name in FACETS:
            builder.add_text_field(name, tokenizer_name="raw", fast=True)
        self.schema = builder.build()
        path.mkdir(parents=True, exist_ok=True)
        self.index = tantivy.Index(self.schema, path=str(path))
        self._searcher: Any = None

    def build(
        self, lines: Iterable[str], *, procs: int = 2, heap_mb: int = 256, analysis: str = "batch"
    ) -> int:
        """Index the JSON lines of a benchmark corpus; ``procs`` processes read and analyse them (as
        the Whoosh build's workers do), this one hands them to tantivy's writer (its own threads).
        ``analysis``: "batch" tokenizes 256 documents at a time as the Whoosh build does (the terms
        are :func:`analysed`'s, checked on the first 32 documents), "text" one text at a time."""
        writer = self.index.writer(heap_mb * 2**20)
        n = 0
        with multiprocessing.get_context("fork").Pool(procs) as pool:
            analysed_docs: Iterator[tuple[dict[str, Any], str]]
            if analysis == "batch":
                rest = iter(lines)
                chunks = iter(lambda: list(itertools.islice(rest, 256)), [])
                analysed_docs = itertools.chain.from_iterable(pool.imap(_analyse_lines, chunks))
            else:
                analysed_docs = pool.imap(_analyse_line, lines, chunksize=64)
            for doc, text in analysed_docs:
                if n < 32 and analysis == "batch" and text != analysed(doc):
                    raise AssertionError(f"document {doc['id']}: batch analysis differs from analysed()")
                n += 1
                self._add(writer, doc, text)
        writer.commit()
        writer.wait_merging_threads()
        return n

    @staticmethod
    def _add(writer: Any, doc: dict[str, Any], text: str) -> None:
        published = datetime.fromisoformat(doc["published"]) if doc.get("published") else None
        fields: dict[str, Any] = {
            "id": doc["id"],
            "title": doc["title"],
            "text": text,
            "ts": int(published.timestamp()) if published else -(2**62),
            "source": doc["source"],
            "department": doc["department"],
            "jurisdiction": doc["jurisdiction"],
            "category": doc.get("category") or "",
            "year": f"{published.astimezone(ICT).year:04d}" if published else "",
        }
        writer.add_document(tantivy.Document(**fields))

    def _translate(self, node: Any) -> Any:
        """A tantivy query for a Whoosh query node of :func:`parse_query` (None: matches nothing)."""
        boost = float(getattr(node, "boost", 1.0))
        built: Any
        if isinstance(node, q.Term):
            if node.fieldname != "text":  # attachments: the benchmark corpus has none
                return None
            built = tantivy.Query.term_query(self.schema, "text", node.text, index_option="freq")
        elif isinstance(node, q.And):
            parts = [self._translate(c) for c in node.subqueries]
            if any(p is None for p in parts):
                return None
            built = tantivy.Query.boolean_query([(tantivy.Occur.Must, p) for p in parts])
        elif isinstance(node, q.Or):
            parts = [p for p in (self._translate(c) for c in node.subqueries) if p is not None]
            if not parts:
                return None
            built = (
                parts[0]
                if len(parts) == 1
                else tantivy.Query.boolean_query([(tantivy.Occur.Should, p) for p in parts])
            )
        elif isinstance(node, q.AndMaybe):
            a, b = self._translate(node.a), self._translate(node.b)
            if a is None:
                return None
            clauses = [(tantivy.Occur.Must, a)] + ([(tantivy.Occur.Should, b)] if b is not None else [])
            built = tantivy.Query.boolean_query(clauses)
        elif isinstance(node, q.AndNot):
            a, b = self._translate(node.a), self._translate(node.b)
            if a is None:
                return None
            clauses = [(tantivy.Occur.Must, a)] + ([(tantivy.Occur.MustNot, b)] if b is not None else [])
            built = tantivy.Query.boolean_query(clauses)
        else:
            raise ValueError(f"no tantivy translation of {type(node).__name__}")
        return built if boost == 1.0 else tantivy.Query.boost_query(built, boost)

    def search(
        self,
        query: str,
        *,
        facets: bool = False,
        date_from: date | None = None,
        date_to: date | None = None,
        newest: bool = False,
    ) -> tuple[int, list[str]]:
        """(total, top 20 ids), with the same extras the Whoosh request asks for."""
        if self._searcher is None:
            self.index.reload()
            self._searcher = self.index.searcher()
        searcher = self._searcher
        built = self._translate(parse_query(query).query)
        if built is None:
            built = tantivy.Query.empty_query()
        if date_from or date_to:
            lo = int(datetime.combine(date_from, time.min, ICT).timestamp()) if date_from else None
            hi = int(datetime.combine(date_to, time.max, ICT).timestamp()) if date_to else None
            span = tantivy.Query.range_query(self.schema, "ts", tantivy.FieldType.Integer, lo, hi)
            built = tantivy.Query.boolean_query([(tantivy.Occur.Must, built), (tantivy.Occur.Must, span)])
        if newest:
            found = searcher.search(built, 20, count=True, order_by_field="ts", order=tantivy.Order.Desc)
        else:
            found = searcher.search(built, 20, count=True)
        ids = [searcher.doc(address).to_dict()["id"][0] for _, address in found.hits]
        if facets:
            searcher.aggregate(built, {name: {"terms": {"field": name, "size": 100}} for name in FACETS})
        return int(found.count or 0), ids

    def close(self) -> None:
        self._searcher = None
