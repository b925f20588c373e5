"""Records, their versions, diffs between versions, and the archived capture behind each version."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.diffs import diff_versions
from api.memento import Uris
from api.models import CaptureOut, VersionsOut, VersionSummaryOut
from api.parameters import PARAMETERS, check_known
from api.problems import Problem
from api.routes.common import absolute_url, cached_response, context, get_record, model_response
from archive.errors import WarcError
from archive.model import Record, Version
from archive.warc import Capture, read_capture

# The archived page may hold anything a department site ever served, including script. It is shown
# only inside this policy: sandboxed (no script, no forms, no same-origin), nothing loaded from anywhere.
CAPTURE_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'"
_HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain")


def _number(record: Record, name: str, raw: str | None, default: int) -> int:
    """Version number ``raw`` of parameter ``name`` (``default`` if not given or empty): a 400 problem
    if the parameter's definition refuses it, 404 ``version-not-found`` past the record's last."""
    if raw is None or raw == "":
        return default
    n: int = PARAMETERS[name].read(raw)
    if n > len(record.versions):
        raise Problem(
            404,
            "version-not-found",
            "Version not found",
            f"record {record.id} has {len(record.versions)} version(s); no version {n}",
            parameter=name,
        )
    return n


def _version(record: Record, name: str, raw: str | None) -> Version:
    return record.versions[_number(record, name, raw, len(record.versions)) - 1]


async def record(request: Request) -> Response:
    """The record: current content, provenance and every version."""
    found = await run_in_threadpool(get_record, request, request.path_params["record_id"])
    max_age = context(request).settings.record_max_age
    return cached_response(request, found.model_dump_json(), max_age=max_age)


async def versions(request: Request) -> Response:
    found = await run_in_threadpool(get_record, request, request.path_params["record_id"])
    base = absolute_url(request, "record", record_id=found.id)
    body = VersionsOut(
        id=found.id,
        url=found.url,
        current=found.versions[-1].n,
        removed_at=found.removed_at,
        versions=[
            VersionSummaryOut(
                n=v.n,
                content_hash=v.content_hash,
                title=v.content.title,
                first_seen=v.first_seen,
                last_seen=v.last_seen,
                captured_at=v.capture.captured_at,
                parser_version=v.parser_version,
                links={"self": f"{base}/versions/{v.n}", "capture": f"{base}/capture?version={v.n}"},
            )
            for v in found.versions
        ],
    )
    return cached_response(request, body.model_dump_json(), max_age=context(request).settings.record_max_age)


async def version(request: Request) -> Response:
    found = await run_in_threadpool(get_record, request, request.path_params["record_id"])
    chosen = _version(found, "n", request.path_params["n"])
    max_age = context(request).settings.record_max_age
    return cached_response(request, chosen.model_dump_json(), max_age=max_age)


async def diff(request: Request) -> Response:
    """A unified text diff between two versions (default: the previous and the current one)."""
    found = await run_in_threadpool(get_record, request, request.path_params["record_id"])
    params = request.query_params
    check_known(params, ("from", "to"))
    to_n = _number(found, "to", params.get("to"), len(found.versions))
    from_n = _number(found, "from", params.get("from"), max(1, to_n - 1))
    return model_response(diff_versions(found, from_n, to_n))


def _capture_version(request: Request, record: Record) -> Version:
    check_known(request.query_params, ("version",))
    return _version(record, "version", request.query_params.get("version"))


async def _read_capture(request: Request) -> tuple[Record, Version, Capture]:
    """The record, the version the request names and that version's capture read from its WARC file
    (503 ``capture-unreadable`` if it cannot be read)."""
    found = await run_in_threadpool(get_record, request, request.path_params["record_id"])
    chosen = _capture_version(request, found)
    try:
        raw = await run_in_threadpool(read_capture, context(request).home.warc_dir, chosen.capture)
    except WarcError as exc:
        raise Problem(503, "capture-unreadable", "Capture unreadable", str(exc)) from None
    return found, chosen, raw


async def capture(request: Request) -> Response:
    """The archived page exactly as captured, served so that it cannot run script or load anything."""
    _, chosen, raw = await _read_capture(request)
    content_type = raw.content_type or "application/octet-stream"
    ref = chosen.capture
    headers = {
        "Content-Security-Policy": CAPTURE_CSP,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cross-Origin-Resource-Policy": "same-origin",
        "Memento-Datetime": ref.captured_at.strftime("%a, %d %b %Y %H:%M:%S GMT"),
        "Link": Uris(request, ref.url).links(),  # the original, its Memento TimeGate and TimeMap
        "X-Deptnews-Warc-File": ref.warc_file,
        "X-Deptnews-Warc-Offset": str(ref.offset),
        "X-Deptnews-Warc-Record-Id": ref.warc_record_id,
        "X-Deptnews-Original-Status": str(ref.status),
        "Cache-Control": "public, max-age=86400, immutable",
    }
    if ref.payload_digest:
        headers["X-Deptnews-Payload-Digest"] = ref.payload_digest
    if not content_type.split(";")[0].strip().lower().startswith(_HTML_TYPES):
        headers["Content-Disposition"] = "attachment"
    return Response(raw.body, media_type=content_type, headers=headers)


async def capture_meta(request: Request) -> Response:
    """Where and when the capture behind a version was made, and its HTTP headers."""
    found, chosen, raw = await _read_capture(request)
    ref = chosen.capture
    base = absolute_url(request, "record", record_id=found.id)
    body = CaptureOut(
        id=found.id,
        version=chosen.n,
        url=ref.url,
        captured_at=ref.captured_at,
        status=ref.status,
        content_type=ref.content_type,
        warc_file=ref.warc_file,
        offset=ref.offset,
        length=ref.length,
        warc_record_id=ref.warc_record_id,
        payload_digest=ref.payload_digest,
        headers=raw.headers,
        links={"capture": f"{base}/capture?version={chosen.n}", "record": base},
    )
    return model_response(body)


routes = [
    Route("/api/v1/records/{record_id}", record, name="record"),
    Route("/api/v1/records/{record_id}/versions", versions, name="versions"),
    Route("/api/v1/records/{record_id}/versions/{n}", version, name="version"),
    Route("/api/v1/records/{record_id}/diff", diff, name="diff"),
    Route("/api/v1/records/{record_id}/capture", capture, name="capture"),
    Route("/api/v1/records/{record_id}/capture/meta", capture_meta, name="capture_meta"),
]
