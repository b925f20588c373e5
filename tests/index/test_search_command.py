"""`deptnews search` from the command line (deptnews.commands.search)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from index_factory import corpus_records, make_record

from archive.home import DataHome
from archive.store import RecordStore
from deptnews.cli import main

RECORDS = [
    *corpus_records(25, seed=61, body_syllables=40),
    make_record(99, "Hội nghị giao ban", ["Bộ trưởng Lê Doãn Hợp phát biểu."], source="demo"),
]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = DataHome(tmp_path_factory.mktemp("cli") / "data").ensure()
    store = RecordStore(data.records_dir)
    for record in RECORDS:
        store.put(record)
    assert main(["--home", str(data.root), "index"]) == 0
    return data.root


def run(home: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["--home", str(home), "search", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_plain_search(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(home, capsys, "le doan hop")
    assert code == 0
    assert "1 result(s)" in out
    assert "Hội nghị giao ban" in out


def test_json_with_filters_facets_and_cursor(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = RECORDS[0].source
    code, out, _ = run(
        home, capsys, "", "--json", "--size", "2", "--filter", f"source={source}", "--facets", "year"
    )
    assert code == 0
    first = json.loads(out)
    expected = sum(r.source == source for r in RECORDS)
    assert first["total"] == expected
    assert sum(n for _, n in first["facets"]["year"]) == expected
    assert all(h["source"] == source for h in first["hits"])
    if expected > 2:
        code, out, _ = run(
            home,
            capsys,
            "",
            "--json",
            "--size",
            "2",
            "--filter",
            f"source={source}",
            "--cursor",
            first["next_cursor"],
        )
        assert code == 0
        second = json.loads(out)
        assert {h["id"] for h in second["hits"]}.isdisjoint(h["id"] for h in first["hits"])


def test_all_as_json_lines(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(home, capsys, "", "--all", "--json", "--sort", "oldest")
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == len(RECORDS)
    dates = [h["published"] for h in lines if h["published"]]
    assert dates == sorted(dates)
    code, out, _ = run(home, capsys, "giao ban", "--all")
    assert code == 0
    assert RECORDS[-1].id in out


def test_dates_and_text_output_with_facets(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        home, capsys, "", "--from", "2008-01-01", "--to", "2030-12-31", "--facets", "source", "--size", "3"
    )
    assert code == 0
    assert "source: " in out
    assert "next page: --cursor " in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["x", "--filter", "colour=red"], "unknown field"),
        (["x", "--filter", "source"], "expected FIELD=VALUE"),
        (["x", "--from", "2024-13-01"], "expected a date"),
        (["x", "--cursor", "forged"], "invalid cursor"),
        (["x", "--facets", "colour"], "unknown facet"),
        (["- OR"], "no words"),
    ],
)
def test_bad_input_is_exit_2(
    home: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _, err = run(home, capsys, *args)
    assert code == 2
    assert message in err


def test_a_reader_that_goes_away_ends_the_command_quietly(home: Path) -> None:
    # `deptnews search --json --all | head -1`: the reader closes its end before the writer is done.
    read, write = os.pipe()
    os.close(read)
    with os.fdopen(write, "wb") as closed_pipe:
        result = subprocess.run(
            [sys.executable, "-m", "deptnews", "--home", str(home), "search", "--json", "--all"],
            stdout=closed_pipe,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    assert result.returncode == 141
    assert result.stderr == ""
