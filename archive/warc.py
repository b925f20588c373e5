"""Raw captures as WARC 1.1 files, written and read with warcio.

Writing: :class:`WarcWriter` appends request/response (or revisit) record pairs to a gzip-per-record WARC
file named ``<prefix>-<UTC timestamp>-<serial>.warc.gz`` in the data home's ``warc/`` directory, rotating to a
new file past ``max_file_size``. A file being written carries the suffix ``.open`` and is renamed when
closed, so readers only ever see complete files; each exchange is flushed before :meth:`write_exchange`
returns, so a capture referenced from crawl state is on disk.

Content fetched again with the same payload is written as a ``revisit`` record (profile
*identical-payload-digest*) that refers to the first capture instead of storing the body twice
(:meth:`WarcWriter.write_revisit`; :func:`payload_digest` tells whether a body is the same).

Each file starts with a ``warcinfo`` record (WARC 1.1 §6): the software and its version, the host name,
the format and the specification it conforms to, the collection it is part of (``isPartOf``), the robots
policy and whatever the caller adds (:func:`warcinfo_fields`: ``operator``, ``http-header-user-agent``).
A writer may be given ``on_close``, called with the final path of every file it completes (the crawl
indexes it, see :mod:`archive.cdxindex`).

Recovery: a writer killed mid-write (``kill -9``) leaves a ``.open`` file whose last record may be cut.
:func:`recover_open_file` truncates it to its last complete record (one gzip member per record, so a
complete member is a complete record) and gives it its final name; a file without any capture is removed.

Reading: :func:`iter_captures` streams response records of one file without loading it whole;
:func:`read_capture` seeks straight to one record by its :class:`~archive.model.CaptureRef`.

The HTTP payload is stored as it came over the wire (Content-Encoding kept) except for the transfer
encoding, which the HTTP client has already removed; the original Transfer-Encoding header is kept as
``X-Archive-Orig-Transfer-Encoding`` so that readers do not try to de-chunk the body again.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import socket
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.errors import WarcError
from archive.model import CaptureRef

SOFTWARE = "deptnews"
COLLECTION = "deptnews"
FORMAT = "WARC File Format 1.1"
CONFORMS_TO = "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"
OPEN_SUFFIX = ".open"
_OPEN_SUFFIX = OPEN_SUFFIX
_HOP_BY_HOP = {"transfer-encoding"}
DEFAULT_MAX_BODY = 20 * 1024 * 1024


@dataclass(frozen=True)
class Exchange:
    """One HTTP request and its response, as fetched."""

    url: str
    status: int
    reason: str
    response_headers: list[tuple[str, str]]
    body: bytes = field(repr=False)
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    method: str = "GET"
    http_version: str = "HTTP/1.1"
    captured_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    ip_address: str | None = None


@dataclass(frozen=True)
class Capture:
    """A response read back from a WARC file: what the parser receives."""

    ref: CaptureRef
    headers: list[tuple[str, str]]
    body: bytes = field(repr=False)
    record_type: str = "response"
    truncated: bool = False

    @property
    def url(self) -> str:
        return self.ref.url

    @property
    def content_type(self) -> str | None:
        return self.ref.content_type


@dataclass(frozen=True)
class RevisitOf:
    """The earlier capture a revisit record refers to (its target URI, WARC-Date, record id, digest)."""

    url: str
    captured_at: datetime
    record_id: str | None
    payload_digest: str


def payload_digest(body: bytes) -> str:
    """The WARC-Payload-Digest warcio writes for ``body`` (``sha1:`` + base32)."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def _warc_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_warc_date(value: str | None) -> datetime:
    if not value:
        raise ValueError("WARC record without WARC-Date")
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    lname = name.lower()
    return next((v for k, v in headers if k.lower() == lname), None)


def _software() -> str:
    try:
        return f"{SOFTWARE}/{version(SOFTWARE)}"
    except PackageNotFoundError:  # not installed as a distribution (a source checkout on sys.path)
        return SOFTWARE


