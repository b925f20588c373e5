"""Crawl state: frontier, due times, failures, runs, and migration of a database of the first schema."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from scrapers.state import CrawlState, stamp

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


def test_frontier_pending_and_requeue(tmp_path: Path) -> None:
    now = [T0]
    with CrawlState(tmp_path / "s.sqlite", clock=lambda: now[0]) as state:
        assert (
            state.discover(["http://h/a-1", "http://h/a-2", "http://h/a-1"], source="s", kind="article") == 2
        )
        assert state.discover(["http://h/a-2"], source="s", kind="article") == 0
        assert [r.url for r in state.pending("s", ("article",), 10)] == ["http://h/a-1", "http://h/a-2"]
        assert state.attempted(["http://h/a-1", "http://h/x"]) == set()
        state.fetched("http://h/a-1", source="s", kind="article", status=200, next_due=T0 + timedelta(days=7))
        assert state.attempted(["http://h/a-1", "http://h/a-2"]) == {"http://h/a-1"}
        state.failed(
            "http://h/a-2", source="s", kind="article", error="timeout", retry_at=T0 + timedelta(hours=1)
        )
        assert state.pending("s", ("article",), 10) == []  # not due yet
        now[0] = T0 + timedelta(hours=2)
        (retry,) = state.pending("s", ("article",), 10)
        assert (retry.url, retry.failures, retry.error, retry.status) == ("http://h/a-2", 1, "timeout", None)
        state.fetched("http://h/list?page=3", source="s", kind="listing", status=200)
        state.requeue("http://h/list?page=3", source="s", kind="listing")
        assert [r.url for r in state.pending("s", ("listing",), 10)] == ["http://h/list?page=3"]


def test_due_rechecks_and_304_keeps_the_capture(tmp_path: Path) -> None:
    now = [T0]
    with CrawlState(tmp_path / "s.sqlite", clock=lambda: now[0]) as state:
        state.fetched(
            "http://h/a",
            source="s",
            kind="article",
            status=200,
            etag='"1"',
            digest="sha1:X",
            warc_file="f.warc.gz",
            warc_offset=10,
            warc_record_id="<urn:1>",
            captured_at=T0,
            next_due=T0 + timedelta(days=7),
        )
        state.fetched(
            "http://h/b", source="s", kind="article", status=200, alias_of="http://h/a", next_due=T0
        )
        assert state.due("s", "article", 10) == []
        now[0] = T0 + timedelta(days=8)
        (due,) = state.due("s", "article", 10)  # aliases are re-checked through their page
        assert due.url == "http://h/a"
        state.fetched(
            "http://h/a", source="s", kind="article", status=304, next_due=now[0] + timedelta(days=7)
        )
        row = state.get("http://h/a")
        assert row is not None
        assert (row.status, row.etag, row.digest, row.warc_file, row.warc_offset) == (
            304,
            '"1"',
            "sha1:X",
            "f.warc.gz",
            10,
        )
        assert row.captured_at == stamp(T0)
        state.make_due("http://h/a")
        assert [r.url for r in state.due("s", "article", 10)] == ["http://h/a"]
        assert state.count("s", "article") == 2
        assert state.count("s", "article", stored=True) == 1


def test_runs_and_interrupted_runs(tmp_path: Path) -> None:
    with CrawlState(tmp_path / "s.sqlite") as state:
        first = state.start_run(["a"])
        state.update_run(first, {"a": {"fetched": 3}})
    with CrawlState(tmp_path / "s.sqlite") as state:  # the first process died without finishing
        second = state.start_run(["a", "b"])
        state.finish_run(second, {"a": {"fetched": 1}, "b": {"fetched": 0}})
        latest, earlier = state.runs(2)
    assert latest["id"] == second
    assert latest["outcome"] == "finished"
    assert earlier["outcome"] == "interrupted"
    assert earlier["counts"] == {"a": {"fetched": 3}}


def test_database_of_the_first_schema_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    db = sqlite3.connect(path)
    db.executescript(
        """
        CREATE TABLE urls (url TEXT PRIMARY KEY, source TEXT NOT NULL, kind TEXT NOT NULL, status INTEGER,
            last_fetch TEXT, etag TEXT, last_modified TEXT, digest TEXT, warc_file TEXT, warc_offset INTEGER,
            failures INTEGER NOT NULL DEFAULT 0, error TEXT, next_due TEXT);
        CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, started TEXT NOT NULL, finished TEXT,
            sources TEXT NOT NULL, counts TEXT);
        INSERT INTO urls (url, source, kind, status, last_fetch, digest) VALUES
            ('http://h/a', 's', 'article', 200, '2024-01-01T00:00:00+00:00', 'sha1:X');
        """
    )
    db.commit()
    db.close()
    with CrawlState(path) as state:
        row = state.get("http://h/a")
        assert row is not None
        assert (row.status, row.digest, row.alias_of, row.warc_record_id) == (200, "sha1:X", None, None)
        assert state.attempted(["http://h/a"]) == {"http://h/a"}
        state.start_run(["s"])
