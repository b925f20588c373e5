"""Reading every WARC file of a data home to its end: is each record intact, and where does each start?

A deptnews WARC file is one gzip member per record (:mod:`archive.warc`), so each member is checked on
its own: it must inflate without error (gzip's CRC-32 included) and hold one WARC record that warcio
parses and whose ``WARC-Block-Digest`` and ``WARC-Payload-Digest`` match its bytes. A member that fails
is reported with its offset, and reading goes on at the next gzip header, so one damaged record does
not hide the rest of the file. A last member cut short (the tail a ``kill -9`` leaves) is reported as
a torn tail.

Files still named ``.open`` belong to a crawl that is writing them or was killed; they are not read
here, only measured (:func:`archive.warc.complete_length`): the crawler's own recovery completes them.

The result maps ``(file, offset)`` to what starts there (:class:`Entry`), so record captures can be
checked against it without reading a WARC file twice.
"""

from __future__ import annotations

import io
import mmap
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator

from archive.verify import Finding
from archive.warc import complete_length, open_files, warc_files

__all__ = ["Entry", "WarcScan", "scan_warcs"]

CHECK = "warc"
_MAGIC = b"\x1f\x8b\x08"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Entry:
    """A WARC record that starts at some offset of a file (``length``: its gzip member's bytes)."""

    rec_type: str
    record_id: str | None
    url: str | None
    status: int | None
    payload_digest: str | None
    length: int
    digest_ok: bool | None
    """False: a digest does not match the bytes; None: the record carries no digest to check."""


@dataclass
class WarcScan:
    """What :func:`scan_warcs` found: complete files (name → size), their records, the ``.open`` files
    (name → (size, bytes up to the last complete record)), damaged regions and the findings."""

    files: dict[str, int] = field(default_factory=dict)
    entries: dict[tuple[str, int], Entry] = field(default_factory=dict)
    open_files: dict[str, tuple[int, int]] = field(default_factory=dict)
    damaged: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    """File name → ``[start, end)`` byte ranges that could not be read."""
    findings: list[Finding] = field(default_factory=list)
    records: int = 0

    def damage_at(self, name: str, offset: int) -> tuple[int, int] | None:
        """The damaged range of ``name`` that holds ``offset``, if any."""
        return next((r for r in self.damaged.get(name, []) if r[0] <= offset < r[1]), None)


@dataclass(frozen=True)
class _Member:
    start: int
    end: int
    data: bytes | None
    """The inflated member; None if it could not be inflated (``error`` says why)."""
    error: str | None = None


def scan_warcs(warc_dir: Path, *, crawl_running: bool = False) -> WarcScan:
    """Read every complete WARC file of ``warc_dir`` and measure the ``.open`` ones.

    ``crawl_running``: a crawl holds the lock, so ``.open`` files are being written (a notice) rather
    than left by a killed crawl (a problem the next crawl, or ``deptnews check --repair``, fixes).
    """
    scan = WarcScan()
    for path in warc_files(warc_dir):
        scan.files[path.name] = path.stat().st_size
        try:
            _scan_file(path, scan)
        except OSError as exc:
            scan.findings.append(Finding(CHECK, "unreadable-file", path.name, f"cannot read: {exc}"))
    for path in open_files(warc_dir):
        size = path.stat().st_size
        good = complete_length(path)
        scan.open_files[path.name] = (size, good)
        if crawl_running:
            detail = "being written by the running crawl"
        else:
            torn = f"; the last {size - good} byte(s) are a torn record" if size > good else ""
            detail = (
                f"left by a crawl that was killed ({good} byte(s) of complete records{torn}); the next "
                "crawl completes it, or `deptnews check --repair`"
            )
        scan.findings.append(Finding(CHECK, "open-file", path.name, detail, problem=not crawl_running))
    return scan


def _scan_file(path: Path, scan: WarcScan) -> None:
    with path.open("rb") as fh:
        head = fh.read(len(_MAGIC))
    if head != _MAGIC:
        _scan_uncompressed(path, scan)
        return
    for member in _members(path):
        if member.data is not None:
            _add_record(scan, path.name, member)
            continue
        scan.damaged.setdefault(path.name, []).append((member.start, member.end))
        if member.error == "torn":
            detail = (
                f"the last {member.end - member.start} byte(s), from offset {member.start}, are a record "
                "cut short"
            )
            scan.findings.append(Finding(CHECK, "torn-tail", path.name, detail))
        else:
            detail = (
                f"bytes {member.start}–{member.end} do not inflate to WARC records ({member.error}); raw "
                "captures are never rewritten: restore the file from a copy"
            )
            scan.findings.append(Finding(CHECK, "corrupt-record", path.name, detail))


