"""The records' bookkeeping: a SQLite file beside them (``records/ledger.sqlite``).

It holds what ingest remembers between runs: the WARC files already ingested, the fetched URLs that are
aliases of a record, the dates listing pages show beside articles, each record's title key and date
(to find the same article captured under another URL, :mod:`archive.twins`), the URLs that match
their source's article pattern but whose latest capture is no article (a listing, a contact page: the
source health's measure of a loose pattern), and what ``deptnews extract`` made of each attachment URL
(its text's summary, or why it failed and how often). It is derived from the WARC files like the
records, and rebuilt with them (``deptnews extract`` then links the texts again without reading the
files again: they are kept by content hash in ``texts/``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from types import TracebackType

from archive.errors import StoreError
from archive.model import AttachmentText, record_id
from archive.parse.template import EMPTY, Template, learn, relearn_at

_LEDGER_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (name TEXT PRIMARY KEY, size INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS aliases (url TEXT PRIMARY KEY, record_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS listing_dates (url TEXT PRIMARY KEY, published TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    record_id TEXT PRIMARY KEY, source TEXT NOT NULL, title_key TEXT NOT NULL, day TEXT
);
CREATE INDEX IF NOT EXISTS articles_by_title ON articles (title_key);
CREATE INDEX IF NOT EXISTS articles_by_source ON articles (source);
CREATE TABLE IF NOT EXISTS not_articles (url TEXT PRIMARY KEY, source TEXT NOT NULL, reason TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS template_counts (
    source TEXT NOT NULL, observation TEXT NOT NULL, pages INTEGER NOT NULL, PRIMARY KEY (source, observation)
);
CREATE TABLE IF NOT EXISTS attachment_texts (
    url TEXT PRIMARY KEY, text TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS templates (
    source TEXT PRIMARY KEY, pages INTEGER NOT NULL, learnt_at INTEGER NOT NULL, furniture TEXT NOT NULL,
    stale INTEGER NOT NULL DEFAULT 0
);
"""
_MAX_OBSERVATIONS = 50_000
"""Observations counted per source at most: past it, those seen on one page only are forgotten."""


def _whole(value: object) -> int:
    """An INTEGER column's value."""
    if not isinstance(value, int):
        raise StoreError(f"ledger: expected an integer, found {value!r}")
    return value


def not_article_counts(records_dir: Path) -> dict[str, int]:
    """:meth:`Ledger.not_article_counts` of the ledger in ``records_dir``, read only (for the source
    health of the API and ``deptnews sources``); empty when there is no ledger or it cannot be read."""
    path = records_dir / Ledger.FILE_NAME
    if not path.is_file():
        return {}
    try:
        connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            rows = connection.execute("SELECT source, COUNT(*) FROM not_articles GROUP BY source").fetchall()
        finally:
            connection.close()
    except sqlite3.Error:
        return {}  # an older ledger without the table, or one being replaced
    return {str(source): int(count) for source, count in rows}


