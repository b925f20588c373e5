from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import SAMPLE_RECORDS as RECORDS
from conftest import make_record, sample_home
from starlette.testclient import TestClient

from api.app import create_app
from archive.home import DataHome
from archive.store import RecordStore
from index.whoosh.store import IndexWriter


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    home = sample_home(tmp_path_factory.mktemp("home"))
    with TestClient(create_app(home), raise_server_exceptions=False) as test_client:
        yield test_client


def test_search_returns_hits_with_safe_snippets(client: TestClient) -> None:
    response = client.get("/api/v1/search", params={"q": "hoi nghi giao ban"})
    assert response.status_code == 200
    body = response.json()
    assert body["total"] >= 1
    top = body["hits"][0]
    assert top["id"] == RECORDS[0].id
    assert top["published"] == "2010-07-05T00:00:00+07:00"
    assert "<mark>" in top["snippet"]
    assert top["links"]["self"].endswith(f"/api/v1/records/{RECORDS[0].id}")
    assert set(top) >= {"id", "title", "url", "published", "source", "snippet"}


def test_paging_next_link(client: TestClient) -> None:
    response = client.get("/api/v1/search", params={"size": 1, "sort": "newest"})
    body = response.json()
    assert body["total"] == 3
    assert "cursor=" in body["next"]
    assert response.headers["link"].endswith('rel="next"')


def test_record_and_404(client: TestClient) -> None:
    record = client.get(f"/api/v1/records/{RECORDS[0].id}")
    assert record.status_code == 200
    assert record.json()["author"] == "Hoàng Văn Đồng"
    missing = client.get("/api/v1/records/0000000000000000")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["type"] == "/problems/record-not-found"
    assert client.get("/api/v1/records/..%2F..%2Fetc").status_code == 404
    assert client.get("/nope").json()["status"] == 404


@pytest.mark.parametrize(
    ("params", "slug"),
    [
        ({"q": "x " * 600}, "invalid-parameter"),
        ({"q": "Z" + "\x1c" * 1000}, "invalid-parameter"),  # too long as sent, though not once stripped
        ({"q": "- OR"}, "invalid-query"),
        ({"size": "0"}, "invalid-parameter"),
        ({"size": "abc"}, "invalid-parameter"),
        ({"sort": "random"}, "invalid-parameter"),
        ({"date_from": "2010-13-01"}, "invalid-parameter"),
        ({"facets": "colour"}, "invalid-parameter"),
        ({"sourse": "x"}, "invalid-parameter"),
        ({"date_from": "20200101"}, "invalid-parameter"),
        ({"year": "twenty"}, "invalid-parameter"),
        ({"month": "2024-13"}, "invalid-parameter"),
        ({"year": "abc"}, "invalid-parameter"),
        ({"year": "20245"}, "invalid-parameter"),
        ({"month": "2024-00"}, "invalid-parameter"),
        ({"month": "2024-1"}, "invalid-parameter"),
        ({"facet_size": "0"}, "invalid-parameter"),
        ({"facet_size": "1001"}, "invalid-parameter"),
        ({"facet_size": "many"}, "invalid-parameter"),
        ({"cursor": "not a cursor"}, "invalid-parameter"),
        ({"size": " 5"}, "invalid-parameter"),
        ({"facets": "source,,year"}, "invalid-parameter"),
        ({"date_from": "2020-01-01", "date_to": "2010-01-01"}, "invalid-parameter"),
    ],
)
def test_bad_input_is_a_400_problem(client: TestClient, params: dict[str, str], slug: str) -> None:
    response = client.get("/api/v1/search", params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == f"/problems/{slug}"
    assert response.json()["detail"]


@pytest.mark.parametrize("q", ['"', "((", "title:", "a:b:c", "<script>alert(1)</script>", "\x00", "OR OR x"])
def test_odd_queries_never_500(client: TestClient, q: str) -> None:
    response = client.get("/api/v1/search", params={"q": q})
    assert response.status_code in (200, 400)
    assert "<script>" not in response.text


def test_facets(client: TestClient) -> None:
    body = client.get("/api/v1/search", params={"facets": "source,year"}).json()
    assert body["facets"]["source"] == {
        "values": [{"value": "demo", "count": 2}, {"value": "other", "count": 1}],
        "truncated": False,
        "distinct": 2,
    }
    assert body["facets"]["year"]["distinct"] == 3


def test_facet_size_caps_each_facet_and_says_so(client: TestClient) -> None:
    body = client.get("/api/v1/search", params={"facets": "source,year", "facet_size": "1"}).json()
    assert body["facets"]["source"] == {
        "values": [{"value": "demo", "count": 2}],
        "truncated": True,
        "distinct": 2,
    }
    assert len(body["facets"]["year"]["values"]) == 1
    assert body["facets"]["year"]["truncated"] is True
    exact = client.get("/api/v1/search", params={"facets": "source", "facet_size": "2"}).json()
    assert exact["facets"]["source"]["truncated"] is False


def test_facet_size_default_is_30(tmp_path_factory: pytest.TempPathFactory) -> None:
    home = DataHome(tmp_path_factory.mktemp("facets")).ensure()
    store = RecordStore(home.records_dir)
    for n in range(35):
        store.put(make_record(100 + n, f"Tin số {n}", ["Nội dung."], author=f"Tác giả {n:02d}"))
    IndexWriter(home.index_dir).rebuild(store)
    with TestClient(create_app(home)) as local:
        facet = local.get("/api/v1/search", params={"facets": "author"}).json()["facets"]["author"]
        assert (len(facet["values"]), facet["truncated"], facet["distinct"]) == (30, True, 35)
        wide = local.get("/api/v1/search", params={"facets": "author", "facet_size": "1000"}).json()
        assert (len(wide["facets"]["author"]["values"]), wide["facets"]["author"]["truncated"]) == (35, False)


def test_unknown_page_is_html_for_browsers_and_json_for_programs(client: TestClient) -> None:
    page = client.get("/no-such-page", headers={"Accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    api = client.get("/api/v1/nope", headers={"Accept": "text/html"})
    assert api.headers["content-type"] == "application/problem+json"
    allowed = client.post("/api/v1/search").headers["allow"]
    assert {m.strip() for m in allowed.split(",")} == {"GET", "HEAD"}


def test_health_counts_the_records_in_the_store(tmp_path_factory: pytest.TempPathFactory) -> None:
    home = sample_home(tmp_path_factory.mktemp("count"))
    shard = home.records_dir / RECORDS[0].id[:2]
    (shard / f".{RECORDS[0].id}.json.tmp").write_text("{}")  # what a crash may leave behind
    (shard / "notes.txt").write_text("")
    with TestClient(create_app(home)) as client:
        assert client.get("/healthz").json() == {"status": "ok", "records": len(RECORDS), "indexed": None}
        ready = client.get("/readyz").json()
        assert ready["records"] == len(RECORDS)
        assert ready["nodes"] == [
            {"name": "local", "role": "local", "ready": True, "lag_seconds": None, "detail": ""}
        ]
    with TestClient(create_app(DataHome(tmp_path_factory.mktemp("empty")))) as client:
        assert client.get("/healthz").json()["records"] == 0  # nothing parsed yet: no records directory