def _members(path: Path) -> Iterator[_Member]:
    """The gzip members of ``path``. A member that fails is followed by the next gzip header at which a
    member inflates again: the bytes between are yielded as one damaged member (``data`` None). A failed
    member with nothing readable after it is ``"torn"`` when it merely ended too early."""
    size = path.stat().st_size
    if size == 0:
        return
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        start = 0
        while start < size:
            member = _inflate(data, start, size)
            if member.data is not None:
                yield member
                start = member.end
                continue
            resume = _next_good(data, start, size)
            if resume is None:
                yield _Member(start, size, None, member.error)
                return
            cut = member.error == "torn"  # the member ran into the next one: it was cut short
            yield _Member(start, resume, None, "a record cut short" if cut else member.error)
            start = resume


def _next_good(data: mmap.mmap, start: int, size: int) -> int | None:
    """The first offset after ``start`` where a whole gzip member inflates."""
    found = data.find(_MAGIC, start + 1)
    while found >= 0:
        if _inflate(data, found, size).data is not None:
            return found
        found = data.find(_MAGIC, found + 1)
    return None


def _inflate(data: mmap.mmap, start: int, size: int) -> _Member:
    inflater = zlib.decompressobj(31)
    out: list[bytes] = []
    pos = start
    while pos < size:
        chunk = data[pos : pos + _CHUNK]
        try:
            out.append(inflater.decompress(chunk))
        except zlib.error as exc:
            return _Member(start, pos + len(chunk), None, str(exc))
        if inflater.eof:
            return _Member(start, pos + len(chunk) - len(inflater.unused_data), b"".join(out))
        pos += len(chunk)
    # Only a member that never reached its end is torn; a damaged one fails before.
    return _Member(start, size, None, "torn")


def _add_record(scan: WarcScan, name: str, member: _Member) -> None:
    assert member.data is not None
    try:
        records = list(_records(io.BytesIO(member.data)))
    except Exception as exc:  # warcio raises assorted errors on garbage; all mean "not a record"
        records = []
        error = f"{type(exc).__name__}: {exc}"
    else:
        error = "no WARC record in the gzip member" if not records else ""
    if len(records) != 1:
        scan.findings.append(
            Finding(
                CHECK,
                "bad-record",
                name,
                f"offset {member.start}: {error or f'{len(records)} records in one gzip member'}",
            )
        )
        if not records:
            scan.damaged.setdefault(name, []).append((member.start, member.end))
            return
    scan.records += 1
    entry = replace(records[0], length=member.end - member.start)
    if entry.digest_ok is False:
        scan.findings.append(
            Finding(
                CHECK,
                "digest-mismatch",
                name,
                f"offset {member.start}: the {entry.rec_type} record {entry.record_id} does not match its "
                "digest (its bytes changed after writing)",
            )
        )
    if entry.rec_type in ("response", "revisit"):
        scan.entries[(name, member.start)] = entry


def _records(stream: io.BytesIO) -> Iterator[Entry]:
    iterator = ArchiveIterator(stream, check_digests=True)
    for record in iterator:
        iterator.read_to_end(record)
        yield _entry(record, 0)


def _entry(record: Any, length: int) -> Entry:
    headers = record.rec_headers
    status: int | None = None
    if record.http_headers is not None and record.rec_type in ("response", "revisit"):
        code = record.http_headers.get_statuscode()
        status = int(code) if code and code.isdigit() else None
    return Entry(
        rec_type=str(record.rec_type),
        record_id=headers.get_header("WARC-Record-ID"),
        url=headers.get_header("WARC-Target-URI"),
        status=status,
        payload_digest=headers.get_header("WARC-Payload-Digest"),
        length=length,
        digest_ok=record.digest_checker.passed,
    )


def _scan_uncompressed(path: Path, scan: WarcScan) -> None:
    """A plain ``.warc`` file (deptnews writes gzip; another tool may not): warcio reads it whole."""
    try:
        with path.open("rb") as fh:
            iterator = ArchiveIterator(fh, check_digests=True)
            for record in iterator:
                iterator.read_to_end(record)
                offset, length = int(iterator.get_record_offset()), int(iterator.get_record_length())
                entry = _entry(record, length)
                scan.records += 1
                if entry.digest_ok is False:
                    scan.findings.append(
                        Finding(CHECK, "digest-mismatch", path.name, f"offset {offset}: digests do not match")
                    )
                if entry.rec_type in ("response", "revisit"):
                    scan.entries[(path.name, offset)] = entry
    except Exception as exc:  # warcio raises assorted errors on garbage
        scan.findings.append(Finding(CHECK, "corrupt-record", path.name, f"{type(exc).__name__}: {exc}"))