def warcinfo_fields(
    *, operator: str | None = None, user_agent: str | None = None, robots: str = "obey"
) -> dict[str, str]:
    """The fields of a deptnews ``warcinfo`` record (WARC 1.1 §6, in the order the spec lists them):
    ``software`` (name/version), ``hostname``, ``http-header-user-agent``, ``operator``, ``robots``
    (``obey`` or ``ignore``), ``isPartOf``, ``format`` and ``conformsTo``; an empty value is left out."""
    fields = {
        "software": _software(),
        "hostname": socket.gethostname(),
        "http-header-user-agent": user_agent or "",
        "operator": operator or "",
        "robots": robots,
        "isPartOf": COLLECTION,
        "format": FORMAT,
        "conformsTo": CONFORMS_TO,
    }
    return {k: v for k, v in fields.items() if v}


class WarcWriter:
    """Append-only writer of WARC 1.1 files with rotation by size. Not thread-safe; one per process.

    ``info``: the warcinfo fields of each file (default :func:`warcinfo_fields`); ``on_close``: called with
    the final path of each file once complete (an exception from it propagates to the caller of the write
    or close that completed the file, which is already complete on disk).
    """

    def __init__(
        self,
        directory: Path,
        *,
        prefix: str = "deptnews",
        max_file_size: int = 1 << 30,
        info: Mapping[str, str] | None = None,
        on_close: Callable[[Path], None] | None = None,
    ) -> None:
        self.directory = directory
        self.prefix = prefix
        self.max_file_size = max_file_size
        self.info = dict(info) if info is not None else warcinfo_fields()
        self.on_close = on_close
        self._file: BinaryIO | None = None
        self._path: Path | None = None
        self._writer: Any = None
        self._serial = 0
        self.files: list[str] = []
        """Final names of the files this writer has opened, in order (the last may still be open)."""

    def __enter__(self) -> WarcWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def current_name(self) -> str | None:
        """Final name (without ``.open``) of the file being written, if any."""
        return self._path.name.removesuffix(_OPEN_SUFFIX) if self._path else None

    def _open(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
        self._serial += 1
        name = f"{self.prefix}-{stamp}-{self._serial:05d}-{os.getpid()}.warc.gz"
        path = self.directory / (name + _OPEN_SUFFIX)
        try:
            self._file = path.open("xb")
        except OSError as exc:
            raise WarcError(f"cannot create WARC file {path}: {exc}") from exc
        self._path = path
        self.files.append(name)
        self._writer = WARCWriter(self._file, gzip=True, warc_version="1.1")
        self._writer.write_record(self._writer.create_warcinfo_record(name, self.info))

    def _rotate_if_needed(self) -> None:
        if self._file is not None and self._file.tell() >= self.max_file_size:
            self.close()
        if self._file is None:
            self._open()

    def write_exchange(self, exchange: Exchange) -> CaptureRef:
        """Write the response and request records; return a reference to the response record."""
        return self._write_pair(exchange, None)

    def write_revisit(self, exchange: Exchange, original: RevisitOf) -> CaptureRef:
        """Write a revisit record (HTTP headers, no payload) referring to ``original``, and the request.

        The caller has checked that ``payload_digest(exchange.body) == original.payload_digest``.
        """
        return self._write_pair(exchange, original)

    def _write_pair(self, exchange: Exchange, original: RevisitOf | None) -> CaptureRef:
        self._rotate_if_needed()
        assert self._file is not None
        assert self._writer is not None
        writer = self._writer
        date = _warc_date(exchange.captured_at)
        headers = [
            (f"X-Archive-Orig-{k}" if k.lower() in _HOP_BY_HOP else k, v)
            for k, v in exchange.response_headers
        ]
        http_headers = StatusAndHeaders(
            f"{exchange.status} {exchange.reason}".strip(),
            headers,
            protocol=exchange.http_version,
        )
        warc_headers = {"WARC-Date": date}
        if exchange.ip_address:
            warc_headers["WARC-IP-Address"] = exchange.ip_address
        if original is None:
            response = writer.create_warc_record(
                exchange.url,
                "response",
                payload=io.BytesIO(exchange.body),
                length=len(exchange.body),
                http_headers=http_headers,
                warc_headers_dict=warc_headers,
            )
        else:
            response = writer.create_revisit_record(
                exchange.url,
                original.payload_digest,
                original.url,
                _warc_date(original.captured_at),
                http_headers=http_headers,
                warc_headers_dict=warc_headers,
            )
            if original.record_id:
                response.rec_headers.add_header("WARC-Refers-To", original.record_id)
        request = writer.create_warc_record(
            exchange.url,
            "request",
            http_headers=StatusAndHeaders(
                f"{exchange.method} {_request_target(exchange.url)} {exchange.http_version}",
                exchange.request_headers,
                is_http_request=True,
            ),
            warc_headers_dict={"WARC-Date": date},
        )
        request.rec_headers.add_header(
            "WARC-Concurrent-To", response.rec_headers.get_header("WARC-Record-ID")
        )
        try:
            offset = self._file.tell()
            writer.write_record(response)
            length = self._file.tell() - offset
            writer.write_record(request)
            self._file.flush()
        except OSError as exc:
            raise WarcError(f"cannot write to {self._path}: {exc}") from exc
        return CaptureRef(
            url=exchange.url,
            captured_at=_parse_warc_date(date),
            status=exchange.status,
            warc_file=self.current_name or "",
            offset=offset,
            length=length,
            warc_record_id=response.rec_headers.get_header("WARC-Record-ID"),
            payload_digest=response.rec_headers.get_header("WARC-Payload-Digest"),
            content_type=_header(headers, "Content-Type"),
        )

    def close(self) -> None:
        """Close the current file and give it its final name."""
        if self._file is None or self._path is None:
            return
        final = self._path.with_name(self._path.name.removesuffix(_OPEN_SUFFIX))
        try:
            self._file.close()
            self._path.rename(final)
        except OSError as exc:
            raise WarcError(f"cannot close WARC file {self._path}: {exc}") from exc
        finally:
            self._file = None
            self._path = None
            self._writer = None
        if self.on_close is not None:
            self.on_close(final)


def _request_target(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def warc_files(directory: Path) -> list[Path]:
    """Complete WARC files in ``directory``, oldest first (names start with a UTC timestamp)."""
    if not directory.is_dir():
        return []
    return sorted(
        (p for p in directory.iterdir() if p.name.endswith((".warc.gz", ".warc"))),
        key=lambda p: p.name,
    )


def open_files(directory: Path) -> list[Path]:
    """WARC files left ``.open`` in ``directory`` (by a writer that was killed), oldest first."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.name.endswith(".warc.gz" + OPEN_SUFFIX))


def complete_length(path: Path) -> int:
    """Bytes of ``path`` (a gzip-per-record WARC) up to the end of its last complete gzip member."""
    good = offset = 0
    inflater = zlib.decompressobj(31)
    pending = b""
    with path.open("rb") as fh:
        while True:
            if not pending:
                pending = fh.read(1 << 20)
                if not pending:
                    return good
            try:
                inflater.decompress(pending, 1 << 16)  # the output is not needed, only the member ends
            except zlib.error:
                return good
            if inflater.eof:
                rest = inflater.unused_data
                offset += len(pending) - len(rest)
                good = offset
                pending = rest
                inflater = zlib.decompressobj(31)
            else:
                tail = inflater.unconsumed_tail
                offset += len(pending) - len(tail)
                pending = tail


def recover_open_file(path: Path) -> Path | None:
    """Make a killed writer's ``.open`` file complete: cut it after its last complete record and rename it.

    Returns the final path, or None when the file held no response, revisit or request record (it is
    removed). Only call this while no writer can be using the file (the crawl lock is held).
    """
    if not path.name.endswith(OPEN_SUFFIX):
        raise WarcError(f"not an open WARC file: {path}")
    try:
        size = complete_length(path)
        with path.open("r+b") as fh:
            fh.truncate(size)
            fh.flush()
            os.fsync(fh.fileno())
        kinds: list[str] = []
        if size:
            with path.open("rb") as fh:
                kinds = [record.rec_type for record in ArchiveIterator(fh)]
        if not any(kind in ("response", "revisit", "request") for kind in kinds):
            path.unlink()
            return None
        final = path.with_name(path.name.removesuffix(OPEN_SUFFIX))
        path.rename(final)
    except (ArchiveLoadFailed, OSError, ValueError) as exc:
        raise WarcError(f"cannot recover {path}: {exc}") from exc
    return final


def _to_capture(record: Any, warc_file: str, offset: int, length: int, max_body: int) -> Capture:
    headers: list[tuple[str, str]] = list(record.http_headers.headers) if record.http_headers else []
    status_line = record.http_headers.get_statuscode() if record.http_headers else "0"
    body = record.content_stream().read(max_body + 1)
    rec = record.rec_headers
    ref = CaptureRef(
        url=rec.get_header("WARC-Target-URI"),
        captured_at=_parse_warc_date(rec.get_header("WARC-Date")),
        status=int(status_line or 0),
        warc_file=warc_file,
        offset=offset,
        length=length,
        warc_record_id=rec.get_header("WARC-Record-ID"),
        payload_digest=rec.get_header("WARC-Payload-Digest"),
        content_type=_header(headers, "Content-Type"),
    )
    return Capture(
        ref=ref,
        headers=headers,
        body=body[:max_body],
        record_type=record.rec_type,
        truncated=len(body) > max_body,
    )


def iter_captures(path: Path, *, max_body: int = DEFAULT_MAX_BODY) -> Iterator[Capture]:
    """Stream the response and revisit records of one WARC file, in order, without loading it whole.

    A payload that decodes to more than ``max_body`` bytes (a compression bomb, say) is cut there and
    the capture is flagged ``truncated``.
    """
    try:
        with path.open("rb") as fh:
            iterator = ArchiveIterator(fh)
            for record in iterator:
                if record.rec_type not in ("response", "revisit"):
                    continue
                # The payload must be read before asking for the offset: warcio's offset query reads
                # the record to its end.
                capture = _to_capture(record, path.name, 0, 0, max_body)
                offset = int(iterator.get_record_offset())
                iterator.read_to_end(record)
                length = int(iterator.get_record_length())
                ref = capture.ref.model_copy(update={"offset": offset, "length": length})
                yield replace(capture, ref=ref)
    except (ArchiveLoadFailed, OSError, ValueError) as exc:
        raise WarcError(f"cannot read WARC file {path}: {exc}") from exc


def read_capture(directory: Path, ref: CaptureRef, *, max_body: int = DEFAULT_MAX_BODY) -> Capture:
    """Read the one record ``ref`` points at, seeking straight to it."""
    path = directory / ref.warc_file
    if "/" in ref.warc_file or ref.warc_file.startswith("."):
        raise WarcError(f"invalid WARC file name {ref.warc_file!r}")
    try:
        with path.open("rb") as fh:
            fh.seek(ref.offset)
            for record in ArchiveIterator(fh):
                return _to_capture(record, ref.warc_file, ref.offset, ref.length, max_body)
    except (ArchiveLoadFailed, OSError, ValueError) as exc:
        raise WarcError(f"cannot read {ref.warc_file}:{ref.offset}: {exc}") from exc
    raise WarcError(f"no WARC record at {ref.warc_file}:{ref.offset}")
