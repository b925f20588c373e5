"""Records for index tests: hand-written ones and ones from the corpus generator (no I/O)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from archive.model import CaptureRef, Content, Record, Version, record_id
from index.corpus import CorpusDoc, generate


def make_record(
    n: int,
    title: str,
    body: list[str],
    *,
    published: datetime | None = None,
    lead: str | None = None,
    doc_numbers: list[str] | None = None,
    **kw: str,
) -> Record:
    """A valid record for ``http://demo.vn/tin-tuc/<n>``; ``kw``: author, category, source, department,
    jurisdiction."""
    url = f"http://demo.vn/tin-tuc/{n}"
    content = Content(
        title=title,
        lead=lead,
        body=body,
        published=published,
        author=kw.get("author"),
        category=kw.get("category"),
        doc_numbers=doc_numbers or [],
    )
    capture = CaptureRef(
        url=url,
        captured_at=datetime(2024, 1, 1, tzinfo=UTC),
        status=200,
        warc_file="x.warc.gz",
        offset=0,
        length=1,
        warc_record_id=f"<urn:uuid:{n}>",
    )
    seen = capture.captured_at
    version = Version(
        n=1,
        content_hash=content.compute_hash(),
        content=content,
        capture=capture,
        parser_version="t",
        first_seen=seen,
        last_seen=seen,
    )
    return Record(
        **content.model_dump(),
        id=record_id(url),
        url=url,
        source=kw.get("source", "demo"),
        department=kw.get("department", "Sở Thông tin và Truyền thông"),
        jurisdiction=kw.get("jurisdiction", "Tỉnh Demo"),
        content_hash=version.content_hash,
        capture=capture,
        parser_version="t",
        first_seen=seen,
        last_seen=seen,
        versions=[version],
    )


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
