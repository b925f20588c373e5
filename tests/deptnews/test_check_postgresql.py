"""``deptnews check`` when the settings choose the PostgreSQL backend: a real data home (the demo sites
crawled and parsed by the CLI) migrated into a real primary, then damaged in one way per test; the check
must name the damage and ``--repair`` must bring PostgreSQL in line, with the exit codes of Whoosh."""

from __future__ import annotations

import json
import shutil
from contextlib import closing
from pathlib import Path
from typing import Any

import psycopg
import pytest
from conftest import make_record
from pgfixtures import PgDatabase

from archive.home import DataHome
from archive.store import RecordStore
from deptnews.cli import main
from deptnews.demo.server import DemoWeb
from deptnews.demo_run import demo_sources_toml
from index.postgresql.indexer import PostgresIndexer, writer_lock
from index.postgresql.nodes import Nodes
from index.postgresql.verify import statistics_problems
from index.schema import searchable


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data home made by the real pipeline: crawl and parse of the demo sites."""
    root = tmp_path_factory.mktemp("pgcheck") / "data"
    root.mkdir()
    with DemoWeb() as web:
        (root / "sources.toml").write_text(demo_sources_toml(web.base_urls), encoding="utf-8")
        for stage in (["crawl", "--no-progress"], ["parse"]):
            assert main(["--home", str(root), *stage]) == 0
    return root


@pytest.fixture
def home(
    pristine: Path, tmp_path: Path, pg_database: PgDatabase, monkeypatch: pytest.MonkeyPatch
) -> DataHome:
    """A copy of the pristine home indexed into ``pg_database``, which the settings choose."""
    root = tmp_path / "data"
    shutil.copytree(pristine, root)
    argv = ["--home", str(root), "index", "--backend", "postgresql", "--dsn", pg_database.dsn]
    assert main(argv) == 0
    monkeypatch.setenv("DEPTNEWS_INDEX__BACKEND", "postgresql")
    monkeypatch.setenv("DEPTNEWS_INDEX__DSN", pg_database.dsn)
    return DataHome(root)


def run_check(home: DataHome, capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = main(["--home", str(home.root), "check", "--json", *flags])
    return code, json.loads(capsys.readouterr().out)


def problems(report: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {
        (f["check"], f["code"], f["subject"]) for c in report["checks"] for f in c["findings"] if f["problem"]
    }


def index_check(report: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in report["checks"] if c["name"] == "index")


def searchable_ids(home: DataHome) -> list[str]:
    return sorted(r.id for r in RecordStore(home.records_dir) if searchable(r))


def execute(dsn: str, statement: str, params: tuple[object, ...] = ()) -> None:
    with psycopg.connect(dsn) as conn:
        conn.execute(statement, params)


def test_a_sound_database_passes_and_repair_changes_nothing(
    home: DataHome, capsys: pytest.CaptureFixture[str], pg_database: PgDatabase
) -> None:
    code, report = run_check(home, capsys)
    assert code == 0, problems(report)
    records = len(list(RecordStore(home.records_dir)))
    assert index_check(report)["summary"] == f"{records} rows in PostgreSQL for {records} records"
    code, report = run_check(home, capsys, "--repair")
    assert code == 0
    assert report["repair"] == {"found": [], "repaired": [], "needs_human": []}
    capsys.readouterr()
    assert main(["--home", str(home.root), "check"]) == 0
    assert "ok       index" in capsys.readouterr().out


def test_missing_orphan_and_stale_rows_are_found_and_synced(
    home: DataHome, capsys: pytest.CaptureFixture[str], pg_database: PgDatabase
) -> None:
    ids = searchable_ids(home)
    execute(pg_database.dsn, "DELETE FROM deptnews_records WHERE id = %s", (ids[0],))
    execute(pg_database.dsn, "UPDATE deptnews_records SET doc_hash = '\\x00' WHERE id = %s", (ids[1],))
    orphan = make_record(9999, "Bài không có trong kho", ["Không có bản ghi."])
    with closing(Nodes(pg_database.dsn)) as nodes:
        assert PostgresIndexer(nodes).upsert([orphan]) == 1
    code, report = run_check(home, capsys)
    assert code == 1
    found = problems(report)
    assert {("index", "missing", ids[0]), ("index", "stale", ids[1]), ("index", "orphan", orphan.id)} <= found
    # The row deleted behind the indexer's back took nothing from the statistics: they disagree too.
    assert found - {("index", "statistics", "statistics")} == {
        ("index", "missing", ids[0]),
        ("index", "stale", ids[1]),
        ("index", "orphan", orphan.id),
    }
    code, report = run_check(home, capsys, "--repair")
    assert code == 0, report["repair"]
    assert report["repair"]["repaired"] == [
        "index: synced PostgreSQL with the records (1 added, 1 updated, 1 deleted); "
        "statistics recounted from the rows"
    ]
    assert run_check(home, capsys)[0] == 0
    with closing(Nodes(pg_database.dsn)) as nodes, nodes.writer() as conn:
        assert statistics_problems(conn) == []
        row = conn.execute("SELECT count(*) FROM deptnews_records WHERE id = %s", (orphan.id,)).fetchone()
        assert row == (0,)
    assert main(["--home", str(home.root), "search", "Bài không có trong kho", "--json"]) == 0
    assert orphan.id not in capsys.readouterr().out


def test_statistics_that_disagree_are_found_and_recounted(
    home: DataHome, capsys: pytest.CaptureFixture[str], pg_database: PgDatabase
) -> None:
    execute(pg_database.dsn, "UPDATE deptnews_totals SET value = value + 5 WHERE name = 'documents'")
    code, report = run_check(home, capsys)
    assert code == 1
    assert problems(report) == {("index", "statistics", "statistics")}
    detail = index_check(report)["findings"][0]["detail"]
    documents = len(searchable_ids(home))
    assert detail == f"documents: kept {documents + 5}, the rows give {documents}"
    code, report = run_check(home, capsys, "--repair")
    assert code == 0
    assert report["repair"]["repaired"] == [
        "index: synced PostgreSQL with the records (0 added, 0 updated, 0 deleted); "
        "statistics recounted from the rows"
    ]
    assert run_check(home, capsys)[0] == 0


def test_postings_that_disagree_make_the_repair_a_rebuild(
    home: DataHome, capsys: pytest.CaptureFixture[str], pg_database: PgDatabase
) -> None:
    execute(
        pg_database.dsn,
        "DELETE FROM deptnews_postings WHERE (col, term, seg) IN "
        "(SELECT col, term, seg FROM deptnews_postings WHERE col = 'title' ORDER BY term LIMIT 1)",
    )
    code, report = run_check(home, capsys)
    assert code == 1
    assert problems(report) == {("index", "postings", "postings")}
    code, report = run_check(home, capsys, "--repair")
    assert code == 0, report["repair"]
    assert report["repair"]["repaired"] == [
        "index: synced PostgreSQL with the records (0 added, 0 updated, 0 deleted); "
        "every row written anew (the postings disagreed with the rows)"
    ]
    assert run_check(home, capsys)[0] == 0


@pytest.mark.parametrize("damage", ["no-schema", "older-schema"])
def test_a_missing_or_older_schema_is_a_finding_and_is_made(
    home: DataHome, capsys: pytest.CaptureFixture[str], pg_database: PgDatabase, damage: str
) -> None:
    if damage == "no-schema":
        tables = "deptnews_records, deptnews_schema, deptnews_meta, deptnews_terms, deptnews_totals"
        execute(pg_database.dsn, f"DROP TABLE {tables}, deptnews_postings, deptnews_blocks CASCADE")
        execute(pg_database.dsn, "DROP TABLE deptnews_attachment_texts")
    else:  # as schema version 2 left it
        execute(pg_database.dsn, "DROP TABLE deptnews_attachment_texts")
        execute(pg_database.dsn, "DELETE FROM deptnews_schema WHERE version >= 3")
    code, report = run_check(home, capsys)
    assert code == 1
    code_name = "missing" if damage == "no-schema" else "outdated"
    assert problems(report) == {("index", code_name, "index")}
    assert index_check(report)["findings"][0]["detail"].startswith(
        "nothing has been indexed" if damage == "no-schema" else "the PostgreSQL index has schema version 2"
    )
    code, report = run_check(home, capsys, "--repair")
    assert code == 0, report["repair"]
    assert run_check(home, capsys)[0] == 0


def test_an_unreachable_database_is_a_finding_not_a_traceback(
    home: DataHome, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEPTNEWS_INDEX__DSN", "postgresql://postgres@127.0.0.1:1/none")
    code, report = run_check(home, capsys)
    assert code == 1
    assert problems(report) == {("index", "unreachable", "index")}
    assert "cannot be reached" in index_check(report)["findings"][0]["detail"]
    code, report = run_check(home, capsys, "--repair")
    assert code == 1
    assert report["repair"]["repaired"] == []
    assert [f["code"] for f in report["repair"]["needs_human"]] == ["unreachable"]


def test_a_home_without_records_never_empties_the_database(
    home: DataHome, capsys: pytest.CaptureFixture[str], pg_database: PgDatabase, tmp_path: Path
) -> None:
    api_host = DataHome(tmp_path / "api-host").ensure()  # an API host's: no record, no WARC file
    shutil.copy(home.sources_file, api_host.sources_file)
    code, report = run_check(api_host, capsys, "--repair")
    assert code == 1
    assert problems(report) == {("index", "no-records", "index")}
    assert report["repair"]["repaired"] == []
    with psycopg.connect(pg_database.dsn) as conn:
        row = conn.execute("SELECT count(*) FROM deptnews_records").fetchone()
    assert row == (len(list(RecordStore(home.records_dir))),)


def test_repair_waits_for_the_postgresql_writer(
    home: DataHome,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    pg_database: PgDatabase,
) -> None:
    monkeypatch.setenv("DEPTNEWS_INDEX_WRITER_TIMEOUT", "0.3")
    with psycopg.connect(pg_database.dsn, autocommit=True) as conn, writer_lock(conn, 1.0):
        assert main(["--home", str(home.root), "check", "--repair"]) == 3
    assert "another process has been writing the PostgreSQL index" in capsys.readouterr().err
