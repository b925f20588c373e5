"""The files a record links to: ``/api/v1/records/{id}/attachments/{attachment}`` (what ``deptnews
extract`` read from the file, page by page) and ``…/{attachment}/file`` (the archived bytes).

The attachment's URL is looked up in the CDXJ index; its latest successful capture (archived redirects
followed) is sent as a download with its original content type — ``Content-Disposition: attachment``
with the file's name, sandboxed (:mod:`api.archived`) — never shown from our origin.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.archived import latest_file, sandboxed
from api.memento import Uris, http_date
from api.models import AttachmentOut, AttachmentPageOut, AttachmentTextOut
from api.parameters import PARAMETERS, check_known
from api.problems import Problem
from api.routes.common import absolute_url, context, get_record, model_response
from archive.errors import StoreError
from archive.model import AttachmentText, Record
from index.records import RecordReader


async def _attachment(request: Request) -> tuple[Record, int]:
    """The record and the attachment number of the path; 404 ``attachment-not-found`` past the last."""
    check_known(request.query_params, ())
    found = await run_in_threadpool(get_record, request, request.path_params["record_id"])
    n: int = PARAMETERS["attachment"].read(request.path_params["attachment"])
    if n > len(found.attachments):
        raise Problem(
            404,
            "attachment-not-found",
            "Attachment not found",
            f"record {found.id} has {len(found.attachments)} attachment(s); no attachment {n}",
            parameter="attachment",
        )
    return found, n


def _pages(store: RecordReader, rid: str, text: AttachmentText | None) -> list[AttachmentPageOut]:
    """The stored pages of an extracted attachment, where the records are read (the data home's text
    files, or the PostgreSQL index): [] when none, or its text is gone (re-derivable); 503
    ``record-unreadable`` when they cannot be read now."""
    if text is None or text.status != "ok" or not text.sha256:
        return []
    try:
        stored = store.attachment_text(rid, text.sha256)
    except StoreError as exc:
        raise Problem(503, "record-unreadable", "Record unreadable", str(exc)) from None
    if stored is None:
        return []
    return [
        AttachmentPageOut(
            number=p.number, label=p.label, method=p.method, confidence=p.confidence, text=p.text
        )
        for p in stored.pages
    ]


async def attachment(request: Request) -> Response:
    """The record's n-th attachment (1 = the first): its link, what extraction found and its text page
    by page; 404 ``attachment-not-found`` past the last one."""
    found, n = await _attachment(request)
    item = found.attachments[n - 1]
    pages = await run_in_threadpool(_pages, context(request).store, found.id, item.text)
    where = {"record_id": found.id, "attachment": str(n)}
    body = AttachmentOut(
        record_id=found.id,
        attachment=n,
        url=item.url,
        title=item.title,
        type=item.type,
        text=AttachmentTextOut(**item.text.model_dump(exclude={"path", "extractor_version"}))
        if item.text is not None
        else None,
        pages=pages,
        links={
            "file": absolute_url(request, "attachment_file", **where),
            "record": absolute_url(request, "record", record_id=found.id),
        },
    )
    return model_response(body)


async def attachment_file(request: Request) -> Response:
    """The archived bytes of the record's n-th attachment (1 = the first); 404 ``attachment-not-found``
    past the last one, 404 ``not-archived`` if it was never captured."""
    found, n = await _attachment(request)
    url = found.attachments[n - 1].url
    entry, capture = await latest_file(request, url)
    headers = {
        "Memento-Datetime": http_date(entry.datetime),
        "Link": Uris(request, url).links(),
        "Cache-Control": "public, max-age=3600",
    }
    return sandboxed(capture, headers=headers, download=True, status=entry.status)


routes = [
    Route("/api/v1/records/{record_id}/attachments/{attachment}", attachment, name="attachment"),
    Route(
        "/api/v1/records/{record_id}/attachments/{attachment}/file",
        attachment_file,
        name="attachment_file",
    ),
]
