"""The extract step over a data home holding hostile attachments: each recorded as failed with its
reason, the others read, failures retried by later runs up to the limit, the records linked."""

from __future__ import annotations

from datetime import UTC, datetime

import hostile_files as hostile
from conftest import make_record, require_extraction_tools

from archive.cdxindex import CdxIndex
from archive.documents.limits import Limits
from archive.documents.link import link_records
from archive.documents.run import MAX_ATTEMPTS, extract_attachments
from archive.home import DataHome
from archive.ledger import Ledger
from archive.model import Attachment
from archive.store import RecordStore
from archive.warc import Exchange, WarcWriter
from deptnews.demo import documents as demo

FILES = {
    "http://demo.vn/files/qd.pdf": demo.decision_pdf,
    "http://demo.vn/files/khoa.pdf": hostile.encrypted_pdf,
    "http://demo.vn/files/bom.pdf": hostile.page_bomb,
    "http://demo.vn/files/bom.docx": hostile.zip_bomb_docx,
    "http://demo.vn/files/hong.pdf": hostile.corrupt_pdf,
}
EXPECTED = {
    "http://demo.vn/files/khoa.pdf": "encrypted",
    "http://demo.vn/files/bom.pdf": "too-many-pages",
    "http://demo.vn/files/bom.docx": "zip-bomb",
    "http://demo.vn/files/hong.pdf": "corrupt",
    "http://demo.vn/files/mat.pdf": "not-archived",
}


def _home(root: object) -> DataHome:
    home = DataHome(root).ensure()  # type: ignore[arg-type]
    with WarcWriter(home.warc_dir) as writer:
        for url, make in FILES.items():
            writer.write_exchange(
                Exchange(
                    url=url,
                    status=200,
                    reason="OK",
                    response_headers=[("Content-Type", "application/octet-stream")],
                    body=make(),
                    captured_at=datetime(2024, 3, 1, tzinfo=UTC),
                )
            )
    CdxIndex(home.cdx_dir, home.warc_dir).update()
    record = make_record(1, "Tin có tệp đính kèm", ["Nội dung."])
    attachments = [Attachment(url=url) for url in [*FILES, "http://demo.vn/files/mat.pdf"]]
    content = record.versions[-1].content.model_copy(update={"attachments": attachments})
    digest = content.compute_hash()
    version = record.versions[-1].model_copy(update={"content": content, "content_hash": digest})
    record = record.model_copy(
        update={"attachments": attachments, "versions": [version], "content_hash": digest}
    )
    RecordStore(home.records_dir).put(record)
    return home


def test_hostile_files_fail_with_their_reason_and_nothing_else_is_lost(tmp_path: object) -> None:
    require_extraction_tools()
    home = _home(tmp_path)
    limits = Limits(seconds=60, memory_mb=768)
    first = extract_attachments(home, limits=limits, workers=2)
    assert (first.extracted, first.not_archived) == (1, 1)
    assert dict(first.failed) == {"encrypted": 1, "too-many-pages": 1, "zip-bomb": 1, "corrupt": 1}
    link_records(home)
    (record,) = RecordStore(home.records_dir)
    texts = {a.url: a.text for a in record.attachments}
    assert texts["http://demo.vn/files/qd.pdf"] is not None
    assert texts["http://demo.vn/files/qd.pdf"].status == "ok"
    assert {u: t.reason for u, t in texts.items() if t is not None and t.status == "failed"} == {
        u: r for u, r in EXPECTED.items() if r != "not-archived"
    }
    assert texts["http://demo.vn/files/mat.pdf"] is None  # not archived yet: nothing to say
    # Linking changed no content hash (the summaries are not part of it): no new version.
    assert (
        record.content_hash == record.versions[-1].content_hash == record.versions[-1].content.compute_hash()
    )
    assert len(record.versions) == 1
    # Failures are tried again by later runs, until MAX_ATTEMPTS in a row; the text read stays read.
    for run in range(2, MAX_ATTEMPTS + 2):
        again = extract_attachments(home, limits=limits)
        assert again.known == 1
        assert sum(again.failed.values()) == (4 if run <= MAX_ATTEMPTS else 0)
    assert again.given_up == 4
    with Ledger.open(home.records_dir) as ledger:
        state = ledger.attachment_text("http://demo.vn/files/khoa.pdf")
    assert state is not None
    assert state[1] == MAX_ATTEMPTS


def test_a_file_name_for_the_extractor_from_the_response_or_the_link() -> None:
    from archive.documents.run import _name, _served_name
    from archive.model import Attachment

    liferay = Attachment(url="http://h/documents/1/2/K%E1%BA%BF+ho%E1%BA%A1ch.docx/3f2b9c1e?version=1.0")
    assert _name(liferay) == "Kế hoạch.docx"
    servlet = Attachment(url="http://h/c/document_library/get_file?uuid=1&groupId=2", title="Danh sách")
    assert _name(servlet) == "Danh sách"
    headers = [("Content-Disposition", "attachment; filename*=UTF-8''Danh%20s%C3%A1ch.xlsx")]
    assert _served_name(headers, "x") == "Danh sách.xlsx"
    assert _served_name([("content-disposition", 'attachment; filename="..\\\\a\\\\b.pdf"')], "x") == "b.pdf"
    assert _served_name([("Content-Disposition", "inline")], "fallback") == "fallback"
    assert _served_name([], "fallback") == "fallback"
