"""The Whoosh schema and how a record becomes an index document.

Full text lives in ``text`` (:class:`~index.whoosh.fields.VietnameseText`: exact, folded and bigram terms, see
:mod:`index.terms`), built from the title, lead, body and document numbers (the page's and those found
in its attachments), and ``files``, the text of its attachments (``deptnews extract``); an occurrence in
the title weighs :data:`TITLE_WEIGHT`, in the lead :data:`LEAD_WEIGHT`, in the body 1, so title matches
rank higher without a second field to query. ``title``, ``author_t`` and ``department_t`` are the same
kind of field for the ``title:``, ``author:`` and ``department:`` query prefixes.

Filter and facet fields (``source``, ``department``, ``jurisdiction``, ``category``, ``author``, ``year``,
``month``, ``day``) are untokenized IDs with a column, so a filter is one term and a facet count reads a
column. ``doc_number`` (filter only) holds every document number of the page and its attachments, one
term each (:func:`doc_number_key`). ``ts`` (publication time, seconds since the epoch) and ``doc_hash``
(what was indexed, for incremental updates) are columns only. Bodies are not stored in Whoosh: the text
snippets are cut from travels beside a document (:class:`IndexDocument`) into the index's text store
(:mod:`index.whoosh.textstore`), and the record itself is the fallback.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from whoosh.columns import NumericColumn, VarBytesColumn
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, Schema

from archive.model import Record, merged_doc_numbers
from index.analysis import search_analyzer
from index.terms import term_weights, tokens
from index.whoosh.fields import VietnameseText

SCHEMA_VERSION = 6
"""Bump when the schema changes. (Analysis changes are caught by :func:`analysis_fingerprint`.)"""

FACET_FIELDS = ("source", "department", "jurisdiction", "category", "author", "year")
"""Fields that can be counted (``SearchRequest.facets``)."""

TITLE_WEIGHT = 4.0
LEAD_WEIGHT = 1.5
NO_DATE = -(2**62)
"""``ts`` of a document without a publication date (sorts before every real date)."""

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

_PROBE = (
    "Hoà Bình, THUỶ lợi; khoẻ. Quyết định 1234/QĐ–UBND ngày 05/7/2010: 1.234.567 đồng, "
    "ở ý Đà Nẵng - Hà Nội “giao ban” H5N1 café ðường"
)


def analysis_fingerprint() -> str:
    """A digest of what the analysis makes of a probe text, stamped into the index.

    Any change to tokenization, tone normalization, folding or the term scheme changes it, so an index
    built by older code is detected (and rebuilt) even if nobody bumped :data:`SCHEMA_VERSION`.
    """
    freqs, weights, ntokens = term_weights([(_PROBE, 2.0), (_PROBE.lower(), 1.0)])
    analyzed = [t.text for t in search_analyzer()(_PROBE, mode="index")]
    payload = json.dumps([sorted(freqs.items()), sorted(weights.items()), ntokens, analyzed])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


class _Joined:
    """Stands for a pickled document's page text that is its page parts joined (see
    :meth:`IndexDocument.__reduce_ex__`); pickled by reference, so one object in every process."""

    def __reduce__(self) -> str:
        return "_JOINED"


_JOINED = _Joined()


class IndexDocument(dict[str, Any]):
    """An index document (field name -> value) that also carries ``page_text``: the text of the page
    snippets are cut from (lead and body, one paragraph per line), for the index's text store.

    It is an attribute, not a key, so that writers that take the dict as fields never see it; a copy
    made with ``dict(doc)`` drops it (the document is then indexed without a text store entry, and
    its snippets come from the record)."""

    page_text: str | None = None
    page_parts: tuple[str, ...] = ()
    """The texts ``page_text`` joins, one per line (lead, body), each also a part of the ``text`` field."""

    def tokens_of(self, text: str) -> list[str]:
        """:func:`index.terms.tokens` of ``text``, computed once per document: the text store and the
        index builder tokenize the same texts (about a tenth of an incremental write each)."""
        cache: dict[str, list[str]] | None = self.__dict__.get("_tokens")
        if cache is None:
            cache = self.__dict__["_tokens"] = {}
        found = cache.get(text)
        if found is None:
            found = cache[text] = tokens(text)
        return found

    def __reduce_ex__(self, protocol: Any) -> Any:
        # Sent to a builder process without the token cache (cheaper to tokenize again there), and
        # without the page text when it is its parts joined (as make_document makes it): decoding
        # that second copy of the text cost a builder ~10 µs a document, joining the parts ~1.
        state = {k: v for k, v in self.__dict__.items() if k != "_tokens"}
        if self.page_parts and state.get("page_text") == "\n".join(self.page_parts):
            state["page_text"] = _JOINED
        return (IndexDocument, (), state or None, None, iter(self.items()))

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        if state.get("page_text") is _JOINED:
            self.page_text = "\n".join(self.page_parts)


def build_schema() -> Schema:
    return Schema(
        id=ID(unique=True, stored=True, sortable=True),
        title=VietnameseText(stored=True),
        text=VietnameseText(),
        files=VietnameseText(),
        author_t=VietnameseText(),
        department_t=VietnameseText(),
        source=ID(stored=True, sortable=True),
        department=ID(stored=True, sortable=True),
        jurisdiction=ID(stored=True, sortable=True),
        category=ID(stored=True, sortable=True),
        author=ID(stored=True, sortable=True),
        doc_number=KEYWORD(commas=True, scorable=False),
        year=ID(sortable=True),
        month=ID(sortable=True),
        day=ID(sortable=True),
        ts=COLUMN(NumericColumn("q", default=NO_DATE)),
        doc_hash=COLUMN(VarBytesColumn()),
        title_key=COLUMN(NumericColumn("q", default=0)),
        body_chars=COLUMN(NumericColumn("i", default=-1)),
        published=STORED(),
        url=STORED(),
        content_hash=STORED(),
    )


def make_document(
    *,
    id: str,
    url: str,
    title: str,
    lead: str | None,
    body: Sequence[str],
    published: datetime | None,
    source: str,
    department: str,
    jurisdiction: str,
    category: str | None = None,
    author: str | None = None,
    doc_numbers: Sequence[str] = (),
    content_hash: str = "",
    attachment_text: Sequence[str] = (),
    attachment_key: str = "",
) -> IndexDocument:
    """The index document for these values (``published`` must be time-zone aware).

    ``attachment_text``: the text of the record's attachments, page by page (the ``files`` field);
    ``attachment_key``: what identifies it (the files' hashes). The document hash covers the key, not
    the text, so a check that does not read the texts computes the same hash."""
    body_text = "\n".join(p for p in body if p)
    text: list[tuple[str, float]] = [(title, TITLE_WEIGHT)]
    if lead:
        text.append((lead, LEAD_WEIGHT))
    if body_text:
        text.append((body_text, 1.0))
    # Document numbers the parser found outside the text (attachments, metadata) are searchable too, and
    # so is the author: a journalist types a signatory's name as a plain query, and the parser takes the
    # signature line out of the body into ``author``.
    extra = [
        n
        for n in (*doc_numbers, *([author] if author else []))
        if n not in title and n not in body_text and (not lead or n not in lead)
    ]
    if extra:
        text.append(("\n".join(extra), 1.0))
    doc = IndexDocument(
        {
            "id": id,
            "title": title,
            "text": text,
            "source": source,
            "department": department,
            "department_t": department,
            "jurisdiction": jurisdiction,
            "url": url,
            "content_hash": content_hash,
            "title_key": title_key(title),
            "body_chars": len(body_text),
        }
    )
    doc.page_parts = tuple(p for p in (lead, body_text) if p)
    doc.page_text = "\n".join(doc.page_parts)
    if author:
        doc["author"] = author
        doc["author_t"] = author
    keys = dict.fromkeys(k for k in (doc_number_key(n) for n in doc_numbers) if k)
    if keys:
        doc["doc_number"] = ",".join(keys)
    if category:
        doc["category"] = category
    if published is not None:
        if published.tzinfo is None:
            raise ValueError(f"document {id}: published {published.isoformat()} has no time zone")
        local = published.astimezone(LOCAL_TZ)
        doc["published"] = local
        doc["ts"] = int(published.timestamp())
        doc["year"] = f"{local.year:04d}"
        doc["month"] = f"{local.year:04d}-{local.month:02d}"
        doc["day"] = local.date().isoformat()
    doc["doc_hash"] = document_hash(doc | {"files_key": attachment_key})
    files = "\n".join(t for t in attachment_text if t)
    if files:
        doc["files"] = [(files, 1.0)]
    return doc


def doc_number_key(number: str) -> str:
    """A document number as the ``doc_number`` filter compares it: NFC, case folded, without spaces
    (``"1234/QĐ - UBND"`` and ``"1234/qđ-ubnd"`` are one number); commas would split it, so dropped."""
    return "".join(unicodedata.normalize("NFC", number).casefold().replace(",", "").split())


def title_key(title: str) -> int:
    """A signed 64-bit key of a title, equal for titles that differ only in case, spacing or Unicode form
    (for counting a source's records that share one title)."""
    normal = " ".join(unicodedata.normalize("NFC", title).casefold().split())
    return int.from_bytes(hashlib.blake2b(normal.encode("utf-8"), digest_size=8).digest(), "big", signed=True)


def document_hash(doc: dict[str, Any]) -> bytes:
    """16 bytes identifying everything indexed for a document (``doc_hash`` excluded)."""
    payload = json.dumps(
        {k: v for k, v in doc.items() if k != "doc_hash"}, sort_keys=True, default=str, ensure_ascii=False
    )
    return hashlib.blake2b(payload.encode("utf-8"), digest_size=16).digest()


def searchable(record: Record) -> bool:
    """Whether a record belongs in the index: a repost of another source's article does not (the
    original is indexed), so that a search shows each article once."""
    return record.repost_of is None


def attachment_key(record: Record) -> str:
    """The hashes of the record's extracted attachments, in order (what its ``files`` text is made of)."""
    return " ".join(
        a.text.sha256 or "" for a in record.attachments if a.text is not None and a.text.status == "ok"
    )


def attachment_pages(record: Record, texts_root: Path) -> Iterator[tuple[int, int, str]]:
    """``(attachment number from 1, page number, text)`` of each page of the record's extracted
    attachments, read from their text files under the data home ``texts_root`` (a file that is missing
    or unreadable gives nothing: ``deptnews extract`` makes it again)."""
    for n, attachment in enumerate(record.attachments, start=1):
        text = attachment.text
        if text is None or text.status != "ok" or not text.path:
            continue
        try:
            data = json.loads((texts_root / text.path).read_text(encoding="utf-8"))
            for page in data["pages"]:
                yield n, int(page["number"]), str(page["text"])
        except (OSError, ValueError, KeyError, TypeError):
            continue


def to_document(record: Record, texts_root: Path | None = None) -> IndexDocument:
    """The index document of a record's current version; ``texts_root`` (the data home) to index the
    text of its attachments too (their document numbers are indexed either way)."""
    numbers = merged_doc_numbers(record.doc_numbers, record.attachments)
    pages = [t for _, _, t in attachment_pages(record, texts_root)] if texts_root is not None else []
    return make_document(
        id=record.id,
        url=record.url,
        title=record.title,
        lead=record.lead,
        body=record.body,
        published=record.published,
        source=record.source,
        department=record.department,
        jurisdiction=record.jurisdiction,
        category=record.category,
        author=record.author,
        doc_numbers=numbers,
        content_hash=record.content_hash,
        attachment_text=pages,
        attachment_key=attachment_key(record),
    )


def utc_naive(moment: datetime) -> datetime:
    """``moment`` in UTC without tzinfo (how datetimes compare inside the index)."""
    return moment.astimezone(UTC).replace(tzinfo=None)
