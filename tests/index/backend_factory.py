"""Both index backends opened the same way for the tests that run on each (``BACKENDS``): Whoosh in a
temporary directory, PostgreSQL on a fresh database of the session's real cluster (a primary and two
streaming replicas, see ``pgfixtures``), read through the replicas."""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from pgcluster import PgCluster

from archive.model import Record
from index.backend import IndexBackend, SearchBackend
from index.backends import open_indexer, open_search
from index.settings import IndexSettings

__all__ = ["BACKENDS", "Opened", "open_backend", "record_text", "settle_replicas"]

BACKENDS = ("whoosh", "postgresql")
_numbers = itertools.count(1)


@dataclass
class Opened:
    kind: str
    indexer: IndexBackend
    search: SearchBackend
    settle: Callable[[], None]
    """Wait until every node reads may use has what was written (a no-op for Whoosh)."""
    settings: IndexSettings


def record_text(records: dict[str, Record]) -> Callable[[str], str | None]:
    """``load_text`` for Whoosh's snippets, as the API gives it (lead and body)."""

    def load(rid: str) -> str | None:
        record = records.get(rid)
        return None if record is None else "\n".join(p for p in (record.lead, *record.body) if p)

    return load


def settle_replicas(cluster: PgCluster, dbname: str, timeout: float = 30.0) -> None:
    """Wait until every replica's snapshots see every transaction the primary has committed.

    The cluster commits asynchronously, and a replica that has replayed up to the primary's WAL
    position may still take the last commits for running (measured: a snapshot ``772:772:`` on a
    replica whose replay position had passed the commit of 772). So this waits for what reads see:
    each replica's snapshot ``xmax`` reaching the primary's.
    """
    with psycopg.connect(cluster.primary.dsn(dbname), autocommit=True) as conn:
        conn.execute("SET synchronous_commit = on")
        with conn.transaction():
            conn.execute("SELECT pg_current_xact_id()")
        row = conn.execute("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint").fetchone()
    assert row is not None
    target = int(row[0])
    for replica in cluster.replicas:
        cluster.wait_caught_up(replica)
        deadline = time.monotonic() + timeout
        with psycopg.connect(replica.dsn(dbname), autocommit=True) as conn:
            while True:
                row = conn.execute("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint").fetchone()
                if row is not None and int(row[0]) >= target:
                    break
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{replica.name} does not see the primary's commits")
                time.sleep(0.02)


@contextlib.contextmanager
def open_backend(
    kind: str, request: pytest.FixtureRequest, directory: Path, records: dict[str, Record]
) -> Iterator[Opened]:
    """Both faces of the ``kind`` backend over an empty index (``records``: what Whoosh's snippets read)."""
    if kind == "whoosh":
        settings = IndexSettings()
        indexer = open_indexer(settings, directory / "index")
        search = open_search(settings, directory / "index", record_text(records))
        try:
            yield Opened(kind, indexer, search, lambda: None, settings)
        finally:
            search.close()
            indexer.close()
        return
    cluster = request.getfixturevalue("pg_cluster")
    cluster.heal()
    name = f"b{next(_numbers)}_{directory.name.lower()}"[:63]
    cluster.create_database(name)
    settings = IndexSettings(
        backend="postgresql",
        dsn=cluster.primary.dsn(name),
        read_dsns=[r.dsn(name) for r in cluster.replicas],
    )

    def settle() -> None:
        settle_replicas(cluster, name)

    indexer = open_indexer(settings, directory)
    search = open_search(settings, directory, lambda rid: None)
    try:
        yield Opened(kind, indexer, search, settle, settings)
    finally:
        search.close()
        indexer.close()
        cluster.heal()
        cluster.drop_database(name)
