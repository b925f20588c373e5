"""Both index backends opened the same way for the tests that run on each (``BACKENDS``): Whoosh in a
temporary directory, PostgreSQL on a fresh database of the session's real cluster (a primary and two
streaming replicas, see ``pgfixtures``), read through the replicas."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pgsettle import settle_replicas

from archive.model import Record
from index.backend import IndexBackend, SearchBackend
from index.backends import open_indexer, open_search
from index.settings import IndexSettings

__all__ = ["BACKENDS", "Opened", "open_backend", "record_text"]

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
