"""Records whose attachments were extracted, for the tests of the PostgreSQL attachment texts: the texts
are written by the data home's real text store (:class:`~archive.documents.store.TextStore`) and named
by the records as ``deptnews extract`` names them (``text.sha256``, ``text.path``), in the current
content and in the latest version's."""

from __future__ import annotations

from conftest import make_record

from archive.documents.result import Extracted, Page
from archive.documents.store import TextStore
from archive.home import DataHome
from archive.model import Attachment, AttachmentText, Record
from archive.store import RecordStore

__all__ = ["LONG", "page_text", "with_attachments"]

LONG = 305
"""Pages of the long attachment: more than the 300 the ``pages`` column keeps for snippets."""


def page_text(record: int, attachment: int, page: int) -> str:
    """The text of one page: unique per record, attachment and page."""
    return (
        f"Văn bản {record}.{attachment}, trang {page}: kế hoạch chuyển đổi số số {record}{attachment}{page}"
    )


def _extracted(record: int, attachment: int, pages: int) -> Extracted:
    sha = f"{record:02x}{attachment:02x}{pages:04x}".ljust(64, "a")
    return Extracted(
        kind="pdf",
        sha256=sha,
        page_count=pages,
        pages=[
            Page(
                number=p,
                text=page_text(record, attachment, p),
                method="ocr" if p % 2 else "text-layer",
                confidence=91.5 if p % 2 else None,
            )
            for p in range(1, pages + 1)
        ],
    )


def with_attachments(home: DataHome, n: int, pages: list[int]) -> Record:
    """Store record ``n`` (``make_record``) with one extracted PDF per entry of ``pages`` (its page
    count), their texts in ``home``'s text store; returns the record."""
    store = TextStore(home.texts_dir)
    attachments = []
    for a, count in enumerate(pages, start=1):
        extracted = _extracted(n, a, count)
        path = store.put(extracted)
        text = AttachmentText(
            status="ok",
            sha256=extracted.sha256,
            path=path,
            kind="pdf",
            method=extracted.method,
            pages=count,
            confidence=extracted.confidence,
        )
        attachments.append(
            Attachment(url=f"http://demo.vn/files/{n}-{a}.pdf", title=f"Tệp {a}", type="pdf", text=text)
        )
    base = make_record(n, f"Kế hoạch số {n}", [f"Ban hành kế hoạch {n} kèm tệp đính kèm."])
    latest = base.versions[-1]
    content = latest.content.model_copy(update={"attachments": attachments})
    digest = content.compute_hash()  # the links are content (the extracted texts are not)
    version = latest.model_copy(update={"content": content, "content_hash": digest})
    record = Record.model_validate(
        base.model_dump() | {"attachments": attachments, "content_hash": digest, "versions": [version]}
    )
    RecordStore(home.records_dir).put(record)
    return record
