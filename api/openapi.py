"""The OpenAPI 3.1 document, generated from the response models and the parameter table.

Nothing here is written by hand twice: schemas come from the pydantic models
(:mod:`api.models`, :class:`archive.model.Record`), parameters from :data:`PARAMETERS` and the
endpoint table below, which the tests check against the application's routes.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from html import escape
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from api import models
from archive.model import Record, Version
from index.schema import FACET_FIELDS
from index.search import FILTER_FIELDS, MAX_SIZE

PROBLEM = "application/problem+json"
_DESCRIPTION = "Open-data archive of government department news pages: search, records, versions."
_STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:auto;padding:1rem}"
    "code{background:#f3f3f3;padding:0 .2em}td,th{text-align:left;padding:.2em .6em;vertical-align:top}"
)


@dataclass(frozen=True)
class Param:
    name: str
    description: str
    schema: dict[str, Any] = field(default_factory=lambda: {"type": "string"})
    location: str = "query"
    required: bool = False


PARAMETERS: dict[str, Param] = {
    "q": Param(
        "q",
        'Query: words, "phrases", -exclusion, a OR b, title:/author:/department:/source:/year:',
        {"type": "string", "maxLength": 1000},
    ),
    **{name: Param(name, f"Only records whose {name} is exactly this value.") for name in FILTER_FIELDS},
    "date_from": Param(
        "date_from",
        "Published on or after (YYYY-MM-DD, Vietnamese time).",
        {"type": "string", "format": "date"},
    ),
    "date_to": Param(
        "date_to",
        "Published on or before (YYYY-MM-DD, Vietnamese time).",
        {"type": "string", "format": "date"},
    ),
    "sort": Param(
        "sort",
        "Order of hits (default: relevance with q, newest without).",
        {"type": "string", "enum": ["relevance", "newest", "oldest"]},
    ),
    "size": Param(
        "size",
        f"Hits per page (1-{MAX_SIZE}).",
        {"type": "integer", "minimum": 1, "maximum": MAX_SIZE, "default": 20},
    ),
    "offset": Param(
        "offset", "Hits to skip.", {"type": "integer", "minimum": 0, "maximum": 10000, "default": 0}
    ),
    "cursor": Param("cursor", "Opaque cursor from a previous response's next_cursor (stable paging)."),
    "format": Param("format", "Export format.", {"type": "string", "enum": ["jsonl", "csv"]}),
    "interval": Param("interval", "Bucket size.", {"type": "string", "enum": ["day", "month", "year"]}),
    "facets": Param(
        "facets",
        f"Comma-separated facets to count: {', '.join(FACET_FIELDS)}.",
        {"type": "string", "pattern": f"^$|^({'|'.join(FACET_FIELDS)})(,({'|'.join(FACET_FIELDS)}))*$"},
    ),
    "name": Param("name", "Dump name (deptnews-YYYYMMDDTHHMMSSZ).", location="path", required=True),
    "file": Param("file", "File name inside the dump.", location="path", required=True),
    "source_id": Param("source_id", "Source id from the registry.", location="path", required=True),
    "record_id": Param("record_id", "Record id (16 hex characters).", location="path", required=True),
    "n": Param("n", "Version number (1 = first capture).", {"type": "integer", "minimum": 1}, "path", True),
    "version": Param(
        "version", "Version number (default: the current one).", {"type": "integer", "minimum": 1}
    ),
    "from": Param(
        "from", "Older version number (default: the one before 'to').", {"type": "integer", "minimum": 1}
    ),
    "to": Param("to", "Newer version number (default: the current one).", {"type": "integer", "minimum": 1}),
}
SEARCH_PARAMS = ("q", *FILTER_FIELDS, "date_from", "date_to", "sort", "size", "offset", "cursor", "facets")
HARVEST_PARAMS = ("q", *FILTER_FIELDS, "date_from", "date_to", "sort")


@dataclass(frozen=True)
class Endpoint:
    path: str
    name: str
    summary: str
    params: tuple[str, ...] = ()
    model: type[BaseModel] | None = None
    media_type: str = "application/json"
    errors: tuple[int, ...] = (400,)
    tag: str = "records"


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "/api/v1/export",
        "export",
        "Every match of a search, streamed as JSON Lines (records) or CSV",
        (*HARVEST_PARAMS, "format"),
        None,
        "application/x-ndjson",
        (400, 503),
        tag="search",
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
        None,
        "application/atom+xml",
        (400, 503),
        tag="search",
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
        errors=(404,),
    ),
    Endpoint(
        "/api/v1/records/{record_id}/versions",
        "versions",
        "The versions of a record",
        ("record_id",),
        models.VersionsOut,
        errors=(404,),
    ),
    Endpoint(
        "/api/v1/records/{record_id}/versions/{n}",
        "version",
        "One version of a record",
        ("record_id", "n"),
        Version,
        errors=(400, 404),
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
        None,
        "text/html",
        (400, 404, 503),
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
        None,
        "application/octet-stream",
        (404,),
        tag="dumps",
    ),
    Endpoint("/healthz", "healthz", "Liveness", (), models.HealthOut, errors=(), tag="service"),
    Endpoint(
        "/readyz",
        "readyz",
        "Readiness: the index can be searched",
        (),
        models.HealthOut,
        errors=(503,),
        tag="service",
    ),
)


_EMPTY = {"type": "string", "maxLength": 0}


def _param(param: Param) -> dict[str, Any]:
    # HTML forms send empty fields ("date_from="); the API reads an empty query value as "not given".
    plain = param.schema == {"type": "string"} or "maxLength" in param.schema or "pattern" in param.schema
    schema = param.schema if param.required or plain else {"anyOf": [param.schema, _EMPTY]}
    return {
        "name": param.name,
        "in": param.location,
        "required": param.required,
        "description": param.description,
        "schema": schema,
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
        if endpoint.model is not None:
            ref = {"$ref": f"#/components/schemas/{endpoint.model.__name__}"}
            responses["200"] = {
                "description": endpoint.summary,
                "content": {endpoint.media_type: {"schema": ref}},
            }
        else:
            responses["200"] = {"description": endpoint.summary, "content": {"*/*": {"schema": {}}}}
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
                "parameters": [_param(PARAMETERS[name]) for name in endpoint.params],
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
            parts.append("<table><tr><th>parameter</th><th>in</th><th>description</th></tr>")
            for param in operation["parameters"]:
                parts.append(
                    f"<tr><td><code>{escape(param['name'])}</code></td><td>{escape(param['in'])}</td>"
                    f"<td>{escape(param['description'])}</td></tr>"
                )
            parts.append("</table>")
        codes = ", ".join(escape(code) for code in operation["responses"])
        parts.append(f"<p>Responses: {codes}</p>")
    return "".join(parts)
