"""The OpenAPI 3.1 document, generated from the response models and the parameter definitions.

Nothing here is written by hand twice: schemas come from the pydantic models
(:mod:`api.models`, :class:`archive.model.Record`), parameters from :data:`api.parameters.PARAMETERS`
(which the handlers read their parameters with) and the endpoint table below, which the tests check
against the application's routes.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
from dataclasses import dataclass
from html import escape
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from api import models, warc_models
from api.parameters import HARVEST_PARAMS, PARAMETERS, SEARCH_PARAMS
from archive.model import Record, Version

PROBLEM = "application/problem+json"
_DESCRIPTION = (
    "Open-data archive of government department news pages: search, records, versions. "
    "Parameters are checked as sent (nothing stripped; lengths count the raw value); an empty query "
    "value means not given; date_from after date_to, or cursor with offset, is a 400. "
    "CSV export: UTF-8 with a byte order mark (bom=0: without), list cells one item per line; every cell "
    "is quoted, and a cell starting with = + - @, tab, CR, LF, NUL or a full-width ＝ ＋ － ＠ is prefixed "
    "with ' so that spreadsheets show it as text; JSON Lines are raw. Each problem type is described at "
    "its 'type' URI (/problems/<slug>)."
)
_STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:auto;padding:1rem}"
    "code{background:#f3f3f3;padding:0 .2em;overflow-wrap:anywhere}"
    "td,th{text-align:left;padding:.2em .6em;vertical-align:top}"
)
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()
DOCS_CSP = (
    f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
"""The policy of the reference page: its one inline style sheet (by hash) and nothing else."""


_TEXT: dict[str, Any] = {"type": "string"}
_BINARY: dict[str, Any] = {"type": "string", "format": "binary"}
_JSONL: dict[str, Any] = {
    "type": "string",
    "contentMediaType": "application/x-ndjson",
    "description": "JSON Lines: one Record (#/components/schemas/Record) per line.",
}
_CSV: dict[str, Any] = {
    "type": "string",
    "contentMediaType": "text/csv",
    "description": "CSV, UTF-8 (with a byte order mark unless bom=0): a header row, then one row per "
    "record; the columns are those of the records.csv resource of a dump (archive/tableschema.py).",
}
_ATOM: dict[str, Any] = {"type": "string", "contentMediaType": "application/atom+xml"}


@dataclass(frozen=True)
class Endpoint:
    """One GET operation. Its 200 response is ``model`` as JSON, or ``content`` (media type → schema)
    for what is not JSON, each media type the one the server sends."""

    path: str
    name: str
    summary: str
    params: tuple[str, ...] = ()
    model: type[BaseModel] | None = None
    errors: tuple[int, ...] = (400,)
    tag: str = "records"
    content: tuple[tuple[str, dict[str, Any]], ...] = ()
    conditional: bool = False
    """Sends an ETag (and may answer 304 Not Modified to If-None-Match / If-Modified-Since)."""
    success: tuple[int, ...] = (200,)
    """Statuses of a successful answer: 200, 206 (a byte range), 302 (a redirect, no content), 304."""


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "/api/v1/export",
        "export",
        "Every match of a search, streamed as JSON Lines (records) or CSV",
        (*HARVEST_PARAMS, "format", "bom"),
        errors=(400, 503),
        tag="search",
        # JSON Lines first: openapi-python-client reads the first media type it supports (text/*).
        content=(("application/x-ndjson", _JSONL), ("text/csv", _CSV)),
    ),
    Endpoint(
        "/api/v1/timeline",
        "timeline",
        "Matches per day, month or year of publication",
        (*HARVEST_PARAMS, "interval"),
        models.TimelineOut,
        errors=(400, 503),
        tag="search",
    ),
    Endpoint(
        "/api/v1/search.atom",
        "feed",
        "Atom feed of the newest matching records",
        HARVEST_PARAMS,
        errors=(400, 503),
        tag="search",
        content=(("application/atom+xml", _ATOM),),
        conditional=True,
    ),
    Endpoint(
        "/api/v1/search",
        "search",
        "Full-text search",
        SEARCH_PARAMS,
        models.SearchOut,
        tag="search",
        errors=(400, 503),
    ),
    Endpoint(
        "/api/v1/records/{record_id}",
        "record",
        "A record (current content, provenance, versions)",
        ("record_id",),
        Record,
        errors=(404, 503),
        conditional=True,
    ),
    Endpoint(
        "/api/v1/records/{record_id}/versions",
        "versions",
        "The versions of a record",
        ("record_id",),
        models.VersionsOut,
        errors=(404, 503),
        conditional=True,
    ),
    Endpoint(
        "/api/v1/records/{record_id}/versions/{n}",
        "version",
        "One version of a record",
        ("record_id", "n"),
        Version,
        errors=(400, 404, 503),
        conditional=True,
    ),
    Endpoint(
        "/api/v1/records/{record_id}/diff",
        "diff",
        "Text diff between two versions",
        ("record_id", "from", "to"),
        models.DiffOut,
        errors=(400, 404),
    ),
    Endpoint(
        "/api/v1/records/{record_id}/capture",
        "capture",
        "The archived page, sandboxed (no script, no loads)",
        ("record_id", "version"),
        errors=(400, 404, 503),
        # The page as archived: HTML as a rule, but whatever type the department's server sent.
        content=(("text/html", _TEXT), ("application/octet-stream", _BINARY), ("*/*", _BINARY)),
    ),
    Endpoint(
        "/api/v1/records/{record_id}/capture/meta",
        "capture_meta",
        "Capture metadata: time, status, digest, WARC file and offset",
        ("record_id", "version"),
        models.CaptureOut,
        errors=(400, 404, 503),
    ),
    Endpoint(
        "/api/v1/records/{record_id}/attachments/{attachment}",
        "attachment",
        "A record's attachment: what `deptnews extract` read from it (method, pages, OCR confidence, "
        "document numbers) and its text page by page",
        ("record_id", "attachment"),
        models.AttachmentOut,
        errors=(400, 404, 503),
    ),
    Endpoint(
        "/api/v1/records/{record_id}/attachments/{attachment}/file",
        "attachment_file",
        "The archived file of a record's attachment, as a download (latest capture; 404 if never archived)",
        ("record_id", "attachment"),
        content=(("application/octet-stream", _BINARY),),
        errors=(400, 404, 503),
    ),
    Endpoint(
        "/api/v1/timegate/{url}",
        "timegate",
        "Memento TimeGate (RFC 7089): 302 to the memento closest to Accept-Datetime (default: the latest)",
        ("url", "Accept-Datetime"),
        errors=(400, 404, 503),
        tag="memento",
        success=(302,),
    ),
    Endpoint(
        "/api/v1/timemap/link/{url}",
        "timemap",
        "Memento TimeMap (RFC 7089): every memento of the URL with its datetime",
        ("url",),
        content=(("application/link-format", _TEXT),),
        errors=(400, 404, 503),
        tag="memento",
    ),
    Endpoint(
        "/api/v1/memento/{timestamp}/{url}",
        "memento",
        "A memento: the archived response as captured at that second, sandboxed, with Memento-Datetime "
        "(another time: 302 to the closest memento)",
        ("timestamp", "url"),
        content=(("text/html", _TEXT), ("application/octet-stream", _BINARY), ("*/*", _BINARY)),
        errors=(400, 404, 503),
        tag="memento",
        success=(200, 302),
    ),
    Endpoint(
        "/api/v1/warcs",
        "warcs",
        "The WARC files with their size, SHA-256 and number of records",
        (),
        warc_models.WarcsOut,
        errors=(503,),
        tag="warcs",
    ),
    Endpoint(
        "/api/v1/warcs/{warc}",
        "warc",
        "A WARC file as stored; Range requests (206), ETag and Repr-Digest (SHA-256)",
        ("warc",),
        content=(("application/gzip", _BINARY),),
        errors=(404, 416, 503),
        tag="warcs",
        success=(200, 206, 304),
    ),
    Endpoint(
        "/api/v1/cdx",
        "cdx",
        "The CDXJ index of the WARC files (pywb/OutbackCDX format), sorted",
        (),
        content=(("text/plain", _TEXT),),
        errors=(404,),
        tag="warcs",
    ),
    Endpoint(
        "/api/v1/sources",
        "sources",
        "Sources with their health",
        (),
        models.SourcesOut,
        errors=(),
        tag="sources",
    ),
    Endpoint(
        "/api/v1/sources/{source_id}",
        "source",
        "One source with its health",
        ("source_id",),
        models.SourceOut,
        errors=(404,),
        tag="sources",
    ),
    Endpoint(
        "/dumps/",
        "dumps",
        "Open-data dumps with their files and checksums",
        (),
        models.DumpsOut,
        errors=(),
        tag="dumps",
    ),
    Endpoint(
        "/dumps/{name}/{file}",
        "dump_file",
        "A file of a dump",
        ("name", "file"),
        errors=(404,),
        tag="dumps",
        content=(
            ("application/gzip", _BINARY),
            ("application/json", {}),
            ("text/csv", _TEXT),
            ("text/markdown", _TEXT),
            ("text/plain", _TEXT),
        ),
    ),
    Endpoint(
        "/problems/",
        "problem_types",
        "The problem types every error document's 'type' names (JSON, text or HTML by Accept)",
        (),
        models.ProblemTypesOut,
        errors=(),
        tag="service",
        content=(("text/plain", _TEXT), ("text/html", _TEXT)),
    ),
    Endpoint(
        "/problems/{slug}",
        "problem_type",
        "What one problem type means (JSON, text or HTML by Accept)",
        ("slug",),
        models.ProblemTypeOut,
        errors=(404,),
        tag="service",
        content=(("text/plain", _TEXT), ("text/html", _TEXT)),
    ),
    Endpoint("/healthz", "healthz", "Liveness", (), models.HealthOut, errors=(), tag="service"),
    Endpoint(
        "/readyz",
        "readyz",
        "Readiness: the index can be searched; each index node and its state",
        (),
        models.ReadyOut,
        errors=(503,),
        tag="service",
    ),
)


def _param(name: str) -> dict[str, Any]:
    param = PARAMETERS[name]
    return {
        "name": param.name,
        "in": param.location,
        "required": param.required,
        "description": param.description,
        "schema": param.schema(),
    }


@functools.lru_cache(maxsize=4)
def openapi_document(server: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document for a server URL (cached: it only depends on the code)."""
    wanted = [m for m in {e.model for e in ENDPOINTS if e.model} | {models.ProblemOut} if m is not None]
    _, schemas = models_json_schema(
        [(m, "serialization") for m in sorted(wanted, key=lambda m: m.__name__)],
        ref_template="#/components/schemas/{model}",
    )
    paths: dict[str, Any] = {}
    for endpoint in ENDPOINTS:
        responses: dict[str, Any] = {}
        content: dict[str, Any] = {}
        if endpoint.model is not None:
            ref = f"#/components/schemas/{endpoint.model.__name__}"
            content["application/json"] = {"schema": {"$ref": ref}}
        content.update({media: {"schema": schema} for media, schema in endpoint.content})
        for status in endpoint.success:
            if status == 302:
                responses["302"] = {"description": "Redirect to the memento (Location)"}
            elif status == 304:
                responses["304"] = {"description": "Not modified: the client's copy (its ETag) is current."}
            else:
                responses[str(status)] = {"description": endpoint.summary, "content": content}
        if endpoint.conditional and "304" not in responses:
            responses["304"] = {"description": "Not modified: the client's copy (its ETag) is current."}
        for status in (*endpoint.errors, 429):
            problem = {"schema": {"$ref": "#/components/schemas/ProblemOut"}}
            responses[str(status)] = {
                "description": "Problem details (RFC 9457)",
                "content": {PROBLEM: problem},
            }
        paths[endpoint.path] = {
            "get": {
                "operationId": endpoint.name,
                "summary": endpoint.summary,
                "tags": [endpoint.tag],
                "parameters": [_param(name) for name in endpoint.params],
                "responses": responses,
            }
        }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "deptnews",
            "version": "1",
            "description": _DESCRIPTION,
            "license": {"name": "Open data; see each dump's datapackage.json"},
        },
        "servers": [{"url": server}],
        "paths": paths,
        "components": {"schemas": schemas.get("$defs", {})},
    }


