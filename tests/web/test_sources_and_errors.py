"""The sources page, the static files, and the error pages (never a JSON problem, never a traceback)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient
from webarchive import WebArchive, shared_web_archive

import api.web.record_page
from api.app import create_app
from archive.home import DataHome


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> WebArchive:
    return shared_web_archive(tmp_path_factory)


@pytest.fixture(scope="module")
def client(archive: WebArchive) -> Iterator[TestClient]:
    with TestClient(create_app(archive.home), raise_server_exceptions=False) as client:
        yield client


def test_sources_page_lists_each_source_with_its_health(client: TestClient) -> None:
    response = client.get("/sources")
    assert response.status_code == 200
    html = response.text
    names = re.findall(r"<h2>(.*?)</h2>", html)
    assert names == [
        "Sở Thông tin và Truyền thông tỉnh Lạng Sơn (demo)",
        "Sở Khoa học và Công nghệ tỉnh Bắc Ninh (demo)",
        "Sở &lt;em&gt;Kiểm thử&lt;/em&gt;",
    ]
    api = client.get("/api/v1/sources").json()["sources"]
    for source in api:
        health = source["health"]
        assert f'href="/?source={source["id"]}">{health["records"]} bản ghi</a>' in html
    assert html.count("Lần thu thập gần nhất") == 3
    assert "chưa thu thập" in html  # the hostile source was never crawled
    assert "tạm dừng" in html  # and is disabled
    assert 'aria-current="page">Nguồn tin</a>' in html
    english = client.get("/sources", headers={"Accept-Language": "en"}).text
    assert "Last crawl" in english
    assert "never crawled" in english


def test_static_files_are_served(client: TestClient) -> None:
    html = client.get("/").text
    (css,) = re.findall(r'<link rel="stylesheet" href="([^"]+)">', html)
    (js,) = re.findall(r'<script src="([^"]+)" defer></script>', html)
    assert re.fullmatch(r"/static/web\.css\?v=[0-9a-f]{10}", css)
    response = client.get(css)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert ":focus-visible" in response.text
    script = client.get(js)
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]


def test_unknown_parameters_on_sources_are_refused(client: TestClient) -> None:
    response = client.get("/sources?x=1")
    assert response.status_code == 400
    assert "x: unknown parameter" in response.text


def test_unreadable_record_is_a_503_page(tmp_path_factory: pytest.TempPathFactory) -> None:
    home = DataHome(tmp_path_factory.mktemp("broken")).ensure()
    rid = "00112233445566ff"
    path = home.records_dir / rid[:2] / f"{rid}.json"
    path.parent.mkdir(parents=True)
    path.write_text("{not json", encoding="utf-8")
    with TestClient(create_app(home), raise_server_exceptions=False) as client:
        response = client.get(f"/records/{rid}")
        assert response.status_code == 503
        assert response.headers["content-type"].startswith("text/html")
        assert "Tạm thời không phục vụ được" in response.text
        assert "is not a valid record" in response.text


def test_an_unexpected_failure_is_a_500_page_without_internals(
    client: TestClient, archive: WebArchive, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object) -> object:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(api.web.record_page, "diff_versions", broken)
    with caplog.at_level(logging.ERROR, logger="deptnews.web"):
        response = client.get(f"/records/{archive.seed_id}/diff", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert "Server error" in response.text
    assert "secret internal detail" not in response.text
    assert "Traceback" not in response.text
    assert "secret internal detail" in caplog.text  # the log has it


def test_api_errors_stay_json(client: TestClient) -> None:
    response = client.get("/api/v1/records/0000000000000000")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
