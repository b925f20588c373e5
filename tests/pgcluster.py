"""A real PostgreSQL primary with streaming replicas on 127.0.0.1, for the tests and the benchmarks.

:class:`PgCluster` runs ``initdb`` in a temporary directory, starts the primary on a free port and makes
each replica with ``pg_basebackup -R`` (its own replication slot), then starts it as a hot standby. It
can stop (fast shutdown), kill -9 and start any node again, pause and resume a replica's replay, and wait
until a replica has replayed everything the primary wrote. Closing it (or leaving its ``with`` block, also
on an exception or Ctrl-C, and at interpreter exit as a last resort) ends every server and removes the
directory; SIGTERM is turned into KeyboardInterrupt for that (only kill -9 of Python leaves servers
behind). The servers never use the system's own cluster (port 5432, /var/lib/postgresql).

For a benchmark too large for three copies of its data, ``directory`` keeps the servers in a directory
of the caller's (stopped cleanly and kept at the end, started again as they are by the next cluster
given it), and :meth:`PgCluster.add_replica` with ``clone`` makes a replica from a copy-on-write copy of
the stopped primary (``cp --reflink=always``, on XFS or btrfs) instead of a base backup: PostgreSQL
documents a file-system copy of a cleanly stopped server as a valid base backup, and the three nodes
then share every block none of them has written since.

As root, ``initdb`` refuses to run: the server binaries then run as the ``postgres`` user, which owns
the temporary directory. Unix sockets are off; every connection is TCP to 127.0.0.1 with ``trust``.
The fixtures (``pg_cluster``, ``pg_database``) are in :mod:`pgfixtures`.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Literal

import psycopg

__all__ = ["PgCluster", "PgClusterError", "PgNode", "find_bindir"]

MIN_VERSION = 15
_BASE_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "unix_socket_directories": "''",
    # Test data is thrown away: never wait for the disk. A kill -9 of a server is no OS crash, so the
    # page cache still holds every write and crash recovery stays sound. (synchronous_commit stays on:
    # a commit is then sent to the replicas at once, which wait_caught_up relies on.)
    "fsync": "off",
    "shared_buffers": "16MB",
    "max_connections": "200",
    "wal_level": "replica",
    "max_wal_senders": "10",
    "max_replication_slots": "10",
    "wal_keep_size": "128MB",
    "hot_standby": "on",
    # Queries on a replica are not cancelled by the primary's vacuum while they run.
    "hot_standby_feedback": "on",
    "wal_receiver_status_interval": "1s",
    # A replica reconnects quickly after its primary comes back.
    "wal_retrieve_retry_interval": "500ms",
    "log_line_prefix": "'%m [%p] '",
    "log_min_messages": "warning",
}


class PgClusterError(RuntimeError):
    """A server did not start, stop or catch up in time; the message ends with its log's tail."""


def find_bindir() -> Path | None:
    """The PostgreSQL (15 or newer) server binaries: ``$DEPTNEWS_PG_BINDIR``, the newest Debian
    ``/usr/lib/postgresql/N/bin``, or the directory of ``initdb`` on the PATH; None when there are none."""
    if env := os.environ.get("DEPTNEWS_PG_BINDIR"):
        return Path(env) if (Path(env) / "initdb").exists() else None
    debian = [p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "initdb").exists()]
    debian = [p for p in debian if p.parent.name.isdigit() and int(p.parent.name) >= MIN_VERSION]
    if debian:
        return max(debian, key=lambda p: int(p.parent.name))
    found = shutil.which("initdb")
    if found is None:
        return None
    out = subprocess.run([found, "--version"], capture_output=True, text=True, check=False).stdout
    match = re.search(r"(\d+)", out)
    return Path(found).parent if match and int(match.group(1)) >= MIN_VERSION else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PgNode:
    """One server of a :class:`PgCluster`: ``primary`` or ``replica-N``."""

    def __init__(self, name: str, role: Literal["primary", "replica"], datadir: Path) -> None:
        self.name = name
        self.role = role
        self.datadir = datadir
        self.log = datadir.parent / f"{name}.log"
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def dsn(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}?connect_timeout=5"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def __repr__(self) -> str:
        return f"PgNode({self.name}, port={self.port}, running={self.running})"


