"""Records, versions, diffs and captures over the API, on real WARC files and a real record store."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import captured_versions
from starlette.testclient import TestClient

from api.app import create_app
from api.openapi import ENDPOINTS
from api.settings import ApiSettings
from archive.home import DataHome
from archive.sources import Source
from archive.store import RecordStore
from index.whoosh.store import IndexWriter

URL = "http://so.example.vn/tin-tuc/bai-1"
PAGE_V1 = b"<html><body><h1>Tin</h1><p>Ban dau</p><script>document.title='pwned'</script></body></html>"
PAGE_V2 = b"<html><body><h1>Tin</h1><p>Da sua</p><img src='http://evil.example/x.png'></body></html>"
SOURCE = Source(
    id="demo",
    name="Sở Demo",
    department="Sở Demo",
    jurisdiction="Tỉnh Demo",
    homepage="http://so.example.vn/",
    listings=["http://so.example.vn/tin-tuc"],
    article_pattern="^/tin-tuc/",
)


@dataclass
class Archive:
    client: TestClient
    rid: str


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    home = DataHome(tmp_path_factory.mktemp("api-home")).ensure()
    store = RecordStore(home.records_dir)
    record = captured_versions(
        home, store, URL, SOURCE, [(1, PAGE_V1, ["Ban đầu."]), (2, PAGE_V2, ["Đã sửa."])]
    )
    IndexWriter(home.index_dir).rebuild(store)
    app = create_app(home, settings=ApiSettings(cors_origins=["https://researcher.example"]))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Archive(client=client, rid=record.id)


def test_versions_and_version(archive: Archive) -> None:
    body = archive.client.get(f"/api/v1/records/{archive.rid}/versions").json()
    assert body["current"] == 2
    assert [v["n"] for v in body["versions"]] == [1, 2]
    first = archive.client.get(body["versions"][0]["links"]["self"]).json()
    assert first["content"]["body"] == ["Ban đầu."]
    past_last = archive.client.get(f"/api/v1/records/{archive.rid}/versions/3")
    assert past_last.status_code == 404
    assert past_last.json()["type"] == "/problems/version-not-found"
    assert archive.client.get(f"/api/v1/records/{archive.rid}/versions/x").status_code == 400


def test_diff(archive: Archive) -> None:
    body = archive.client.get(f"/api/v1/records/{archive.rid}/diff").json()
    assert body["from"] == 1
    assert body["to"] == 2
    assert body["changed_fields"] == ["body"]
    assert "-Ban đầu." in body["diff"]
    assert "+Đã sửa." in body["diff"]
    assert archive.client.get(f"/api/v1/records/{archive.rid}/diff?from=0").status_code == 400
    assert archive.client.get(f"/api/v1/records/{archive.rid}/diff?form=1").status_code == 400


def test_capture_is_sandboxed(archive: Archive) -> None:
    response = archive.client.get(f"/api/v1/records/{archive.rid}/capture?version=1")
    assert response.status_code == 200
    assert response.content == PAGE_V1
    csp = response.headers["content-security-policy"]
    assert csp.startswith("sandbox")
    assert "default-src 'none'" in csp
    assert "allow-scripts" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["memento-datetime"] == "Mon, 01 Jan 2024 00:00:00 GMT"
    links = response.headers["link"]
    assert f'<{URL}>; rel="original"' in links
    assert f'<http://testserver/api/v1/timegate/{URL}>; rel="timegate"' in links
    timemap = f"http://testserver/api/v1/timemap/link/{URL}"
    assert f'<{timemap}>; rel="timemap"; type="application/link-format"' in links
    current = archive.client.get(f"/api/v1/records/{archive.rid}/capture")
    assert current.content == PAGE_V2
    # An empty value is "not given", as the schema says (an HTML form sends "version=").
    assert archive.client.get(f"/api/v1/records/{archive.rid}/capture?version=").content == PAGE_V2


def test_capture_meta(archive: Archive) -> None:
    meta = archive.client.get(f"/api/v1/records/{archive.rid}/capture/meta?version=2").json()
    assert meta["status"] == 200
    assert meta["warc_file"].endswith(".warc.gz")
    assert meta["offset"] > 0
    assert meta["payload_digest"].startswith("sha1:")
    assert ["Content-Type", "text/html; charset=utf-8"] in meta["headers"]


def test_record_etag_and_gzip(archive: Archive) -> None:
    first = archive.client.get(f"/api/v1/records/{archive.rid}", headers={"Accept-Encoding": "gzip"})
    assert first.headers["content-encoding"] == "gzip"
    assert "max-age" in first.headers["cache-control"]
    again = archive.client.get(
        f"/api/v1/records/{archive.rid}", headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304


def test_cors_and_request_id(archive: Archive) -> None:
    response = archive.client.get(
        "/api/v1/search", headers={"Origin": "https://researcher.example", "X-Request-ID": "abc-123"}
    )
    assert response.headers["access-control-allow-origin"] == "https://researcher.example"
    assert response.headers["x-request-id"] == "abc-123"
    assert len(archive.client.get("/healthz").headers["x-request-id"]) == 32


def test_health_and_readiness(archive: Archive) -> None:
    assert archive.client.get("/healthz").json() == {"status": "ok", "records": 1, "indexed": None}
    ready = archive.client.get("/readyz").json()
    local = {"name": "local", "role": "local", "ready": True, "lag_seconds": None, "detail": ""}
    assert ready == {"status": "ready", "records": 1, "indexed": 1, "nodes": [local]}


def test_openapi_lists_every_api_route(archive: Archive) -> None:
    document = archive.client.get("/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    routes = archive.client.app.routes  # type: ignore[attr-defined]
    # A route's converter ({url:path}) is not part of its OpenAPI path ({url}).
    app_paths = {re.sub(r"\{(\w+):\w+\}", r"{\1}", getattr(r, "path", "")) for r in routes}
    documented = set(document["paths"])
    assert {p for p in app_paths if p.startswith("/api/")} <= documented
    assert documented == {e.path for e in ENDPOINTS}
    assert "ProblemOut" in document["components"]["schemas"]
    page = archive.client.get("/docs")
    assert page.status_code == 200
    assert "/api/v1/search" in page.text
    assert "<script" not in page.text


def test_rate_limit(tmp_path_factory: pytest.TempPathFactory) -> None:
    home = DataHome(tmp_path_factory.mktemp("rl")).ensure()
    app = create_app(home, settings=ApiSettings(rate_limit=0.001, rate_burst=2))
    with TestClient(app) as client:
        statuses = [client.get("/api/v1/search").status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        limited = client.get("/api/v1/search")
        assert limited.headers["content-type"] == "application/problem+json"
        assert int(limited.headers["retry-after"]) >= 1
        assert client.get("/healthz").status_code == 200


def test_posting_cache_size_comes_from_the_settings(tmp_path: Path) -> None:
    home = DataHome(tmp_path / "home").ensure()
    for mb, expected in ((0, 0), (8, 8 * 2**20)):
        app = create_app(home, settings=ApiSettings(posting_cache_mb=mb))
        assert app.state.deptnews.search.postings.max_bytes == expected
