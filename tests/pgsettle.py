"""Waiting until the replicas of the test cluster show what the primary committed (see
:func:`settle_replicas`); for the tests that read through replicas what they just wrote."""

from __future__ import annotations

import time

import psycopg
from pgcluster import PgCluster

__all__ = ["settle_replicas"]


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
