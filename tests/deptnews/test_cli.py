from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from archive.model import Record
from archive.tableschema import JSON_SCHEMA_DIALECT, RECORD_SCHEMA_ID
from deptnews.cli import main

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = ["crawl", "parse", "index", "serve", "search", "schema", "demo", "sources"]


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help(command: str | None, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"] if command else ["--help"])
    assert exit_info.value.code == 0
    assert "usage: deptnews" in capsys.readouterr().out


def test_console_script_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "deptnews", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert "crawl" in result.stdout


def test_published_schema_is_current(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == {"$schema": JSON_SCHEMA_DIALECT, "$id": RECORD_SCHEMA_ID, **Record.model_json_schema()}
    assert json.loads((ROOT / "docs" / "record.schema.json").read_text(encoding="utf-8")) == printed


def test_bad_registry_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "sources.toml").write_text('[[source]]\nid = "x"\n', encoding="utf-8")
    assert main(["--home", str(tmp_path), "crawl"]) == 2
    assert "source 'x': key name" in capsys.readouterr().err
    assert main(["--home", str(tmp_path), "sources", "check"]) == 2


def test_missing_registry_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--home", str(tmp_path), "parse"]) == 2
    assert "no such sources file" in capsys.readouterr().err


def test_search_without_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--home", str(tmp_path), "search", "x"]) == 1
    assert "deptnews index" in capsys.readouterr().err


def test_invalid_query_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--home", str(tmp_path), "search", "- OR"]) == 2
    assert "invalid query" in capsys.readouterr().err
