"""The PostgreSQL fixtures of the whole suite (imported by conftest.py):

- ``pg_cluster`` (session): one :class:`~pgcluster.PgCluster`, a primary and two streaming replicas,
  started once per test session when a test first asks for it, torn down at the session's end.
- ``pg_database`` (function): a fresh database on that cluster for one test, already on both replicas
  (a :class:`PgDatabase`: ``dsn``, ``read_dsns``, ``settings()``), dropped after the test. Before and
  after each test the cluster is healed: stopped nodes started, paused replays resumed, replicas caught
  up; so a test may stop, kill or pause nodes and leave them so.

Without PostgreSQL server binaries the tests that use them skip saying what to install; in CI
(``CI=true``) they fail instead, as the extraction tools' tests do.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from pgcluster import PgCluster, PgNode, find_bindir

from index.settings import IndexSettings

__all__ = ["PgDatabase", "pg_cluster", "pg_database", "require_postgresql"]

_numbers = itertools.count(1)


def require_postgresql() -> None:
    """Skip (fail in CI) when the PostgreSQL 15+ server binaries are missing."""
    if find_bindir() is not None:
        return
    message = (
        "PostgreSQL 15+ server binaries missing (apt-get install postgresql-15, "
        "or set DEPTNEWS_PG_BINDIR to the directory holding initdb)"
    )
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message)
    pytest.skip(message)


@dataclass(frozen=True)
class PgDatabase:
    """One test's database on :class:`PgCluster`: the same name on the primary and every replica."""

    cluster: PgCluster
    name: str

    @property
    def dsn(self) -> str:
        """The primary's DSN (writes)."""
        return self.cluster.primary.dsn(self.name)

    @property
    def read_dsns(self) -> list[str]:
        """The replicas' DSNs, in the order ``replica-1``, ``replica-2``."""
        return [replica.dsn(self.name) for replica in self.cluster.replicas]

    def node_dsn(self, node: PgNode) -> str:
        return node.dsn(self.name)

    def settings(self, **overrides: object) -> IndexSettings:
        """Index settings for the PostgreSQL backend on this database, primary and both replicas."""
        values: dict[str, object] = {"backend": "postgresql", "dsn": self.dsn, "read_dsns": self.read_dsns}
        return IndexSettings.model_validate({**values, **overrides})


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    require_postgresql()
    with PgCluster(replicas=2) as cluster:
        yield cluster


@pytest.fixture
def pg_database(pg_cluster: PgCluster, request: pytest.FixtureRequest) -> Iterator[PgDatabase]:
    pg_cluster.heal()
    # Named after the test, to be found in a server log: at most 63 bytes, lower case, unique.
    slug = re.sub(r"[^a-z0-9]+", "_", request.node.name.lower()).strip("_")
    name = f"t{next(_numbers)}_{slug}"[:63]
    pg_cluster.create_database(name)
    try:
        yield PgDatabase(pg_cluster, name)
    finally:
        pg_cluster.heal()
        pg_cluster.drop_database(name)
