"""Connections to the PostgreSQL nodes: the primary for writes, a replica chosen per read.

:class:`Nodes` keeps one connection pool per node. :meth:`Nodes.writer` lends a connection to the
primary; :meth:`Nodes.reader` one to a replica that is up and at most ``max_replica_lag`` seconds behind
the primary, taken in turn (round robin), or to the primary when no replica qualifies. What a node is
(reachable, primary or standby, how far behind) is checked with a connection of its own at most once
per ``check_interval`` seconds and otherwise taken from the last check; a connection that fails when it
is lent marks its node down until the next check, and the read moves on to the next node, so one replica
dying fails no request that had not started on it.

A replica's lag is ``now() - pg_last_xact_replay_timestamp()``, except that a replica that has replayed
all it received (``pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn()``) lags 0: an idle primary
commits nothing, so the timestamp of its last commit ages although the replica is up to date. (``<=``:
a restarted replica streams from the start of its last WAL segment and reports that as received until
the primary writes again, behind what it replayed from its own disk.) A replica that has neither
streamed nor replayed a commit since it started is not used: how far behind it is cannot be told.

psycopg's connection errors become :class:`~index.errors.IndexUnavailable` here, at the package edge.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

import psycopg
from psycopg.rows import TupleRow
from psycopg_pool import ConnectionPool, PoolTimeout

from index.backend import NodeStatus
from index.errors import BackendUnavailable, IndexUnavailable
from index.settings import IndexSettings

__all__ = ["Connection", "Nodes"]

Connection = psycopg.Connection[TupleRow]

# One round trip tells the role, whether replay is paused and the lag (NULL: unknown).
_STATE_SQL = b"""
SELECT pg_is_in_recovery(),
       CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() ELSE false END,
       CASE WHEN NOT pg_is_in_recovery() THEN 0.0
            WHEN pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() THEN 0.0
            ELSE greatest(0.0, extract(epoch FROM now() - pg_last_xact_replay_timestamp()))::float8
       END
"""
# Errors that say the node, not the query, failed: the request may succeed elsewhere or later (psycopg
# counts a query cancelled by a recovery conflict or a timeout among the operational errors too).
_UNAVAILABLE = (psycopg.OperationalError, psycopg.InterfaceError)


def _plain(exc: BaseException) -> str:
    """psycopg's message on one line, without libpq's hints."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip() and not line.startswith("\t")]
    return lines[0] if lines else type(exc).__name__


@dataclass(frozen=True)
class _State:
    up: bool
    """Reachable and of the role its settings say."""
    lag: float | None
    detail: str
    at: float
    """``time.monotonic()`` of the check."""


