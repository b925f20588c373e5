"""The fault harness (bench/faults.py) with one trial per stage, so that it cannot rot: a real ``kill -9``
of ``deptnews crawl``, ``parse`` and ``index`` each, the stage finished, compared with a clean run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HARNESS = Path(__file__).resolve().parents[1] / "bench" / "faults.py"


def test_fault_harness_one_trial_per_stage() -> None:
    result = subprocess.run(
        [sys.executable, str(HARNESS), "--trials", "1", "--seed", "3"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("fault harness: 1 trial(s) per stage, seed 3")
    table = {
        line.split()[0]: line.split()[1:]
        for line in lines
        if line.split()[:1] in (["crawl"], ["parse"], ["index"])
    }
    assert set(table) == {"crawl", "parse", "index"}
    for trials, killed, passed in table.values():
        assert (trials, passed) == ("1", "1")
        assert killed in ("0", "1")
    assert "`deptnews check` exit 0" in result.stdout
    assert "FAILED" not in result.stdout
