"""The archived files a record links to: ``/api/v1/records/{id}/attachments/{attachment}/file``.

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
from api.parameters import PARAMETERS, check_known
from api.problems import Problem
from api.routes.common import get_record


async def attachment_file(request: Request) -> Response:
    """The archived bytes of the record's n-th attachment (1 = the first); 404 ``attachment-not-found``
    past the last one, 404 ``not-archived`` if it was never captured."""
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
    url = found.attachments[n - 1].url
    entry, capture = await latest_file(request, url)
    headers = {
        "Memento-Datetime": http_date(entry.datetime),
        "Link": Uris(request, url).links(),
        "Cache-Control": "public, max-age=3600",
    }
    return sandboxed(capture, headers=headers, download=True, status=entry.status)


routes = [
    Route(
        "/api/v1/records/{record_id}/attachments/{attachment}/file",
        attachment_file,
        name="attachment_file",
    ),
]
