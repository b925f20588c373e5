"""``/openapi.json`` generates a working client: openapi-python-client, as a user runs it (the command
line, strict: ``--fail-on-warning``), writes a package from the document the live server publishes;
the test imports it and calls every endpoint through it against the application on a real loopback
server, with ``raise_on_unexpected_status`` (a status or media type the document does not declare is
an error). Every response the client parses must come back as the declared type with the data.

The tool's configuration only maps two media types it has no reader for onto its generic ones
(``content_type_overrides``, its documented option for this): ``application/gzip`` (a dump file) to
``application/octet-stream`` (bytes), ``application/atom+xml`` (the feed) to ``text/xml`` and
``application/link-format`` (a Memento TimeMap) to ``text/plain`` (text).
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import importlib
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import feedparser
import httpx
import pytest
from conftest import SAMPLE_RECORDS, captured_versions
from liveserver import LiveServer

from api.app import create_app
from api.openapi import ENDPOINTS
from archive.cdxindex import CdxIndex
from archive.dump import write_dump
from archive.home import DataHome
from archive.sources import Registry, Source
from archive.store import RecordStore
from index.whoosh.store import IndexWriter

PACKAGE = "deptnews_api_client"
CONFIG = """\
package_name_override: deptnews_api_client
project_name_override: deptnews-api-client
content_type_overrides:
  application/gzip: application/octet-stream
  application/atom+xml: text/xml
  application/link-format: text/plain
"""
URL = "http://so.example.vn/tin-tuc/bai-1"
PAGE = "<html><body><h1>Tin thử</h1><p>Nội dung</p></body></html>".encode()
SOURCE = Source(
    id="demo",
    name="Sở Demo",
    department="Sở Demo",
    jurisdiction="Tỉnh Demo",
    homepage="http://so.example.vn/",
    listings=["http://so.example.vn/tin-tuc"],
    article_pattern="^/tin-tuc/",
)
REGISTRY = """\
[[source]]
id = "demo"
name = "Sở Demo"
department = "Sở Demo"
jurisdiction = "Tỉnh Demo"
homepage = "http://so.example.vn/"
listings = ["http://so.example.vn/tin-tuc"]
article_pattern = "^/tin-tuc/"
"""


def _home(root: Path) -> tuple[DataHome, str, str]:
    """A data home with the sample records, one record with two real WARC captures, and a dump."""
    home = DataHome(root).ensure()
    store = RecordStore(home.records_dir)
    for record in SAMPLE_RECORDS:
        store.put(record)
    record = captured_versions(home, store, URL, SOURCE, [(1, PAGE, ["Ban đầu."]), (2, PAGE, ["Đã sửa."])])
    IndexWriter(home.index_dir).rebuild(store)
    CdxIndex(home.cdx_dir, home.warc_dir).update()  # what a crawl does when its WARC file is complete
    (home.root / "sources.toml").write_text(REGISTRY, encoding="utf-8")
    dump = write_dump(store, Registry(sources={"demo": SOURCE}), home.dumps_dir)
    return home, record.id, dump.path.name


def _generate(document: dict[str, Any], workdir: Path) -> ModuleType:
    """Run the generator on ``document`` and import the package it writes."""
    (workdir / "openapi.json").write_text(json.dumps(document), encoding="utf-8")
    (workdir / "config.yaml").write_text(CONFIG, encoding="utf-8")
    bin_dir = Path(sys.executable).parent
    result = subprocess.run(
        [
            str(bin_dir / "openapi-python-client"),
            "generate",
            "--path",
            "openapi.json",
            "--output-path",
            f"gen/{PACKAGE}",
            "--meta",
            "none",
            "--config",
            "config.yaml",
            "--fail-on-warning",
        ],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        # The generator formats its output with ruff, which it looks for on PATH.
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stdout + result.stderr, result.stdout + result.stderr
    sys.path.insert(0, str(workdir / "gen"))
    importlib.invalidate_caches()
    return importlib.import_module(PACKAGE)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str, str, str]]:
    home, rid, dump_name = _home(tmp_path_factory.mktemp("client-home"))
    with LiveServer(create_app(home)) as server:
        document = httpx.get(f"{server.url}/openapi.json").json()
        assert document["servers"] == [{"url": server.url}]
        package = _generate(document, tmp_path_factory.mktemp("client"))
        try:
            with package.Client(base_url=server.url, raise_on_unexpected_status=True) as client:
                yield client, rid, dump_name, server.url
        finally:
            sys.path.remove(str(Path(package.__file__).parent.parent))
            for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
                del sys.modules[name]


def _op(tag: str, name: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.api.{tag}.{name}")


def call(client: Any, tag: str, name: str, *args: Any, status: int = 200, **kwargs: Any) -> Any:
    """The operation's parsed response (of ``status``), through the generated ``sync_detailed``."""
    response = _op(tag, name).sync_detailed(*args, client=client, **kwargs)
    assert response.status_code == status, (name, response.status_code, response.content[:300])
    return response if status != 200 else response.parsed


def test_search_timeline_and_facets(generated: tuple[Any, str, str, str]) -> None:
    client, _, _, base = generated
    models = importlib.import_module(f"{PACKAGE}.models")
    found = call(client, "search", "search", q="hội nghị", facets="source,year", facet_size=1, size=1)
    assert isinstance(found, models.SearchOut)
    assert found.total >= 2
    assert found.hits[0].links["self"].startswith(f"{base}/api/v1/records/")
    source_facet = found.facets["source"]
    assert (len(source_facet.values), source_facet.truncated) == (1, True)
    assert found.next_.startswith(f"{base}/api/v1/search?")
    timeline = call(client, "search", "timeline", interval="year")
    assert isinstance(timeline, models.TimelineOut)
    assert timeline.total == len(SAMPLE_RECORDS)  # the captured record has no date


