"""What a read needs to know about the index first, and the answers about the index itself: whether it
can be searched (:func:`index_meta`), its size and freshness (:func:`stats_of`) and the per-source parser
health of its records (:func:`source_health`)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import Connection, errors

from index.errors import IndexMissing, IndexOutdated
from index.health import SHORT_BODY, SourceHealth
from index.postgresql.ddl import SCHEMA_VERSION
from index.request import IndexStats
from index.schema import NO_DATE, analysis_fingerprint

__all__ = ["IndexMeta", "index_meta", "read_only", "source_health", "stats_of"]

_MISSING = "nothing has been indexed into this PostgreSQL database yet (run deptnews index)"


@dataclass(frozen=True)
class IndexMeta:
    secret: bytes
    generation: str
    built_at: str
    last_commit: datetime | None


@contextlib.contextmanager
def read_only(conn: Connection[Any]) -> Iterator[None]:
    """One read-only snapshot (REPEATABLE READ) for the reads of the block; also valid on a replica.

    JIT compilation is off for the block: a search's queries are costed high (the BM25 function runs per
    matching row), so PostgreSQL would compile each one, and compiling costs more than it saves on these
    short queries (see docs/performance.md)."""
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        conn.execute("SET LOCAL jit = off")
        yield


def index_meta(conn: Connection[Any]) -> IndexMeta:
    """The index's key values; :class:`IndexMissing` when the database holds none, and
    :class:`IndexOutdated` when it was made by other code (schema or analysis)."""
    try:
        with conn.transaction():  # a savepoint: a missing table must not end the caller's transaction
            version = conn.execute("SELECT max(version) FROM deptnews_schema").fetchone()
            meta = dict(conn.execute("SELECT key, value FROM deptnews_meta").fetchall())
    except errors.UndefinedTable:
        raise IndexMissing(_MISSING) from None
    found = int(version[0]) if version and version[0] is not None else 0
    if found != SCHEMA_VERSION or "cursor_secret" not in meta:
        if not found:
            raise IndexMissing(_MISSING)
        raise IndexOutdated(f"the PostgreSQL index has schema version {found}, this code {SCHEMA_VERSION}")
    analysis = meta.get("analysis")
    if analysis is None:
        raise IndexMissing(_MISSING)
    if analysis != analysis_fingerprint():
        raise IndexOutdated("the PostgreSQL index was built with another analysis (run deptnews index)")
    last = meta.get("last_commit")
    return IndexMeta(
        secret=bytes.fromhex(str(meta["cursor_secret"])),
        generation=str(meta.get("generation", "")),
        built_at=str(meta.get("built_at", "")),
        last_commit=datetime.fromisoformat(str(last)) if last else None,
    )


def stats_of(conn: Connection[Any], meta: IndexMeta) -> IndexStats:
    totals = dict(conn.execute("SELECT name, value FROM deptnews_totals").fetchall())
    return IndexStats(
        documents=max(0, int(totals.get("documents", 0))),
        generation=meta.generation,
        commit=int(totals.get("commits", 0)),
        last_commit=meta.last_commit,
        built_at=meta.built_at,
    )


def source_health(conn: Connection[Any]) -> dict[str, SourceHealth]:
    """Health of every source with a searchable record (see :mod:`index.health`)."""
    rows = conn.execute(
        "SELECT source, count(*), count(*) FILTER (WHERE ts = %s), "
        "count(*) FILTER (WHERE body_chars >= 0 AND body_chars < %s), count(*) FILTER (WHERE shared > 1) "
        "FROM (SELECT source, ts, body_chars, count(*) OVER (PARTITION BY source, title_key) AS shared "
        "FROM deptnews_records WHERE searchable AND source <> '') AS s GROUP BY source",
        (NO_DATE, SHORT_BODY),
    ).fetchall()
    return {
        str(source): SourceHealth(records=int(n), without_date=int(u), short_body=int(s), shared_title=int(t))
        for source, n, u, s, t in rows
    }
