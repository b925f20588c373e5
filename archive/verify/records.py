"""Checking the record store: every file is a valid record in its place, and its captures are real.

A record file must be ``records/<id[:2]>/<id>.json``, parse as a :class:`~archive.model.Record` whose
``id`` is the file's and derives from its URL, number its versions 1…n, hash each version's content to
its ``content_hash``, and carry its latest version's content and capture at the top level. No two
records may claim the same capture. Files a killed writer left (``.tmp-*.json``) are reported as a
notice.

Each version's capture must be in its WARC file at the stated offset: the record there has the stated
WARC-Record-ID, length and payload digest, and its bytes match its digests (see
:mod:`archive.verify.warcs`, whose scan this is checked against).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from archive.model import CaptureRef, Content, Record, record_id
from archive.store import Ledger
from archive.verify import Finding
from archive.verify.warcs import WarcScan

__all__ = ["RecordScan", "check_captures", "scan_records"]

CHECK = "records"
CAPTURES = "captures"
_HEX = frozenset("0123456789abcdef")
_CONTENT_FIELDS = frozenset(Content.model_fields)


@dataclass
class RecordScan:
    """What :func:`scan_records` found. ``captures``: ``(record id, version n, capture)`` of every
    version; ``invalid``: files that are not a sound record (quarantined by a repair); ``temporary``:
    leftovers of a killed writer."""

    ids: dict[str, Path] = field(default_factory=dict)
    captures: list[tuple[str, int, CaptureRef]] = field(default_factory=list)
    invalid: list[Path] = field(default_factory=list)
    temporary: list[Path] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def _is_id(value: str) -> bool:
    return len(value) == 16 and set(value) <= _HEX


def scan_records(records_dir: Path, visit: Callable[[Record], None] | None = None) -> RecordScan:
    """Check every file under ``records_dir``; ``visit(record)`` is called for each sound record."""
    scan = RecordScan()
    if not records_dir.is_dir():
        return scan
    owners: dict[str, str] = {}
    for path in sorted(records_dir.rglob("*")):
        if not path.is_file() or path.name.startswith(Ledger.FILE_NAME):
            continue
        rel = path.relative_to(records_dir).as_posix()
        if path.name.startswith(".tmp-"):
            scan.temporary.append(path)
            scan.findings.append(
                Finding(CHECK, "temporary-file", rel, "left by a writer that was killed", problem=False)
            )
            continue
        if path.suffix != ".json" or not _is_id(path.stem):
            scan.findings.append(Finding(CHECK, "stray-file", rel, "not a record file", problem=False))
            continue
        record = _check_file(records_dir, path, rel, scan)
        if record is None:
            scan.invalid.append(path)
            continue
        scan.ids[record.id] = path
        for version in record.versions:
            scan.captures.append((record.id, version.n, version.capture))
            owner = owners.setdefault(version.capture.warc_record_id, record.id)
            if owner != record.id:
                scan.findings.append(
                    Finding(
                        CHECK,
                        "shared-capture",
                        record.id,
                        f"version {version.n} claims capture {version.capture.warc_record_id}, "
                        f"which record {owner} claims too",
                    )
                )
        if visit is not None:
            visit(record)
    return scan


def _check_file(records_dir: Path, path: Path, rel: str, scan: RecordScan) -> Record | None:
    """The record in ``path`` if it is sound; otherwise None, with a finding saying why."""

    def bad(code: str, detail: str) -> None:
        scan.findings.append(Finding(CHECK, code, rel, detail))

    rid = path.stem
    if path != records_dir / rid[:2] / f"{rid}.json":
        bad("misplaced", f"belongs in {rid[:2]}/{rid}.json")
        return None
    try:
        record = Record.model_validate_json(path.read_bytes())
    except (OSError, ValidationError, ValueError) as exc:
        bad("unreadable", f"not a valid record: {str(exc).splitlines()[0]}")
        return None
    problems = _inconsistencies(record, rid)
    if problems:
        bad("inconsistent", "; ".join(problems))
        return None
    return record


def _inconsistencies(record: Record, rid: str) -> list[str]:
    found: list[str] = []
    if record.id != rid:
        found.append(f"its id is {record.id}")
    if record.id != record_id(record.url):
        found.append(f"its id is not derived from its URL {record.url}")
    numbers = [v.n for v in record.versions]
    if numbers != list(range(1, len(numbers) + 1)):
        found.append(f"versions are numbered {numbers}")
    for version in record.versions:
        if version.content.compute_hash() != version.content_hash:
            found.append(f"version {version.n}'s content does not hash to its content_hash")
    latest = record.versions[-1]
    if record.model_dump(include=set(_CONTENT_FIELDS)) != latest.content.model_dump():
        found.append("its content is not its latest version's")
    if (record.content_hash, record.capture, record.parser_version) != (
        latest.content_hash,
        latest.capture,
        latest.parser_version,
    ):
        found.append("its content_hash, capture or parser_version is not its latest version's")
    return found


def check_captures(records: RecordScan, warcs: WarcScan) -> list[Finding]:
    """Each version's capture against the WARC scan: present, same record id, length and digest, intact."""
    findings: list[Finding] = []
    for rid, n, ref in records.captures:
        where = f"version {n}: capture {ref.warc_file}:{ref.offset}"

        def bad(code: str, detail: str, where: str = where, rid: str = rid) -> None:
            findings.append(Finding(CAPTURES, code, rid, f"{where}: {detail}"))

        if ref.warc_file not in warcs.files:
            bad("missing-file", "the WARC file does not exist")
            continue
        entry = warcs.entries.get((ref.warc_file, ref.offset))
        if entry is None:
            damage = warcs.damage_at(ref.warc_file, ref.offset)
            if damage is not None:
                bad("damaged", f"in the damaged bytes {damage[0]}–{damage[1]} of the file")
            else:
                bad("not-found", "no response record starts at that offset")
            continue
        if entry.record_id != ref.warc_record_id:
            bad("wrong-record", f"the record there is {entry.record_id}, not {ref.warc_record_id}")
        elif entry.payload_digest != ref.payload_digest:
            bad("wrong-digest", f"its payload digest is {entry.payload_digest}, not {ref.payload_digest}")
        elif entry.digest_ok is False:
            bad("corrupt", "the record's bytes do not match its digests")
        elif ref.length and entry.length != ref.length:
            bad("wrong-length", f"the record is {entry.length} bytes long, not {ref.length}")
    return findings
