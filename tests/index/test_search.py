from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from archive.model import CaptureRef, Content, Record, Version, record_id
from index.errors import IndexMissing, QueryError
from index.search import SearchRequest, SearchService
from index.store import IndexWriter

ICT = timezone(timedelta(hours=7))


def make_record(
    n: int, title: str, body: list[str], *, published: datetime | None = None, **kw: str
) -> Record:
    url = f"http://demo.vn/tin-tuc/{n}"
    content = Content(title=title, body=body, published=published, author=kw.get("author"))
    capture = CaptureRef(
        url=url,
        captured_at=datetime(2024, 1, 1, tzinfo=UTC),
        status=200,
        warc_file="x.warc.gz",
        offset=0,
        length=1,
        warc_record_id=f"<urn:uuid:{n}>",
    )
    seen = capture.captured_at
    version = Version(
        n=1,
        content_hash=content.compute_hash(),
        content=content,
        capture=capture,
        parser_version="t",
        first_seen=seen,
        last_seen=seen,
    )
    return Record(
        **content.model_dump(),
        id=record_id(url),
        url=url,
        source=kw.get("source", "demo"),
        department=kw.get("department", "Sở Thông tin và Truyền thông"),
        jurisdiction="Tỉnh Demo",
        content_hash=version.content_hash,
        capture=capture,
        parser_version="t",
        first_seen=seen,
        last_seen=seen,
        versions=[version],
    )


RECORDS = [
    make_record(
        1,
        "Hội nghị giao ban trực tuyến sơ kết 6 tháng đầu năm",
        ["Bộ trưởng Lê Doãn Hợp phát biểu kết luận Hội nghị giao ban.", "Thực hiện Quyết định 1234/QĐ-UBND."],
        published=datetime(2010, 7, 5, tzinfo=ICT),
        author="Hoàng Văn Đồng",
    ),
    make_record(
        2,
        "Tập huấn chuyển đổi số cho cán bộ xã",
        ["Lớp tập huấn về chuyển đổi số được tổ chức tại Hòa Bình. Ban tổ chức cho biết hội nghị tiếp theo."],
        published=datetime(2022, 1, 25, tzinfo=ICT),
        source="other",
        department="Sở Khoa học và Công nghệ",
    ),
    make_record(
        3,
        "Bàn giao thiết bị",
        ["Giao thiết bị cho ban quản lý dự án. Hội thảo về nghị quyết mới."],
        published=datetime(2015, 3, 2, tzinfo=ICT),
    ),
]
TEXTS = {r.id: "\n".join(r.body) for r in RECORDS}


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchService]:
    path = tmp_path_factory.mktemp("ix") / "index"
    IndexWriter(path).rebuild(RECORDS)
    svc = SearchService(path, TEXTS.get)
    yield svc
    svc.close()


def ids(service: SearchService, q: str, **kw: object) -> list[str]:
    return [h.id for h in service.search(SearchRequest(q=q, **kw)).hits]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "q", ["hội nghị giao ban", "hoi nghi giao ban", "Lê Doãn Hợp", "le doan hop", '"giao ban"']
)
def test_seed_queries_rank_the_seed_first(service: SearchService, q: str) -> None:
    assert ids(service, q)[0] == RECORDS[0].id


def test_marked_syllable_matches_exactly(service: SearchService) -> None:
    assert ids(service, "bàn") == [RECORDS[2].id]
    assert set(ids(service, "ban")) == {r.id for r in RECORDS}


def test_tone_placement_is_normalized(service: SearchService) -> None:
    assert ids(service, "Hoà Bình") == [RECORDS[1].id]


def test_phrase_exclusion_or_and_fields(service: SearchService) -> None:
    assert ids(service, '"chuyển đổi số"') == [RECORDS[1].id]
    assert RECORDS[1].id not in ids(service, "hội nghị -chuyển")
    assert set(ids(service, "tập OR bàn")) == {RECORDS[1].id, RECORDS[2].id}
    assert ids(service, "title:giao author:dong") == [RECORDS[0].id]
    assert ids(service, "source:other") == [RECORDS[1].id]
    assert ids(service, 'department:"khoa hoc"') == [RECORDS[1].id]


def test_document_number_as_written(service: SearchService) -> None:
    assert ids(service, "1234/QĐ-UBND") == [RECORDS[0].id]
    assert ids(service, "1234/QD-UBND") == [RECORDS[0].id]


def test_snippet_marks_folded_matches_and_escapes(service: SearchService) -> None:
    hit = service.search(SearchRequest(q="le doan hop")).hits[0]
    assert "<mark>Lê Doãn Hợp</mark>" in hit.snippet


def test_filters_sort_and_facets(service: SearchService) -> None:
    newest = service.search(SearchRequest(sort="newest", facets=["source", "year"]))
    assert [h.id for h in newest.hits] == [RECORDS[1].id, RECORDS[2].id, RECORDS[0].id]
    assert dict(newest.facets["source"]) == {"demo": 2, "other": 1}
    assert ids(service, "", filters={"year": "2015"}) == [RECORDS[2].id]
    from datetime import date

    got = ids(service, "", date_from=date(2010, 7, 5), date_to=date(2010, 7, 5))
    assert got == [RECORDS[0].id]


@pytest.mark.parametrize("q", ['"unbalanced', "OR", "- OR -", "x" * 900, "title:", "foo:bar", "((("])
def test_odd_queries_never_raise_other_errors(service: SearchService, q: str) -> None:
    with contextlib.suppress(QueryError):
        service.search(SearchRequest(q=q))


def test_query_errors(service: SearchService) -> None:
    with pytest.raises(QueryError, match="maximum"):
        service.search(SearchRequest(q="a " * 600))
    with pytest.raises(QueryError, match="no words"):
        service.search(SearchRequest(q="- OR ..."))


def test_missing_index(tmp_path: Path) -> None:
    with pytest.raises(IndexMissing):
        SearchService(tmp_path / "none", TEXTS.get).search(SearchRequest(q="x"))


def test_upsert_replaces_and_searcher_refreshes(tmp_path: Path) -> None:
    path = tmp_path / "index"
    writer = IndexWriter(path)
    writer.upsert(RECORDS[:1])
    service = SearchService(path, TEXTS.get)
    assert service.count() == 1
    writer.upsert(RECORDS)
    assert service.count() == 3
    writer.delete([RECORDS[0].id])
    assert service.count() == 2
    service.close()
