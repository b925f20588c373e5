"""Crawl state in SQLite (WAL): the frontier and what is known about every URL, and one row per run.

A URL enters as a *pending* row (``status`` NULL) when it is discovered, before it is fetched, so a crawl
killed at any moment leaves its frontier behind for the next run. A fetch is first written to WARC
(flushed) and only then recorded here; a capture on disk whose row was not committed is found again by
the WARC recovery at the start of the next run (:mod:`scrapers.recovery`), so nothing is fetched twice.

Times are UTC, stored as fixed-width ISO strings so that they compare as text.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS urls (
    url TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    kind TEXT NOT NULL,              -- listing | article | attachment | feed | sitemap | robots | redirect
    status INTEGER,                  -- last HTTP status (304 included); NULL while pending
    last_fetch TEXT,                 -- time of the last fetch attempt
    etag TEXT,
    last_modified TEXT,
    digest TEXT,                     -- WARC payload digest of the last stored capture
    warc_file TEXT,
    warc_offset INTEGER,
    failures INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    next_due TEXT                    -- when the URL should be fetched (again); NULL: at once if pending
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started TEXT NOT NULL,
    finished TEXT,
    sources TEXT NOT NULL,
    counts TEXT
);
"""
# Columns added after the first schema; existing databases are migrated in place.
_ADDED_COLUMNS = {
    "urls": {
        "first_seen": "TEXT",
        "warc_record_id": "TEXT",  # WARC-Record-ID of the last stored response (revisits refer to it)
        "captured_at": "TEXT",  # its WARC-Date
        "alias_of": "TEXT",  # same page as this URL: a redirect hop's target, a rel=canonical's page
    },
    "runs": {"pid": "INTEGER", "outcome": "TEXT"},
}
_INDEXES = """
CREATE INDEX IF NOT EXISTS urls_source ON urls(source, kind);
CREATE INDEX IF NOT EXISTS urls_due ON urls(source, kind, next_due);
"""
_COLUMNS = (
    "url, source, kind, status, last_fetch, etag, last_modified, digest, failures, warc_file, warc_offset, "
    "warc_record_id, captured_at, next_due, error, alias_of, first_seen"
)


@dataclass(frozen=True)
class UrlState:
    """One row of the ``urls`` table."""

    url: str
    source: str
    kind: str
    status: int | None
    last_fetch: str | None
    etag: str | None
    last_modified: str | None
    digest: str | None
    failures: int
    warc_file: str | None = None
    warc_offset: int | None = None
    warc_record_id: str | None = None
    captured_at: str | None = None
    next_due: str | None = None
    error: str | None = None
    alias_of: str | None = None
    first_seen: str | None = None

    @property
    def attempted(self) -> bool:
        """Fetched at least once (successfully or not)."""
        return self.last_fetch is not None


