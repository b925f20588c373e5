"""The WARC files over the API: listed with SHA-256 and record counts (computed once), downloaded whole or
by byte range, with an ETag and Repr-Digest; nothing outside the listing is ever served."""

from __future__ import annotations

import base64
import hashlib
import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from mementos import Built, build
from starlette.testclient import TestClient
from warcio.archiveiterator import ArchiveIterator

from api.app import create_app
from api.routes.warcs import single_range
from archive import warcfiles
from archive.home import DataHome
from archive.warc import warc_files


@pytest.fixture
def built(tmp_path: Path) -> Built:
    return build(tmp_path)


@pytest.fixture
def client(built: Built) -> Iterator[TestClient]:
    with TestClient(create_app(built.home)) as test_client:
        yield test_client


def _records(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(1 for _ in ArchiveIterator(fh))


def test_listing(client: TestClient, built: Built) -> None:
    body = client.get("/api/v1/warcs").json()
    files = warc_files(built.home.warc_dir)
    assert [w["name"] for w in body["warcs"]] == [p.name for p in files]
    for listed, path in zip(body["warcs"], files, strict=True):
        assert listed["bytes"] == path.stat().st_size
        assert listed["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert listed["records"] == _records(path)
        assert listed["url"] == f"http://testserver/api/v1/warcs/{path.name}"
    assert body["cdx"] == "http://testserver/api/v1/cdx"
    index = client.get("/api/v1/cdx")
    assert index.status_code == 200
    assert index.content == (built.home.cdx_dir / "index.cdxj").read_bytes()


def test_figures_are_computed_once_per_file_version(
    client: TestClient, built: Built, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file the CDXJ index does not know yet is read once; the figures are kept until it changes."""
    for info in built.home.cdx_dir.glob("*.warc.gz.json"):
        info.unlink()  # as for WARC files written before the index existed
    calls: list[str] = []
    real = warcfiles.describe

    def counting(path: Path) -> warcfiles.WarcFileInfo:
        calls.append(path.name)
        return real(path)

    monkeypatch.setattr(warcfiles, "describe", counting)
    first = client.get("/api/v1/warcs").json()
    assert len(calls) == 2
    assert client.get("/api/v1/warcs").json() == first
    assert len(calls) == 2
    path = warc_files(built.home.warc_dir)[0]
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000_000))
    client.get("/api/v1/warcs")
    assert calls[2:] == [path.name]


def test_download_whole(client: TestClient, built: Built) -> None:
    path = warc_files(built.home.warc_dir)[0]
    response = client.get(f"/api/v1/warcs/{path.name}")
    assert response.status_code == 200
    data = path.read_bytes()
    assert response.content == data  # as stored: no content coding added
    assert "content-encoding" not in response.headers
    assert response.headers["accept-ranges"] == "bytes"
    sha256 = hashlib.sha256(data)
    assert response.headers["etag"] == f'"sha256-{sha256.hexdigest()}"'
    assert response.headers["repr-digest"] == f"sha-256=:{base64.b64encode(sha256.digest()).decode()}:"
    assert response.headers["content-disposition"] == f'attachment; filename="{path.name}"'
    again = client.get(f"/api/v1/warcs/{path.name}", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [("bytes=0-9", 0, 9), ("bytes=10-", 10, None), ("bytes=-20", -20, None), ("bytes=5-999999999", 5, None)],
)
def test_download_a_range(
    client: TestClient, built: Built, header: str, first: int, last: int | None
) -> None:
    path = warc_files(built.home.warc_dir)[0]
    data = path.read_bytes()
    response = client.get(f"/api/v1/warcs/{path.name}", headers={"Range": header})
    assert response.status_code == 206
    start = first if first >= 0 else len(data) + first
    end = last if last is not None else len(data) - 1
    assert response.content == data[start : end + 1]
    assert response.headers["content-range"] == f"bytes {start}-{end}/{len(data)}"
    assert response.headers["repr-digest"].startswith("sha-256=:")  # of the whole file, as RFC 9530 says


def test_a_record_is_one_range_away(client: TestClient, built: Built) -> None:
    """The CDXJ offset and length of a capture fetch exactly its gzip member, which reads alone."""
    ref = built.first
    end = ref.offset + ref.length - 1
    response = client.get(f"/api/v1/warcs/{ref.warc_file}", headers={"Range": f"bytes={ref.offset}-{end}"})
    assert response.status_code == 206
    record = next(iter(ArchiveIterator(io.BytesIO(response.content))))
    assert record.rec_headers.get_header("WARC-Record-ID") == ref.warc_record_id


def test_an_unsatisfiable_range_is_a_416_problem(client: TestClient, built: Built) -> None:
    path = warc_files(built.home.warc_dir)[0]
    size = path.stat().st_size
    response = client.get(f"/api/v1/warcs/{path.name}", headers={"Range": f"bytes={size}-"})
    assert response.status_code == 416
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["content-range"] == f"bytes */{size}"
    assert response.json()["type"] == "/problems/range-not-satisfiable"


@pytest.mark.parametrize("header", ["bytes=5-2", "items=0-1", "bytes=0-1,4-5", "bytes=x-y", "bytes=-"])
def test_a_range_we_do_not_serve_gets_the_whole_file(client: TestClient, built: Built, header: str) -> None:
    path = warc_files(built.home.warc_dir)[0]
    response = client.get(f"/api/v1/warcs/{path.name}", headers={"Range": header})
    assert response.status_code == 200
    assert response.content == path.read_bytes()


def test_single_range() -> None:
    assert single_range(None, 10) is None
    assert single_range("bytes=0-0", 10) == (0, 0)
    assert single_range("bytes=-0", 10) == "unsatisfiable"
    assert single_range("bytes=-5", 0) == "unsatisfiable"
    assert single_range("bytes=-50", 10) == (0, 9)
    assert single_range("bytes=10-", 10) == "unsatisfiable"


@pytest.mark.parametrize(
    "name",
    ["..%2Fstate.sqlite", "x.warc.gz", "index.cdxj", "%2E%2E", "..", "sources.toml"],
)
def test_only_listed_files_are_served(client: TestClient, built: Built, name: str) -> None:
    (built.home.root / "state.sqlite").write_bytes(b"secret")
    response = client.get(f"/api/v1/warcs/{name}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert b"secret" not in response.content


def test_an_open_file_is_not_listed(client: TestClient, built: Built) -> None:
    name = warc_files(built.home.warc_dir)[0].name
    (built.home.warc_dir / f"zzz-{name}.open").write_bytes(b"partial")
    listed = [w["name"] for w in client.get("/api/v1/warcs").json()["warcs"]]
    assert not any(n.endswith(".open") for n in listed)
    assert client.get(f"/api/v1/warcs/zzz-{name}.open").status_code == 404


def test_no_index_yet(tmp_path: Path) -> None:
    with TestClient(create_app(DataHome(tmp_path).ensure())) as client:
        assert client.get("/api/v1/warcs").json() == {"warcs": [], "cdx": None}
        assert client.get("/api/v1/cdx").status_code == 404
        assert client.get("/api/v1/timegate/http://x.vn/").json()["type"] == "/problems/not-archived"
