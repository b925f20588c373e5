"""Helpers shared by the route modules: the context, JSON responses from models, conditional requests."""

from __future__ import annotations

import hashlib

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from api.context import ApiContext
from api.parameters import read_int
from api.problems import Problem
from archive.errors import RecordNotFound, StoreError
from archive.model import Record

JSON = "application/json"


def context(request: Request) -> ApiContext:
    ctx: ApiContext = request.app.state.deptnews
    return ctx


def model_response(model: BaseModel, *, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Serialize a response model by alias (``from``) as UTF-8 JSON."""
    body = model.model_dump_json(by_alias=True)
    return Response(body, status_code=status, media_type=JSON, headers=headers)


def cached_json(request: Request, body: bytes | str, *, max_age: int, media_type: str = JSON) -> Response:
    """A response with a strong ETag over its body; 304 when the client already has it."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}"}
    match = request.headers.get("if-none-match", "")
    if etag in [tag.strip().removeprefix("W/") for tag in match.split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(data, media_type=media_type, headers=headers)


def get_record(request: Request, record_id: str) -> Record:
    try:
        return context(request).store.get(record_id)
    except RecordNotFound:
        raise Problem(
            404, "record-not-found", "Record not found", f"no record with id {record_id!r}"
        ) from None
    except StoreError as exc:
        raise Problem(503, "record-unreadable", "Record unreadable", str(exc)) from None


def int_param(request: Request, name: str, value: object, *, low: int, high: int) -> int:
    """A path or query value as a whole number in [low, high]; a 400 problem otherwise."""
    return read_int(name, str(value), low, high)
