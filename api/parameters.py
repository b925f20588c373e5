"""The API's parameters, defined once: the OpenAPI document describes each one with :meth:`Param.schema`
and the handlers read it with :meth:`Param.read`, both from the same :class:`Param`, so the published
schema and what the server accepts cannot drift apart.

The rules every reading follows, which the schema states:

- A value is read exactly as sent: nothing is stripped before it is checked, and a length limit counts
  the raw value in code points (as JSON Schema's ``maxLength`` does).
- An optional query parameter sent empty (``size=``) is the same as one not sent: HTML forms send empty
  fields. The schema of such a parameter therefore also admits the empty string.
- Integers are written in decimal digits (``-`` allowed, then checked against the bounds).
- A pattern is anchored and uses only ASCII character classes, so it means the same as a JSON Schema
  (ECMA-262) regular expression and as a Python one matched with :func:`re.fullmatch`.

A value the schema refuses is a 400 ``invalid-parameter`` problem naming the parameter. A few requests
pass the schema and are still refused, each with a 400 problem, because no JSON Schema of one parameter
can say so: a query the query language cannot read (``invalid-query``), a cursor that is not one of
ours (``invalid-query``), ``date_from`` after ``date_to`` and ``cursor`` together with ``offset``
(``invalid-parameter``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from api.problems import Problem
from index.request import FILTER_FIELDS, MAX_SIZE
from index.schema import FACET_FIELDS

MAX_TEXT = 1000
"""The longest query or filter value, in characters."""
MAX_OFFSET = 10_000
MAX_VERSION = 100_000
"""The largest version number a request may name (a record with fewer versions answers 404)."""
MAX_CURSOR = 2048
"""The longest paging cursor (the index never makes a longer one)."""
MAX_FACET_SIZE = 1000
"""The most values a facet lists (``facet_size``); the default is :data:`FACET_SIZE`."""
FACET_SIZE = 30
SORTS = ("relevance", "newest", "oldest")
SCOPES = ("all", "page", "attachments")
FORMATS = ("jsonl", "csv")
INTERVALS = ("day", "month", "year")

_INTEGER = re.compile(r"-?[0-9]+")
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_FACETS = "|".join(FACET_FIELDS)

Kind = Literal["string", "integer", "date"]


def bad_parameter(name: str, detail: str) -> Problem:
    return Problem(400, "invalid-parameter", "Invalid parameter", f"{name}: {detail}", parameter=name)


def read_int(name: str, raw: str, low: int, high: int) -> int:
    """``raw`` as a whole number in decimal digits within [low, high]; a 400 problem otherwise."""
    if not _INTEGER.fullmatch(raw):
        raise bad_parameter(name, f"expected a whole number, got {raw[:50]!r}")
    # Past 30 digits it is out of any range; int() of a huge string would only waste time.
    value = int(raw) if len(raw) <= 30 else (high + 1 if raw[0] != "-" else low - 1)
    if not low <= value <= high:
        raise bad_parameter(name, f"must be between {low} and {high}")
    return value


@dataclass(frozen=True)
class Param:
    """One parameter: where it goes, what it means and exactly which values it takes."""

    name: str
    description: str
    kind: Kind = "string"
    location: Literal["query", "path", "header"] = "query"
    required: bool = False
    max_length: int | None = None
    pattern: str | None = None
    """Anchored (``^…$``), ASCII classes only: the same in JSON Schema and in Python."""
    hint: str = ""
    """What a value looks like, for the message when one does not match ``pattern``."""
    enum: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    default: int | str | None = None

    def value_schema(self) -> dict[str, Any]:
        """The JSON Schema of a value that is given (not empty)."""
        if self.kind == "integer":
            schema: dict[str, Any] = {"type": "integer"}
            if self.minimum is not None:
                schema["minimum"] = self.minimum
            if self.maximum is not None:
                schema["maximum"] = self.maximum
        elif self.kind == "date":
            schema = {"type": "string", "format": "date", "pattern": _DATE}
        else:
            schema = {"type": "string"}
            if self.enum:
                schema["enum"] = list(self.enum)
            if self.pattern is not None:
                schema["pattern"] = self.pattern
            if self.max_length is not None:
                schema["maxLength"] = self.max_length
        if self.default is not None:
            schema["default"] = self.default
        return schema

    def schema(self) -> dict[str, Any]:
        """The JSON Schema of what may be sent: an optional query parameter may also be empty."""
        schema = self.value_schema()
        if self.required or self.location != "query" or self.read_accepts_empty():
            return schema
        return {"anyOf": [schema, {"type": "string", "maxLength": 0}]}

    def read_accepts_empty(self) -> bool:
        """Whether the empty string is a value of this parameter anyway (a plain text)."""
        return self.kind == "string" and not self.enum and self.pattern is None

    def read(self, raw: str) -> Any:
        """The value of ``raw`` (str, int or date by :attr:`kind`); a 400 problem if the schema refuses it."""
        if self.kind == "integer":
            low = self.minimum if self.minimum is not None else -(10**20)
            high = self.maximum if self.maximum is not None else 10**20
            return read_int(self.name, raw, low, high)
        if self.kind == "date":
            if not re.fullmatch(_DATE, raw):
                raise bad_parameter(self.name, f"expected a date as YYYY-MM-DD, got {raw[:50]!r}")
            try:
                return date.fromisoformat(raw)
            except ValueError:
                raise bad_parameter(self.name, f"expected a date as YYYY-MM-DD, got {raw[:50]!r}") from None
        if self.max_length is not None and len(raw) > self.max_length:
            raise bad_parameter(self.name, f"at most {self.max_length} characters, got {len(raw)}")
        if self.enum and raw not in self.enum:
            raise bad_parameter(self.name, f"must be one of {', '.join(self.enum)}")
        if self.pattern is not None and not re.fullmatch(self.pattern, raw):
            raise bad_parameter(self.name, f"expected {self.hint or self.pattern}, got {raw[:50]!r}")
        return raw


def _filter(name: str) -> Param:
    if name == "year":
        return Param(name, "Only records published in this year (YYYY).", pattern="^[0-9]{4}$", hint="YYYY")
    if name == "month":
        return Param(
            name,
            "Only records published in this month (YYYY-MM).",
            pattern="^[0-9]{4}-(0[1-9]|1[0-2])$",
            hint="YYYY-MM",
        )
    if name == "doc_number":
        return Param(
            name,
            "Only records naming this official document number (e.g. 1234/QĐ-UBND) in the page or in an "
            "attachment's text (case and spaces aside).",
            max_length=MAX_TEXT,
        )
    return Param(name, f"Only records whose {name} is exactly this value.", max_length=MAX_TEXT)


PARAMETERS: dict[str, Param] = {
    "q": Param(
        "q",
        'Query: words, "phrases", -exclusion, a OR b, title:/author:/department:/source:/year:, '
        "attachment:/page: (a word only in the attachments' text or only in the page's) "
        f"(at most {MAX_TEXT} characters, counted as sent).",
        max_length=MAX_TEXT,
    ),
    **{name: _filter(name) for name in FILTER_FIELDS},
    "date_from": Param(
        "date_from", "Published on or after (YYYY-MM-DD, Vietnamese time); not after date_to.", "date"
    ),
    "date_to": Param("date_to", "Published on or before (YYYY-MM-DD, Vietnamese time).", "date"),
    "sort": Param("sort", "Order of hits (default: relevance with q, newest without).", enum=SORTS),
    "in": Param(
        "in",
        "Where the words of q are looked for: all (default: the page's text and the text of its "
        "attachments, read by `deptnews extract`), page (the page's text only) or attachments (the "
        "attachments' text only).",
        enum=SCOPES,
    ),
    "size": Param(
        "size", f"Hits per page (1-{MAX_SIZE}).", "integer", minimum=1, maximum=MAX_SIZE, default=20
    ),
    "offset": Param(
        "offset", "Hits to skip (not with cursor).", "integer", minimum=0, maximum=MAX_OFFSET, default=0
    ),
    "cursor": Param(
        "cursor",
        "Opaque cursor from a previous response's next_cursor (stable paging; not with offset).",
        max_length=MAX_CURSOR,
        pattern="^[A-Za-z0-9._-]+$",
        hint="a cursor from next_cursor",
    ),
    "format": Param("format", "Export format (CSV cells are neutralized, JSONL is raw).", enum=FORMATS),
    "bom": Param(
        "bom",
        "With format=csv: 1 (default) starts the file with a UTF-8 byte order mark, so that spreadsheets "
        "read it as UTF-8; 0 leaves it out, for scripts.",
        enum=("0", "1"),
    ),
    "interval": Param("interval", "Bucket size (default: month).", enum=INTERVALS),
    "facets": Param(
        "facets",
        f"Comma-separated facets to count: {', '.join(FACET_FIELDS)}.",
        pattern=f"^({_FACETS})(,({_FACETS}))*$",
        hint=f"comma-separated facets among {', '.join(FACET_FIELDS)}",
    ),
    "facet_size": Param(
        "facet_size",
        f"Values listed per facet, most frequent first (1-{MAX_FACET_SIZE}); a facet with more says "
        "truncated: true.",
        "integer",
        minimum=1,
        maximum=MAX_FACET_SIZE,
        default=FACET_SIZE,
    ),
    "name": Param("name", "Dump name (deptnews-YYYYMMDDTHHMMSSZ).", location="path", required=True),
    "file": Param("file", "File name inside the dump.", location="path", required=True),
    "slug": Param(
        "slug",
        "Problem type: the last segment of a problem document's 'type'.",
        location="path",
        required=True,
    ),
    "source_id": Param("source_id", "Source id from the registry.", location="path", required=True),
    "warc": Param("warc", "WARC file name, as /api/v1/warcs lists it.", location="path", required=True),
    "url": Param(
        "url",
        "The original URL (URI-R), appended as it is, query string included (not percent-encoded as a "
        "whole, though that is accepted too); http:// is assumed without a scheme.",
        location="path",
        required=True,
    ),
    "timestamp": Param(
        "timestamp",
        "Capture time, UTC, YYYYMMDDhhmmss (1 to 14 digits; a time without a memento redirects to the "
        "closest one).",
        location="path",
        required=True,
        pattern="^[0-9]{1,14}$",
        hint="1 to 14 digits (YYYYMMDDhhmmss)",
    ),
    "Accept-Datetime": Param(
        "Accept-Datetime",
        "The datetime wanted (RFC 7089), an HTTP date such as 'Thu, 05 Jan 2024 08:30:00 GMT'; default: "
        "the latest memento.",
        location="header",
    ),
    "attachment": Param(
        "attachment",
        "Attachment number (1 = the first of the record's attachments; 404 past the last).",
        "integer",
        "path",
        True,
        minimum=1,
        maximum=MAX_VERSION,
    ),
    "record_id": Param(
        "record_id",
        "Record id (16 hex characters; any other is not found).",
        location="path",
        required=True,
    ),
    "n": Param(
        "n",
        "Version number (1 = first capture; 404 past the record's last).",
        "integer",
        "path",
        True,
        minimum=1,
        maximum=MAX_VERSION,
    ),
    "version": Param(
        "version",
        "Version number (default: the current one; 404 past the record's last).",
        "integer",
        minimum=1,
        maximum=MAX_VERSION,
    ),
    "from": Param(
        "from",
        "Older version number (default: the one before 'to'; 404 past the record's last).",
        "integer",
        minimum=1,
        maximum=MAX_VERSION,
    ),
    "to": Param(
        "to",
        "Newer version number (default: the current one; 404 past the record's last).",
        "integer",
        minimum=1,
        maximum=MAX_VERSION,
    ),
}
SEARCH_PARAMS = (
    "q",
    *FILTER_FIELDS,
    "date_from",
    "date_to",
    "sort",
    "in",
    "size",
    "offset",
    "cursor",
    "facets",
    "facet_size",
)
HARVEST_PARAMS = ("q", *FILTER_FIELDS, "date_from", "date_to", "sort", "in")


def query_value(params: Mapping[str, str], name: str) -> Any:
    """The value of query parameter ``name`` read by its definition; its default (often None) when it
    is missing or empty."""
    param = PARAMETERS[name]
    raw = params.get(name)
    if raw is None or raw == "":
        return param.default
    return param.read(raw)


def check_known(params: Mapping[str, str], allowed: tuple[str, ...]) -> None:
    """A 400 problem naming the first parameter not in ``allowed`` (a typo is never silently ignored)."""
    unknown = sorted(set(params.keys()) - set(allowed))
    if unknown:
        raise bad_parameter(unknown[0], f"unknown parameter; known parameters: {', '.join(allowed)}")
