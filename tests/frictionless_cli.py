"""``frictionless validate`` run as a user runs it: the command line, in a subprocess (the library also
leaves files open, which this suite's warnings-as-errors would report as ours)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any


def frictionless_validate(descriptor: Path) -> dict[str, Any]:
    """The JSON report of ``frictionless validate`` on ``descriptor`` (run in its directory)."""
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


def frictionless_rows(descriptor: Path, resource: str) -> list[dict[str, Any]]:
    """The rows of the package's resource named ``resource`` as ``frictionless extract`` reads them
    (typed by the resource's Table Schema)."""
    tool = Path(sys.executable).with_name("frictionless")
    result = subprocess.run(
        [str(tool), "extract", "--json", "--name", resource, descriptor.name],
        cwd=descriptor.parent,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    rows: list[dict[str, Any]] = data[resource] if isinstance(data, dict) else data
    return rows
