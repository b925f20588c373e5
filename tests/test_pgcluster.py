"""The PostgreSQL test harness itself: streaming works, nodes stop, die and come back, closing it leaves
no server and no directory behind, a kept directory starts again, and a replica can be a copy-on-write
copy of the primary."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

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


def _fresh_directory() -> Path:
    # Not pytest's tmp_path: its parents are private to root, and the servers run as postgres.
    return Path(tempfile.mkdtemp(prefix="deptnews-pg-kept-"))


def test_a_kept_directory_outlives_its_cluster_and_starts_again(pg_cluster: PgCluster) -> None:
    directory = _fresh_directory()
    try:
        with PgCluster(replicas=1, bindir=pg_cluster.bindir, directory=directory) as first:
            with psycopg.connect(first.primary.dsn(), autocommit=True) as conn:
                conn.execute("CREATE TABLE kept (x int)")
                conn.execute("INSERT INTO kept SELECT generate_series(1, 5)")
            processes = [node.process for node in first.nodes]
        assert all(p is not None and p.poll() is not None for p in processes)
        assert (directory / "primary" / "PG_VERSION").exists()
        # Started again as they are, each on a port of its own again: the replica follows the primary's.
        with PgCluster(replicas=0, bindir=pg_cluster.bindir, directory=directory) as again:
            assert [node.name for node in again.nodes] == ["primary", "replica-1"]
            replica = again.replicas[0]
            assert _one(replica.dsn(), "SELECT count(*) FROM kept") == 5
            with psycopg.connect(again.primary.dsn(), autocommit=True) as conn:
                conn.execute("INSERT INTO kept SELECT generate_series(6, 8)")
            again.wait_caught_up(replica)
            assert _one(replica.dsn(), "SELECT count(*) FROM kept") == 8
            assert _one(replica.dsn(), "SELECT status FROM pg_stat_wal_receiver") == "streaming"
        assert directory.exists()
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def test_a_clone_needs_a_file_system_that_shares_blocks(pg_cluster: PgCluster) -> None:
    directory = _fresh_directory()
    try:
        if _reflinks(directory):
            pytest.skip("this temporary directory shares blocks: the clone test below covers it")
        with PgCluster(replicas=0, bindir=pg_cluster.bindir, directory=directory) as cluster:
            with pytest.raises(PgClusterError, match="cannot clone the primary for replica-1"):
                cluster.add_replica(clone=True)
            assert cluster.replicas == []
            assert not (directory / "replica-1").exists()
            assert _one(cluster.primary.dsn(), "SELECT pg_is_in_recovery()") is False
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def test_a_replica_cloned_from_the_primary_shares_its_blocks_and_streams(
    pg_cluster: PgCluster, btrfs: Path
) -> None:
    with PgCluster(replicas=0, bindir=pg_cluster.bindir, directory=btrfs / "cluster") as cluster:
        with psycopg.connect(cluster.primary.dsn(), autocommit=True) as conn:
            conn.execute(
                "CREATE TABLE big AS SELECT g, repeat(md5(g::text), 20) AS t FROM generate_series(1, 50000) g"
            )
        before = _used_bytes(btrfs)
        replica = cluster.add_replica(clone=True)
        # Two more servers, yet far less than another copy of the ~40 MB table on disk.
        assert _used_bytes(btrfs) - before < 16 * 2**20
        assert _one(replica.dsn(), "SELECT pg_is_in_recovery()") is True
        assert _one(replica.dsn(), "SELECT count(*) FROM big") == 50000
        with psycopg.connect(cluster.primary.dsn(), autocommit=True) as conn:
            conn.execute("DELETE FROM big WHERE g > 40000")
            slots = conn.execute("SELECT slot_name, active FROM pg_replication_slots").fetchall()
        assert slots == [("replica_1", True)]
        cluster.wait_caught_up(replica)
        assert _one(replica.dsn(), "SELECT count(*) FROM big") == 40000
        # The copy took none of the primary's slots.
        assert _one(replica.dsn(), "SELECT count(*) FROM pg_replication_slots") == 0


def _reflinks(directory: Path) -> bool:
    source, copy = directory / "probe", directory / "probe-copy"
    source.write_bytes(b"x" * 4096)
    done = subprocess.run(
        ["cp", "--reflink=always", str(source), str(copy)], capture_output=True, check=False
    )
    source.unlink()
    copy.unlink(missing_ok=True)
    return done.returncode == 0


def _used_bytes(mount: Path) -> int:
    os.sync()
    stat = os.statvfs(mount)
    return (stat.f_blocks - stat.f_bfree) * stat.f_frsize


@pytest.fixture
def btrfs() -> Iterator[Path]:
    """A small btrfs file system in a file, mounted on a loop device (root and mkfs.btrfs needed: CI
    installs btrfs-progs and runs as root)."""
    if os.geteuid() != 0 or shutil.which("mkfs.btrfs") is None:
        pytest.skip("a btrfs file system in a file needs root and mkfs.btrfs (btrfs-progs)")
    work = Path(tempfile.mkdtemp(prefix="deptnews-btrfs-"))
    image, mount = work / "fs.img", work / "mnt"
    mount.mkdir()
    subprocess.run(["truncate", "-s", "512M", str(image)], check=True)
    subprocess.run(["mkfs.btrfs", "-q", str(image)], check=True, capture_output=True)
    mounted = subprocess.run(["mount", "-o", "loop", str(image), str(mount)], capture_output=True, text=True)
    if mounted.returncode != 0:
        shutil.rmtree(work)
        pytest.fail(f"cannot mount a btrfs file system in a file: {mounted.stderr.strip()}")
    try:
        os.chmod(work, 0o755)
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)
        shutil.rmtree(work, ignore_errors=True)
