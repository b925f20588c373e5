"""Crawl state in SQLite (WAL): what is known about every URL, and one row per run.

The WARC write of a capture always happens before its state row is committed, so after a crash the
state never points at a capture that is not on disk; at worst a capture is on disk whose state row was
not committed, and the next run fetches that URL once more (a duplicate capture, never a lost one).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS urls (
    url TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    kind TEXT NOT NULL,              -- listing | article | attachment
    status INTEGER,                  -- last HTTP status, NULL until fetched
    last_fetch TEXT,                 -- ISO time of the last fetch attempt
    etag TEXT,
    last_modified TEXT,
    digest TEXT,                     -- WARC payload digest of the last stored capture
    warc_file TEXT,
    warc_offset INTEGER,
    failures INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    next_due TEXT                    -- ISO time after which the URL should be fetched again
);
CREATE INDEX IF NOT EXISTS urls_source ON urls(source, kind);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started TEXT NOT NULL,
    finished TEXT,
    sources TEXT NOT NULL,
    counts TEXT
);
"""


@dataclass(frozen=True)
class UrlState:
    url: str
    source: str
    kind: str
    status: int | None
    last_fetch: str | None
    etag: str | None
    last_modified: str | None
    digest: str | None
    failures: int


def _now() -> str:
    return datetime.now(UTC).isoformat()


class CrawlState:
    """A connection to ``state.sqlite``; one per process, used from one thread."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=10000")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> CrawlState:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, url: str) -> UrlState | None:
        row = self._db.execute(
            "SELECT url, source, kind, status, last_fetch, etag, last_modified, digest, failures "
            "FROM urls WHERE url = ?",
            (url,),
        ).fetchone()
        return UrlState(*row) if row else None

    def fetched(
        self,
        url: str,
        *,
        source: str,
        kind: str,
        status: int,
        etag: str | None = None,
        last_modified: str | None = None,
        digest: str | None = None,
        warc_file: str | None = None,
        warc_offset: int | None = None,
    ) -> None:
        """Record a completed fetch (a 304 keeps the stored digest and WARC reference)."""
        self._db.execute(
            """
            INSERT INTO urls (url, source, kind, status, last_fetch, etag, last_modified, digest,
                              warc_file, warc_offset, failures, error)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, NULL)
            ON CONFLICT(url) DO UPDATE SET
                status = excluded.status, last_fetch = excluded.last_fetch, failures = 0, error = NULL,
                etag = COALESCE(excluded.etag, etag),
                last_modified = COALESCE(excluded.last_modified, last_modified),
                digest = COALESCE(excluded.digest, digest),
                warc_file = COALESCE(excluded.warc_file, warc_file),
                warc_offset = COALESCE(excluded.warc_offset, warc_offset)
            """,
            (url, source, kind, status, _now(), etag, last_modified, digest, warc_file, warc_offset),
        )

    def failed(self, url: str, *, source: str, kind: str, error: str) -> None:
        self._db.execute(
            """
            INSERT INTO urls (url, source, kind, last_fetch, failures, error) VALUES (?, ?, ?, ?, 1, ?)
            ON CONFLICT(url) DO UPDATE SET
                last_fetch = excluded.last_fetch, failures = failures + 1, error = excluded.error
            """,
            (url, source, kind, _now(), error),
        )

    def start_run(self, sources: list[str]) -> int:
        cursor = self._db.execute(
            "INSERT INTO runs (started, sources) VALUES (?, ?)", (_now(), json.dumps(sources))
        )
        return int(cursor.lastrowid or 0)

    def finish_run(self, run_id: int, counts: Mapping[str, Mapping[str, int]]) -> None:
        self._db.execute(
            "UPDATE runs SET finished = ?, counts = ? WHERE id = ?",
            (_now(), json.dumps(counts, ensure_ascii=False), run_id),
        )

    def last_run(self) -> dict[str, object] | None:
        row = self._db.execute(
            "SELECT id, started, finished, sources, counts FROM runs ORDER BY id DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        return {
            "id": row[0],
            "started": row[1],
            "finished": row[2],
            "sources": json.loads(row[3]),
            "counts": json.loads(row[4]) if row[4] else None,
        }
