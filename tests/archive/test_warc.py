from __future__ import annotations

import gzip
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archive.errors import WarcError
from archive.warc import Exchange, WarcWriter, iter_captures, read_capture, warc_files


def _exchange(url: str, body: bytes, **kw: object) -> Exchange:
    headers = kw.pop("headers", [("Content-Type", "text/html; charset=utf-8")])
    return Exchange(
        url=url,
        status=200,
        reason="OK",
        response_headers=headers,  # type: ignore[arg-type]
        body=body,
        request_headers=[("User-Agent", "deptnews-test")],
        captured_at=datetime(2024, 5, 1, 3, 4, 5, tzinfo=UTC),
    )


def test_write_then_read_back(tmp_path: Path) -> None:
    with WarcWriter(tmp_path) as writer:
        first = writer.write_exchange(_exchange("http://h.vn/a", "Hội nghị".encode()))
        second = writer.write_exchange(_exchange("http://h.vn/b", b"<p>two</p>"))
    files = warc_files(tmp_path)
    assert len(files) == 1
    assert files[0].name.endswith(".warc.gz")
    assert first.warc_file == files[0].name
    assert first.payload_digest
    assert first.payload_digest.startswith("sha1:")
    captures = list(iter_captures(files[0]))
    assert [c.url for c in captures] == ["http://h.vn/a", "http://h.vn/b"]
    assert captures[0].body == "Hội nghị".encode()
    assert captures[0].ref.offset == first.offset
    assert captures[0].ref.length == first.length
    assert captures[1].ref.offset == second.offset
    direct = read_capture(tmp_path, second)
    assert direct.body == b"<p>two</p>"
    assert direct.ref.captured_at == datetime(2024, 5, 1, 3, 4, 5, tzinfo=UTC)


def test_passes_warcio_checker(tmp_path: Path) -> None:
    with WarcWriter(tmp_path) as writer:
        writer.write_exchange(_exchange("http://h.vn/a", b"x" * 1000))
    result = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", "-v", str(warc_files(tmp_path)[0])],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "digest pass" in result.stdout


def test_content_encoding_kept_raw_and_decoded_on_read(tmp_path: Path) -> None:
    raw = gzip.compress("Sở Thông tin".encode())
    headers = [("Content-Type", "text/html"), ("Content-Encoding", "gzip"), ("Transfer-Encoding", "chunked")]
    with WarcWriter(tmp_path) as writer:
        writer.write_exchange(_exchange("http://h.vn/z", raw, headers=headers))
    capture = next(iter_captures(warc_files(tmp_path)[0]))
    assert capture.body == "Sở Thông tin".encode()
    assert ("X-Archive-Orig-Transfer-Encoding", "chunked") in capture.headers


def test_bomb_is_truncated(tmp_path: Path) -> None:
    raw = gzip.compress(b"\0" * 5_000_000)
    headers = [("Content-Type", "text/html"), ("Content-Encoding", "gzip")]
    with WarcWriter(tmp_path) as writer:
        writer.write_exchange(_exchange("http://h.vn/bomb", raw, headers=headers))
    capture = next(iter_captures(warc_files(tmp_path)[0], max_body=1000))
    assert capture.truncated
    assert len(capture.body) == 1000


def test_rotation_and_open_files_hidden(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, max_file_size=100)
    writer.write_exchange(_exchange("http://h.vn/1", b"a" * 200))
    assert warc_files(tmp_path) == []  # still .open
    writer.write_exchange(_exchange("http://h.vn/2", b"b" * 200))
    assert len(warc_files(tmp_path)) == 1
    writer.close()
    assert len(warc_files(tmp_path)) == 2


def test_unreadable_file_is_a_warc_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.warc.gz"
    bad.write_bytes(b"this is not a warc file at all\r\n\r\n")
    with pytest.raises(WarcError):
        list(iter_captures(bad))


def test_warcinfo_names_the_software_operator_and_policy(tmp_path: Path) -> None:
    from importlib.metadata import version

    from warcio.archiveiterator import ArchiveIterator

    from archive.warc import CONFORMS_TO, warcinfo_fields

    info = warcinfo_fields(operator="Nhóm lưu trữ <archive@example.vn>", user_agent="deptnews-test/1")
    with WarcWriter(tmp_path, info=info) as writer:
        writer.write_exchange(_exchange("http://h.vn/a", b"x"))
    with warc_files(tmp_path)[0].open("rb") as fh:
        record = next(iter(ArchiveIterator(fh)))
        assert record.rec_type == "warcinfo"
        assert record.rec_headers.get_header("WARC-Filename") == warc_files(tmp_path)[0].name
        text = record.content_stream().read().decode("utf-8")
    fields = dict(line.split(": ", 1) for line in text.strip().splitlines())
    assert fields == {
        "software": f"deptnews/{version('deptnews')}",
        "hostname": fields["hostname"],
        "http-header-user-agent": "deptnews-test/1",
        "operator": "Nhóm lưu trữ <archive@example.vn>",
        "robots": "obey",
        "isPartOf": "deptnews",
        "format": "WARC File Format 1.1",
        "conformsTo": CONFORMS_TO,
    }
    assert fields["hostname"]
    assert "operator" not in warcinfo_fields()  # no operator set: no empty field


def test_on_close_gets_each_completed_file(tmp_path: Path) -> None:
    closed: list[Path] = []
    with WarcWriter(tmp_path, max_file_size=1, on_close=closed.append) as writer:
        writer.write_exchange(_exchange("http://h.vn/a", b"x"))
        writer.write_exchange(_exchange("http://h.vn/b", b"y"))  # rotates: the first file is complete
        assert [p.name for p in closed] == [warc_files(tmp_path)[0].name]
    assert closed == warc_files(tmp_path)
    assert all(p.is_file() for p in closed)
