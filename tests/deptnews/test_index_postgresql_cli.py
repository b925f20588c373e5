"""``deptnews index --backend postgresql --dsn …`` fills PostgreSQL from a data home: killed (-9) in the
middle, the same command run again completes the migration, nothing lost or duplicated."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from conftest import make_record
from pgfixtures import PgDatabase

from archive.home import DataHome
from archive.store import RecordStore
from index.corpus import generate

N = 1200


def rows(dsn: str) -> int:
    try:
        with psycopg.connect(dsn) as conn:
            row = conn.execute("SELECT count(*) FROM deptnews_records").fetchone()
    except psycopg.errors.UndefinedTable:
        return 0
    return int(row[0]) if row else 0


def test_a_killed_migration_is_completed_by_the_next_run(pg_database: PgDatabase, tmp_path: Path) -> None:
    home = DataHome(tmp_path / "home").ensure()
    store = RecordStore(home.records_dir)
    for i, doc in enumerate(generate(N, seed=4, body_syllables=60)):
        store.put(make_record(i, doc.title, doc.body, lead=doc.lead, published=doc.published))
    command = [
        sys.executable,
        "-m",
        "deptnews",
        "--home",
        str(home.root),
        "index",
        "--backend",
        "postgresql",
        "--dsn",
        pg_database.dsn,
        "--progress",
    ]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        deadline = time.monotonic() + 120
        while rows(pg_database.dsn) < 200 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert process.poll() is None, "the migration ended before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
        process.communicate()
    written = rows(pg_database.dsn)
    assert 200 <= written < N
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert f"{N - written} added" in done.stdout
    assert f"{written} unchanged" in done.stdout
    assert "indexing" in done.stderr  # the progress bar
    assert rows(pg_database.dsn) == N
    again = subprocess.run(command[:-1], capture_output=True, text=True, check=False)
    assert f"0 added, 0 updated, 0 deleted, {N} unchanged" in again.stdout
