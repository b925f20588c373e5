"""The Whoosh schema and how a record becomes an index document.

Text is indexed four ways: exact syllables (tone placement normalized) and folded syllables (no marks,
đ→d), each for the title and for the full text (title + lead + body), plus syllable bigrams in both forms
so that phrases are term lookups instead of positional queries. Bodies are not stored: snippets are
made from the record itself, which is cheaper than storing text in the index.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema

from archive.model import Record
from index.analysis import exact_analyzer, exact_bigram_analyzer, folded_analyzer, folded_bigram_analyzer

SCHEMA_VERSION = 1
"""Bump when the schema or the analysis changes: an index with another stamp must be rebuilt."""

FACET_FIELDS = ("source", "department", "jurisdiction", "category", "author", "year")


def build_schema() -> Schema:
    return Schema(
        id=ID(unique=True, stored=True),
        title=TEXT(analyzer=exact_analyzer(), phrase=False, stored=True, field_boost=3.0),
        title_f=TEXT(analyzer=folded_analyzer(), phrase=False, field_boost=3.0),
        text=TEXT(analyzer=exact_analyzer(), phrase=False),
        text_f=TEXT(analyzer=folded_analyzer(), phrase=False),
        bigram=TEXT(analyzer=exact_bigram_analyzer(), phrase=False),
        bigram_f=TEXT(analyzer=folded_bigram_analyzer(), phrase=False),
        author_t=TEXT(analyzer=folded_analyzer(), phrase=False),
        department_t=TEXT(analyzer=folded_analyzer(), phrase=False),
        source=ID(stored=True, sortable=True),
        department=ID(stored=True, sortable=True),
        jurisdiction=ID(stored=True, sortable=True),
        category=ID(stored=True, sortable=True),
        author=ID(stored=True, sortable=True),
        year=ID(stored=True, sortable=True),
        month=ID(sortable=True),
        doc_number=KEYWORD(lowercase=True, commas=True, scorable=True),
        published=DATETIME(stored=True, sortable=True),
        url=STORED(),
        content_hash=STORED(),
    )


def to_document(record: Record) -> dict[str, Any]:
    """The index document of a record's current version."""
    full_text = "\n".join(p for p in (record.title, record.lead, *record.body) if p)
    doc: dict[str, Any] = {
        "id": record.id,
        "title": record.title,
        "title_f": record.title,
        "text": full_text,
        "text_f": full_text,
        "bigram": full_text,
        "bigram_f": full_text,
        "source": record.source,
        "department": record.department,
        "department_t": record.department,
        "jurisdiction": record.jurisdiction,
        "url": record.url,
        "content_hash": record.content_hash,
    }
    if record.author:
        doc["author"] = record.author
        doc["author_t"] = record.author
    if record.category:
        doc["category"] = record.category
    if record.doc_numbers:
        doc["doc_number"] = ",".join(record.doc_numbers)
    if record.published:
        # Whoosh stores naive datetimes; UTC keeps ordering exact across time zones.
        doc["published"] = record.published.astimezone(UTC).replace(tzinfo=None)
        local = record.published
        doc["year"] = f"{local.year:04d}"
        doc["month"] = f"{local.year:04d}-{local.month:02d}"
    return doc
