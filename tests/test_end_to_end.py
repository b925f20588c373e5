"""The whole slice on real components: demo sites on loopback → crawl → WARC → records → index → API."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from archive.home import DataHome
from archive.model import record_id
from archive.store import RecordStore
from archive.urls import canonicalize_url
from archive.warc import iter_captures, read_capture, warc_files
from deptnews.cli import main
from deptnews.demo.server import DemoWeb
from deptnews.demo.sites import SITES
from deptnews.demo_run import demo_sources_toml

SEED_TITLE = (
    "Bộ Thông tin và Truyền thông tổ chức Hội nghị giao ban trực tuyến Sơ kết 6 tháng đầu năm và "
    "triển khai nhiệm vụ 6 tháng cuối năm 2010"
)
SEED_PATH = (
    "/tin-tuc/bo-thong-tin-va-truyen-thong-to-chuc-hoi-nghi-giao-ban-truc-tuyen-so-ket-6-thang-dau-nam-2010"
)


@dataclass
class Crawled:
    home: DataHome
    base_urls: dict[str, str]
    store: RecordStore


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    home = DataHome(tmp_path_factory.mktemp("e2e") / "data")
    with DemoWeb() as web:
        home.root.mkdir(parents=True)
        home.sources_file.write_text(demo_sources_toml(web.base_urls), encoding="utf-8")
        args = ["--home", str(home.root)]
        assert main([*args, "crawl"]) == 0
        assert main([*args, "parse"]) == 0
        assert main([*args, "index"]) == 0
        yield Crawled(home=home, base_urls=web.base_urls, store=RecordStore(home.records_dir))


def seed_id(crawled: Crawled) -> str:
    return record_id(canonicalize_url(crawled.base_urls["stttt"] + SEED_PATH))


def test_every_demo_article_became_a_record(crawled: Crawled) -> None:
    expected = {
        record_id(canonicalize_url(crawled.base_urls[site.id] + article.path))
        for site in SITES
        for article in site.articles
    }
    assert len(expected) >= 24
    assert {r.id for r in crawled.store} == expected


def test_seed_record_is_exact(crawled: Crawled) -> None:
    record = crawled.store.get(seed_id(crawled))
    assert record.title == SEED_TITLE
    assert record.published is not None
    assert record.published.date() == date(2010, 7, 5)
    assert record.published.utcoffset() is not None
    assert record.published.utcoffset().total_seconds() == 7 * 3600  # type: ignore[union-attr]
    assert record.author == "Hoàng Văn Đồng"
    assert record.signature == ["Hoàng Văn Đồng", "Sở Thông tin và Truyền thông"]
    assert record.department == "Sở Thông tin và Truyền thông"
    assert len(record.body) == 4
    assert record.body[0].startswith("Ngày 05 tháng 7 năm 2010 Bộ Thông tin và Truyền thông tổ chức")
    assert record.body[-1].endswith("thiết thực chào mừng đại hội Đảng các cấp...")
    text = " ".join(record.body)
    assert "Skip to main content" not in text
    assert "Trang chủ" not in text
    assert record.url == canonicalize_url(crawled.base_urls["stttt"] + SEED_PATH)
    assert record.content_hash.startswith("sha256:")
    assert record.capture.status == 200
    assert record.versions[0].capture == record.capture


def test_seed_capture_is_in_the_warc(crawled: Crawled) -> None:
    record = crawled.store.get(seed_id(crawled))
    capture = read_capture(crawled.home.warc_dir, record.capture)
    assert capture.url == record.capture.url
    assert "Hoàng Văn Đồng".encode() in capture.body
    assert capture.ref.warc_record_id == record.capture.warc_record_id


def test_warc_files_pass_the_checker(crawled: Crawled) -> None:
    files = warc_files(crawled.home.warc_dir)
    assert files
    result = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_reparse_is_idempotent_and_rebuild_identical(crawled: Crawled) -> None:
    before = {r.id: r.model_dump_json() for r in crawled.store}
    assert main(["--home", str(crawled.home.root), "parse"]) == 0
    assert {r.id: r.model_dump_json() for r in crawled.store} == before
    assert main(["--home", str(crawled.home.root), "parse", "--all"]) == 0
    assert {r.id: r.model_dump_json() for r in crawled.store} == before


@pytest.mark.parametrize("q", ["hội nghị giao ban", "hoi nghi giao ban", "Lê Doãn Hợp", "le doan hop"])
def test_api_finds_the_seed_first(crawled: Crawled, q: str) -> None:
    with TestClient(create_app(crawled.home)) as client:
        response = client.get("/api/v1/search", params={"q": q})
        assert response.status_code == 200
        hits = response.json()["hits"]
        assert hits[0]["id"] == seed_id(crawled)
        assert hits[0]["published"].startswith("2010-07-05")
        assert "<mark>" in hits[0]["snippet"]
        record = client.get(hits[0]["links"]["self"])
        assert record.status_code == 200
        assert record.json()["author"] == "Hoàng Văn Đồng"


def test_cli_search_json(crawled: Crawled, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--home", str(crawled.home.root), "search", "le doan hop", "--json"]) == 0
    out = capsys.readouterr().out
    assert seed_id(crawled) in out
    assert '"total"' in out


def test_second_crawl_fetches_no_article_again(crawled: Crawled) -> None:
    before = warc_files(crawled.home.warc_dir)
    assert main(["--home", str(crawled.home.root), "crawl"]) == 0
    files = warc_files(crawled.home.warc_dir)
    assert len(files) == len(before) + 1
    article_urls = {canonicalize_url(crawled.base_urls[s.id] + a.path) for s in SITES for a in s.articles}
    fetched = {canonicalize_url(c.url) for c in iter_captures(files[-1])}
    assert fetched, "listings are re-read on every run"
    assert not fetched & article_urls


def test_serve_answers_over_real_http(crawled: Crawled) -> None:
    import socket
    import time

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "deptnews", "--home", str(crawled.home.root), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/v1/search", params={"q": "le doan hop"})
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
        assert response.status_code == 200
        assert response.json()["hits"][0]["id"] == seed_id(crawled)
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_sources_with_health(crawled: Crawled) -> None:
    with TestClient(create_app(crawled.home)) as client:
        body = client.get("/api/v1/sources").json()
        by_id = {s["id"]: s for s in body["sources"]}
        assert set(by_id) == {"demo-stttt", "demo-skhcn"}
        stttt = by_id["demo-stttt"]
        assert stttt["department"] == "Sở Thông tin và Truyền thông"
        assert stttt["health"]["records"] == len(SITES[0].articles)
        assert stttt["health"]["without_date"] == 0
        one = client.get(stttt["links"]["self"]).json()
        assert one["id"] == "demo-stttt"
        missing = client.get("/api/v1/sources/nope")
        assert missing.status_code == 404
        assert missing.json()["type"] == "/problems/source-not-found"
        hits = client.get(stttt["links"]["records"]).json()
        assert hits["total"] == len(SITES[0].articles)


def test_dump_and_dumps_endpoint(crawled: Crawled) -> None:
    import gzip
    import hashlib
    import json

    assert main(["--home", str(crawled.home.root), "dump"]) == 0
    (path,) = [p for p in crawled.home.dumps_dir.iterdir() if not p.name.startswith(".")]
    package = json.loads((path / "datapackage.json").read_text(encoding="utf-8"))
    assert {r["name"] for r in package["resources"]} == {
        "records-demo-stttt",
        "records-demo-skhcn",
        "records",
    }
    table = (path / "records.csv").read_text(encoding="utf-8")
    assert sum(r["records"] for r in package["resources"][:-1]) == package["resources"][-1]["records"]
    assert table.startswith('"id","url","title"')
    for line in (path / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ")
        assert hashlib.sha256((path / name).read_bytes()).hexdigest() == digest
    with gzip.open(path / "records-demo-stttt.jsonl.gz", "rt", encoding="utf-8") as fh:
        lines = [json.loads(line) for line in fh]
    assert len(lines) == len(SITES[0].articles)
    assert seed_id(crawled) in {line["id"] for line in lines}
    with TestClient(create_app(crawled.home)) as client:
        listing = client.get("/dumps/").json()["dumps"]
        assert listing[0]["name"] == path.name
        files = {f["name"]: f for f in listing[0]["files"]}
        assert files["datapackage.json"]["sha256"]
        download = client.get(files["records-demo-stttt.jsonl.gz"]["url"])
        assert download.status_code == 200
        assert hashlib.sha256(download.content).hexdigest() == files["records-demo-stttt.jsonl.gz"]["sha256"]
        for bad in ("/dumps/../records/x", f"/dumps/{path.name}/..%2F..%2Fstate.sqlite", "/dumps/x/y"):
            assert client.get(bad).status_code == 404
