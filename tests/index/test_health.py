"""Per-source parser health (index.whoosh.health) on a real index, built whole and then incrementally."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from conftest import ICT
from index_factory import make_record

from archive.model import Record
from archive.store import RecordStore
from deptnews.commands.index import record_entries
from index.health import SHORT_BODY, SourceHealth
from index.whoosh.service import SearchService
from index.whoosh.store import IndexWriter
from index.whoosh.sync import sync

LONG = ["Nội dung bài viết đầy đủ về hoạt động của Sở. " * 8]
SHORT = ["Chỉ có đoạn dẫn."]
DAY = datetime(2024, 5, 2, tzinfo=ICT)


def records() -> list[Record]:
    return [
        # a healthy source: distinct titles, dated, long bodies
        make_record(1, "Hội nghị tổng kết năm", LONG, published=DAY, source="good"),
        make_record(2, "Tập huấn chuyển đổi số", LONG, published=DAY, source="good"),
        # a source whose parser took the portlet heading as every title and lost dates and bodies
        make_record(3, "Tin tức nổi bật", LONG, published=DAY, source="broken"),
        make_record(4, "Tin tức  nổi bật", SHORT, source="broken"),
        make_record(5, "TIN TỨC NỔI BẬT", SHORT, source="broken"),
        make_record(6, "Lịch công tác tuần", LONG, source="broken"),
        # the same title on another source is not a shared title
        make_record(7, "Hội nghị tổng kết năm", LONG, published=DAY, source="other"),
    ]


def health_of(path: Path) -> dict[str, SourceHealth]:
    service = SearchService(path, lambda rid: None)
    try:
        return service.health()
    finally:
        service.close()


EXPECTED = {
    "good": SourceHealth(records=2, without_date=0, short_body=0, shared_title=0),
    "broken": SourceHealth(records=4, without_date=3, short_body=2, shared_title=3),
    "other": SourceHealth(records=1, without_date=0, short_body=0, shared_title=0),
}


def test_health_counts_each_source(tmp_path: Path) -> None:
    assert len(SHORT[0]) < SHORT_BODY <= len(LONG[0])
    IndexWriter(tmp_path / "ix").rebuild(records())
    assert health_of(tmp_path / "ix") == EXPECTED


def test_incremental_segments_count_the_same(tmp_path: Path) -> None:
    store = RecordStore(tmp_path / "records")
    all_records = records()
    for record in all_records[:2]:
        store.put(record)
    sync(IndexWriter(tmp_path / "ix"), record_entries(store), store.get)
    for record in all_records[2:]:  # undated and short records arrive in segments of their own
        store.put(record)
        sync(IndexWriter(tmp_path / "ix"), record_entries(store), store.get)
    assert health_of(tmp_path / "ix") == EXPECTED


def test_an_empty_index_has_no_health(tmp_path: Path) -> None:
    IndexWriter(tmp_path / "ix").rebuild([])
    assert health_of(tmp_path / "ix") == {}
