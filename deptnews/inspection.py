"""Inspecting a data home: every check of ``deptnews check`` run once, with what each compared.

:func:`inspect_archive` reads the WARC files, the records and the ledger (see :mod:`archive.verify`);
:func:`inspect_index` compares the Whoosh index with the records (:mod:`deptnews.pginspection` the
PostgreSQL one; :mod:`deptnews.indexcheck` chooses). They only read. The result keeps what the repairs
need (the scans, the expected index documents) next to the findings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from archive.cdxindex import CdxIndex
from archive.home import DataHome
from archive.model import Record
from archive.sources import Registry
from archive.verify import Finding
from archive.verify.ledger import LedgerScan, check_complete, check_ledger
from archive.verify.records import RecordScan, check_captures, scan_records
from archive.verify.warcs import WarcScan, scan_warcs
from archive.warc import warc_files
from index.errors import IndexMissing, IndexOutdated
from index.schema import searchable, to_document
from index.whoosh.verify import IndexDiff, compare_index

__all__ = [
    "CHECKS",
    "ArchiveInspection",
    "IndexInspection",
    "inspect_archive",
    "inspect_cdx",
    "inspect_index",
    "plural",
    "unusable_index",
]

CHECKS: dict[str, str] = {
    "warc": "every WARC record inflates, parses and matches its digests; no torn tail, no file left open",
    "records": "every record file is a valid record in its place, consistent with its versions",
    "captures": "every version's capture is in its WARC file at the stated offset, with the stated "
    "record id, length and payload digest",
    "complete": "every article capture of an ingested WARC file has its record",
    "ledger": "the ingest ledger lists the WARC files records came from, at their size; aliases point "
    "at existing records",
    "index": "the index holds exactly the records' current versions, each once (PostgreSQL: and its "
    "statistics and postings agree with its rows)",
    "cdx": "the CDXJ capture index covers every complete WARC file as it is now, merged",
}
"""Check name → what it verifies, in report order."""


@dataclass
class ArchiveInspection:
    warcs: WarcScan
    records: RecordScan
    ledger: LedgerScan
    expected: dict[str, bytes]
    """``{record id: doc_hash}`` the index should hold."""
    findings: list[Finding]
    summaries: dict[str, str]


@dataclass
class IndexInspection:
    diff: IndexDiff | None
    """None when the index could not be compared (``error`` says why, or there is nothing to index)."""
    error: str | None = None
    findings: list[Finding] = field(default_factory=list)
    summary: str = ""
    statistics: list[str] = field(default_factory=list)
    """PostgreSQL: collection statistics that disagree with the rows (a recount repairs them)."""
    postings: list[str] = field(default_factory=list)
    """PostgreSQL: postings that disagree with the rows (a rebuild repairs them)."""


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "es" if word.endswith("s") else "s")


def inspect_archive(home: DataHome, registry: Registry, *, crawl_running: bool) -> ArchiveInspection:
    """Run the WARC, records, captures, complete and ledger checks."""
    expected: dict[str, bytes] = {}

    def visit(record: Record) -> None:
        if searchable(record):  # a repost is kept out of the index
            expected[record.id] = to_document(record)["doc_hash"]

    warcs = scan_warcs(home.warc_dir, crawl_running=crawl_running)
    records = scan_records(home.records_dir, visit)
    ledger = check_ledger(home.records_dir, warcs, records)
    findings = [
        *warcs.findings,
        *records.findings,
        *check_captures(records, warcs),
        *check_complete(home.warc_dir, registry, warcs, ledger, records),
        *ledger.findings,
    ]
    ingested = sum(ledger.ingested(name, size) for name, size in warcs.files.items())
    summaries = {
        "warc": f"{plural(len(warcs.files), 'WARC file')}, {plural(warcs.records, 'WARC record')} read "
        "and digests verified"
        + (f"; {plural(len(warcs.open_files), 'file')} still .open" if warcs.open_files else ""),
        "records": f"{plural(len(records.ids), 'record')}"
        + (f", {plural(len(records.invalid), 'unsound file')}" if records.invalid else ""),
        "captures": f"{plural(len(records.captures), 'capture')} of the records' versions looked up",
        "complete": f"article captures of {plural(ingested, 'ingested WARC file')}"
        if ledger.readable
        else "not checked: the ledger cannot be read",
        "ledger": f"{plural(len(ledger.files), 'ingested file')}, {plural(len(ledger.aliases), 'alias')}"
        if ledger.readable
        else "cannot be read",
    }
    return ArchiveInspection(warcs, records, ledger, expected, findings, summaries)


def inspect_index(home: DataHome, expected: dict[str, bytes]) -> IndexInspection:
    """Compare the index with ``expected`` (``{record id: doc_hash}``)."""
    try:
        diff = compare_index(home.index_dir, expected)
    except IndexMissing as exc:
        if not expected:
            return IndexInspection(None, summary="no index and no records")
        return unusable_index("missing", str(exc))
    except IndexOutdated as exc:
        return unusable_index("outdated", str(exc))
    except Exception as exc:  # a damaged index can make Whoosh raise anything; it is rebuilt from records
        return unusable_index("unreadable", f"{type(exc).__name__}: {exc}")
    findings = [
        *(Finding("index", "missing", rid, "a record the index does not hold") for rid in diff.missing),
        *(Finding("index", "orphan", rid, "indexed, but there is no such record") for rid in diff.orphans),
        *(Finding("index", "stale", rid, "indexed as another version of the record") for rid in diff.stale),
        *(Finding("index", "duplicate", rid, "indexed more than once") for rid in diff.duplicates),
    ]
    summary = f"{plural(diff.documents, 'document')} for {plural(len(expected), 'record')}"
    return IndexInspection(diff, None, findings, summary)


def inspect_cdx(home: DataHome) -> tuple[list[Finding], str]:
    """The CDXJ index (:class:`~archive.cdxindex.CdxIndex`) against the complete WARC files: findings and
    a summary. Read only; :meth:`~archive.cdxindex.CdxIndex.update` repairs what it finds."""
    unindexed, unmerged = CdxIndex(home.cdx_dir, home.warc_dir).pending()
    findings = [
        Finding("cdx", "not-indexed", name, "no current CDXJ index of this WARC file") for name in unindexed
    ]
    if unmerged:
        findings.append(Finding("cdx", "not-merged", "index.cdxj", "the merged index lists other files"))
    files = len(warc_files(home.warc_dir))
    return findings, f"{plural(files - len(unindexed), 'WARC file')} of {files} indexed" + (
        ", merged index out of date" if unmerged else ""
    )


def unusable_index(code: str, message: str) -> IndexInspection:
    """An index that cannot be compared (``code``: missing, outdated, unreadable, unreachable)."""
    finding = Finding("index", code, "index", message)
    return IndexInspection(None, message, [finding], f"{code}: cannot be compared")


def as_json(finding: Finding) -> dict[str, Any]:
    return {
        "check": finding.check,
        "code": finding.code,
        "subject": finding.subject,
        "detail": finding.detail,
        "problem": finding.problem,
    }
