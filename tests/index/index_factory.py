"""Records for index tests from the corpus generator (no I/O); ``make_record`` is the shared one of
``tests/conftest.py``, re-exported for the index tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from conftest import make_record

from archive.model import Record
from index.corpus import CorpusDoc, generate
from index.schema import make_document, to_document
from index.whoosh.store import INDEX_NAME, read_location

__all__ = ["corpus_document", "corpus_record", "corpus_records", "make_record", "whoosh_upsert"]


def corpus_record(doc: CorpusDoc, n: int) -> Record:
    """A record with the content and metadata of a generated document."""
    return make_record(
        n,
        doc.title,
        doc.body,
        lead=doc.lead,
        published=doc.published,
        doc_numbers=doc.doc_numbers,
        author=doc.author,
        category=doc.category,
        source=doc.source,
        department=doc.department,
        jurisdiction=doc.jurisdiction,
    )


def corpus_records(n: int, *, seed: int = 0, body_syllables: int = 120, start: int = 0) -> Iterator[Record]:
    for i, doc in enumerate(generate(n, seed=seed, body_syllables=body_syllables)):
        yield corpus_record(doc, start + i)


def corpus_document(
    doc: CorpusDoc, *, url: str = "https://example.gov.vn/", **overrides: Any
) -> dict[str, Any]:
    """The index document of a generated document (``overrides``: other ``make_document`` values)."""
    values = asdict(doc) | {"url": f"{url}{doc.id}"}
    return make_document(**(values | overrides))


def whoosh_upsert(path: Path, records: list[Record]) -> None:
    """Add or replace ``records`` in the index at ``path`` through Whoosh's own writer (one commit):
    a segment in Whoosh's format and block size, as older indexes have (``IndexWriter`` builds new
    segments in bulk)."""
    from whoosh import index as whoosh_index

    ix = whoosh_index.open_dir(str(read_location(path).directory), indexname=INDEX_NAME)
    writer = ix.writer(compound=False)
    for record in records:
        writer.update_document(**to_document(record))
    writer.commit(merge=False)


SYLLABLES = [
    "hội",
    "Hội",
    "HỘI",
    "nghị",
    "nghi",
    "giao",
    "ban",
    "bàn",
    "Hoà",
    "hòa",
    "Bình",
    "đà",
    "Đà",
    "nẵng",
]
"""Syllables that are equal, folded, in other cases or with their tone elsewhere: words of texts and
queries for property tests of snippets."""
GLUE = [" ", "  ", ", ", ". ", "\n", " - ", "/", "…", " <&> ", "\t"]
"""What comes between those words in such texts."""
