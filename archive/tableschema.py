"""Frictionless Table Schemas of the open-data dump, derived from the record model, and the one CSV
shape of a record.

One definition: the record's JSON Schema (``Record.model_json_schema()``, with its field descriptions)
gives both the ``record.schema.json`` of a dump and the Table Schema of each JSON Lines resource, so the
types a tool reads (``frictionless validate``, a notebook) are the ones the model declares instead of
guesses from a sample (a column that is empty in every row guessed as ``yearmonth``).

The CSV columns of a record are defined once, in :data:`CSV_COLUMNS`: :func:`record_row` makes a row of
them, :func:`csv_lines` writes rows, and :func:`record_csv_schema` is their Table Schema. The API's CSV
export and the dump's ``records.csv`` both use them, so the two files have the same columns.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from archive.model import SCHEMA_VERSION, Record
from archive.parse.dates import VN_TZ

__all__ = [
    "CSV_COLUMNS",
    "CSV_DIALECT",
    "JSON_SCHEMA_DIALECT",
    "LIST_SEPARATOR",
    "RECORD_SCHEMA_ID",
    "Column",
    "csv_cell",
    "csv_lines",
    "record_csv_schema",
    "record_json_schema",
    "record_row",
    "record_table_schema",
]

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
RECORD_SCHEMA_ID = f"urn:deptnews:schema:record:{SCHEMA_VERSION}"
"""A name, not an address: the schema travels with each dump and is printed by ``deptnews schema``."""


def record_json_schema() -> dict[str, Any]:
    """The record's JSON Schema with its ``$schema`` dialect and ``$id``."""
    return {"$schema": JSON_SCHEMA_DIALECT, "$id": RECORD_SCHEMA_ID, **Record.model_json_schema()}