class _Node:
    """One server: its pool and its last checked state."""

    def __init__(self, name: str, role: Literal["primary", "replica"], dsn: str, nodes: Nodes) -> None:
        self.name = name
        self.role = role
        self.dsn = dsn
        self._nodes = nodes
        self._lock = threading.Lock()
        self._state: _State | None = None
        self.pool = self._new_pool()

    def _new_pool(self) -> ConnectionPool[Connection]:
        # min_size 0: nothing is opened before the first request, and no worker keeps dialling a node
        # that is down; a reconnection that fails for reconnect_timeout is given up.
        return ConnectionPool(
            self.dsn,
            kwargs={"connect_timeout": self._nodes.connect_timeout, "application_name": "deptnews"},
            min_size=0,
            max_size=self._nodes.pool_size,
            open=True,
            name=f"deptnews-{self.name}",
            reconnect_timeout=10.0,
        )

    def state(self, *, force: bool = False) -> _State:
        """The node's state, checked now when ``force`` or when the last check is older than the
        interval (while another thread checks, the last state is used)."""
        last = self._state
        if last is not None and not force and time.monotonic() - last.at < self._nodes.check_interval:
            return last
        if not self._lock.acquire(blocking=last is None or force):
            assert last is not None
            return last
        try:
            new = self._probe()
            if new.up and last is not None and not last.up:
                # Back after being down: connections from before may be broken, and the pool's own
                # reconnection may be waiting out a long backoff. Start afresh.
                old, self.pool = self.pool, self._new_pool()
                threading.Thread(target=old.close, kwargs={"timeout": 5.0}, daemon=True).start()
            self._state = new
            return new
        finally:
            self._lock.release()

    def _probe(self) -> _State:
        now = time.monotonic()
        try:
            with psycopg.connect(
                self.dsn,
                connect_timeout=self._nodes.connect_timeout,
                autocommit=True,
                application_name="deptnews-check",
            ) as conn:
                row = conn.execute(_STATE_SQL).fetchone()
        except psycopg.Error as exc:
            return _State(False, None, f"cannot be reached: {_plain(exc)}", now)
        assert row is not None
        in_recovery, paused, lag = bool(row[0]), bool(row[1]), row[2]
        if self.role == "primary" and in_recovery:
            return _State(False, None, "is a standby (in recovery), not a primary", now)
        if self.role == "replica" and not in_recovery:
            return _State(False, None, "is not in recovery: promoted, or not a replica", now)
        if self.role == "replica" and lag is None:
            return _State(False, None, "has not replayed anything from the primary since it started", now)
        if self.role == "primary":
            return _State(True, None, "", now)
        return _State(True, float(lag), "(replay paused)" if paused else "", now)

    def fail(self, detail: str) -> None:
        """Mark the node down until the next check (a connection to it just failed)."""
        self._state = _State(False, None, detail, time.monotonic())

    def why_not(self, state: _State) -> str:
        """Why reads skip this node in ``state`` ("" when they may use it)."""
        if not state.up:
            return state.detail
        limit = self._nodes.max_replica_lag
        if self.role == "replica" and state.lag is not None and state.lag > limit:
            paused = f" {state.detail}" if state.detail else ""
            return f"replays {state.lag:.1f} s behind the primary{paused}, more than the {limit:g} s allowed"
        return ""


@dataclass(frozen=True)
class _Lease:
    node: _Node
    pool: ConnectionPool[Connection]
    conn: Connection


