"""The record model: what deptnews stores for every news article it has captured.

A :class:`Record` is the current state of one article (identified by its canonical URL) plus every
:class:`Version` of its content ever captured. The record's top-level content fields always equal those of
its latest version. ``deptnews schema`` prints the JSON Schema of :class:`Record`.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1

DateOrigin = Literal["json-ld", "meta", "time", "text", "body", "url", "listing", "http"]
"""Where a published/modified date came from, best first: structured data, meta tags, a ``<time>`` element,
a labelled visible date line, a date in the body text, the URL, the listing page, the HTTP headers."""


RemovedReason = Literal["http-404", "http-410", "redirected-away", "error-page"]
"""How an article was found gone: the URL answered 404 or 410, redirected to a page that is not an
article (a home page, a listing), or answered 200 with a "page not found" page."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CaptureRef(_Model):
    """Where the raw capture behind a version lives: one WARC response record."""

    url: str = Field(description="The URL as fetched (after redirects).")
    captured_at: AwareDatetime = Field(description="WARC-Date of the response record.")
    status: int = Field(description="HTTP status code of the response.")
    warc_file: str = Field(description="WARC file name, relative to the data home's warc/ directory.")
    offset: int = Field(ge=0, description="Byte offset of the (gzipped) WARC record in the file.")
    length: int = Field(ge=0, description="Byte length of the (gzipped) WARC record in the file.")
    warc_record_id: str = Field(description="WARC-Record-ID of the response record.")
    payload_digest: str | None = Field(None, description="WARC-Payload-Digest, e.g. 'sha1:…'.")
    content_type: str | None = None


TextMethod = Literal["text-layer", "ocr", "mixed", "office"]
"""How an attachment's text was read: a PDF's text layer, OCR of its scanned pages, both (some pages each),
or an office file's own structure (DOCX, XLSX, DOC, XLS)."""


class AttachmentText(_Model):
    """What ``deptnews extract`` read from the archived file (never part of :meth:`Content.compute_hash`:
    it is derived from another capture than the page's, and arrives later)."""

    status: Literal["ok", "failed"] = Field(description="'ok', or 'failed' with a reason.")
    reason: str | None = Field(
        None,
        description="Why extraction failed: 'encrypted', 'too-many-pages', 'timeout', 'memory', "
        "'zip-bomb', 'corrupt', 'unsupported', 'tool-missing', 'crashed', 'too-much-text'.",
    )
    detail: str | None = Field(None, description="The failure's message.")
    sha256: str | None = Field(None, description="SHA-256 of the archived file's bytes.")
    path: str | None = Field(
        None, description="The text file, relative to the data home: texts/<sha256[:2]>/<sha256>.json."
    )
    kind: str | None = Field(None, description="The format read: 'pdf', 'docx', 'xlsx', 'doc', 'xls'.")
    method: TextMethod | None = None
    pages: int | None = Field(None, ge=0, description="Pages (sheets for a workbook) the file has.")
    confidence: float | None = Field(None, description="Mean OCR word confidence (0-100) of OCR pages.")
    encoding: str | None = Field(None, description="Legacy encoding converted to Unicode: 'tcvn3', 'vni'.")
    doc_numbers: list[str] = Field(
        default_factory=list, description="Official document numbers found in the file's text."
    )
    extractor_version: str | None = None


class Attachment(_Model):
    """A file linked from the article (PDF, Word, Excel, …)."""

    url: str
    title: str | None = None
    type: str | None = Field(
        None,
        description="File type from the link (its extension, MIME type or file name), e.g. 'pdf', 'docx'. "
        "A link that does not say it (a download handler) has none in a version's content; a record as "
        "served gives the format its archived file was read as (text.kind), once extracted.",
    )
    text: AttachmentText | None = Field(
        None, description="The file's extracted text, once `deptnews extract` has read its archived bytes."
    )


class Image(_Model):
    url: str
    caption: str | None = None