def _field_type(prop: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Table Schema type and constraints of one JSON Schema property."""
    options = [o for o in prop.get("anyOf", [prop]) if o.get("type") != "null"]
    kind = options[0] if len(options) == 1 else {}
    constraints: dict[str, Any] = {}
    if "enum" in kind:
        constraints["enum"] = list(kind["enum"])
    match kind.get("type"):
        case "string" if kind.get("format") == "date-time":
            return "datetime", constraints
        case "string":
            return "string", constraints
        case "integer" | "number" | "boolean" | "array" | "object" as simple:
            return simple, constraints
    return ("object" if "$ref" in kind else "any"), constraints


def record_table_schema() -> dict[str, Any]:
    """The Table Schema of a JSON Lines resource of records (one record object per line)."""
    schema = Record.model_json_schema()
    required = set(schema.get("required", []))
    fields = []
    for name, prop in schema["properties"].items():
        kind, constraints = _field_type(prop)
        if name in required:
            constraints["required"] = True
        field: dict[str, Any] = {"name": name, "type": kind, "description": prop.get("description", "")}
        if kind == "datetime":
            field["format"] = "any"  # ISO 8601 with an offset, e.g. 2010-07-05T00:00:00+07:00
        if constraints:
            field["constraints"] = constraints
        fields.append(field)
    return {"fields": fields, "primaryKey": ["id"]}


# --- the CSV shape of a record -------------------------------------------------------------------

LIST_SEPARATOR = "\n"
"""Between the items of a list cell (tags, doc_numbers, attachment URLs, …) and the paragraphs of the
body: a line feed. No item can hold one: the parser makes every run of whitespace one space, and URLs
have none. An empty cell is an empty list."""
LOCAL_TIME = "%Y-%m-%d %H:%M:%S"
"""``published_local``: Vietnamese wall-clock time as spreadsheets read a date and time."""
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0", "＝", "＋", "－", "＠")

Cell = str | int | datetime | list[str] | None


@dataclass(frozen=True)
class Column:
    """One CSV column: its name, Table Schema type, description, and how a record gives its value."""

    name: str
    type: Literal["string", "integer", "datetime"]
    description: str
    value: Callable[[Record], Cell]
    format: str | None = None
    """Table Schema ``format`` of a datetime column: ``any`` (ISO 8601) unless said."""


def _local(record: Record) -> str | None:
    if record.published is None:
        return None
    return record.published.astimezone(VN_TZ).strftime(LOCAL_TIME)


_LIST = "one item per line (separator: line feed; an empty cell is an empty list)"
CSV_COLUMNS: tuple[Column, ...] = (
    Column("id", "string", "Stable id derived from the canonical URL.", lambda r: r.id),
    Column("url", "string", "Canonical URL of the article.", lambda r: r.url),
    Column("title", "string", "The article's headline, as published.", lambda r: r.title),
    Column("lead", "string", "The lead (sapo), when the page has one.", lambda r: r.lead),
    Column("body", "string", "Body paragraphs, one per line.", lambda r: r.body),
    Column(
        "published", "datetime", "Publication time, ISO 8601 with offset (+07:00).", lambda r: r.published
    ),
    Column(
        "published_local",
        "datetime",
        "Publication time in Asia/Ho_Chi_Minh as YYYY-MM-DD HH:MM:SS, for spreadsheets.",
        _local,
        LOCAL_TIME,
    ),
    Column(
        "published_from",
        "string",
        "Where the published date came from (json-ld, meta, time, text, body, url, listing, http).",
        lambda r: r.published_from,
    ),
    Column("modified", "datetime", "Last modification time the page states.", lambda r: r.modified),
    Column("author", "string", "Author or signatory, as printed.", lambda r: r.author),
    Column("signature", "string", f"The signature block's lines: {_LIST}.", lambda r: r.signature),
    Column("source_line", "string", "The 'Nguồn:' line, when present.", lambda r: r.source_line),
    Column("category", "string", "The section the page files the article under.", lambda r: r.category),
    Column("tags", "string", f"Keywords: {_LIST}.", lambda r: r.tags),
    Column(
        "doc_numbers",
        "string",
        f"Official document numbers mentioned in the page, then those found in its attachments: {_LIST}.",
        lambda r: r.doc_numbers,
    ),
    Column(
        "attachments",
        "string",
        f"URLs of the files linked from the article: {_LIST}.",
        lambda r: [a.url for a in r.attachments],
    ),
    Column(
        "images", "string", f"URLs of the article's images: {_LIST}.", lambda r: [i.url for i in r.images]
    ),
    Column("language", "string", "Language of the text (BCP 47).", lambda r: r.language),
    Column("source", "string", "Id of the source in the sources registry.", lambda r: r.source),
    Column("department", "string", "The department that publishes the source.", lambda r: r.department),
    Column("jurisdiction", "string", "Its province, city or ministry.", lambda r: r.jurisdiction),
    Column("first_seen", "datetime", "When the article was first captured.", lambda r: r.first_seen),
    Column("last_seen", "datetime", "When the current content was last captured.", lambda r: r.last_seen),
    Column(
        "removed_at", "datetime", "When the page was found gone; empty while online.", lambda r: r.removed_at
    ),
    Column(
        "removed_reason",
        "string",
        "How the page was found gone (http-404, http-410, redirected-away, error-page).",
        lambda r: r.removed_reason,
    ),
    Column("also_at", "string", f"Other URLs of the same article: {_LIST}.", lambda r: r.also_at),
    Column(
        "repost_of", "string", "Id of the record another source published earlier.", lambda r: r.repost_of
    ),
    Column(
        "version", "integer", "Number of the current version (1 for the first).", lambda r: r.versions[-1].n
    ),
    Column("content_hash", "string", "Hash of the current content.", lambda r: r.content_hash),
    Column("parser_version", "string", "Parser that made the current content.", lambda r: r.parser_version),
    Column("extractor", "string", "Layout extractor of the current version.", lambda r: r.extractor),
    Column(
        "captured_at",
        "datetime",
        "WARC-Date of the capture of the current version.",
        lambda r: r.capture.captured_at,
    ),
    Column("capture_url", "string", "The URL as fetched (after redirects).", lambda r: r.capture.url),
    Column("status", "integer", "HTTP status code of the captured response.", lambda r: r.capture.status),
    Column(
        "content_type", "string", "Content-Type of the captured response.", lambda r: r.capture.content_type
    ),
    Column(
        "warc_file",
        "string",
        "WARC file of the capture (in the data home's warc/).",
        lambda r: r.capture.warc_file,
    ),
    Column(
        "offset", "integer", "Byte offset of the gzipped WARC record in the file.", lambda r: r.capture.offset
    ),
    Column("length", "integer", "Byte length of the gzipped WARC record.", lambda r: r.capture.length),
    Column(
        "warc_record_id",
        "string",
        "WARC-Record-ID of the response record.",
        lambda r: r.capture.warc_record_id,
    ),
    Column(
        "payload_digest", "string", "WARC-Payload-Digest, e.g. sha1:….", lambda r: r.capture.payload_digest
    ),
)


def _cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return LIST_SEPARATOR.join(value)
    return str(value)


def record_row(record: Record) -> dict[str, str]:
    """The record as one CSV row: every column of :data:`CSV_COLUMNS` as text (ISO 8601 dates, lists
    joined with :data:`LIST_SEPARATOR`, nothing as the empty string), not yet neutralized."""
    return {column.name: _cell(column.value(record)) for column in CSV_COLUMNS}


def csv_cell(value: str) -> str:
    """``value`` made safe for a spreadsheet: a cell that a spreadsheet would read as a formula gets a
    leading ``'`` (OWASP, "CSV Injection"), which shows the text as typed.

    Triggers: ``= + - @``, tab, carriage return, line feed and NUL, and the full-width ``＝ ＋ － ＠``
    that some spreadsheets read like their ASCII forms. A negative number would be prefixed too, but no
    numeric column can be negative, and telling numbers from formulas is where such filters fail.
    Quoting (the csv writer quotes every cell and doubles embedded quotes) keeps a separator or quote
    inside a value from starting a new cell.
    """
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


CSV_DIALECT: dict[str, Any] = {
    "delimiter": ",",
    "lineTerminator": "\r\n",
    "quoteChar": '"',
    "doubleQuote": True,
    "skipInitialSpace": False,
    "header": True,
}
"""How :func:`csv_lines` writes (RFC 4180: comma, CRLF, every cell quoted, quotes doubled), as a
Frictionless CSV dialect."""


def csv_lines(records: Iterable[Record]) -> Iterator[str]:
    """The header and then one row per record, as text (one string per row, CRLF-terminated; a cell
    may hold line feeds inside its quotes), every cell neutralized by :func:`csv_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow([column.name for column in CSV_COLUMNS])
    for record in records:
        writer.writerow([csv_cell(cell) for cell in record_row(record).values()])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def record_csv_schema() -> dict[str, Any]:
    """The Table Schema of :data:`CSV_COLUMNS` (what :func:`csv_lines` writes)."""
    fields = []
    for column in CSV_COLUMNS:
        field: dict[str, Any] = {"name": column.name, "type": column.type, "description": column.description}
        if column.type == "datetime":
            field["format"] = column.format or "any"
        if column.name == "id":
            field["constraints"] = {"required": True, "unique": True}
        fields.append(field)
    return {"fields": fields, "primaryKey": ["id"], "missingValues": [""]}
