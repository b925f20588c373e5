"""Interoperability with pywb itself: the demo department sites are crawled on loopback, pywb (the
``wayback`` server, in its own process on a free loopback port) is pointed at deptnews' WARC files and
the CDXJ index the crawl kept, and must replay the captures; its CDX API must list the same mementos as
deptnews' TimeMap, and its own indexer must write the index deptnews wrote."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from api.app import create_app
from archive.cdxj import iter_lines, parse_line, timestamp_of
from archive.home import DataHome
from deptnews.cli import main
from deptnews.demo.server import DemoWeb
from deptnews.demo_run import demo_sources_toml

SEED_PATH = (
    "/tin-tuc/bo-thong-tin-va-truyen-thong-to-chuc-hoi-nghi-giao-ban-truc-tuyen-so-ket-6-thang-dau-nam-2010"
)
COLLECTION = "deptnews"
STARTUP = 90.0  # seconds pywb may take to start on a loaded machine; a guard, not a measurement


@dataclass
class Archive:
    home: DataHome
    seed: str
    pywb: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    root = tmp_path_factory.mktemp("pywb")
    home = DataHome(root / "data")
    with DemoWeb() as web:
        home.root.mkdir(parents=True)
        home.sources_file.write_text(demo_sources_toml(web.base_urls), encoding="utf-8")
        assert main(["--home", str(home.root), "crawl"]) == 0
        seed = web.base_urls["stttt"] + SEED_PATH
    assert (home.cdx_dir / "index.cdxj").is_file()  # the crawl kept the index: nothing else ran
    wayback = root / "wayback"
    wayback.mkdir()
    config = {
        "collections": {
            COLLECTION: {
                "index_paths": str(home.cdx_dir / "index.cdxj"),
                "archive_paths": str(home.warc_dir) + "/",
            }
        },
        "enable_memento": True,
        "framed_replay": False,
    }
    (wayback / "config.yaml").write_text(json.dumps(config), encoding="utf-8")  # JSON is YAML
    port = _free_port()
    log = (root / "wayback.log").open("wb")
    command = "from pywb.apps.cli import wayback; wayback()"
    process = subprocess.Popen(
        [sys.executable, "-c", command, "-p", str(port), "-b", "127.0.0.1", "-d", str(wayback)],
        cwd=wayback,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP
        while True:
            assert process.poll() is None, (root / "wayback.log").read_text(errors="replace")
            try:
                if httpx.get(url + "/", timeout=5).status_code < 500:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "pywb did not start"
            time.sleep(0.2)
        yield Archive(home=home, seed=seed, pywb=f"{url}/{COLLECTION}")
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _our_mementos(home: DataHome, url: str) -> list[tuple[str, str]]:
    with TestClient(create_app(home)) as client:
        response = client.get(f"/api/v1/timemap/link/{url}")
    assert response.status_code == 200, response.text
    found = []
    for line in response.text.strip().split(",\n"):
        if 'rel="' in line and "memento" in line.split('rel="', 1)[1].split('"', 1)[0]:
            uri = line[1 : line.index(">")]
            stamp = parsedate_to_datetime(line.split('datetime="', 1)[1].split('"', 1)[0])
            found.append((timestamp_of(stamp), uri.split("/api/v1/memento/", 1)[1].split("/", 1)[1]))
    return found


def _pywb_mementos(archive: Archive, url: str) -> list[tuple[str, str]]:
    response = httpx.get(f"{archive.pywb}/cdx", params={"url": url, "output": "json"}, timeout=30)
    assert response.status_code == 200, response.text
    lines = [json.loads(line) for line in response.text.splitlines() if line.strip()]
    return [(line["timestamp"], line["url"]) for line in lines]


def test_pywb_replays_a_capture(archive: Archive) -> None:
    with TestClient(create_app(archive.home), follow_redirects=False) as client:
        gate = client.get(f"/api/v1/timegate/{archive.seed}")
    assert gate.status_code == 302
    timestamp = gate.headers["location"].split("/api/v1/memento/", 1)[1].split("/", 1)[0]
    for mode in ("mp_", "id_"):
        replay = httpx.get(f"{archive.pywb}/{timestamp}{mode}/{archive.seed}", timeout=30)
        assert replay.status_code == 200, replay.text[:500]
        assert "Hoàng Văn Đồng" in replay.text
        assert "Hội nghị giao ban trực tuyến" in replay.text


def test_pywb_lists_the_mementos_of_our_timemap(archive: Archive) -> None:
    urls = sorted({parse_line(line).url for line in iter_lines(archive.home.cdx_dir / "index.cdxj")})
    assert archive.seed in urls
    assert any(url.endswith(".pdf") for url in urls)
    for url in urls:
        ours = _our_mementos(archive.home, url)
        assert ours
        assert ours == _pywb_mementos(archive, url), url


def test_pywb_indexes_our_warcs_as_we_do(archive: Archive, tmp_path: Path) -> None:
    out = tmp_path / "pywb.cdxj"
    code = "import sys; from pywb.indexer.cdxindexer import main; main(sys.argv[1:])"
    args = ["--cdxj", "--sort", "-o", str(out), str(archive.home.warc_dir)]
    subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True)
    ours = (archive.home.cdx_dir / "index.cdxj").read_text(encoding="utf-8")
    assert ours == out.read_text(encoding="utf-8")
