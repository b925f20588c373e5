"""A small archive with known captures, for the CDXJ and Memento tests: real WARC files (two, so that the
merged index joins them), a revisit, a redirect, a 404 and a record with attachments.

- ``PAGE`` captured at ``T1`` (v1), revisited at ``T2`` (same payload), captured again at ``T3`` (v2);
- ``PDF`` answered 302 at ``T1`` to ``PDF_FINAL``, captured 200 as ``application/pdf``;
- ``GONE`` answered 404; ``NEVER`` was never captured;
- the record of ``PAGE`` links to ``PDF``, ``GONE`` and ``NEVER``, in that order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from conftest import make_record

from archive.cdxindex import CdxIndex
from archive.home import DataHome
from archive.model import Attachment, CaptureRef
from archive.store import RecordStore
from archive.warc import Exchange, RevisitOf, WarcWriter, warc_files

PAGE = "http://so.example.vn/tin-tuc/bai-1.html?b=2&a=1"
PDF = "http://so.example.vn/files/van-ban.pdf"
PDF_FINAL = "http://so.example.vn/files/van-ban-moi.pdf"
GONE = "http://so.example.vn/files/gone.pdf"
NEVER = "http://so.example.vn/files/never.pdf"
T1 = datetime(2024, 1, 1, 0, 0, 0, tzinfo=UTC)
T2 = datetime(2024, 3, 1, 12, 0, 0, tzinfo=UTC)
T3 = datetime(2024, 6, 1, 8, 30, 15, tzinfo=UTC)
V1 = b"<html><body><h1>Tin</h1><p>Phien ban mot</p><script>alert(1)</script></body></html>"
V2 = b"<html><body><h1>Tin</h1><p>Phien ban hai</p></body></html>"
PDF_BODY = b"%PDF-1.4\n" + b"0" * 500
HTML = [("Content-Type", "text/html; charset=utf-8")]


def exchange(
    url: str, body: bytes, at: datetime, *, status: int = 200, headers: list[tuple[str, str]] | None = None
) -> Exchange:
    return Exchange(
        url=url,
        status=status,
        reason={200: "OK", 302: "Found", 404: "Not Found"}[status],
        response_headers=HTML if headers is None else headers,
        body=body,
        request_headers=[("User-Agent", "deptnews-test")],
        captured_at=at,
    )


@dataclass
class Built:
    home: DataHome
    record_id: str
    first: CaptureRef


def build(root: Path) -> Built:
    """The archive above in a data home at ``root``, with its CDXJ index up to date."""
    home = DataHome(root).ensure()
    with WarcWriter(home.warc_dir) as writer:
        first = writer.write_exchange(exchange(PAGE, V1, T1))
        original = RevisitOf(first.url, first.captured_at, first.warc_record_id, first.payload_digest or "")
        writer.write_revisit(exchange(PAGE, V1, T2), original)
        writer.write_exchange(
            exchange(PDF, b"", T1, status=302, headers=[("Location", "/files/van-ban-moi.pdf")])
        )
    with WarcWriter(home.warc_dir) as writer:
        writer.write_exchange(exchange(PAGE, V2, T3))
        writer.write_exchange(
            exchange(PDF_FINAL, PDF_BODY, T1, headers=[("Content-Type", "application/pdf")])
        )
        writer.write_exchange(exchange(GONE, b"<html>Not found</html>", T1, status=404))
    assert len(warc_files(home.warc_dir)) == 2
    CdxIndex(home.cdx_dir, home.warc_dir).update()
    record = make_record(1, "Tin", ["Phien ban hai"]).model_copy(
        update={
            "attachments": [
                Attachment(url=PDF, title="Văn bản", type="pdf"),
                Attachment(url=GONE, title="Mất", type="pdf"),
                Attachment(url=NEVER, title="Chưa lưu", type="pdf"),
            ]
        }
    )
    RecordStore(home.records_dir).put(record)
    return Built(home=home, record_id=record.id, first=first)
