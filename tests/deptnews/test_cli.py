from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SAMPLE_RECORDS, sample_home

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


@pytest.mark.parametrize(
    "argv",
    [
        ["--home", "{home}", "crawl"],
        ["crawl", "--home", "{home}"],
        ["sources", "check", "--home", "{home}"],
        ["--home", "/nonexistent/elsewhere", "crawl", "--home", "{home}"],  # after the command wins
        ["crawl", "--sources", "{home}/sources.toml"],
        ["--log-format", "json", "crawl", "--home", "{home}", "--log-level", "INFO"],
    ],
)
def test_global_options_go_before_or_after_the_command(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A registry with a mistake: exit 2 naming it proves that this home (or sources file) was read.
    (tmp_path / "sources.toml").write_text('[[source]]\nid = "x"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path.parent)  # nothing at ./deptnews-data, the default home
    assert main([a.replace("{home}", str(tmp_path)) for a in argv]) == 2
    assert "source 'x': key name" in capsys.readouterr().err


def test_log_options_after_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "--log-format", "json", "--log-level", "DEBUG"]) == 0
    root = logging.getLogger()
    (handler,) = [h for h in root.handlers if getattr(h, "_deptnews", False)]
    assert (type(handler.formatter).__name__, root.level) == ("_JsonFormatter", logging.DEBUG)
    assert main(["--log-level", "ERROR", "schema"]) == 0
    assert root.level == logging.ERROR
    capsys.readouterr()


def test_a_search_reads_the_home_given_after_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    home = sample_home(tmp_path / "home")
    monkeypatch.chdir(tmp_path)
    for argv in (
        ["search", "--home", str(home.root), "giao ban"],
        ["--home", str(home.root), "search", "giao ban"],
    ):
        assert main([*argv, "--json"]) == 0
        hits = json.loads(capsys.readouterr().out)["hits"]
        assert hits[0]["id"] == SAMPLE_RECORDS[0].id


def test_command_help_lists_the_global_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["search", "--help"])
    out = capsys.readouterr().out
    assert all(option in out for option in ("--home", "--sources", "--log-format", "--log-level"))
