"""The record page, ``/records/{id}`` (``?version=n`` for an older version), and the diff page,
``/records/{id}/diff?from=&to=``.

The record page shows the content of one version, its provenance, the archived copy in a sandboxed frame
(served by ``/api/v1/records/{id}/capture`` under its own sandbox policy), every version with links to
diffs, a citation pinned to the version, links to the JSON of all of it, and each attachment with its
extracted text behind a toggle (``<details>``), one section per page with the anchor ``#att-N-p-P`` that
a search hit matched in an attachment links to (highlighted by CSS ``:target``; no script).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from api.diffs import diff_versions
from api.routes.common import context, get_record, int_param
from api.web.errors import check_params
from api.web.render import Page
from archive.documents.result import Page as Page_
from archive.errors import StoreError
from archive.model import Content, Record, Version
from index.records import RecordReader


@dataclass(frozen=True)
class VersionRow:
    n: int
    title: str
    first_seen: datetime
    last_seen: datetime
    captured_at: datetime
    url: str
    capture_url: str
    diff_url: str | None
    shown: bool


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "add", "del", "hunk", "file" or "same"
    text: str


def _version_rows(page: Page, record: Record, shown: int) -> list[VersionRow]:
    rid = record.id
    return [
        VersionRow(
            n=v.n,
            title=v.content.title,
            first_seen=v.first_seen,
            last_seen=v.last_seen,
            captured_at=v.capture.captured_at,
            url=page.url("web_record", {"version": str(v.n)}, record_id=rid),
            capture_url=f"{page.path('capture', record_id=rid)}?version={v.n}",
            diff_url=page.url("web_diff", {"from": str(v.n - 1), "to": str(v.n)}, record_id=rid)
            if v.n > 1
            else None,
            shown=v.n == shown,
        )
        for v in reversed(record.versions)
    ]


def citation(page: Page, record: Record, version: Version, source_name: str) -> tuple[str, str]:
    """(citation text, permalink): the permalink pins the version, so a later edit of the page does
    not change what the citation points to."""
    permalink = f"{page.absolute_url('web_record', record_id=record.id)}?version={version.n}"
    content = version.content
    published = page.t("cite.published", date=page.t.day(content.published)) if content.published else ""
    text = page.t(
        "cite.text",
        publisher=source_name,
        title=content.title,
        published=published,
        url=record.url,
        captured=page.t.when(version.capture.captured_at),
        permalink=permalink,
    )
    return " ".join(text.split()), permalink


def _attachment_pages(store: RecordReader, rid: str, content: Content) -> dict[int, list[Page_]]:
    """The extracted pages of each attachment of ``content`` (by number from 1), read where the records
    are (the data home's text files, or the PostgreSQL index); one that cannot be read now is left out."""
    found: dict[int, list[Page_]] = {}
    for n, attachment in enumerate(content.attachments, start=1):
        text = attachment.text
        if text is not None and text.status == "ok" and text.sha256:
            try:
                stored = store.attachment_text(rid, text.sha256)
            except StoreError:
                continue
            if stored is not None:
                found[n] = stored.pages
    return found


async def record_page(request: Request) -> Response:
    page = Page(request)
    check_params(request, ("lang", "version"))
    record = await run_in_threadpool(get_record, request, request.path_params["record_id"])
    latest = len(record.versions)
    raw = request.query_params.get("version")
    n = latest if not raw else int_param(request, "version", raw, low=1, high=latest)
    version = record.versions[n - 1]
    source = context(request).registry().sources.get(record.source)
    source_name = source.name if source else record.source
    cite_text, permalink = citation(page, record, version, source_name)
    rid = record.id
    capture_path = page.path("capture", record_id=rid)
    return page.render(
        "record.html",
        record=record,
        content=version.content,
        version=version,
        latest=latest,
        source_name=source_name,
        search_url=lambda **filters: page.url("web_search", filters),
        current_url=page.url("web_record", record_id=rid),
        original_url=page.url("web_record", record_id=record.repost_of) if record.repost_of else None,
        capture_url=f"{capture_path}?version={n}",
        versions=_version_rows(page, record, n),
        compare_url=page.path("web_diff", record_id=rid),
        cite_text=cite_text,
        permalink=permalink,
        attachment_pages=await run_in_threadpool(
            _attachment_pages, context(request).store, rid, version.content
        ),
        attachment_file=lambda n: page.path("attachment_file", record_id=rid, attachment=str(n)),
        json={
            "record": page.path("record", record_id=rid),
            "versions": page.path("versions", record_id=rid),
            "version": page.path("version", record_id=rid, n=str(n)),
            "capture_meta": f"{page.path('capture_meta', record_id=rid)}?version={n}",
        },
    )


def diff_lines(text: str) -> list[DiffLine]:
    """A unified diff's lines, classified for display."""
    lines = []
    for line in text.splitlines():
        if line.startswith(("+++", "---")):
            kind = "file"
        elif line.startswith("@@"):
            kind = "hunk"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "del"
        else:
            kind = "same"
        lines.append(DiffLine(kind, line))
    return lines


async def diff_page(request: Request) -> Response:
    page = Page(request)
    check_params(request, ("lang", "from", "to"))
    record = await run_in_threadpool(get_record, request, request.path_params["record_id"])
    latest = len(record.versions)
    params = request.query_params
    to_n = int_param(request, "to", params.get("to") or latest, low=1, high=latest)
    from_n = int_param(request, "from", params.get("from") or max(1, to_n - 1), low=1, high=latest)
    diff = diff_versions(record, from_n, to_n)
    rid = record.id
    capture_path = page.path("capture", record_id=rid)
    return page.render(
        "diff.html",
        record=record,
        from_n=from_n,
        to_n=to_n,
        latest=latest,
        versions=list(reversed(record.versions)),
        changed=diff.changed_fields,
        lines=diff_lines(diff.diff),
        record_url=page.url("web_record", record_id=rid),
        version_url=lambda n: page.url("web_record", {"version": str(n)}, record_id=rid),
        capture_url=lambda n: f"{capture_path}?version={n}",
        compare_url=page.path("web_diff", record_id=rid),
        json_url=f"{page.path('diff', record_id=rid)}?from={from_n}&to={to_n}",
    )
