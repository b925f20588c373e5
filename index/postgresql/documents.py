"""How a record becomes a row of ``deptnews_records`` (see :mod:`index.postgresql.ddl`).

The searchable values are exactly those of the Whoosh document (:func:`index.schema.to_document`: the
same texts, weights, filter values, document hash), and every full-text field's terms come from the
shared analysis (:func:`index.terms.term_weights`), the function Whoosh indexes with; no PostgreSQL
dictionary is involved, so both backends match the same documents for the same query.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from archive.documents.result import Extracted
from archive.model import Record
from index.postgresql.attachments import attachment_texts
from index.postgresql.ddl import FULLTEXT
from index.schema import NO_DATE, searchable, to_document
from index.terms import term_weights

__all__ = ["COLUMNS", "MAX_PAGES", "Row", "TermPool", "TextTerms", "field_terms", "record_row"]

MAX_PAGES = 300
"""Attachment pages kept per record for snippets (the first ones; all are indexed)."""


@dataclass(frozen=True)
class TextTerms:
    """One full-text field of one document: its distinct terms (sorted), their BM25 weights (in the
    same order: 4 bytes a term where a dict took ~100, and a bulk load holds a block of rows at once),
    its length (the summed term frequencies, what Whoosh's field length counts)."""

    terms: list[str]
    weights: npt.NDArray[np.float32]
    length: int


@dataclass
class Row:
    """The values of one row, in :data:`COLUMNS` order by :meth:`values`."""

    id: str
    stamp: str
    searchable: bool
    doc_hash: bytes | None
    record: str
    """The record as JSON (stored as jsonb)."""
    pages: list[tuple[int, int, str]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    """title, url, source, department, jurisdiction, category, author, year, month, day, published, ts,
    title_key, body_chars."""
    text: dict[str, TextTerms] = field(default_factory=dict)
    """Full-text column suffix → its terms."""
    doc_numbers: list[str] = field(default_factory=list)
    """The ``doc_number`` filter's keys (:func:`index.schema.doc_number_key`) of the page and its
    attachments."""
    docno: int | None = None
    """The number of the row's postings (:mod:`index.postgresql.postings`), given when it is written."""
    attachments: list[tuple[int, Extracted]] = field(default_factory=list)
    """``(attachment number from 1, its text)`` of the extracted attachments, every page
    (``deptnews_attachment_texts``, written with the row: not columns of :meth:`values`)."""

    def values(self) -> list[Any]:
        """The values of :data:`COLUMNS`, each full-text column's terms as one space-separated text (see
        :func:`~index.postgresql.ddl.stored_terms`)."""
        from psycopg.types.json import Jsonb

        out: list[Any] = [self.id, self.stamp, self.searchable, self.doc_hash, self.record, Jsonb(self.pages)]
        out += [self.meta.get(name, _DEFAULTS.get(name, "")) for name in _META]
        out += [self.doc_numbers, self.docno]
        for col in FULLTEXT.values():
            terms = self.text.get(col, _EMPTY)
            out += [" ".join(terms.terms), terms.length]
        return out


_EMPTY = TextTerms([], np.zeros(0, dtype=np.float32), 0)
_META = (
    "title",
    "url",
    "source",
    "department",
    "jurisdiction",
    "category",
    "author",
    "year",
    "month",
    "day",
    "published",
    "ts",
    "title_key",
    "body_chars",
)
_DEFAULTS: dict[str, Any] = {"published": None, "ts": NO_DATE, "title_key": 0, "body_chars": -1}
COLUMNS: tuple[str, ...] = (
    "id",
    "stamp",
    "searchable",
    "doc_hash",
    "record",
    "pages",
    *_META,
    "doc_number",
    "docno",
    *itertools.chain.from_iterable((f"t_{c}", f"l_{c}") for c in FULLTEXT.values()),
)
"""The columns a row writes, in order."""


class TermPool:
    """One string object for each distinct term of the rows written together (a bulk load holds a
    whole block of rows at once, and a bigram term is a new string in every document that holds it).
    The writer clears it after each batch; it also empties itself past ``limit`` terms (later rows
    then share among themselves)."""

    def __init__(self, limit: int = 1 << 21) -> None:
        self.limit = limit
        self._terms: dict[str, str] = {}

    def share(self, terms: list[str]) -> list[str]:
        """``terms`` with each string replaced by the pool's equal one (added if new)."""
        if len(self._terms) > self.limit:
            self.clear()
        return list(map(self._terms.setdefault, terms, terms))

    def clear(self) -> None:
        """Forget every term (those of the rows already written)."""
        self._terms = {}


def field_terms(value: Any, pool: TermPool | None = None) -> TextTerms:
    """The terms of one full-text field value: a string, or ``(text, weight)`` parts (see
    :func:`index.schema.make_document`)."""
    parts = [(value, 1.0)] if isinstance(value, str) else [(str(t), float(w)) for t, w in value]
    freqs, weights, _ = term_weights(parts)
    terms = sorted(freqs)
    if pool is not None:
        terms = pool.share(terms)
    return TextTerms(
        terms,
        np.fromiter(map(weights.__getitem__, terms), dtype=np.float32, count=len(terms)),
        sum(freqs.values()),
    )


def record_row(
    record: Record, stamp: str, texts_root: Path | None = None, pool: TermPool | None = None
) -> Row:
    """The row of ``record`` with the sync ``stamp``; ``texts_root``: the data home, whose extracted
    attachment texts are indexed (see :func:`index.schema.attachment_pages`) and kept whole
    (:func:`~index.postgresql.attachments.attachment_texts`); ``pool``: shares its terms' strings
    with the other rows of the pool."""
    row = Row(record.id, stamp, searchable(record), None, record.model_dump_json())
    if not row.searchable:
        return row
    doc = to_document(record, texts_root)
    row.doc_hash = doc["doc_hash"]
    if texts_root is not None:
        row.attachments = attachment_texts(record, texts_root)
        pages = ((n, page.number, page.text) for n, text in row.attachments for page in text.pages)
        row.pages = list(itertools.islice(pages, MAX_PAGES))
    published = doc.get("published")
    row.meta = {name: doc[name] for name in _META if name in doc and doc[name] is not None}
    row.meta["published"] = published if isinstance(published, datetime) else None
    if doc.get("doc_number"):
        row.doc_numbers = str(doc["doc_number"]).split(",")
    for fieldname, col in FULLTEXT.items():
        if doc.get(fieldname):
            row.text[col] = field_terms(doc[fieldname], pool)
    return row