def reference_page(document: dict[str, Any]) -> str:
    """A plain HTML reference of the API (no script, nothing loaded from elsewhere)."""
    parts = [
        "<!doctype html><html lang='en'><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        "<title>deptnews API</title>",
        f"<style>{_STYLE}</style>",
        "<h1>deptnews API</h1>",
        f"<p>{escape(document['info']['description'])} Machine-readable: "
        "<a href='/openapi.json'>/openapi.json</a>. Every error is "
        "<code>application/problem+json</code> (RFC 9457).</p>",
    ]
    for path, item in document["paths"].items():
        operation = item["get"]
        parts.append(f"<h2 id='{escape(operation['operationId'])}'><code>GET {escape(path)}</code></h2>")
        parts.append(f"<p>{escape(operation['summary'])}</p>")
        if operation["parameters"]:
            parts.append("<table><tr><th>parameter</th><th>in</th><th>description</th><th>schema</th></tr>")
            for param in operation["parameters"]:
                schema = json.dumps(param["schema"], ensure_ascii=False)
                parts.append(
                    f"<tr><td><code>{escape(param['name'])}</code></td><td>{escape(param['in'])}</td>"
                    f"<td>{escape(param['description'])}</td><td><code>{escape(schema)}</code></td></tr>"
                )
            parts.append("</table>")
        codes = ", ".join(escape(code) for code in operation["responses"])
        parts.append(f"<p>Responses: {codes}</p>")
    return "".join(parts)
