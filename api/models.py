"""Response models of the API: the source of truth for both the JSON it sends and ``/openapi.json``."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class _Out(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class ProblemOut(_Out):
    """RFC 9457 problem details, sent as ``application/problem+json`` for every error."""

    type: str = Field(description="'/problems/<slug>', stable: invalid-parameter, invalid-query, …")
    title: str
    status: int
    detail: str
    parameter: str | None = Field(None, description="The offending query parameter, when there is one.")


class ProblemTypeOut(_Out):
    """A problem type, as ``/problems/{slug}`` describes it."""

    type: str = Field(description="The 'type' of problem documents of this kind: '/problems/<slug>'.")
    slug: str
    title: str = Field(description="The 'title' every problem of this type carries.")
    status: int = Field(description="The HTTP status it comes with.")
    description: str
    url: str = Field(description="This page's absolute URL.")


class ProblemTypesOut(_Out):
    problem_types: list[ProblemTypeOut]


class FacetValue(_Out):
    value: str
    count: int


class FacetOut(_Out):
    """One facet: its most frequent values, then by value, at most ``facet_size`` of them."""

    values: list[FacetValue]
    truncated: bool = Field(description="Whether the matches have more values than are listed.")
    distinct: int = Field(description="How many different values the matches have.")


class MatchOut(_Out):
    """Where a hit's snippet comes from when it is an attachment's text."""

    attachment: int = Field(description="The attachment's number in the record (1 = the first).")
    page: int = Field(description="The page (the sheet, for a workbook) of the attachment, from 1.")
    links: dict[str, str] = Field(description="'text': the attachment's text; 'file': the archived file.")


class HitOut(_Out):
    id: str
    title: str
    url: str
    published: datetime | None
    source: str
    department: str
    score: float | None = Field(description="Relevance score; null when sorted by date.")
    snippet: str = Field(description="HTML: matched words in <mark>, everything else escaped.")
    match: MatchOut | None = Field(
        None, description="When the snippet is cut from an attachment's text: which attachment and page."
    )
    links: dict[str, str] = Field(description="'self': the record's permalink in this API.")


class SearchOut(_Out):
    total: int
    took_ms: float
    hits: list[HitOut]
    facets: dict[str, FacetOut] = Field(description="The facets asked for with 'facets', by name.")
    next: str | None = Field(
        description="URL of the next page (also sent as a Link header); null at the end."
    )
    next_cursor: str | None = Field(None, description="Opaque cursor of the next page (parameter 'cursor').")


class VersionSummaryOut(_Out):
    n: int
    content_hash: str
    title: str
    first_seen: datetime
    last_seen: datetime
    captured_at: datetime
    parser_version: str
    links: dict[str, str]


class VersionsOut(_Out):
    id: str
    url: str
    current: int = Field(description="Number of the current (latest) version.")
    removed_at: datetime | None
    versions: list[VersionSummaryOut]


class DiffOut(_Out):
    id: str
    from_: int = Field(alias="from")
    to: int
    changed_fields: list[str]
    diff: str = Field(description="Unified text diff of the two versions' normalized content.")


class CaptureOut(_Out):
    id: str
    version: int
    url: str
    captured_at: datetime
    status: int
    content_type: str | None
    warc_file: str
    offset: int
    length: int
    warc_record_id: str
    payload_digest: str | None
    headers: list[tuple[str, str]] = Field(description="HTTP response headers as captured.")
    links: dict[str, str]


class SourceHealthOut(_Out):
    records: int = Field(description="Archived records of this source.")
    without_date: int = Field(description="Records whose publication date could not be determined.")
    without_date_share: float = Field(description="``without_date`` / ``records`` (0 without records).")
    short_body: int = Field(description="Records whose body has fewer than 200 characters.")
    short_body_share: float = Field(description="``short_body`` / ``records``.")
    shared_title: int = Field(
        description="Records whose title another record of the same source also has (a section or portlet "
        "name taken as the title shows here)."
    )
    shared_title_share: float = Field(description="``shared_title`` / ``records``.")
    removed: int | None = Field(None, description="Records whose page has gone (404/410).")
    not_articles: int = Field(
        0,
        description="Pages whose URL matches the source's article_pattern but that are no article (a "
        "listing, a contact page): the crawler reads such listings as listings; many mean a loose pattern.",
    )
    last_crawl: datetime | None = None
    articles_listed: int | None = Field(None, description="Article links seen on listings in the last crawl.")
    articles_captured: int | None = Field(None, description="Articles captured so far (all crawls).")
    failures: int | None = Field(None, description="Failed fetches in the last crawl.")


class SourceOut(_Out):
    id: str
    name: str
    department: str
    jurisdiction: str
    jurisdiction_kind: str
    homepage: str
    listings: list[str]
    verified: bool
    health: SourceHealthOut
    links: dict[str, str]


class SourcesOut(_Out):
    sources: list[SourceOut]


class TimelineBucket(_Out):
    period: str = Field(description="'2010', '2010-07' or '2010-07-05' (Vietnamese time).")
    count: int


class TimelineOut(_Out):
    interval: str
    total: int
    buckets: list[TimelineBucket]


class DumpFileOut(_Out):
    name: str
    bytes: int
    sha256: str | None
    url: str


class DumpOut(_Out):
    name: str
    created: datetime | None
    files: list[DumpFileOut]


class DumpsOut(_Out):
    dumps: list[DumpOut]


class NodeOut(_Out):
    name: str = Field(description="local (Whoosh), primary or replica-N (PostgreSQL).")
    role: str = Field(description="local, primary or replica.")
    ready: bool = Field(description="Whether searches may be sent to this node now.")
    lag_seconds: float | None = Field(None, description="A replica's replay lag behind the primary, seconds.")
    detail: str = Field("", description="Why the node is not used (empty when it is).")


class HealthOut(_Out):
    status: str
    records: int | None = Field(None, description="Records in the store (recounted every 30 s).")
    indexed: int | None = Field(None, description="Documents the index can search (readiness only).")


class AttachmentPageOut(_Out):
    number: int = Field(description="Page number from 1 (sheet number for a workbook).")
    label: str | None = Field(None, description="The sheet's name, for a workbook.")
    method: str = Field(description="How this page was read: 'text-layer', 'ocr' or 'office'.")
    confidence: float | None = Field(None, description="OCR: Tesseract's mean word confidence, 0-100.")
    text: str = Field(description="The page's text, NFC, one line per line of the document.")


class AttachmentTextOut(_Out):
    """What ``deptnews extract`` made of the file (null in ``text`` until it ran)."""

    status: str = Field(description="'ok', or 'failed' (then 'reason' says why).")
    reason: str | None = None
    detail: str | None = None
    sha256: str | None = Field(None, description="SHA-256 of the archived file.")
    kind: str | None = Field(None, description="'pdf', 'docx', 'xlsx', 'doc' or 'xls'.")
    method: str | None = Field(None, description="'text-layer', 'ocr', 'mixed' (both) or 'office'.")
    pages: int | None = Field(None, description="Pages (sheets) the file has.")
    confidence: float | None = Field(None, description="Mean OCR confidence of the OCR pages.")
    encoding: str | None = Field(None, description="Legacy encoding converted: 'tcvn3' or 'vni'.")
    doc_numbers: list[str] = Field(default_factory=list, description="Document numbers in the text.")


class AttachmentOut(_Out):
    """One attachment of a record: its link, what extraction found, and its text page by page."""

    record_id: str
    attachment: int = Field(description="Its number in the record (1 = the first).")
    url: str = Field(description="The file's URL, as linked from the article.")
    title: str | None = Field(None, description="The link's text.")
    type: str | None = Field(None, description="File type from the extension.")
    text: AttachmentTextOut | None
    pages: list[AttachmentPageOut] = Field(description="The text, page by page ([] until extracted).")
    links: dict[str, str] = Field(description="'file': the archived file (a download); 'record'.")


class ReadyOut(HealthOut):
    nodes: list[NodeOut] = Field(description="Each index node searches may go to, checked now.")
