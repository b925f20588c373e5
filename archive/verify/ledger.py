"""Checking the ingest ledger against the WARC files and the records, and that no record is missing.

The ledger (``records/ledger.sqlite``, :class:`~archive.store.Ledger`) must open (after SQLite's own
recovery of a transaction a killed parse left), pass SQLite's own check, list only WARC files that
exist with the size they had when ingested, list every file a record was parsed from, and alias
fetched URLs only to records that exist. A complete WARC file it does not
list is a notice: the crawl ran and ``deptnews parse`` has not yet.

Completeness: every ``200`` response of an ingested file whose URL is an article URL of a source must
have its record, unless the parser says it is not an article (an error page, a listing). Only captures
without a record under their URL's id are parsed again, so a sound archive is checked without parsing.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from archive.errors import WarcError
from archive.ingest import parse_archived
from archive.model import CaptureRef, record_id
from archive.parse.result import Article
from archive.sources import Registry
from archive.store import Ledger
from archive.urls import canonicalize_url
from archive.verify import Finding
from archive.verify.records import RecordScan
from archive.verify.warcs import WarcScan
from archive.warc import read_capture

__all__ = ["LedgerScan", "check_complete", "check_ledger"]

CHECK = "ledger"
_UNUSED = datetime(2000, 1, 1, tzinfo=UTC)
COMPLETE = "complete"


@dataclass
class LedgerScan:
    """What :func:`check_ledger` found; ``readable`` False when the ledger is missing or unreadable."""

    readable: bool = False
    files: dict[str, int] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    def ingested(self, name: str, size: int) -> bool:
        return self.files.get(name) == size


def _read(path: Path) -> tuple[dict[str, int], dict[str, str]]:
    """The ledger's files and aliases. Only read; but the connection may write: a parse killed in the
    middle of a transaction leaves a hot journal, which SQLite rolls back on the first read (as the next
    parse would), and which a read-only connection could not read past."""
    connection = sqlite3.connect(path)
    try:
        (verdict,) = connection.execute("PRAGMA quick_check").fetchone()
        if verdict != "ok":
            raise sqlite3.DatabaseError(f"quick_check: {verdict}")
        files = {str(n): int(s) for n, s in connection.execute("SELECT name, size FROM files")}
        aliases = {str(u): str(r) for u, r in connection.execute("SELECT url, record_id FROM aliases")}
        connection.execute("SELECT count(*) FROM listing_dates").fetchone()
    finally:
        connection.close()
    return files, aliases


def check_ledger(records_dir: Path, warcs: WarcScan, records: RecordScan) -> LedgerScan:
    scan = LedgerScan()
    path = records_dir / Ledger.FILE_NAME
    if not path.is_file():
        if records.ids or records.invalid:
            scan.findings.append(
                Finding(CHECK, "missing", Ledger.FILE_NAME, "there are records but no ledger")
            )
        return scan
    try:
        scan.files, scan.aliases = _read(path)
    except sqlite3.Error as exc:
        scan.findings.append(Finding(CHECK, "unreadable", Ledger.FILE_NAME, f"cannot be read: {exc}"))
        return scan
    scan.readable = True
    for name, size in sorted(scan.files.items()):
        actual = warcs.files.get(name)
        if actual is None:
            scan.findings.append(Finding(CHECK, "unknown-file", name, "listed as ingested, does not exist"))
        elif actual != size:
            scan.findings.append(
                Finding(CHECK, "changed-file", name, f"ingested at {size} bytes, now {actual} bytes")
            )
    pending = [name for name in warcs.files if name not in scan.files]
    if pending:
        scan.findings.append(
            Finding(
                CHECK,
                "not-parsed",
                f"{len(pending)} WARC file(s)",
                f"not parsed yet (run `deptnews parse`): {', '.join(pending[:5])}"
                + (" …" if len(pending) > 5 else ""),
                problem=False,
            )
        )
    for name in sorted({ref.warc_file for _, _, ref in records.captures} - set(scan.files)):
        if name in warcs.files:
            scan.findings.append(
                Finding(CHECK, "unlisted-file", name, "records were parsed from it but it is not listed")
            )
    for url, rid in sorted(scan.aliases.items()):
        if rid not in records.ids:
            scan.findings.append(Finding(CHECK, "dangling-alias", url, f"aliases the missing record {rid}"))
    return scan


def check_complete(
    warc_dir: Path, registry: Registry, warcs: WarcScan, ledger: LedgerScan, records: RecordScan
) -> list[Finding]:
    """Article captures of ingested WARC files that should have a record and have none."""
    if not ledger.readable:
        return []
    present = set(records.ids) | {p.stem for p in records.invalid}
    found: list[Finding] = []
    reported: set[str] = set()
    for (name, offset), entry in warcs.entries.items():
        if entry.rec_type != "response" or entry.status != 200 or entry.url is None:
            continue
        if not ledger.ingested(name, warcs.files[name]):
            continue
        source = registry.for_url(entry.url)
        if source is None or not source.is_article_url(entry.url):
            continue
        url = canonicalize_url(entry.url)
        if (ledger.aliases.get(url) or record_id(url)) in present:
            continue
        ref = CaptureRef(
            url=entry.url,
            captured_at=_UNUSED,  # read_capture finds the record by file and offset
            status=200,
            warc_file=name,
            offset=offset,
            length=entry.length,
            warc_record_id=entry.record_id or "",
        )
        try:
            capture = read_capture(warc_dir, ref)
        except WarcError:
            continue  # reported by the WARC check
        if capture.truncated:
            continue  # ingest skips these too
        result = parse_archived(capture, source)
        if not isinstance(result, Article):
            continue
        rid = record_id(result.canonical_url)
        if rid in present or rid in reported:
            continue
        reported.add(rid)
        found.append(
            Finding(
                COMPLETE,
                "missing-record",
                rid,
                f"no record for the article {result.canonical_url} captured in {name}:{offset}",
            )
        )
    return found
