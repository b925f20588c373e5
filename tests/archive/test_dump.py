"""Open-data dumps validate with the real consumer tool: ``frictionless validate``, on a real dump
(the command line, in a subprocess: see tests/frictionless_cli.py)."""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import json
from pathlib import Path

import pytest
from conftest import SAMPLE_RECORDS, make_record
from frictionless_cli import frictionless_validate

from archive.dump import write_dump
from archive.sources import Registry
from archive.store import RecordStore
from archive.tableschema import (
    CSV_COLUMNS,
    CSV_DIALECT,
    JSON_SCHEMA_DIALECT,
    record_csv_schema,
    record_row,
    record_table_schema,
)

# The sample records and one whose cells a spreadsheet would run (neutralized in the CSV, raw in JSONL).
HOSTILE = make_record(91, "=1+2 Tiêu đề", ["-đoạn một", "đoạn hai"], lead="@lead", author="+tác giả")
CSV_RECORDS = [*SAMPLE_RECORDS, HOSTILE]


@pytest.fixture(scope="module")
def dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dump")
    store = RecordStore(root / "records")
    for record in CSV_RECORDS:  # one of them undated-free, one without author: empty cells typed
        store.put(record)
    return write_dump(store, Registry(sources={}), root / "dumps").path


def test_frictionless_validates_the_dump(dump: Path) -> None:
    report = frictionless_validate(dump / "datapackage.json")
    assert report["valid"], report
    assert {t["name"] for t in report["tasks"]} == {"records-demo", "records-other", "records"}
    assert report["stats"]["tasks"] == 3
    (table,) = [t for t in report["tasks"] if t["name"] == "records"]
    assert table["stats"]["rows"] == len(CSV_RECORDS)


def test_each_resource_declares_the_records_table_schema(dump: Path) -> None:
    descriptor = json.loads((dump / "datapackage.json").read_text(encoding="utf-8"))
    assert (descriptor["name"], descriptor["id"]) == ("deptnews", dump.name)  # names are lower case
    for resource in descriptor["resources"][:-1]:
        assert resource["schema"] == record_table_schema()
        assert all(f["description"] for f in resource["schema"]["fields"])
        assert resource["licenses"] == descriptor["licenses"]
    types = {f["name"]: f["type"] for f in record_table_schema()["fields"]}
    assert (types["published"], types["body"], types["capture"], types["author"]) == (
        "datetime",
        "array",
        "object",
        "string",
    )
    schema = json.loads((dump / "record.schema.json").read_text(encoding="utf-8"))
    assert schema["$schema"] == JSON_SCHEMA_DIALECT


def test_a_wrong_value_fails_validation(dump: Path, tmp_path: Path) -> None:
    # The schema is enforced, not decorative: a body that is not an array is reported.
    source = dump / "records-demo.jsonl.gz"
    lines = gzip.decompress(source.read_bytes()).decode("utf-8").splitlines()
    broken = json.loads(lines[0]) | {"body": "một chuỗi", "published": "hôm qua"}
    bad = tmp_path / "records-demo.jsonl.gz"
    bad.write_bytes(gzip.compress(("\n".join([json.dumps(broken), *lines[1:]]) + "\n").encode("utf-8")))
    descriptor = json.loads((dump / "datapackage.json").read_text(encoding="utf-8"))
    (resource,) = [r for r in descriptor["resources"] if r["path"] == source.name]
    for key in ("hash", "bytes"):
        resource.pop(key)
    descriptor["resources"] = [resource]
    (tmp_path / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    report = frictionless_validate(tmp_path / "datapackage.json")
    assert not report["valid"]
    errors = [e for task in report["tasks"] for e in task["errors"]]
    assert {e["fieldName"] for e in errors if e["type"] == "type-error"} == {"body", "published"}


def test_the_csv_resource_holds_every_record_with_the_export_s_columns(dump: Path) -> None:
    data = (dump / "records.csv").read_bytes()
    assert not data.startswith(codecs.BOM_UTF8)  # for scripts; the dialect and encoding say UTF-8
    reader = csv.DictReader(io.StringIO(data.decode("utf-8"), newline=""))
    rows = {row["id"]: row for row in reader}
    assert reader.fieldnames == [c.name for c in CSV_COLUMNS]
    assert set(rows) == {r.id for r in CSV_RECORDS}
    for record in SAMPLE_RECORDS:
        assert rows[record.id] == record_row(record)
    hostile = rows[HOSTILE.id]
    assert (hostile["title"], hostile["body"], hostile["lead"], hostile["author"]) == (
        "'=1+2 Tiêu đề",
        "'-đoạn một\nđoạn hai",
        "'@lead",
        "'+tác giả",
    )
    assert data.count(b"\r\n") >= len(CSV_RECORDS) + 1  # the dialect's line terminator
    descriptor = json.loads((dump / "datapackage.json").read_text(encoding="utf-8"))
    resource = descriptor["resources"][-1]
    assert (resource["path"], resource["format"], resource["encoding"]) == ("records.csv", "csv", "utf-8")
    assert (resource["schema"], resource["dialect"]) == (record_csv_schema(), CSV_DIALECT)
    assert all(f["description"] for f in resource["schema"]["fields"])
    assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
    sums = (dump / "SHA256SUMS").read_text(encoding="utf-8")
    assert f"{hashlib.sha256(data).hexdigest()}  records.csv" in sums


def test_a_wrong_csv_value_fails_validation(dump: Path, tmp_path: Path) -> None:
    # The CSV's Table Schema is enforced too: a date that is not one and a status that is no number.
    text = (dump / "records.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    rows[0] |= {"published": "hôm qua", "status": "OK", "published_local": "2024-13-01 00:00:00"}
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[c.name for c in CSV_COLUMNS], quoting=csv.QUOTE_ALL)
    writer.writeheader()
    writer.writerows(rows)
    (tmp_path / "records.csv").write_text(buffer.getvalue(), encoding="utf-8", newline="")
    descriptor = json.loads((dump / "datapackage.json").read_text(encoding="utf-8"))
    resource = descriptor["resources"][-1]
    for key in ("hash", "bytes"):
        resource.pop(key)
    descriptor["resources"] = [resource]
    (tmp_path / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    report = frictionless_validate(tmp_path / "datapackage.json")
    assert not report["valid"]
    errors = [e for task in report["tasks"] for e in task["errors"]]
    assert {e["fieldName"] for e in errors if e["type"] == "type-error"} == {
        "published",
        "status",
        "published_local",
    }
