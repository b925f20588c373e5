"""The archive checks on real WARC files written by :class:`archive.warc.WarcWriter`, damaged on purpose."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.model import CaptureRef
from archive.verify.records import RecordScan, check_captures
from archive.verify.warcs import scan_warcs
from archive.warc import Exchange, WarcWriter, complete_length, warc_files


def _write(directory: Path, count: int = 3) -> list[CaptureRef]:
    with WarcWriter(directory) as writer:
        return [
            writer.write_exchange(
                Exchange(
                    url=f"http://so.gov.vn/tin-tuc/{n}",
                    status=200,
                    reason="OK",
                    response_headers=[("Content-Type", "text/html; charset=utf-8")],
                    body=f"<html><body><p>Hội nghị lần {n}</p></body></html>".encode() * 20,
                    captured_at=datetime(2024, 5, 1, tzinfo=UTC),
                )
            )
            for n in range(count)
        ]


def test_every_capture_is_mapped_with_its_digest_verified(tmp_path: Path) -> None:
    refs = _write(tmp_path)
    scan = scan_warcs(tmp_path)
    assert scan.findings == []
    assert scan.records == 1 + 2 * len(refs)  # warcinfo, then a response and a request per exchange
    for ref in refs:
        entry = scan.entries[(ref.warc_file, ref.offset)]
        assert (entry.record_id, entry.payload_digest, entry.length) == (
            ref.warc_record_id,
            ref.payload_digest,
            ref.length,
        )
        assert entry.digest_ok is True
        assert entry.status == 200


def test_a_damaged_record_is_reported_and_reading_goes_on(tmp_path: Path) -> None:
    first, second, third = _write(tmp_path)
    path = tmp_path / second.warc_file
    data = bytearray(path.read_bytes())
    data[second.offset + second.length // 2] ^= 0x10
    path.write_bytes(bytes(data))
    scan = scan_warcs(tmp_path)
    assert [(f.code, f.subject) for f in scan.findings] == [("corrupt-record", path.name)]
    assert scan.damage_at(path.name, second.offset) == (second.offset, second.offset + second.length)
    assert (path.name, third.offset) in scan.entries  # the records after the damage are still read
    records = RecordScan(captures=[("a", 1, first), ("b", 1, second), ("c", 1, third)])
    assert [(f.code, f.subject) for f in check_captures(records, scan)] == [("damaged", "b")]


def test_a_torn_tail_is_reported(tmp_path: Path) -> None:
    refs = _write(tmp_path)
    path = warc_files(tmp_path)[0]
    path.write_bytes(path.read_bytes()[:-25])
    scan = scan_warcs(tmp_path)
    assert [f.code for f in scan.findings] == ["torn-tail"]
    assert all((r.warc_file, r.offset) in scan.entries for r in refs)  # the torn record is a request


def test_open_files_are_a_problem_unless_a_crawl_writes_them(tmp_path: Path) -> None:
    _write(tmp_path)
    path = warc_files(tmp_path)[0]
    torn = path.with_name(path.name + ".open")
    torn.write_bytes(path.read_bytes()[:-25])
    path.unlink()
    good = complete_length(torn)
    assert 0 < good < torn.stat().st_size
    (finding,) = scan_warcs(tmp_path).findings
    assert (finding.code, finding.problem) == ("open-file", True)
    assert f"the last {torn.stat().st_size - good} byte(s) are a torn record" in finding.detail
    (finding,) = scan_warcs(tmp_path, crawl_running=True).findings
    assert (finding.code, finding.problem) == ("open-file", False)


def test_an_uncompressed_warc_file_is_read(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=False)
    http = StatusAndHeaders("200 OK", [("Content-Type", "text/plain")], protocol="HTTP/1.1")
    record = writer.create_warc_record(
        "http://so.gov.vn/a", "response", payload=io.BytesIO(b"abc"), length=3, http_headers=http
    )
    writer.write_record(record)
    (tmp_path / "other.warc").write_bytes(buffer.getvalue())
    scan = scan_warcs(tmp_path)
    assert scan.findings == []
    ((key, entry),) = scan.entries.items()
    assert key == ("other.warc", 0)
    assert entry.url == "http://so.gov.vn/a"


def test_captures_that_point_nowhere(tmp_path: Path) -> None:
    (ref,) = _write(tmp_path, 1)
    scan = scan_warcs(tmp_path)
    wrong = [
        ("missing", ref.model_copy(update={"warc_file": "gone.warc.gz"})),
        ("offset", ref.model_copy(update={"offset": ref.offset + 1})),
        ("record", ref.model_copy(update={"warc_record_id": "<urn:uuid:other>"})),
        ("digest", ref.model_copy(update={"payload_digest": "sha1:AAAA"})),
        ("length", ref.model_copy(update={"length": ref.length + 1})),
    ]
    found = check_captures(RecordScan(captures=[(rid, 1, r) for rid, r in wrong]), scan)
    assert [(f.subject, f.code) for f in found] == [
        ("missing", "missing-file"),
        ("offset", "not-found"),
        ("record", "wrong-record"),
        ("digest", "wrong-digest"),
        ("length", "wrong-length"),
    ]