def test_export_csv_and_jsonl(generated: tuple[Any, str, str, str]) -> None:
    client, _, _, _ = generated
    text = call(client, "search", "export", format_="csv", bom="0", sort="oldest")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(rows) == len(SAMPLE_RECORDS) + 1
    assert {r.id for r in SAMPLE_RECORDS} < {row["id"] for row in rows}
    with_bom = call(client, "search", "export", format_="csv")
    assert with_bom.startswith("\ufeff")
    lines = call(client, "search", "export", format_="jsonl").splitlines()
    assert {json.loads(line)["id"] for line in lines} >= {r.id for r in SAMPLE_RECORDS}


def test_feed(generated: tuple[Any, str, str, str]) -> None:
    client, _, _, base = generated
    feed = feedparser.parse(call(client, "search", "feed", q="hội nghị"))
    assert not feed.bozo
    assert all(e.id.startswith(f"{base}/api/v1/records/") for e in feed.entries)


def test_records_versions_diff_and_capture(generated: tuple[Any, str, str, str]) -> None:
    client, rid, _, _ = generated
    models = importlib.import_module(f"{PACKAGE}.models")
    record = call(client, "records", "record", rid)
    assert isinstance(record, models.Record)
    assert (record.id, record.body, len(record.versions)) == (rid, ["Đã sửa."], 2)
    versions = call(client, "records", "versions", rid)
    assert [v.n for v in versions.versions] == [1, 2]
    first = call(client, "records", "version", rid, 1)
    assert first.content.body == ["Ban đầu."]
    diff = call(client, "records", "diff", rid, from_=1, to=2)
    assert "+Đã sửa." in diff.diff
    page = call(client, "records", "capture", rid, version=1)
    assert page == PAGE.decode()
    meta = call(client, "records", "capture_meta", rid)
    assert (meta.version, meta.status) == (2, 200)
    missing = _op("records", "record").sync_detailed("0000000000000000", client=client)
    assert missing.status_code == 404
    assert missing.parsed.type_ == "/problems/record-not-found"


def test_sources(generated: tuple[Any, str, str, str]) -> None:
    client, _, _, base = generated
    listed = call(client, "sources", "sources")
    assert [s.id for s in listed.sources] == ["demo"]
    one = call(client, "sources", "source", "demo")
    assert one.links["self"] == f"{base}/api/v1/sources/demo"


def test_dumps_and_their_files(generated: tuple[Any, str, str, str]) -> None:
    client, _, dump_name, base = generated
    listed = call(client, "dumps", "dumps")
    (dump,) = listed.dumps
    names = {f.name for f in dump.files}
    assert {"datapackage.json", "records.csv", "records-demo.jsonl.gz", "SHA256SUMS"} <= names
    gz = call(client, "dumps", "dump_file", dump_name, "records-demo.jsonl.gz")
    assert json.loads(gzip.decompress(gz.payload.read()).splitlines()[0])["source"] == "demo"
    package = call(client, "dumps", "dump_file", dump_name, "datapackage.json")
    assert json.loads(package.payload.read())["name"] == "deptnews"
    table = call(client, "dumps", "dump_file", dump_name, "records.csv")
    assert table.payload.read().startswith(b'"id","url"')
    served = httpx.get(f"{base}/dumps/{dump_name}/records.csv")
    assert served.headers["content-type"] == "text/csv; charset=utf-8; header=present"


def test_service_and_problem_types(generated: tuple[Any, str, str, str]) -> None:
    client, _, _, _ = generated
    assert call(client, "service", "healthz").status == "ok"
    assert call(client, "service", "readyz").indexed == len(SAMPLE_RECORDS) + 1
    described = call(client, "service", "problem_type", "invalid-parameter")
    assert (described.status, described.title) == (400, "Invalid parameter")
    assert "rate-limited" in {t.slug for t in call(client, "service", "problem_types").problem_types}


def test_mementos_warcs_and_the_cdx_index(generated: tuple[Any, str, str, str]) -> None:
    client, _, _, _ = generated
    timemap = call(client, "memento", "timemap", URL)
    assert timemap.count('rel="memento"') + timemap.count('memento"') >= 2
    moved = call(client, "memento", "timegate", URL, status=302)
    assert "/api/v1/memento/20240102000000/" in moved.headers["location"]
    page = call(client, "memento", "memento", "20240101000000", URL)
    assert page == PAGE.decode()
    (warc,) = call(client, "warcs", "warcs").warcs
    stored = call(client, "warcs", "warc", warc.name)
    body = stored.payload.read()
    assert (len(body), hashlib.sha256(body).hexdigest()) == (warc.bytes_, warc.sha256)
    assert "vn,example,so)/tin-tuc/bai-1 20240101000000" in call(client, "warcs", "cdx")  # SURT key
    missing = _op("records", "attachment_file").sync_detailed(SAMPLE_RECORDS[0].id, 1, client=client)
    assert missing.status_code == 404  # the sample records attach nothing
    call(client, "records", "attachment_file", SAMPLE_RECORDS[0].id, 1, status=404)
    call(client, "records", "attachment", SAMPLE_RECORDS[0].id, 1, status=404)


def test_a_400_is_a_problem_through_the_client(generated: tuple[Any, str, str, str]) -> None:
    client, _, _, _ = generated
    response = _op("search", "search").sync_detailed(client=client, year="abc")
    assert response.status_code == 400
    assert (response.parsed.type_, response.parsed.parameter) == ("/problems/invalid-parameter", "year")


def test_every_operation_is_called_by_these_tests() -> None:
    called = set(re.findall(r'call\(client, "\w+", "(\w+)"', Path(__file__).read_text(encoding="utf-8")))
    assert called == {e.name for e in ENDPOINTS}
