"""The PostgreSQL test harness itself: streaming works, nodes stop, die and come back, and closing it
leaves no server and no directory behind."""

from __future__ import annotations

import psycopg
import pytest
from pgcluster import PgCluster, PgClusterError
from pgfixtures import PgDatabase


def _one(dsn: str, sql: str) -> object:
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(sql.encode()).fetchone()
        assert row is not None
        return row[0]


def test_replicas_stream_the_primarys_writes(pg_database: PgDatabase) -> None:
    cluster = pg_database.cluster
    with psycopg.connect(pg_database.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (x int)")
        conn.execute("INSERT INTO t SELECT generate_series(1, 10)")
    for replica, dsn in zip(cluster.replicas, pg_database.read_dsns, strict=True):
        cluster.wait_caught_up(replica)
        assert _one(dsn, "SELECT pg_is_in_recovery()") is True
        assert _one(dsn, "SELECT count(*) FROM t") == 10
    assert _one(pg_database.dsn, "SELECT pg_is_in_recovery()") is False


def test_a_node_stopped_or_killed_comes_back(pg_database: PgDatabase) -> None:
    cluster = pg_database.cluster
    replica = cluster.replicas[0]
    cluster.stop(replica)
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(pg_database.node_dsn(replica))
    cluster.kill(cluster.primary)
    assert not cluster.primary.running
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(pg_database.dsn)
    cluster.start(cluster.primary)
    cluster.start(replica)
    with psycopg.connect(pg_database.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE after_crash (x int)")
    cluster.wait_caught_up(replica)
    assert _one(pg_database.node_dsn(replica), "SELECT count(*) FROM after_crash") == 0


def test_paused_replay_holds_back_a_replica(pg_database: PgDatabase) -> None:
    cluster = pg_database.cluster
    replica = cluster.replicas[1]
    cluster.pause_replay(replica)
    with psycopg.connect(pg_database.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE later (x int)")
    with pytest.raises(PgClusterError, match="paused"):
        cluster.wait_caught_up(replica)
    with pytest.raises(psycopg.errors.UndefinedTable):
        _one(pg_database.node_dsn(replica), "SELECT count(*) FROM later")
    cluster.resume_replay(replica)
    cluster.wait_caught_up(replica)
    assert _one(pg_database.node_dsn(replica), "SELECT count(*) FROM later") == 0


def test_close_ends_every_server_and_removes_the_directory(pg_cluster: PgCluster) -> None:
    cluster = PgCluster(replicas=1, bindir=pg_cluster.bindir)
    processes = [node.process for node in cluster.nodes]
    root = cluster.root
    with cluster:
        assert _one(cluster.replicas[0].dsn(), "SELECT pg_is_in_recovery()") is True
    assert all(p is not None and p.poll() is not None for p in processes)
    assert not root.exists()


def test_a_server_that_cannot_start_says_why(pg_cluster: PgCluster) -> None:
    with pytest.raises(PgClusterError, match="shared_buffers"):
        PgCluster(replicas=0, bindir=pg_cluster.bindir, settings={"shared_buffers": "'lots'"})