def stamp(moment: datetime) -> str:
    """The state's text form of a time (UTC, fixed width, microseconds)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_stamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class CrawlState:
    """A connection to ``state.sqlite``; one per process, used from one thread.

    ``clock`` returns the current time (tests move it forward to make URLs due).
    """

    def __init__(self, path: Path, *, clock: Callable[[], datetime] | None = None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=10000")
        self._db.executescript(_SCHEMA)
        self._migrate()
        self._db.executescript(_INDEXES)
        self._clock = clock or (lambda: datetime.now(UTC))

    def _migrate(self) -> None:
        for table, columns in _ADDED_COLUMNS.items():
            have = {row[1] for row in self._db.execute(f"PRAGMA table_info({table})")}
            for name, sql_type in columns.items():
                if name not in have:
                    self._db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {sql_type}")

    def now(self) -> datetime:
        return self._clock()

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> CrawlState:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading -------------------------------------------------------------------------------------

    def get(self, url: str) -> UrlState | None:
        row = self._db.execute(f"SELECT {_COLUMNS} FROM urls WHERE url = ?", (url,)).fetchone()
        return UrlState(*row) if row else None

    def attempted(self, urls: Iterable[str]) -> set[str]:
        """The URLs among ``urls`` fetched at least once (the others are new or pending)."""
        wanted = list(dict.fromkeys(urls))
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT url FROM urls WHERE last_fetch IS NOT NULL AND url IN ({marks})", chunk
            )
            found.update(row[0] for row in rows)
        return found

    def of_kind(self, urls: Iterable[str], kind: str) -> set[str]:
        """The URLs among ``urls`` the state knows as ``kind`` (e.g. article URLs found to be listings)."""
        wanted = list(dict.fromkeys(urls))
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT url FROM urls WHERE kind = ? AND url IN ({marks})", (kind, *chunk)
            )
            found.update(row[0] for row in rows)
        return found

    def pending(self, source: str, kinds: tuple[str, ...], limit: int) -> list[UrlState]:
        """Discovered, never successfully fetched URLs of ``source`` that are due, oldest first."""
        marks = ",".join("?" * len(kinds))
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM urls WHERE source = ? AND kind IN ({marks}) AND status IS NULL "
            "AND (next_due IS NULL OR next_due <= ?) ORDER BY first_seen, url LIMIT ?",
            (source, *kinds, stamp(self.now()), limit),
        )
        return [UrlState(*row) for row in rows]

    def count_pending(self, source: str, kind: str) -> int:
        """Discovered URLs of ``source`` never fetched successfully (due or not)."""
        row = self._db.execute(
            "SELECT COUNT(*) FROM urls WHERE source = ? AND kind = ? AND status IS NULL", (source, kind)
        ).fetchone()
        return int(row[0])

    def due(self, source: str, kind: str, limit: int) -> list[UrlState]:
        """Fetched URLs of ``source`` whose re-check is due, most overdue first."""
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM urls WHERE source = ? AND kind = ? AND status IS NOT NULL "
            "AND alias_of IS NULL AND next_due IS NOT NULL AND next_due <= ? ORDER BY next_due LIMIT ?",
            (source, kind, stamp(self.now()), limit),
        )
        return [UrlState(*row) for row in rows]

    def count(self, source: str, kind: str, *, stored: bool = False) -> int:
        """URLs of one source and kind (``stored``: only those with a capture in WARC)."""
        extra = " AND warc_file IS NOT NULL" if stored else ""
        row = self._db.execute(
            f"SELECT COUNT(*) FROM urls WHERE source = ? AND kind = ?{extra}", (source, kind)
        ).fetchone()
        return int(row[0])

    def rows(self) -> list[UrlState]:
        """Every row (for checks and tests; the table may be large)."""
        return [UrlState(*row) for row in self._db.execute(f"SELECT {_COLUMNS} FROM urls ORDER BY url")]

    # -- writing -------------------------------------------------------------------------------------

    def discover(self, urls: Iterable[str], *, source: str, kind: str) -> int:
        """Add URLs to the frontier (pending) unless already known; returns how many were new."""
        now = stamp(self.now())
        before = self._db.total_changes
        self._db.execute("BEGIN")
        try:
            self._db.executemany(
                "INSERT OR IGNORE INTO urls (url, source, kind, first_seen) VALUES (?, ?, ?, ?)",
                ((url, source, kind, now) for url in urls),
            )
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        return self._db.total_changes - before

    def requeue(self, url: str, *, source: str, kind: str) -> None:
        """Make ``url`` pending again (a listing page a later run must continue from)."""
        now = stamp(self.now())
        self._db.execute(
            """
            INSERT INTO urls (url, source, kind, first_seen) VALUES (?, ?, ?, ?)
            ON CONFLICT(url) DO UPDATE SET status = NULL, next_due = NULL, first_seen = excluded.first_seen
            """,
            (url, source, kind, now),
        )

    def reclassify(self, url: str, kind: str) -> None:
        """Record that ``url`` is of another kind than it was discovered as (an article URL that is a
        listing page): it stops counting, and being re-checked, as the old kind."""
        self._db.execute("UPDATE urls SET kind = ? WHERE url = ?", (kind, url))

    def make_due(self, url: str) -> None:
        """Fetch ``url`` again at the next opportunity (a feed or sitemap says it changed)."""
        self._db.execute(
            "UPDATE urls SET next_due = ? WHERE url = ? AND status IS NOT NULL AND alias_of IS NULL",
            (stamp(self.now()), url),
        )

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
        warc_record_id: str | None = None,
        captured_at: datetime | None = None,
        next_due: datetime | None = None,
        alias_of: str | None = None,
    ) -> None:
        """Record a completed fetch; a 304 (no WARC reference given) keeps the stored capture's fields."""
        now = stamp(self.now())
        self._db.execute(
            """
            INSERT INTO urls (url, source, kind, status, last_fetch, etag, last_modified, digest,
                              warc_file, warc_offset, warc_record_id, captured_at, failures, error,
                              next_due, alias_of, first_seen)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, NULL, ?, ?, ?)
            ON CONFLICT(url) DO UPDATE SET
                status = excluded.status, last_fetch = excluded.last_fetch, failures = 0, error = NULL,
                next_due = excluded.next_due, alias_of = excluded.alias_of,
                etag = COALESCE(excluded.etag, etag),
                last_modified = COALESCE(excluded.last_modified, last_modified),
                digest = COALESCE(excluded.digest, digest),
                warc_file = COALESCE(excluded.warc_file, warc_file),
                warc_offset = COALESCE(excluded.warc_offset, warc_offset),
                warc_record_id = COALESCE(excluded.warc_record_id, warc_record_id),
                captured_at = COALESCE(excluded.captured_at, captured_at)
            """,
            (
                url,
                source,
                kind,
                status,
                now,
                etag,
                last_modified,
                digest,
                warc_file,
                warc_offset,
                warc_record_id,
                stamp(captured_at) if captured_at else None,
                stamp(next_due) if next_due else None,
                alias_of,
                now,
            ),
        )

    def failed(
        self,
        url: str,
        *,
        source: str,
        kind: str,
        error: str,
        retry_at: datetime | None = None,
        status: int | None = None,
    ) -> None:
        """Record a failed attempt: the error, one more failure, when to try again.

        ``status`` is set for answers that are final but not kept (an unwanted content type); otherwise
        a pending URL stays pending and a known one keeps its last status.
        """
        now = stamp(self.now())
        self._db.execute(
            """
            INSERT INTO urls (url, source, kind, status, last_fetch, failures, error, next_due, first_seen)
            VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)
            ON CONFLICT(url) DO UPDATE SET
                last_fetch = excluded.last_fetch, failures = failures + 1, error = excluded.error,
                next_due = excluded.next_due, status = COALESCE(excluded.status, status)
            """,
            (url, source, kind, status, now, error, stamp(retry_at) if retry_at else None, now),
        )

    # -- runs ----------------------------------------------------------------------------------------

    def start_run(self, sources: list[str]) -> int:
        """Open a run; runs left open by a killed process are closed as ``interrupted``."""
        self._db.execute("UPDATE runs SET outcome = 'interrupted' WHERE finished IS NULL AND outcome IS NULL")
        cursor = self._db.execute(
            "INSERT INTO runs (started, sources, pid) VALUES (?, ?, ?)",
            (stamp(self.now()), json.dumps(sources), os.getpid()),
        )
        return int(cursor.lastrowid or 0)

    def update_run(self, run_id: int, counts: Mapping[str, Mapping[str, int]]) -> None:
        """Store the counts so far (an interrupted run keeps what it did)."""
        self._db.execute(
            "UPDATE runs SET counts = ? WHERE id = ?", (json.dumps(counts, ensure_ascii=False), run_id)
        )

    def finish_run(
        self, run_id: int, counts: Mapping[str, Mapping[str, int]], outcome: str = "finished"
    ) -> None:
        self._db.execute(
            "UPDATE runs SET finished = ?, counts = ?, outcome = ? WHERE id = ?",
            (stamp(self.now()), json.dumps(counts, ensure_ascii=False), outcome, run_id),
        )

    def last_run(self) -> dict[str, object] | None:
        runs = self.runs(1)
        return runs[0] if runs else None

    def runs(self, limit: int = 20) -> list[dict[str, object]]:
        """The latest runs, newest first."""
        rows = self._db.execute(
            "SELECT id, started, finished, sources, counts, outcome FROM runs ORDER BY id DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [
            {
                "id": row[0],
                "started": row[1],
                "finished": row[2],
                "sources": json.loads(row[3]),
                "counts": json.loads(row[4]) if row[4] else None,
                "outcome": row[5],
            }
            for row in rows
        ]
