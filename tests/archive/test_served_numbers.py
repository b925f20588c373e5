"""A record as served: its attachments' document numbers joined to the page's, the stored record untouched."""

from __future__ import annotations

from conftest import make_record

from archive.model import Attachment, AttachmentText, served
from index.schema import doc_number_key, to_document


def _with_files(*numbers: list[str]) -> list[Attachment]:
    return [
        Attachment(url=f"http://demo.vn/f{i}.pdf", text=AttachmentText(status="ok", doc_numbers=found))
        for i, found in enumerate(numbers)
    ]


def test_the_union_keeps_the_page_s_numbers_first_and_each_number_once() -> None:
    record = make_record(1, "Tiêu đề", ["Thân bài"], doc_numbers=["12/KH-UBND"])
    record = record.model_copy(
        update={"attachments": _with_files(["45/QĐ-SKHCN", "12/kh-ubnd"], ["45/QĐ-SKHCN", "7/TB-STTTT"])}
    )
    out = served(record)
    assert out.doc_numbers == ["12/KH-UBND", "45/QĐ-SKHCN", "7/TB-STTTT"]
    assert record.doc_numbers == ["12/KH-UBND"]  # the stored record is not changed
    assert out.content_hash == record.content_hash == record.versions[-1].content.compute_hash()
    assert served(make_record(2, "Không tệp", ["x"], doc_numbers=["1/QĐ"])).doc_numbers == ["1/QĐ"]


def test_the_index_document_holds_every_number_as_a_filter_term() -> None:
    record = make_record(3, "Tiêu đề", ["Thân bài"], doc_numbers=["12/KH-UBND"])
    record = record.model_copy(update={"attachments": _with_files(["45/QĐ - SKHCN"])})
    doc = to_document(record)
    assert doc["doc_number"] == "12/kh-ubnd,45/qđ-skhcn"
    assert doc_number_key("45/QĐ-SKHCN") == doc_number_key(" 45/qđ - skhcn ") == "45/qđ-skhcn"