class Content(_Model):
    """The normalized content of one capture of an article: what the parser extracts.

    All text is NFC with the author's tone placement kept; ``body`` is a list of paragraphs without
    boilerplate (navigation, skip links, share bars, related news, signatures).
    """

    title: str = Field(description="The article's headline, as published.")
    lead: str | None = Field(None, description="The lead (sapo), when the page has one.")
    body: list[str] = Field(default_factory=list, description="Body paragraphs, in order.")
    published: AwareDatetime | None = Field(None, description="Publication time, Asia/Ho_Chi_Minh.")
    published_from: DateOrigin | None = Field(None, description="Where the published date came from.")
    modified: AwareDatetime | None = Field(None, description="Last modification time the page states.")
    author: str | None = Field(None, description="Author or signatory, as printed.")
    signature: list[str] = Field(
        default_factory=list, description="The trailing signature block's lines, as printed."
    )
    source_line: str | None = Field(None, description="The 'Nguồn:' line, when present.")
    category: str | None = Field(None, description="The section the page files the article under.")
    tags: list[str] = Field(default_factory=list, description="Keywords the page tags the article with.")
    attachments: list[Attachment] = Field(
        default_factory=list, description="Files linked from the article (decisions, plans, lists)."
    )
    images: list[Image] = Field(default_factory=list, description="Images in the article, with captions.")
    doc_numbers: list[str] = Field(
        default_factory=list,
        description="Official document numbers mentioned, e.g. '1234/QĐ-UBND'. A record as served (API, "
        "exports, dumps) adds, after the page's own, those found in its attachments' text "
        "(attachments[].text.doc_numbers); a version's content has the page's only (its content hash).",
    )
    language: str = Field("vi", description="Language of the text (BCP 47), 'vi' or 'en'.")

    def compute_hash(self) -> str:
        """A stable hash of the content; equal hashes mean no visible change between captures."""
        data = self.model_dump(mode="json")
        for attachment in data["attachments"]:
            del attachment["text"]  # derived later from the file's own capture: not a change of the page
        payload = json.dumps(data, ensure_ascii=False, sort_keys=True)
        return "sha256:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()


class Version(_Model):
    """One distinct content of an article, with the capture it was first seen in."""

    n: int = Field(ge=1, description="Version number, 1 for the first capture.")
    content_hash: str
    content: Content
    capture: CaptureRef
    parser_version: str
    first_seen: AwareDatetime
    last_seen: AwareDatetime
    extractor: str | None = Field(
        None, description="The layout extractor that produced the content, e.g. 'drupal', 'generic'."
    )


class Record(Content):
    """An archived article: its current content (the latest version's) plus provenance and versions."""

    schema_version: int = Field(SCHEMA_VERSION, description="Version of this record format.")
    id: str = Field(description="Stable id derived from the canonical URL (see record_id).")
    url: str = Field(description="Canonical URL of the article.")
    source: str = Field(description="Id of the source in the sources registry.")
    department: str = Field(description="The department that publishes the source, e.g. 'Sở Tư pháp'.")
    jurisdiction: str = Field(description="Its province, city or ministry, e.g. 'Tỉnh Lạng Sơn'.")
    content_hash: str = Field(description="Hash of the current content (sha256 of its JSON).")
    capture: CaptureRef = Field(description="The capture the current version was parsed from.")
    parser_version: str = Field(description="Version of the parser that made the current content.")
    first_seen: AwareDatetime = Field(description="When the article was first captured.")
    last_seen: AwareDatetime = Field(description="When the current content was last captured.")
    removed_at: AwareDatetime | None = Field(
        None, description="When the page was found gone (404/410); None while it is online."
    )
    removed_reason: RemovedReason | None = Field(
        None, description="How the page was found gone, when removed_at is set."
    )
    extractor: str | None = Field(None, description="The layout extractor of the current version.")
    also_at: list[str] = Field(
        default_factory=list,
        description="Other URLs of the same source under which this same article was captured (a second "
        "asset number, a print view the URL did not show): merged into this record, in order first seen.",
    )
    repost_of: str | None = Field(
        None,
        description="Id of the record of another source that published the same article earlier. A "
        "repost is kept as its own record but not indexed, so a search shows the article once.",
    )
    versions: list[Version] = Field(
        min_length=1, description="Every distinct content captured, oldest first; the last is current."
    )


def merged_doc_numbers(page: list[str], attachments: list[Attachment]) -> list[str]:
    """The page's document numbers, then those the attachments' extracted texts hold, each once (compared
    without regard to case or Unicode form; the first spelling is kept)."""
    out: list[str] = []
    seen: set[str] = set()
    for number in (*page, *(n for a in attachments if a.text is not None for n in a.text.doc_numbers)):
        key = unicodedata.normalize("NFC", number).casefold()
        if key not in seen:
            seen.add(key)
            out.append(number)
    return out


def served(record: Record) -> Record:
    """``record`` as the API, exports and dumps give it: its ``doc_numbers`` joined by those of its
    attachments (:func:`merged_doc_numbers`), and an attachment whose link did not say its type (a
    download handler) typed by the format its archived file was read as. Derived at read time, never
    stored: the stored record and its versions keep what the page said, so extraction never changes a
    content hash or makes a version."""
    numbers = merged_doc_numbers(record.doc_numbers, record.attachments)
    attachments = [
        a.model_copy(update={"type": a.text.kind}) if a.type is None and a.text and a.text.kind else a
        for a in record.attachments
    ]
    if numbers == record.doc_numbers and attachments == record.attachments:
        return record
    return record.model_copy(update={"doc_numbers": numbers, "attachments": attachments})


def record_id(canonical_url: str) -> str:
    """The stable record id for a canonical URL: 16 hex chars of its SHA-256."""
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()[:16]
