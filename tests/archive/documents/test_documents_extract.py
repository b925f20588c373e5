"""Extraction of each format on the real tools, from the demo's generated files."""

from __future__ import annotations

import time

import hostile_files as hostile
import pytest
from conftest import require_extraction_tools

from archive.documents.extract import extract, sniff
from archive.documents.limits import Limits
from archive.documents.result import ExtractionError
from archive.documents.worker import extract_bounded
from deptnews.demo import documents as demo


@pytest.fixture(autouse=True)
def _tools() -> None:
    require_extraction_tools()


def test_a_text_pdf_is_read_page_by_page_from_its_text_layer() -> None:
    found = extract(demo.decision_pdf(), name="qd.pdf")
    assert (found.kind, found.method, found.page_count, found.confidence) == ("pdf", "text-layer", 2, None)
    assert [p.number for p in found.pages] == [1, 2]
    assert f"Số: {demo.DECISION_NUMBER}" in found.pages[0].text.splitlines()
    assert "Đoàn Thu Hà" in found.pages[1].text
    assert "Đoàn Thu Hà" not in found.pages[0].text


def test_a_scanned_pdf_is_read_by_ocr_with_its_confidence() -> None:
    found = extract(demo.scanned_decision_pdf(), limits=Limits(ocr_dpi=150))
    assert (found.kind, found.method, found.page_count) == ("pdf", "ocr", 1)
    assert found.pages[0].method == "ocr"
    assert (found.confidence or 0) > 80
    text = found.pages[0].text
    for words in (demo.SCANNED_NUMBER, "Nguyễn Thị Hường", "khen thưởng", "Lộc Bình"):
        assert words in text


def test_a_docx_gives_its_paragraphs_and_table_rows_in_order() -> None:
    found = extract(demo.plan_docx())
    assert (found.kind, found.method, found.page_count) == ("docx", "office", 3)
    lines = found.pages[0].text.splitlines()
    assert lines[:2] == ["KẾ HOẠCH", f"Số: {demo.PLAN_NUMBER}"]
    assert lines.index("1 Nhân giống hồi Lạng Sơn chất lượng cao Viện Nông nghiệp Quý II") > lines.index(
        "II. NỘI DUNG"
    )
    assert found.pages[1].text.splitlines()[0] == "III. TỔ CHỨC THỰC HIỆN"  # after the page break


def test_an_xlsx_gives_one_page_per_sheet_with_its_name() -> None:
    found = extract(demo.winners_xlsx())
    assert [(p.number, p.label) for p in found.pages] == [
        (1, demo.WINNERS_SHEETS[0]),
        (2, demo.WINNERS_SHEETS[1]),
    ]
    assert "Lường Thị Mai Trường THPT Lộc Bình Giải Nhì" in found.pages[0].text.splitlines()
    assert "45/QĐ-SKHCN" in found.pages[1].text


def test_a_legacy_doc_in_tcvn3_is_converted_to_unicode() -> None:
    found = extract(demo.legacy_doc(), name="ke-hoach.doc")
    assert (found.kind, found.encoding) == ("doc", "tcvn3")
    # "ư" is byte 0xAD in TCVN3, the soft hyphen of Latin-1: it must survive the tools and the clean-up.
    assert "Kiểm tra các hồ chứa nước, đê điều trước mùa mưa lũ." in found.pages[0].text.splitlines()


def test_a_legacy_xls_in_vni_is_converted_to_unicode() -> None:
    found = extract(demo.legacy_xls(), name="danh-sach.xls")
    assert (found.kind, found.encoding) == ("xls", "vni")
    assert "1 Vi Văn Thưởng Xã Tân Thành" in found.pages[0].text.splitlines()


def test_the_format_comes_from_the_bytes_not_the_name() -> None:
    assert sniff(demo.plan_docx(), "x.pdf") == "docx"
    assert sniff(demo.winners_xlsx(), "x.docx") == "xlsx"
    assert sniff(demo.legacy_doc(), "") == "doc"
    assert sniff(demo.legacy_xls(), "") == "xls"
    assert sniff(b"<html>not a file</html>", "x.pdf") is None


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (hostile.encrypted_pdf, "encrypted"),
        (hostile.page_bomb, "too-many-pages"),
        (hostile.shared_page_tree, "corrupt"),
        (hostile.zip_bomb_docx, "zip-bomb"),
        (hostile.corrupt_pdf, "corrupt"),
        (lambda: b"\x00" * 100, "unsupported"),
    ],
)
def test_a_hostile_file_fails_with_its_reason_in_bounded_time(make: object, reason: str) -> None:
    data = make()  # type: ignore[operator]
    started = time.monotonic()
    with pytest.raises(ExtractionError) as failed:
        extract_bounded(data, name="bom.docx", limits=Limits(seconds=60, memory_mb=768))
    assert failed.value.reason == reason
    assert time.monotonic() - started < 60  # a guard only: each takes well under a second


def test_a_worker_over_its_time_is_killed_and_reported() -> None:
    with pytest.raises(ExtractionError) as failed:
        extract_bounded(demo.scanned_decision_pdf(), limits=Limits(seconds=0.01))
    assert failed.value.reason == "timeout"
