"""Helpers shared by the route modules: the context, JSON responses from models, conditional requests."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from pydantic import BaseModel
from starlette.datastructures import URL
from starlette.requests import Request
from starlette.responses import Response

from api.context import ApiContext
from api.parameters import read_int
from api.problems import Problem
from archive.errors import RecordNotFound, StoreError
from archive.model import Record, served

JSON = "application/json"


def context(request: Request) -> ApiContext:
    ctx: ApiContext = request.app.state.deptnews
    return ctx


def base_url(request: Request) -> URL:
    """The base URL every absolute link starts with: the configured public URL
    (``DEPTNEWS_API__PUBLIC_URL``) or, without one, the request's own (after the trusted proxy
    headers), with the application's root path."""
    public = context(request).settings.public_url
    return URL(public + "/") if public else request.base_url


def absolute_url(request: Request, name: str, /, query: str = "", **path_params: Any) -> str:
    """The absolute URL of route ``name`` (with ``path_params``, and ``query`` if given): the one
    function every absolute link in a response is built with, so all follow :func:`base_url`."""
    url = str(request.app.url_path_for(name, **path_params).make_absolute_url(base_url(request)))
    return f"{url}?{query}" if query else url


def request_url(request: Request) -> str:
    """The URL of this request as the public sees it (see :func:`base_url`): path and query kept."""
    root = request.scope.get("app_root_path", request.scope.get("root_path", ""))
    path = request.url.path.removeprefix(root) if root else request.url.path
    url = str(base_url(request)).rstrip("/") + path
    query = request.url.query
    return f"{url}?{query}" if query else url


def model_response(model: BaseModel, *, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Serialize a response model by alias (``from``) as UTF-8 JSON."""
    body = model.model_dump_json(by_alias=True)
    return Response(body, status_code=status, media_type=JSON, headers=headers)


def _not_modified_since(request: Request, last_modified: datetime) -> bool:
    """Whether ``If-Modified-Since`` is at or after ``last_modified`` (to the second, as HTTP dates
    go); a malformed date is ignored (RFC 9110 13.1.3)."""
    header = request.headers.get("if-modified-since")
    if not header:
        return False
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return False
    if since.tzinfo is None:
        return False
    return last_modified.replace(microsecond=0) <= since


def cached_response(
    request: Request,
    body: bytes | str,
    *,
    max_age: int,
    media_type: str = JSON,
    last_modified: datetime | None = None,
) -> Response:
    """A response with a strong ETag over its body (and ``Last-Modified`` if given); 304 when the
    client already has it: ``If-None-Match`` names the ETag, or, sent without ``If-None-Match``,
    ``If-Modified-Since`` is not before ``last_modified`` (RFC 9110 13.2.2)."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}"}
    if last_modified is not None:
        headers["Last-Modified"] = format_datetime(last_modified.astimezone(UTC), usegmt=True)
    match = request.headers.get("if-none-match")
    if match is not None:
        fresh = etag in [tag.strip().removeprefix("W/") for tag in match.split(",")] or match.strip() == "*"
    else:
        fresh = last_modified is not None and _not_modified_since(request, last_modified)
    if fresh:
        return Response(status_code=304, headers=headers)
    return Response(data, media_type=media_type, headers=headers)


def get_record(request: Request, record_id: str) -> Record:
    try:
        return served(context(request).store.get(record_id))
    except RecordNotFound:
        raise Problem(
            404, "record-not-found", "Record not found", f"no record with id {record_id!r}"
        ) from None
    except StoreError as exc:
        raise Problem(503, "record-unreadable", "Record unreadable", str(exc)) from None


def int_param(request: Request, name: str, value: object, *, low: int, high: int) -> int:
    """A path or query value as a whole number in [low, high]; a 400 problem otherwise."""
    return read_int(name, str(value), low, high)
