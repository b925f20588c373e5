"""CDXJ lines: the capture index format of pywb and OutbackCDX, one line per response or revisit record.

A line is ``<SURT key> <14-digit UTC timestamp> <JSON>``, for example::

    1,0,0,127:8000)/tin-tuc/a.html 20240105083000 {"url": "http://127.0.0.1:8000/tin-tuc/a.html",
        "mime": "text/html", "status": "200", "digest": "G7HRM7BGOKSKMSXZAHMUQTTV53QOFSMK",
        "length": "1219", "offset": "771", "filename": "deptnews-….warc.gz"}

(one line in the file). The key is :func:`surt.surt` of the URL — the canonicalization pywb applies to
the URL it is asked for, so pywb finds our lines. The JSON is what pywb's ``cdx-indexer --cdxj`` writes:
the fields in that order, every value a string, ``digest`` without its ``sha1:`` prefix, a field without
a value left out, ``ensure_ascii`` JSON so that a line is ASCII. A revisit record has ``mime``
``warc/revisit`` and, unlike pywb's indexer but like ``cdxj-indexer``, keeps its HTTP ``status``.

A file of lines sorted as strings (= as UTF-8 bytes, what pywb's binary search assumes) is sorted by key,
then timestamp. :func:`lookup` binary-searches such a file for one key without reading it whole.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Generator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import surt
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from archive.errors import CdxError

INDEXED_TYPES = ("response", "revisit")
REVISIT_MIME = "warc/revisit"
_MIME_END = re.compile(r"[; ]")
_TIMESTAMP = re.compile(r"[0-9]{14}")


@dataclass(frozen=True)
class CdxEntry:
    """One line of a CDXJ index."""

    key: str
    timestamp: str
    url: str
    mime: str
    status: int | None
    digest: str | None
    length: int
    offset: int
    filename: str

    @property
    def datetime(self) -> datetime:
        """The timestamp as an aware UTC datetime (second precision)."""
        return timestamp_datetime(self.timestamp)

    @property
    def revisit(self) -> bool:
        return self.mime == REVISIT_MIME

    def line(self) -> str:
        """The line, without its newline."""
        fields: dict[str, str] = {"url": self.url}
        if self.mime:
            fields["mime"] = self.mime
        if self.status is not None:
            fields["status"] = str(self.status)
        if self.digest:
            fields["digest"] = self.digest
        fields.update(length=str(self.length), offset=str(self.offset), filename=self.filename)
        return f"{self.key} {self.timestamp} {json.dumps(fields)}"


def surt_key(url: str) -> str:
    """The SURT key of ``url`` as pywb computes it (``com,example)/path?a=1&b=2``); raises
    :class:`CdxError` for a string that is no URL surt can read."""
    try:
        key = surt.surt(url)
    except Exception as exc:  # surt raises whatever its parsing meets
        raise CdxError(f"not a URL: {url[:200]!r}") from exc
    if not isinstance(key, str) or not key:
        raise CdxError(f"not a URL: {url[:200]!r}")
    # A space or newline would break the line format (WARC-Target-URIs have none; be sure anyway).
    return key.replace(" ", "%20").replace("\n", "%0A").replace("\r", "%0D")


def timestamp_of(moment: datetime) -> str:
    """The 14-digit UTC timestamp of an aware datetime."""
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def timestamp_datetime(timestamp: str) -> datetime:
    """The aware UTC datetime of a 14-digit timestamp; :class:`CdxError` if it is not one."""
    if not _TIMESTAMP.fullmatch(timestamp):
        raise CdxError(f"not a 14-digit timestamp: {timestamp[:20]!r}")
    try:
        return datetime.strptime(timestamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError as exc:
        raise CdxError(f"not a valid timestamp: {timestamp!r}") from exc


def parse_line(line: str) -> CdxEntry:
    """The entry of one line (with or without its newline); :class:`CdxError` if it is not one."""
    try:
        key, timestamp, rest = line.rstrip("\n").split(" ", 2)
        data: dict[str, Any] = json.loads(rest)
        status = data.get("status")
        return CdxEntry(
            key=key,
            timestamp=timestamp,
            url=str(data["url"]),
            mime=str(data.get("mime", "")),
            status=int(status) if status not in (None, "", "-") else None,
            digest=str(data["digest"]) if data.get("digest") else None,
            length=int(data["length"]),
            offset=int(data["offset"]),
            filename=str(data["filename"]),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CdxError(f"not a CDXJ line: {line[:200]!r}") from exc


def _mime(content_type: str | None) -> str:
    if not content_type:
        return "unk"
    return _MIME_END.split(content_type.strip(), maxsplit=1)[0] or "unk"


class _Hashing:
    """A read-only file wrapper that hashes and counts every byte read through it."""

    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh
        self.sha256 = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self._fh.read(size)
        self.sha256.update(data)
        return data

    def readline(self, size: int = -1) -> bytes:
        data = self._fh.readline(size)
        self.sha256.update(data)
        return data

    def finish(self) -> str:
        while self.read(1 << 20):
            pass
        return self.sha256.hexdigest()


@dataclass(frozen=True)
class IndexedFile:
    """What indexing one WARC file found: its index lines (sorted), SHA-256 and number of records."""

    entries: list[CdxEntry]
    sha256: str
    records: int


def index_warc(path: Path) -> IndexedFile:
    """Index one complete WARC file: an entry per response and revisit record, sorted; the file's SHA-256
    and its number of WARC records are computed in the same pass. :class:`CdxError` if it cannot be read."""
    entries: list[CdxEntry] = []
    records = 0
    try:
        with path.open("rb") as raw:
            fh = _Hashing(raw)
            iterator = ArchiveIterator(fh)
            for record in iterator:
                records += 1
                if record.rec_type not in INDEXED_TYPES:
                    continue
                rec = record.rec_headers
                url = rec.get_header("WARC-Target-URI")
                date = rec.get_header("WARC-Date")
                http = record.http_headers
                status_text = http.get_statuscode() if http is not None else None
                if record.rec_type == "revisit":
                    mime = REVISIT_MIME
                else:
                    mime = _mime(http.get_header("Content-Type") if http is not None else None)
                digest = rec.get_header("WARC-Payload-Digest") or None
                offset = int(iterator.get_record_offset())
                iterator.read_to_end(record)
                length = int(iterator.get_record_length())
                if not url or not date:
                    continue  # not a capture pywb could replay either
                moment = datetime.fromisoformat(date.replace("Z", "+00:00"))
                entries.append(
                    CdxEntry(
                        key=surt_key(url),
                        timestamp=timestamp_of(moment),
                        url=url,
                        mime=mime,
                        status=int(status_text) if status_text and status_text.isdigit() else None,
                        digest=digest.removeprefix("sha1:") if digest else None,
                        length=length,
                        offset=offset,
                        filename=path.name,
                    )
                )
            sha256 = fh.finish()
    except (ArchiveLoadFailed, OSError, ValueError) as exc:
        raise CdxError(f"cannot index {path.name}: {exc}") from exc
    entries.sort(key=CdxEntry.line)
    return IndexedFile(entries=entries, sha256=sha256, records=records)


def _line_at(fh: BinaryIO, position: int) -> tuple[int, bytes]:
    """The first whole line starting at or after ``position``: (its offset, the line; b"" at the end)."""
    if position == 0:
        fh.seek(0)
    else:
        fh.seek(position - 1)
        fh.readline()  # the rest of the line holding position - 1
    start = fh.tell()
    return start, fh.readline()


def lookup(path: Path, key: str) -> list[CdxEntry]:
    """Every entry of the sorted index file ``path`` whose key is ``key``, in timestamp order; [] when the
    file does not exist. Binary search: a few seeks, whatever the size of the index."""
    prefix = (key + " ").encode("utf-8")
    try:
        with path.open("rb") as fh:
            size = fh.seek(0, 2)
            low, high = 0, size
            while low < high:
                middle = (low + high) // 2
                _, line = _line_at(fh, middle)
                if line and line < prefix:
                    low = middle + 1
                else:
                    high = middle
            start, _ = _line_at(fh, low)
            fh.seek(start)
            found = []
            for raw in fh:
                if not raw.startswith(prefix):
                    break
                found.append(parse_line(raw.decode("utf-8")))
            return found
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise CdxError(f"cannot read the CDXJ index {path}: {exc}") from exc


def iter_lines(path: Path) -> Generator[str, None, None]:
    """The lines of an index file, with their newlines."""
    with path.open("r", encoding="utf-8", newline="\n") as fh:
        yield from fh
