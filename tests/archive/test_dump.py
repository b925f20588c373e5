"""Open-data dumps validate with the real consumer tool: ``frictionless validate``, on a real dump.

The command line is run in a subprocess, as a user runs it (the library also leaves files open, which
this suite's warnings-as-errors would report as ours)."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLE_RECORDS

from archive.dump import write_dump
from archive.sources import Registry
from archive.store import RecordStore
from archive.tableschema import JSON_SCHEMA_DIALECT, record_table_schema


@pytest.fixture(scope="module")
def dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dump")
    store = RecordStore(root / "records")
    for record in SAMPLE_RECORDS:  # one of them undated-free, one without author: empty cells typed
        store.put(record)
    return write_dump(store, Registry(sources={}), root / "dumps").path


def frictionless_validate(descriptor: Path) -> dict[str, Any]:
    tool = Path(sys.executable).with_name("frictionless")
    result = subprocess.run(
        [str(tool), "validate", "--json", descriptor.name],
        cwd=descriptor.parent,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    report: dict[str, Any] = json.loads(result.stdout)
    assert (result.returncode == 0) == report["valid"]
    return report


def test_frictionless_validates_the_dump(dump: Path) -> None:
    report = frictionless_validate(dump / "datapackage.json")
    assert report["valid"], report
    assert {t["name"] for t in report["tasks"]} == {"records-demo", "records-other"}
    assert report["stats"]["tasks"] == 2


def test_each_resource_declares_the_records_table_schema(dump: Path) -> None:
    descriptor = json.loads((dump / "datapackage.json").read_text(encoding="utf-8"))
    assert (descriptor["name"], descriptor["id"]) == ("deptnews", dump.name)  # names are lower case
    for resource in descriptor["resources"]:
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
