"""Open-data dumps: every record as a Frictionless Data Package.

A dump is a directory ``<home>/dumps/deptnews-<UTC date and time>/`` holding::

    datapackage.json          the package descriptor: resources, hashes, sources, licences
    records-<source>.jsonl.gz one record per line (the record JSON, all versions), per source
    records.csv               one row per record (current content and capture, no versions), every
                              source: the columns of the API's CSV export (archive.tableschema)
    record.schema.json        the JSON Schema every line conforms to
    README.md                 provenance and licence notes
    SHA256SUMS                checksums of every other file (``sha256sum -c SHA256SUMS``)

It is written in a hidden staging directory and renamed when complete, in constant memory (records
are streamed one at a time).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archive.model import Record, served
from archive.parse.result import PARSER_VERSION
from archive.sources import Registry
from archive.store import RecordStore
from archive.tableschema import (
    CSV_DIALECT,
    LIST_SEPARATOR,
    csv_lines,
    record_csv_schema,
    record_json_schema,
    record_table_schema,
)

CSV_NAME = "records.csv"
DUMP_NAME = re.compile(r"^deptnews-\d{8}T\d{6}Z$")
_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_LICENCE_NOTE = """\
The texts are news published by government departments on their own websites; they remain theirs and
are archived here for research, journalism and the public record. The structure, metadata and
normalization added by deptnews are dedicated to the public domain (CC0-1.0).
"""


_LICENSES = [
    {
        "name": "CC0-1.0",
        "title": "Structure, metadata and normalization added by deptnews: public domain (CC0 1.0)",
        "path": "https://creativecommons.org/publicdomain/zero/1.0/",
    },
    {
        "title": "Article texts and attached files: rights remain with the publishing departments; archived "
        "for research, journalism and the public record (see README.md)",
        "path": "README.md",
    },
]


@dataclass(frozen=True)
class DumpResult:
    path: Path
    records: int
    per_source: dict[str, int]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_dump_name(name: str) -> bool:
    return DUMP_NAME.match(name) is not None


def is_dump_file_name(name: str) -> bool:
    return _FILE_NAME.match(name) is not None and ".." not in name


def write_dump(
    store: RecordStore, registry: Registry, dumps_dir: Path, *, now: datetime | None = None
) -> DumpResult:
    """Write a dump of every record in ``store``; return where it went and what it holds."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    name = f"deptnews-{moment:%Y%m%dT%H%M%SZ}"
    staging = dumps_dir / f".{name}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    outputs: dict[str, gzip.GzipFile] = {}
    counts: Counter[str] = Counter()

    def each_record() -> Iterator[Record]:
        """Every record, written to its source's JSON Lines on the way (one pass over the store)."""
        for stored in store:
            record = served(stored)  # the attachments' document numbers joined to the page's
            if record.source not in outputs:
                target = staging / f"records-{record.source}.jsonl.gz"
                outputs[record.source] = gzip.GzipFile(target, "wb")
            out = outputs[record.source]
            out.write(record.model_dump_json().encode("utf-8") + b"\n")
            counts[record.source] += 1
            yield record

    try:
        # UTF-8 without a byte order mark (the dialect says so); the API's export adds one for Excel.
        with (staging / CSV_NAME).open("w", encoding="utf-8", newline="") as table:
            table.writelines(csv_lines(each_record()))
    finally:
        for out in outputs.values():
            out.close()
    (staging / "record.schema.json").write_text(
        json.dumps(record_json_schema(), ensure_ascii=False, indent=2), encoding="utf-8"
    )
    (staging / "README.md").write_text(_readme(name, moment, counts, registry), encoding="utf-8")
    descriptor = _descriptor(name, moment, staging, counts, registry)
    (staging / "datapackage.json").write_text(
        json.dumps(descriptor, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    sums = [f"{_sha256(p)}  {p.name}" for p in sorted(staging.iterdir()) if p.is_file()]
    (staging / "SHA256SUMS").write_text("\n".join(sums) + "\n", encoding="utf-8")
    final = dumps_dir / name
    staging.rename(final)
    return DumpResult(path=final, records=sum(counts.values()), per_source=dict(counts))


def _descriptor(
    name: str, moment: datetime, staging: Path, counts: Counter[str], registry: Registry
) -> dict[str, Any]:
    resources = []
    for source_id in sorted(counts):
        path = staging / f"records-{source_id}.jsonl.gz"
        source = registry.sources.get(source_id)
        resources.append(
            {
                "name": f"records-{source_id}",
                "path": path.name,
                "title": source.name if source else source_id,
                "format": "jsonl",
                "mediatype": "application/x-ndjson",
                "compression": "gz",
                "encoding": "utf-8",
                "bytes": path.stat().st_size,
                "hash": f"sha256:{_sha256(path)}",
                "records": counts[source_id],
                "schema": record_table_schema(),
                "jsonSchema": "record.schema.json",
                "licenses": _LICENSES,
            }
        )
    table = staging / CSV_NAME
    resources.append(
        {
            "name": "records",
            "path": CSV_NAME,
            "title": "Every record, one row each: current content and capture (versions in the JSON Lines)",
            "description": "The columns of the API's CSV export. List cells hold one item per line "
            f"(separator {LIST_SEPARATOR!r}); every cell is quoted, and one that a spreadsheet would "
            "read as a formula (starting with = + - @, tab, CR, LF, NUL or a full-width ＝ ＋ － ＠) is "
            "prefixed with ' — the JSON Lines resources hold the exact text.",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "dialect": CSV_DIALECT,
            "bytes": table.stat().st_size,
            "hash": f"sha256:{_sha256(table)}",
            "records": sum(counts.values()),
            "schema": record_csv_schema(),
            "licenses": _LICENSES,
        }
    )
    return {
        "profile": "data-package",
        # A package name is lower case (Data Package spec); the dump's own name is its id.
        "name": "deptnews",
        "id": name,
        "title": "deptnews: archived news pages of government departments",
        "created": moment.isoformat().replace("+00:00", "Z"),
        "version": moment.strftime("%Y.%m.%d"),
        "licenses": _LICENSES,
        "sources": [
            {"title": s.name, "path": s.homepage} for s in registry.sources.values() if s.id in counts
        ],
        "deptnews": {"parser_version": PARSER_VERSION, "records": sum(counts.values())},
        "resources": resources,
    }


def _readme(name: str, moment: datetime, counts: Counter[str], registry: Registry) -> str:
    lines = [
        f"# {name}",
        "",
        f"Dump of the deptnews archive made {moment.isoformat()}: {sum(counts.values())} records.",
        "",
        "## Provenance",
        "",
        "Every record was parsed from a raw capture kept in WARC files; each record's `capture` and",
        "`versions[].capture` name the WARC file, offset and payload digest of the response it came from.",
        f"Parser version: {PARSER_VERSION}.",
        "",
        "| source | department | jurisdiction | records |",
        "| --- | --- | --- | --- |",
    ]
    for source_id in sorted(counts):
        source = registry.sources.get(source_id)
        department = source.department if source else "?"
        jurisdiction = source.jurisdiction if source else "?"
        lines.append(f"| {source_id} | {department} | {jurisdiction} | {counts[source_id]} |")
    lines += ["", "## Licence", "", _LICENCE_NOTE]
    return "\n".join(lines)


def list_dumps(dumps_dir: Path) -> list[Path]:
    """Complete dumps, newest first."""
    if not dumps_dir.is_dir():
        return []
    return sorted((p for p in dumps_dir.iterdir() if p.is_dir() and is_dump_name(p.name)), reverse=True)