class PgCluster:
    """A primary and ``replicas`` streaming replicas in a temporary directory (see the module's doc).

    ``settings``: extra ``postgresql.conf`` lines (name → value as written in the file, quoted when a
    string), e.g. ``{"shared_buffers": "256MB"}`` for a benchmark. ``timeout``: seconds any one server
    may take to start, stop or catch up. ``directory``: keep the servers there (see the module's doc);
    nodes already in it are started as they are (``settings`` apply to a new primary only), and
    ``replicas`` more are added.
    """

    def __init__(
        self,
        replicas: int = 2,
        *,
        bindir: Path | None = None,
        settings: dict[str, str] | None = None,
        timeout: float = 60.0,
        directory: Path | None = None,
    ) -> None:
        found = bindir or find_bindir()
        if found is None:
            raise PgClusterError(f"no PostgreSQL {MIN_VERSION}+ server binaries (initdb) found")
        self.bindir = found
        self.timeout = timeout
        self.settings = {**_BASE_SETTINGS, **(settings or {})}
        self._user: str | None = None
        if os.geteuid() == 0:
            # initdb and postgres refuse to run as root.
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                raise PgClusterError("running as root needs a 'postgres' user to run the server") from None
            self._user = "postgres"
        self.kept = directory is not None
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
            self.root = directory.resolve()
        else:
            self.root = Path(tempfile.mkdtemp(prefix="deptnews-pg-"))
        if self._user:
            shutil.chown(self.root, self._user, self._user)
        self.primary = PgNode("primary", "primary", self.root / "primary")
        self.replicas: list[PgNode] = []
        self._closed = False
        atexit.register(self.close)
        _stop_on_sigterm()
        try:
            if not (self.primary.datadir / "PG_VERSION").exists():
                self._init_primary()
            self.start(self.primary)
            while (self.root / f"replica-{len(self.replicas) + 1}" / "PG_VERSION").exists():
                replica = self._replica_node()
                self._point_at_primary(replica)
                self.start(replica)
            for _ in range(replicas):
                self.add_replica()
            for replica in self.replicas:
                self.wait_caught_up(replica)
        except BaseException:
            self.close()
            raise

    # -- life cycle ------------------------------------------------------------------------------------

    @property
    def nodes(self) -> list[PgNode]:
        return [self.primary, *self.replicas]

    def node(self, name: str) -> PgNode:
        return next(n for n in self.nodes if n.name == name)

    def _run(self, *args: str) -> None:
        done = subprocess.run(
            [str(self.bindir / args[0]), *args[1:]],
            cwd=self.root,
            user=self._user,
            capture_output=True,
            text=True,
            timeout=self.timeout,
            check=False,
        )
        if done.returncode != 0:
            raise PgClusterError(f"{' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")

    def _init_primary(self) -> None:
        node = self.primary
        self._run("initdb", "-D", str(node.datadir), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--locale=C", "--no-sync", "--no-instructions")  # fmt: skip
        lines = [f"{name} = {value}" for name, value in self.settings.items()]
        with (node.datadir / "postgresql.conf").open("a") as conf:
            conf.write("\n# deptnews test cluster\n" + "\n".join(lines) + "\n")

    def _base_backup(self, replica: PgNode) -> None:
        slot = replica.name.replace("-", "_")
        self._run("pg_basebackup", "-d", self.primary.dsn(), "-D", str(replica.datadir), "-R", "-X", "stream",
                  "-c", "fast", "-C", "-S", slot, "--no-sync")  # fmt: skip

    def _replica_node(self) -> PgNode:
        n = len(self.replicas) + 1
        replica = PgNode(f"replica-{n}", "replica", self.root / f"replica-{n}")
        self.replicas.append(replica)
        return replica

    def add_replica(self, *, clone: bool = False) -> PgNode:
        """One more streaming replica, started and caught up. ``clone``: a copy-on-write copy of the
        primary's directory, taken while the primary is stopped (it is started again at once), instead
        of a base backup; fails unless the filesystem shares blocks (``cp --reflink=always``)."""
        replica = self._replica_node()
        try:
            self._clone(replica) if clone else self._base_backup(replica)
        except BaseException:
            self.replicas.remove(replica)
            raise
        self.start(replica)
        self.wait_caught_up(replica)
        return replica

    def _clone(self, replica: PgNode) -> None:
        slot = replica.name.replace("-", "_")
        # Reserved now, so the primary keeps the WAL from the checkpoint the copy starts at.
        self._query(self.primary, "SELECT pg_create_physical_replication_slot(%s, true)", (slot,))
        self.stop(self.primary)
        try:
            done = subprocess.run(
                ["cp", "-a", "--reflink=always", str(self.primary.datadir), str(replica.datadir)],
                capture_output=True,
                text=True,
                timeout=self.timeout,
                check=False,
            )
            if done.returncode != 0:
                shutil.rmtree(replica.datadir, ignore_errors=True)
                raise PgClusterError(f"cannot clone the primary for {replica.name}: {done.stderr.strip()}")
        finally:
            self.start(self.primary)
        # The primary's slots are its own, not the standby's.
        for kept in (replica.datadir / "pg_replslot").iterdir():
            shutil.rmtree(kept)
        (replica.datadir / "standby.signal").touch()
        if self._user:
            shutil.chown(replica.datadir / "standby.signal", self._user, self._user)
        self._point_at_primary(replica)

    def _point_at_primary(self, replica: PgNode) -> None:
        """Make ``replica`` stream from the primary's current port (it changes each time a kept cluster
        starts) through its own slot."""
        auto = replica.datadir / "postgresql.auto.conf"
        lines = [
            line
            for line in auto.read_text().splitlines()
            if not line.startswith(("primary_conninfo", "primary_slot_name"))
        ]
        slot = replica.name.replace("-", "_")
        lines += [
            f"primary_conninfo = 'host=127.0.0.1 port={self.primary.port} user=postgres'",
            f"primary_slot_name = '{slot}'",
        ]
        auto.write_text("\n".join(lines) + "\n")

    def start(self, node: PgNode) -> None:
        """Start ``node`` (again) on its port and wait until it accepts connections."""
        if node.running:
            return
        for attempt in range(3):
            with node.log.open("ab") as log:
                node.process = subprocess.Popen(
                    [str(self.bindir / "postgres"), "-D", str(node.datadir), "-c", f"port={node.port}"],
                    cwd=self.root,
                    user=self._user,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # Ctrl-C in the terminal reaches pytest, which then stops us
                )
            if self._wait_accepting(node):
                return
            # Another process may take the port between our probe and the bind: a node no other node
            # points at yet moves to another one.
            movable = node.role == "replica" or not any(r.datadir.exists() for r in self.replicas)
            if "could not bind" in node.log_tail(5) and movable and attempt < 2:
                node.port = free_port()
                continue
            break
        raise PgClusterError(f"{node.name} did not start within {self.timeout:.0f} s:\n{node.log_tail()}")

    def _wait_accepting(self, node: PgNode) -> bool:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if not node.running:
                return False
            try:
                with psycopg.connect(node.dsn(), connect_timeout=2, autocommit=True):
                    return True
            except psycopg.OperationalError:
                time.sleep(0.05)
        self._end(node, signal.SIGKILL)
        return False

    def stop(self, node: PgNode) -> None:
        """A fast shutdown of ``node`` (SIGINT: sessions are ended, a clean checkpoint is written)."""
        if not node.running:
            return
        self._end(node, signal.SIGINT)

    def kill(self, node: PgNode) -> None:
        """kill -9 of ``node``'s postmaster, as a crash would; its backends notice and exit on their own
        (waited for, so that :meth:`start` finds the shared memory free)."""
        if node.process is None or not node.running:
            return
        children = _children(node.process.pid)
        node.process.kill()
        node.process.wait()
        deadline = time.monotonic() + self.timeout
        while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.05)
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def _end(self, node: PgNode, sig: signal.Signals) -> None:
        assert node.process is not None
        with contextlib.suppress(ProcessLookupError):
            node.process.send_signal(sig)
        try:
            node.process.wait(self.timeout)
        except subprocess.TimeoutExpired:
            self.kill(node)
            tail = node.log_tail()
            raise PgClusterError(f"{node.name} did not stop within {self.timeout:.0f} s:\n{tail}") from None

    def close(self) -> None:
        """End every server at once (immediate shutdown, then SIGKILL) and remove the directory; a kept
        directory's servers are stopped cleanly (a fast shutdown, so the next start needs no recovery)
        and the directory stays."""
        if self._closed:
            return
        self._closed = True
        for node in [*self.replicas, self.primary]:
            if node.running:
                with contextlib.suppress(PgClusterError):
                    self._end(node, signal.SIGINT if self.kept else signal.SIGQUIT)
        if not self.kept:
            shutil.rmtree(self.root, ignore_errors=True)
        atexit.unregister(self.close)

    def __enter__(self) -> PgCluster:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- replication -------------------------------------------------------------------------------------

    def _query(self, node: PgNode, sql: str, params: tuple[object, ...] = ()) -> object:
        with psycopg.connect(node.dsn(), connect_timeout=5, autocommit=True) as conn:
            cursor = conn.execute(sql.encode(), params)
            row = cursor.fetchone() if cursor.description else None
            return row[0] if row else None

    def wait_caught_up(self, replica: PgNode) -> None:
        """Wait until ``replica`` has replayed everything the primary has written so far."""
        target = self._query(self.primary, "SELECT pg_current_wal_lsn()::text")
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self._query(replica, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,)):
                return
            if self._query(replica, "SELECT pg_is_wal_replay_paused()"):
                raise PgClusterError(f"{replica.name}'s replay is paused: it cannot catch up")
            time.sleep(0.02)
        raise PgClusterError(f"{replica.name} did not catch up with {target} in time:\n{replica.log_tail()}")

    def pause_replay(self, replica: PgNode) -> None:
        self._query(replica, "SELECT pg_wal_replay_pause()")

    def resume_replay(self, replica: PgNode) -> None:
        self._query(replica, "SELECT pg_wal_replay_resume()")

    def heal(self) -> None:
        """Undo what a test did to the servers: start any stopped node, resume paused replays, and wait
        until every replica has caught up."""
        for node in self.nodes:
            self.start(node)
        for replica in self.replicas:
            self.resume_replay(replica)
        for replica in self.replicas:
            self.wait_caught_up(replica)

    # -- databases ----------------------------------------------------------------------------------------

    def create_database(self, name: str) -> None:
        """A new database on the primary, there on every replica when this returns."""
        self._query(self.primary, f'CREATE DATABASE "{name}"')
        for replica in self.replicas:
            if replica.running:
                self.wait_caught_up(replica)

    def drop_database(self, name: str) -> None:
        self._query(self.primary, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _stop_on_sigterm() -> None:
    """Make SIGTERM (``timeout``, ``kill``) interrupt the program as Ctrl-C does, so that ``with`` blocks,
    pytest's teardown and ``atexit`` stop the servers; by default it ends Python before any of them."""
    if (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    ):

        def interrupt(signum: int, frame: object) -> None:
            raise KeyboardInterrupt(f"signal {signum}")

        signal.signal(signal.SIGTERM, interrupt)


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (read from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            # The command name may hold spaces and parentheses: the fields after the last ")" are fixed.
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    """``pid`` runs (a zombie left for a PID 1 that never reaps does not count)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")
