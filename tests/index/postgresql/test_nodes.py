"""Choosing the PostgreSQL node per request, on a real primary with two streaming replicas: reads spread
over the replicas, leave a replica that is down or lags, fall back to the primary, and come back; the
primary's failure is a clear IndexUnavailable; readiness names each node and why."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator

import psycopg
import pytest
from pgcluster import PgCluster
from pgfixtures import PgDatabase

from index.backend import NodeStatus
from index.errors import BackendUnavailable, IndexUnavailable, SearchError
from index.postgresql.nodes import Nodes
from index.settings import IndexSettings


@pytest.fixture
def nodes(pg_database: PgDatabase) -> Iterator[Nodes]:
    # Every call checks the nodes afresh: what a test does to a server is seen by the next read.
    with psycopg.connect(pg_database.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (x int)")
    for replica in pg_database.cluster.replicas:
        pg_database.cluster.wait_caught_up(replica)
    chosen = Nodes(pg_database.dsn, pg_database.read_dsns, check_interval=0.0)
    yield chosen
    chosen.close()


def served_by(nodes: Nodes, cluster: PgCluster, reads: int = 6) -> Counter[str]:
    """Which node served each of ``reads`` reads, by name."""
    names = {node.port: node.name for node in cluster.nodes}
    served: Counter[str] = Counter()
    for _ in range(reads):
        with nodes.reader() as conn:
            row = conn.execute("SELECT inet_server_port(), count(*) FROM t").fetchone()
            assert row is not None
            served[names[row[0]]] += 1
    return served


def status(nodes: Nodes) -> dict[str, NodeStatus]:
    return {node.name: node for node in nodes.readiness()}


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout:g} s: {what}")
        time.sleep(0.05)


def write(nodes: Nodes, value: int = 1) -> None:
    with nodes.writer() as conn:
        conn.execute("INSERT INTO t VALUES (%s)", (value,))


def test_reads_take_the_replicas_in_turn(nodes: Nodes, pg_database: PgDatabase) -> None:
    assert served_by(nodes, pg_database.cluster) == {"replica-1": 3, "replica-2": 3}
    assert [(s.name, s.role, s.ready, s.detail) for s in nodes.readiness()] == [
        ("primary", "primary", True, ""),
        ("replica-1", "replica", True, ""),
        ("replica-2", "replica", True, ""),
    ]


def test_reads_leave_a_stopped_replica_then_the_primary_serves_then_a_replica_again(
    nodes: Nodes, pg_database: PgDatabase
) -> None:
    cluster = pg_database.cluster
    one, two = cluster.replicas
    cluster.stop(one)
    assert served_by(nodes, cluster) == {"replica-2": 6}
    ready = status(nodes)
    assert not ready["replica-1"].ready
    assert "cannot be reached" in ready["replica-1"].detail
    assert ready["replica-2"].ready
    cluster.stop(two)
    assert served_by(nodes, cluster) == {"primary": 6}
    assert [s.ready for s in nodes.readiness()] == [True, False, False]
    cluster.start(one)
    # Used again once it streams from the primary: until then how far behind it is cannot be told.
    wait_for(lambda: status(nodes)["replica-1"].ready, "replica-1 ready again")
    assert served_by(nodes, cluster) == {"replica-1": 6}
    assert [s.ready for s in nodes.readiness()] == [True, True, False]


def test_a_replica_that_dies_between_checks_fails_no_read(pg_database: PgDatabase) -> None:
    # The state is checked once an hour here: only the failed connection can tell the replica died.
    cluster = pg_database.cluster
    with psycopg.connect(pg_database.dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (x int)")
    for replica in cluster.replicas:
        cluster.wait_caught_up(replica)
    nodes = Nodes(pg_database.dsn, pg_database.read_dsns, check_interval=3600.0)
    try:
        assert served_by(nodes, cluster, 4) == {"replica-1": 2, "replica-2": 2}  # pooled connections now
        cluster.kill(cluster.replicas[0])
        assert served_by(nodes, cluster, 4) == {"replica-2": 4}
    finally:
        nodes.close()


def test_a_lagging_replica_is_left_and_used_again_once_it_catches_up(pg_database: PgDatabase) -> None:
    cluster = pg_database.cluster
    nodes = Nodes(pg_database.dsn, pg_database.read_dsns, check_interval=0.0, max_replica_lag=0.5)
    try:
        check_lagging_replica(nodes, cluster)
    finally:
        nodes.close()


def check_lagging_replica(nodes: Nodes, cluster: PgCluster) -> None:
    with nodes.writer() as conn:
        conn.execute("CREATE TABLE t (x int)")
    cluster.wait_caught_up(cluster.replicas[0])
    cluster.pause_replay(cluster.replicas[0])
    write(nodes)
    wait_for(lambda: not status(nodes)["replica-1"].ready, "replica-1 seen lagging")
    lagging = status(nodes)["replica-1"]
    assert lagging.lag_seconds is not None
    assert lagging.lag_seconds > 0.5
    assert "behind the primary (replay paused), more than the 0.5 s allowed" in lagging.detail
    assert served_by(nodes, cluster) == {"replica-2": 6}
    cluster.resume_replay(cluster.replicas[0])
    cluster.wait_caught_up(cluster.replicas[0])
    wait_for(lambda: status(nodes)["replica-1"].ready, "replica-1 ready again")
    assert "replica-1" in served_by(nodes, cluster)


def test_an_idle_caught_up_replica_lags_zero_although_its_last_commit_is_old(
    nodes: Nodes, pg_database: PgDatabase
) -> None:
    replica = pg_database.cluster.replicas[0]
    with psycopg.connect(pg_database.node_dsn(replica), autocommit=True) as conn:

        def last_commit_age() -> float:
            row = conn.execute(
                "SELECT extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8"
            ).fetchone()
            assert row is not None
            return float(row[0])

        # Nothing is written: the age of the last replayed commit grows past the bound ...
        wait_for(lambda: last_commit_age() > 1.0, "the last replayed commit older than 1 s")
        # ... and yet the replica has replayed all it received: it lags 0 and serves.
        wait_for(lambda: status(nodes)["replica-1"].lag_seconds == 0.0, "replica-1 at lag 0")
    assert status(nodes)["replica-1"].ready


def test_kill_9_of_the_primary_fails_writes_clearly_and_reads_go_on(
    nodes: Nodes, pg_database: PgDatabase
) -> None:
    cluster = pg_database.cluster
    write(nodes)  # a pooled connection to the primary that the crash breaks
    cluster.kill(cluster.primary)
    with pytest.raises(IndexUnavailable, match=r"the PostgreSQL primary cannot be reached: .*refused"):
        write(nodes)
    primary = status(nodes)["primary"]
    assert not primary.ready
    assert primary.detail.startswith("cannot be reached: ")
    assert sum(served_by(nodes, cluster).values()) == 6  # the replicas still serve
    cluster.start(cluster.primary)
    write(nodes, 2)  # the broken pooled connection is left behind
    with nodes.reader() as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    assert status(nodes)["primary"].ready


def test_every_node_down_is_one_clear_error(nodes: Nodes, pg_database: PgDatabase) -> None:
    cluster = pg_database.cluster
    for node in cluster.nodes:
        cluster.stop(node)
    with pytest.raises(
        IndexUnavailable, match=r"no PostgreSQL node can serve reads: replica-.* primary"
    ) as info:
        served_by(nodes, cluster, 1)
    assert isinstance(info.value, SearchError)
    assert [s.ready for s in nodes.readiness()] == [False, False, False]


def test_a_connection_lost_during_a_query_is_index_unavailable(nodes: Nodes, pg_database: PgDatabase) -> None:
    cluster = pg_database.cluster

    def read_while_the_backend_is_ended() -> None:
        with nodes.reader() as conn:
            row = conn.execute("SELECT inet_server_port(), pg_backend_pid()").fetchone()
            assert row is not None
            assert row[0] == cluster.replicas[0].port
            with psycopg.connect(pg_database.node_dsn(cluster.replicas[0]), autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (row[1],))
            conn.execute("SELECT count(*) FROM t")

    with pytest.raises(IndexUnavailable, match="replica-1"):
        read_while_the_backend_is_ended()
    assert sum(served_by(nodes, cluster).values()) == 6


def test_writer_commits_or_rolls_back_and_reader_cannot_write(nodes: Nodes, pg_database: PgDatabase) -> None:
    cluster = pg_database.cluster
    write(nodes, 1)

    def write_then_fail() -> None:
        with nodes.writer() as conn:
            conn.execute("INSERT INTO t VALUES (2)")
            raise RuntimeError("the caller fails: nothing is committed")

    with pytest.raises(RuntimeError):
        write_then_fail()
    for replica in cluster.replicas:
        cluster.stop(replica)  # reads on the primary now, sharing the writer's pool
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction), nodes.reader() as conn:
        conn.execute("INSERT INTO t VALUES (3)")
    write(nodes, 4)  # a connection the reader used is no longer read-only
    with nodes.reader() as conn:
        assert conn.execute("SELECT array_agg(x ORDER BY x) FROM t").fetchone() == ([1, 4],)


def test_nodes_of_the_wrong_role_are_not_used(pg_database: PgDatabase) -> None:
    swapped = Nodes(pg_database.read_dsns[0], [pg_database.dsn], check_interval=0.0)
    try:
        assert [(s.name, s.ready, s.detail) for s in swapped.readiness()] == [
            ("primary", False, "is a standby (in recovery), not a primary"),
            ("replica-1", False, "is not in recovery: promoted, or not a replica"),
        ]
        with pytest.raises(IndexUnavailable, match="standby"):
            swapped.reader().__enter__()
    finally:
        swapped.close()


def test_many_threads_read_at_once(nodes: Nodes, pg_database: PgDatabase) -> None:
    served: Counter[int] = Counter()
    errors: list[BaseException] = []
    lock = threading.Lock()

    def client() -> None:
        try:
            for _ in range(20):
                with nodes.reader() as conn:
                    row = conn.execute("SELECT inet_server_port()").fetchone()
                    assert row is not None
                    with lock:
                        served[row[0]] += 1
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=client) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(served.values()) == 320
    assert set(served) == {replica.port for replica in pg_database.cluster.replicas}


def test_from_settings(pg_database: PgDatabase) -> None:
    nodes = Nodes.from_settings(pg_database.settings(max_replica_lag=2.5, pool_size=3))
    try:
        assert nodes.max_replica_lag == 2.5
        assert nodes.pool_size == 3
        assert [s.name for s in nodes.readiness()] == ["primary", "replica-1", "replica-2"]
    finally:
        nodes.close()
    with pytest.raises(BackendUnavailable, match="needs a dsn"):
        Nodes.from_settings(IndexSettings())
