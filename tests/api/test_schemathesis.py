"""Property-based API tests generated from /openapi.json: no 5xx, every response matches its schema,
and every request the schema refuses is refused (4xx).

The archive is built once at import (schemathesis parametrizes at collection time) in a temporary
directory removed when the interpreter exits. Schemathesis runs its cases as Hypothesis tests with the
loaded profile (tests/conftest.py): derandomized under `python3 dev.py test` and CI, random and
longer under `python3 dev.py fuzz`.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")

from conftest import max_examples, sample_home  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

from api.app import create_app  # noqa: E402


def _app() -> Any:
    root = Path(tempfile.mkdtemp(prefix="deptnews-schemathesis-"))
    atexit.register(shutil.rmtree, root, True)
    return create_app(sample_home(root))


schema = schemathesis.openapi.from_asgi("/openapi.json", _app())


@schema.parametrize()
@settings(max_examples=max_examples(30), deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms(case: Any) -> None:
    # Every check but "schema-valid request accepted": the query language rejects some strings no
    # JSON Schema can describe (a query of only operators, "- OR"), with a 400 problem by design.
    case.call_and_validate(excluded_checks=[schemathesis.checks.positive_data_acceptance])