class Nodes:
    """The primary and the replicas of one PostgreSQL index (thread-safe; see the module's doc).

    ``primary``, ``replicas``: libpq connection strings or URLs. ``pool_size``: connections kept per
    node. ``acquire_timeout``: seconds a request waits for a free connection of a node before it tries
    the next one. ``connect_timeout``: libpq's, in whole seconds (at least 2).
    """

    def __init__(
        self,
        primary: str,
        replicas: Sequence[str] = (),
        *,
        max_replica_lag: float = 5.0,
        pool_size: int = 8,
        check_interval: float = 1.0,
        connect_timeout: int = 2,
        acquire_timeout: float = 5.0,
    ) -> None:
        self.max_replica_lag = max_replica_lag
        self.pool_size = pool_size
        self.check_interval = check_interval
        self.connect_timeout = max(2, connect_timeout)
        self.acquire_timeout = acquire_timeout
        self._turn = itertools.count()
        self._primary = _Node("primary", "primary", primary, self)
        self._replicas = [_Node(f"replica-{i}", "replica", dsn, self) for i, dsn in enumerate(replicas, 1)]

    @classmethod
    def from_settings(cls, settings: IndexSettings) -> Nodes:
        """The nodes ``settings`` name (``dsn``, ``read_dsns``, ``max_replica_lag``, ``pool_size``)."""
        if not settings.dsn:
            raise BackendUnavailable(
                "the postgresql backend needs a dsn (DEPTNEWS_INDEX__DSN=postgresql://…)"
            )
        return cls(
            settings.dsn,
            settings.read_dsns,
            max_replica_lag=settings.max_replica_lag,
            pool_size=settings.pool_size,
        )

    @contextlib.contextmanager
    def writer(self) -> Iterator[Connection]:
        """A connection to the primary. As with psycopg's ``with connection``: the transaction is
        committed when the block ends normally and rolled back when it raises. Raises
        :class:`IndexUnavailable` when the primary cannot be reached or fails during the block."""
        lease = self._lease(self._primary)
        if isinstance(lease, str):
            raise IndexUnavailable(
                f"the PostgreSQL primary {lease}", public="the PostgreSQL primary cannot take writes now"
            )
        with self._use(lease) as conn:
            yield conn

    @contextlib.contextmanager
    def reader(self) -> Iterator[Connection]:
        """A read-only connection to a replica (in turn) or, when none can serve, to the primary;
        committed or rolled back as :meth:`writer`'s. Raises :class:`IndexUnavailable` when no node can
        serve, or when the node fails during the block."""
        replicas = self._replicas
        start = next(self._turn) % len(replicas) if replicas else 0
        skipped: list[str] = []
        for node in [*replicas[start:], *replicas[:start], self._primary]:
            lease = node.why_not(node.state()) or self._lease(node)
            if not isinstance(lease, str):
                break
            skipped.append(f"{node.name} {lease}")
        else:
            raise IndexUnavailable(
                "no PostgreSQL node can serve reads: " + "; ".join(skipped),
                public="no PostgreSQL node can serve reads now (tried "
                + ", ".join(n.name for n in [*replicas, self._primary])
                + ")",
            )
        lease.conn.read_only = True
        with self._use(lease) as conn:
            yield conn

    def _lease(self, node: _Node) -> _Lease | str:
        """A working connection of ``node``, or why there is none (a node that fails is marked down).
        A connection that fails its check sends the node to an immediate re-check: a server that
        restarted since is used again at once, through a fresh pool."""
        why = "cannot be reached"
        for _ in range(2):
            pool = node.pool
            try:
                conn = pool.getconn(timeout=self.acquire_timeout)
            except PoolTimeout:
                # Down, or up with every connection busy: either way the next node serves.
                state = node.state(force=True)
                return (
                    state.detail if not state.up else f"has no free connection in {self.acquire_timeout:g} s"
                )
            try:
                ConnectionPool.check_connection(conn)
            except psycopg.Error as exc:
                pool.putconn(conn)
                why = f"cannot be reached: {_plain(exc)}"
                node.fail(why)
                state = node.state(force=True)
                if not state.up:
                    return state.detail
                continue
            return _Lease(node, pool, conn)
        return why

    @contextlib.contextmanager
    def _use(self, lease: _Lease) -> Iterator[Connection]:
        conn = lease.conn
        try:
            with conn:
                yield conn
        except _UNAVAILABLE as exc:
            if conn.closed or conn.broken:
                lease.node.fail(f"failed during a query: {_plain(exc)}")
            raise IndexUnavailable(
                f"PostgreSQL {lease.node.name}: {_plain(exc)}",
                public=f"PostgreSQL {lease.node.name} failed during the request",
            ) from exc
        finally:
            # Back to the pool as it was lent: the next borrower may be the writer.
            with contextlib.suppress(psycopg.Error):
                conn.read_only = None
            with contextlib.suppress(psycopg.Error):
                conn.autocommit = False
            lease.pool.putconn(conn)

    def readiness(self) -> list[NodeStatus]:
        """Each node, checked now: ``primary``, ``replica-1``, …; a replica is ready when reads may use
        it (up and within the lag bound). Never raises."""
        statuses = []
        for node in [self._primary, *self._replicas]:
            state = node.state(force=True)
            why = node.why_not(state)
            statuses.append(NodeStatus(node.name, node.role, not why, state.lag, why))
        return statuses

    def close(self) -> None:
        """Close every pool (connections lent out are closed when they come back)."""
        for node in [self._primary, *self._replicas]:
            node.pool.close(timeout=5.0)
