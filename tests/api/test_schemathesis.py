"""Property-based API tests generated from /openapi.json: no 5xx, every response matches its schema.

The archive is built once at import (schemathesis parametrizes at collection time) in a temporary
directory removed when the interpreter exits.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")

from conftest import SAMPLE_RECORDS as RECORDS  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

from api.app import create_app  # noqa: E402
from archive.home import DataHome  # noqa: E402
from archive.store import RecordStore  # noqa: E402
from index.store import IndexWriter  # noqa: E402


def _app() -> Any:
    root = Path(tempfile.mkdtemp(prefix="deptnews-schemathesis-"))
    atexit.register(shutil.rmtree, root, True)
    home = DataHome(root).ensure()
    store = RecordStore(home.records_dir)
    for record in RECORDS:
        store.put(record)
    IndexWriter(home.index_dir).rebuild(store)
    return create_app(home)


schema = schemathesis.openapi.from_asgi("/openapi.json", _app())


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms(case: Any) -> None:
    # Every check but "schema-valid request accepted": the query language rejects some strings no
    # JSON Schema can describe (a query of only operators, "- OR"), with a 400 problem by design.
    case.call_and_validate(excluded_checks=[schemathesis.checks.positive_data_acceptance])
