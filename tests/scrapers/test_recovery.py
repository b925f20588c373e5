"""WARC after a kill: ``.open`` files cut to their last complete record, renamed, reconciled with state;
and revisit records."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from archive.errors import WarcError
from archive.warc import (
    Exchange,
    RevisitOf,
    WarcWriter,
    complete_length,
    iter_captures,
    open_files,
    payload_digest,
    read_capture,
    recover_open_file,
    warc_files,
)
from scrapers.recovery import recover
from scrapers.state import CrawlState

WEEK = timedelta(days=7)


def _exchange(n: int, body: bytes | None = None) -> Exchange:
    return Exchange(
        url=f"http://so.gov.vn/tin-tuc/bai-{n}.html",
        status=200,
        reason="OK",
        response_headers=[("Content-Type", "text/html"), ("ETag", f'"e{n}"')],
        body=body if body is not None else f"<p>Bài số {n}</p>".encode() * 50,
        request_headers=[("User-Agent", "deptnews-test")],
        captured_at=datetime(2025, 3, 1, 8, n, tzinfo=UTC),
    )


def _killed_writer(directory: Path, count: int, extra: list[Exchange] | None = None) -> Path:
    """Write ``count`` exchanges; return a copy of the ``.open`` file as ``kill -9`` would leave it."""
    scratch = directory.with_name(directory.name + "-scratch")
    with WarcWriter(scratch) as writer:
        for n in range(count):
            writer.write_exchange(_exchange(n))
        for exchange in extra or []:
            writer.write_exchange(exchange)
        (live,) = open_files(scratch)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / live.name
        shutil.copyfile(live, path)
    return path


def _check(paths: list[Path]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_partial_last_record_is_cut(tmp_path: Path) -> None:
    path = _killed_writer(tmp_path / "w", 3)
    complete = path.stat().st_size
    with path.open("ab") as fh:  # the first half of a fourth record's gzip member
        fh.write(_gzip_member_prefix(tmp_path))
    assert complete_length(path) == complete
    final = recover_open_file(path)
    assert final is not None
    assert final.name == path.name.removesuffix(".open")
    assert final.stat().st_size == complete
    assert [c.url for c in iter_captures(final)] == [_exchange(n).url for n in range(3)]
    _check([final])
    assert open_files(tmp_path / "w") == []


def test_cut_inside_a_record(tmp_path: Path) -> None:
    path = _killed_writer(tmp_path / "w", 3)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 100])  # the last request record loses its end
    final = recover_open_file(path)
    assert final is not None
    assert len(list(iter_captures(final))) == 3  # the response records are whole
    _check([final])
    # Cut inside the first response: only warcinfo is complete, so nothing is left worth keeping.
    path = _killed_writer(tmp_path / "b", 2)
    path.write_bytes(path.read_bytes()[: _first_member_end(path) + 50])
    assert complete_length(path) == _first_member_end(path)
    assert recover_open_file(path) is None
    assert not path.exists()


def test_file_without_captures_is_removed(tmp_path: Path) -> None:
    path = _killed_writer(tmp_path / "w", 1)
    with path.open("r+b") as fh:  # keep only the warcinfo record
        fh.truncate(_first_member_end(path))
    assert recover_open_file(path) is None
    assert not path.exists()
    assert warc_files(tmp_path / "w") == []
    with pytest.raises(WarcError):
        recover_open_file(tmp_path / "x.warc.gz")


def test_recover_reconciles_the_state(tmp_path: Path) -> None:
    warc = tmp_path / "warc"
    robots = Exchange("http://so.gov.vn/robots.txt", 200, "OK", [], b"User-agent: *")
    # Three articles and, from a URL the state never saw, robots.txt; the state learnt of the first only.
    path = _killed_writer(warc, 3, [robots])
    first = next(iter_captures(path)).ref
    state = CrawlState(tmp_path / "state.sqlite")
    state.discover([_exchange(n).url for n in range(3)], source="so", kind="article")
    state.fetched(
        first.url,
        source="so",
        kind="article",
        status=200,
        digest=first.payload_digest,
        warc_file=path.name.removesuffix(".open"),
        warc_offset=first.offset,
        warc_record_id=first.warc_record_id,
        captured_at=first.captured_at,
    )
    recovery = recover(warc, state, lambda url: ("so", WEEK), WEEK)
    assert recovery.recorded == 3
    (name,) = recovery.files
    for n in (1, 2):
        row = state.get(_exchange(n).url)
        assert row is not None
        assert (row.status, row.warc_file, row.kind, row.etag) == (200, name, "article", f'"e{n}"')
        assert row.digest == payload_digest(_exchange(n).body)
        assert row.next_due is not None
        assert row.captured_at is not None
        assert read_capture(warc, _ref(row.url, name, row.warc_offset)).url == row.url
    robots_row = state.get("http://so.gov.vn/robots.txt")
    assert robots_row is not None
    assert robots_row.kind == "robots"
    # Idempotent: nothing left to do.
    assert recover(warc, state, lambda url: None, WEEK).files == []
    state.close()


def test_revisit_record(tmp_path: Path) -> None:
    body = os.urandom(5000)
    with WarcWriter(tmp_path) as writer:
        first = writer.write_exchange(_exchange(1, body))
        assert first.payload_digest == payload_digest(body)
        original = RevisitOf(first.url, first.captured_at, first.warc_record_id, payload_digest(body))
        again = writer.write_revisit(_exchange(1, body), original)
    assert again.payload_digest == first.payload_digest
    assert again.length < first.length
    records = list(iter_captures(warc_files(tmp_path)[0]))
    assert [c.record_type for c in records] == ["response", "revisit"]
    assert records[1].body == b""
    assert records[1].ref.payload_digest == first.payload_digest
    _check(warc_files(tmp_path))
    text = subprocess.run(
        [
            sys.executable,
            "-m",
            "warcio.cli",
            "index",
            "-f",
            "warc-type,warc-refers-to",
            str(warc_files(tmp_path)[0]),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert first.warc_record_id in text


def _ref(url: str, name: str, offset: int | None):  # type: ignore[no-untyped-def]
    from archive.model import CaptureRef

    return CaptureRef(
        url=url,
        captured_at=datetime.now(UTC),
        status=200,
        warc_file=name,
        offset=offset or 0,
        length=0,
        warc_record_id="<urn:x>",
    )


def _first_member_end(path: Path) -> int:
    import zlib

    data = path.read_bytes()
    inflater = zlib.decompressobj(31)
    inflater.decompress(data)
    return len(data) - len(inflater.unused_data)


def _gzip_member_prefix(directory: Path) -> bytes:
    scratch = directory / "scratch"
    with WarcWriter(scratch) as writer:
        writer.write_exchange(_exchange(9))
    data = warc_files(scratch)[0].read_bytes()
    start = _first_member_end(warc_files(scratch)[0])
    return data[start : start + (len(data) - start) // 3]
