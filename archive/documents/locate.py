"""Finding an attachment's archived bytes: its latest successful capture in the CDXJ index.

The same rule as the API's file download (:mod:`api.archived`): the latest 2xx capture of the URL (a
revisit resolved to the capture with its payload), archived redirects followed up to
:data:`MAX_REDIRECTS` hops.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin

from archive.cdxj import CdxEntry, lookup, surt_key
from archive.errors import CdxError
from archive.model import CaptureRef
from archive.warc import Capture, read_capture

MAX_REDIRECTS = 5
MAX_BYTES = 200 * 2**20
"""Attachments larger than this are not read (the crawler stores at most its own body limit)."""


def _ref(entry: CdxEntry) -> CaptureRef:
    return CaptureRef(
        url=entry.url,
        captured_at=entry.datetime,
        status=entry.status or 0,
        warc_file=entry.filename,
        offset=entry.offset,
        length=entry.length,
        warc_record_id="",
    )


def _payload(entries: list[CdxEntry], entry: CdxEntry) -> CdxEntry:
    if not entry.revisit:
        return entry
    originals = [
        e for e in entries if not e.revisit and e.digest == entry.digest and e.timestamp <= entry.timestamp
    ]
    return originals[-1] if originals else entry


def latest_capture(cdx_index: Path, warc_dir: Path, url: str) -> Capture | None:
    """The latest successful capture of ``url`` (redirects followed), None when none is archived.
    :class:`~archive.errors.CdxError` or :class:`~archive.errors.WarcError` when the index or a WARC
    file cannot be read."""
    for _ in range(MAX_REDIRECTS + 1):
        try:
            key = surt_key(url)
        except CdxError:
            return None  # not an http(s) URL: never archived
        entries = lookup(cdx_index, key)
        ok = [e for e in entries if e.status is not None and 200 <= e.status < 300]
        if ok:
            return read_capture(warc_dir, _ref(_payload(entries, ok[-1])), max_body=MAX_BYTES)
        moved = [e for e in entries if e.status is not None and 300 <= e.status < 400]
        if not moved:
            return None
        hop = read_capture(warc_dir, _ref(moved[-1]))
        location = next((v for k, v in hop.headers if k.lower() == "location"), None)
        if not location:
            return None
        url = urljoin(hop.url, location)
    return None