class Ledger:
    """What ingest remembers between runs, in ``<records>/ledger.sqlite``; use as a context manager.

    Writes are committed when the ledger is closed and after each :meth:`add_file`, so a file counts as
    ingested only once everything learnt from it is stored.
    """

    FILE_NAME = "ledger.sqlite"

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    @classmethod
    def open(cls, records_dir: Path) -> Ledger:
        path = records_dir / cls.FILE_NAME
        try:
            connection = sqlite3.connect(path)
            connection.executescript(_LEDGER_SCHEMA)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open {path}: {exc}") from exc
        return cls(connection)

    def __enter__(self) -> Ledger:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        try:
            self._db.commit()
        finally:
            self._db.close()

    def _run(self, sql: str, *args: object) -> list[tuple[object, ...]]:
        try:
            return self._db.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"ledger: {exc}") from exc

    def has_file(self, path: Path) -> bool:
        """``path`` (same name and size) was ingested by an earlier run."""
        try:
            size = path.stat().st_size
        except OSError:
            return False
        return bool(self._run("SELECT 1 FROM files WHERE name = ? AND size = ?", path.name, size))

    def add_file(self, path: Path) -> None:
        size = path.stat().st_size
        self._run("INSERT OR REPLACE INTO files (name, size) VALUES (?, ?)", path.name, size)
        self._db.commit()

    def alias(self, url: str) -> str | None:
        """The id of the record a fetched (canonicalized) URL was last parsed into, if it differs from
        the URL's own id (a page whose ``<link rel=canonical>`` names another URL)."""
        rows = self._run("SELECT record_id FROM aliases WHERE url = ?", url)
        return str(rows[0][0]) if rows else None

    def add_alias(self, url: str, rid: str) -> None:
        if rid != record_id(url):
            self._run("INSERT OR REPLACE INTO aliases (url, record_id) VALUES (?, ?)", url, rid)

    def listing_date(self, url: str) -> datetime | None:
        """The date a listing page showed beside this article (the first listing that showed one)."""
        rows = self._run("SELECT published FROM listing_dates WHERE url = ?", url)
        return datetime.fromisoformat(str(rows[0][0])) if rows else None

    def add_listing_dates(self, dates: Mapping[str, datetime]) -> None:
        try:
            self._db.executemany(
                "INSERT OR IGNORE INTO listing_dates (url, published) VALUES (?, ?)",
                [(url, when.isoformat()) for url, when in dates.items()],
            )
        except sqlite3.Error as exc:
            raise StoreError(f"ledger: {exc}") from exc

    def set_not_article(self, url: str, source: str, reason: str | None) -> None:
        """Remember that ``url`` (matching ``source``'s article pattern) is no article and why, or with
        ``reason`` None that it is one (again)."""
        if reason is None:
            self._run("DELETE FROM not_articles WHERE url = ?", url)
        else:
            self._run(
                "INSERT OR REPLACE INTO not_articles (url, source, reason) VALUES (?, ?, ?)",
                url,
                source,
                reason,
            )

    def not_article_counts(self) -> dict[str, int]:
        """Per source: URLs matching its article pattern whose latest capture was no article."""
        rows = self._run("SELECT source, COUNT(*) FROM not_articles GROUP BY source")
        return {str(source): _whole(count) for source, count in rows}

    def add_article(self, rid: str, source: str, title_key: str, day: str | None) -> None:
        """Remember a record's source, title key and publication day (ISO date), replacing what was known."""
        self._run(
            "INSERT OR REPLACE INTO articles (record_id, source, title_key, day) VALUES (?, ?, ?, ?)",
            rid,
            source,
            title_key,
            day,
        )

    def articles_titled(self, title_key: str, limit: int) -> list[tuple[str, str, str | None]]:
        """``(record id, source, day)`` of the records with this title key, the most recently added
        first, at most ``limit``."""
        rows = self._run(
            "SELECT record_id, source, day FROM articles WHERE title_key = ? ORDER BY rowid DESC LIMIT ?",
            title_key,
            limit,
        )
        return [(str(r[0]), str(r[1]), None if r[2] is None else str(r[2])) for r in rows]

    def knows_article(self, rid: str) -> bool:
        """Whether :meth:`add_article` was called for ``rid``."""
        return bool(self._run("SELECT 1 FROM articles WHERE record_id = ?", rid))

    def records_of(self, source: str) -> list[str]:
        """Ids of the records of ``source`` (as remembered by :meth:`add_article`)."""
        return [str(r[0]) for r in self._run("SELECT record_id FROM articles WHERE source = ?", source)]

    def attachment_text(self, url: str) -> tuple[AttachmentText, int] | None:
        """What ``deptnews extract`` last made of the attachment at ``url`` and how many times in a row
        it failed (None: never tried)."""
        rows = self._run("SELECT text, attempts FROM attachment_texts WHERE url = ?", url)
        if not rows:
            return None
        try:
            return AttachmentText.model_validate_json(str(rows[0][0])), _whole(rows[0][1])
        except ValueError:
            return None  # written by another version: tried again

    def set_attachment_text(self, url: str, text: AttachmentText) -> None:
        """Remember what extracting ``url`` gave; a failure counts one more attempt, a success resets
        the count. Committed at once (a killed extract run keeps every file it finished)."""
        rows = self._run("SELECT attempts FROM attachment_texts WHERE url = ?", url)
        attempts = (_whole(rows[0][0]) if rows else 0) + 1 if text.status == "failed" else 0
        self._run(
            "INSERT OR REPLACE INTO attachment_texts (url, text, attempts) VALUES (?, ?, ?)",
            url,
            text.model_dump_json(),
            attempts,
        )
        self._db.commit()

    def template(self, source: str) -> Template:
        """What was learnt of ``source``'s template so far (:mod:`archive.parse.template`)."""
        rows = self._run("SELECT furniture FROM templates WHERE source = ?", source)
        return Template.from_json(str(rows[0][0])) if rows else EMPTY

    def observe(self, source: str, observed: frozenset[str]) -> Template:
        """Count one more page of ``source`` and what it showed; learn the template again when the pages
        seen have grown enough (:func:`~archive.parse.template.relearn_at`), marking the source stale
        when what was learnt changed. Returns the template."""
        try:
            self._db.executemany(
                "INSERT INTO template_counts (source, observation, pages) VALUES (?, ?, 1) "
                "ON CONFLICT (source, observation) DO UPDATE SET pages = pages + 1",
                [(source, o) for o in sorted(observed)],
            )
        except sqlite3.Error as exc:
            raise StoreError(f"ledger: {exc}") from exc
        rows = self._run("SELECT pages, learnt_at, furniture, stale FROM templates WHERE source = ?", source)
        pages, learnt_at, furniture, stale = (
            (_whole(rows[0][0]) + 1, _whole(rows[0][1]), str(rows[0][2]), _whole(rows[0][3]))
            if rows
            else (1, 0, "[]", 0)
        )
        before = furniture
        if pages >= relearn_at(learnt_at):
            self._prune(source)
            counts = {
                str(o): _whole(n)
                for o, n in self._run(
                    "SELECT observation, pages FROM template_counts WHERE source = ? AND pages * 2 >= ?",
                    source,
                    pages,
                )
            }
            furniture, learnt_at = learn(pages, counts).to_json(), pages
        self._run(
            "INSERT OR REPLACE INTO templates (source, pages, learnt_at, furniture, stale) "
            "VALUES (?, ?, ?, ?, ?)",
            source,
            pages,
            learnt_at,
            furniture,
            int(stale or furniture != before),
        )
        return Template.from_json(furniture)

    def stale_sources(self) -> list[str]:
        """Sources whose template changed since their records were last refreshed (:meth:`refreshed`)."""
        return [str(r[0]) for r in self._run("SELECT source FROM templates WHERE stale ORDER BY source")]

    def refreshed(self, source: str) -> None:
        """Every record of ``source`` is now parsed with its current template."""
        self._run("UPDATE templates SET stale = 0 WHERE source = ?", source)
        self._db.commit()

    def _prune(self, source: str) -> None:
        """Bound a source's counts (``_MAX_OBSERVATIONS``) by forgetting what only one page showed."""
        rows = self._run("SELECT COUNT(*) FROM template_counts WHERE source = ?", source)
        if rows and _whole(rows[0][0]) > _MAX_OBSERVATIONS:
            self._run("DELETE FROM template_counts WHERE source = ? AND pages <= 1", source)
