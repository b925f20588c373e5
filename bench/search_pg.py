"""The PostgreSQL side of bench/search.py (``--backend postgresql``): both backends under many clients.

The PostgreSQL index is written through the backend's own indexer (``upsert`` of records made from the
benchmark corpus, 200 per transaction, as ``deptnews index`` writes), then ``VACUUM ANALYZE``d as an
operator does after a bulk load. Without ``--dsn`` the servers are a primary and two streaming replicas
started on this machine by the test harness (tests/pgcluster.py: fsync off, so writes are optimistic).
The query mix is then run by ``--clients`` concurrent clients (threads spread over ``--client-procs``
processes, each process with its own backend, as ``deptnews serve --workers`` has), against Whoosh and
against PostgreSQL in turn; reads go to the replicas (index/postgresql/nodes.py), and the transactions
each node served are counted from ``pg_stat_database``. Sizes of the tables and indexes are printed.

``--pg-dir`` keeps the started servers in a directory: a later run given it (with ``--reuse``) starts
them again and searches the loaded database, or goes on with a load that was interrupted. With
``--pg-clone`` the primary is loaded alone and the replicas are then copy-on-write copies of it
(tests/pgcluster.py, ``PgCluster.add_replica``), for a corpus too large for three copies on one disk.
``--pg-stages`` then times each search's stages one query at a time (bench/pg_write.py).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import multiprocessing
import random
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from search_corpus import read_corpus
from search_queries import KINDS, BenchQuery, make_queries

from archive.model import CaptureRef, Content, Record, Version, record_id
from index.backend import SearchBackend
from index.backends import open_indexer, open_search
from index.postgresql.ddl import migrate, text_indexes
from index.postgresql.nodes import Nodes
from index.settings import IndexSettings

__all__ = ["add_arguments", "run"]

_SEEN = datetime(2024, 1, 1, tzinfo=UTC)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("PostgreSQL (--backend postgresql)")
    group.add_argument("--dsn", help="the primary (default: start a primary and 2 replicas here)")
    group.add_argument("--read-dsns", default="", help="the replicas, comma-separated (with --dsn)")
    group.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    group.add_argument("--client-procs", type=int, default=2, help="processes the clients run in (default 2)")
    group.add_argument("--pg-shared-buffers", default="256MB", help="shared_buffers of each started node")
    group.add_argument(
        "--pg-stages",
        type=int,
        default=0,
        metavar="ROUNDS",
        help="after the clients, time the tokens mix one query at a time on the primary, stage by stage "
        "(bench/pg_write.py's table, ROUNDS rounds)",
    )
    group.add_argument(
        "--pg-dir",
        type=Path,
        help="keep the started servers here (a later run given it reuses the loaded database)",
    )
    group.add_argument(
        "--pg-clone",
        action="store_true",
        help="make the replicas after the load as copy-on-write copies of the primary (cp --reflink: "
        "XFS or btrfs; three nodes then take about one node's disk) instead of base backups before it",
    )


def record_of(doc: dict[str, Any]) -> Record:
    """A record with a benchmark document's content and metadata."""
    url = f"https://example.gov.vn/{doc['id']}"
    content = Content(
        title=doc["title"],
        lead=doc.get("lead"),
        body=doc["body"],
        published=_date(doc["published"]),
        author=doc.get("author"),
        category=doc.get("category"),
        doc_numbers=doc.get("doc_numbers", []),
    )
    capture = CaptureRef(
        url=url,
        captured_at=_SEEN,
        status=200,
        warc_file="bench.warc.gz",
        offset=0,
        length=1,
        warc_record_id=f"<urn:uuid:{doc['id']}>",
    )
    version = Version(
        n=1,
        content_hash=content.compute_hash(),
        content=content,
        capture=capture,
        parser_version="bench",
        first_seen=_SEEN,
        last_seen=_SEEN,
    )
    return Record(
        **content.model_dump(),
        id=record_id(url),
        url=url,
        source=doc["source"],
        department=doc["department"],
        jurisdiction=doc["jurisdiction"],
        content_hash=version.content_hash,
        capture=capture,
        parser_version="bench",
        first_seen=_SEEN,
        last_seen=_SEEN,
        versions=[version],
    )


def _date(value: datetime | str) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


@contextlib.contextmanager
def servers(args: argparse.Namespace) -> Iterator[tuple[str, Callable[[], list[str]]]]:
    """``(primary dsn, settle)``: ``settle()`` waits until the replicas have caught up after the load
    and returns their dsns. The servers given, or a primary and two replicas started here (stopped and
    removed at the end, or kept in ``--pg-dir``); with ``--pg-clone`` the replicas are made by
    ``settle()``, from the loaded primary."""
    if args.dsn:
        replicas = [d.strip() for d in args.read_dsns.split(",") if d.strip()]

        def ready() -> list[str]:
            _wait_ready(args.dsn, replicas)
            return replicas

        yield args.dsn, ready
        return
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from pgcluster import PgCluster  # type: ignore[import-not-found, unused-ignore]

    settings = {
        "shared_buffers": args.pg_shared_buffers,
        "max_wal_size": "4GB",
        "checkpoint_timeout": "30min",
    }
    kept = args.pg_dir is not None and (args.pg_dir / "primary" / "PG_VERSION").exists()
    started_with = 0 if args.pg_clone or kept else 2
    with PgCluster(replicas=started_with, settings=settings, timeout=3600, directory=args.pg_dir) as cluster:
        if not kept:
            cluster.create_database("bench")

        def settle() -> list[str]:
            while len(cluster.replicas) < 2:
                started = time.perf_counter()
                replica = cluster.add_replica(clone=args.pg_clone)
                how = "a copy-on-write copy of the primary" if args.pg_clone else "a base backup"
                print(f"{replica.name}: {how}, {time.perf_counter() - started:.0f} s", flush=True)
            for replica in cluster.replicas:
                cluster.wait_caught_up(replica)
            return [r.dsn("bench") for r in cluster.replicas]

        print(f"servers: {cluster.root} (primary and {len(cluster.replicas)} replicas running)", flush=True)
        yield cluster.primary.dsn("bench"), settle


def _wait_ready(primary: str, replicas: list[str], timeout: float = 600.0) -> None:
    nodes = Nodes(primary, replicas, check_interval=0.0)
    deadline = time.monotonic() + timeout
    try:
        while not all(s.ready for s in nodes.readiness()) and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        nodes.close()


def _loaded(dsn: str) -> int:
    """The records a kept database already holds (0 when it has none yet)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        if not conn.execute("SELECT to_regclass('deptnews_records') IS NOT NULL").fetchone()[0]:  # type: ignore[index]
            return 0
        row = conn.execute("SELECT count(*) FROM deptnews_records").fetchone()
        return int(row[0]) if row else 0


def _finish_load(dsn: str) -> None:
    """What a load interrupted after its last record may have left undone: the full-text indexes (made
    at a bulk load's end) and the VACUUM ANALYZE (quick when done already); and the schema brought to
    this code's version, as the next sync would (a kept database may be older than the code)."""
    started = time.perf_counter()
    with psycopg.connect(dsn) as conn:
        migrate(conn)
        text_indexes(conn, present=True)
    built = time.perf_counter() - started
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    vacuum = time.perf_counter() - started - built
    print(f"postgresql index: text indexes {built:.0f} s, VACUUM ANALYZE {vacuum:.0f} s", flush=True)


def _holds(dsn: str, corpus: Path, n: int) -> bool:
    """Whether a kept database holds the corpus's first ``n`` documents and not the next one (a bulk
    load commits whole blocks in the corpus's order, so an interrupted one leaves such a prefix)."""
    ids: list[str] = []
    for i, doc in enumerate(read_corpus(corpus)):
        if i >= n - 1:
            ids.append(record_of(doc).id)
        if i >= n:
            break
    with psycopg.connect(dsn, autocommit=True) as conn:
        query = "SELECT count(*) FROM deptnews_records WHERE id = %s"
        found = [conn.execute(query, (rid,)).fetchone() for rid in ids]
    return [row[0] if row else None for row in found] == [1, 0][: len(ids)]


def build(settings: IndexSettings, corpus: Path, skip: int = 0) -> float:
    """Index the corpus into PostgreSQL, after its first ``skip`` documents (written by an interrupted
    load); returns docs/s (the VACUUM ANALYZE after is timed apart)."""
    indexer = open_indexer(settings, Path("."))
    started = time.perf_counter()
    n = indexer.upsert(record_of(doc) for doc in itertools.islice(read_corpus(corpus), skip, None))
    took = time.perf_counter() - started
    indexer.close()
    assert settings.dsn is not None
    vacuum_started = time.perf_counter()
    with psycopg.connect(settings.dsn, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    vacuum = time.perf_counter() - vacuum_started
    print(
        f"postgresql index: {n / took:,.0f} docs/s ({took:.0f} s, {n:,} documents), "
        f"then VACUUM ANALYZE {vacuum:.0f} s",
        flush=True,
    )
    return n / took


def sizes(dsn: str) -> None:
    """Print each table's size (with TOAST) and each index's, largest first."""
    sql = b"""
        SELECT c.relname, c.relkind, CASE WHEN c.relkind = 'r' THEN pg_table_size(c.oid)
                                          ELSE pg_relation_size(c.oid) END, c.reltuples::bigint
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i') ORDER BY 3 DESC"""
    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute(sql).fetchall()
        total = conn.execute("SELECT pg_database_size(current_database())").fetchone()
    print(f"\npostgresql sizes (database {(total[0] if total else 0) / 2**20:,.0f} MB):")
    for name, kind, size, tuples in rows:
        label = "table" if kind == "r" else "index"
        print(f"  {label} {name:40} {size / 2**20:10,.1f} MB  {max(tuples, 0):>12,} rows")


def _client_process(
    opener: Callable[[], SearchBackend],
    queries: list[BenchQuery],
    threads: int,
    first: int,
    seed: int,
    barrier: Any,
    conn: Any,
) -> None:
    """One process of clients: warm up, then ``threads`` clients each run every query once, in an order
    of their own; sends back ``(kind, ms)`` per query, the wall time and the errors."""
    backend = opener()
    for query in queries:
        backend.search(query.request())
    results: list[tuple[str, float]] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        order = list(queries)
        random.Random(seed + n).shuffle(order)
        mine = []
        for query in order:
            started = time.perf_counter()
            try:
                backend.search(query.request())
            except Exception as exc:
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}")
                continue
            mine.append((query.kind, (time.perf_counter() - started) * 1000))
        with lock:
            results.extend(mine)

    workers = [threading.Thread(target=client, args=(first + i,)) for i in range(threads)]
    barrier.wait()
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    conn.send((results, time.perf_counter() - started, errors))
    conn.close()
    backend.close()


def concurrent(
    opener: Callable[[], SearchBackend], queries: list[BenchQuery], clients: int, procs: int, seed: int
) -> tuple[dict[str, list[float]], float, list[str]]:
    """Latencies per kind (ms), queries per second and errors of ``clients`` clients in ``procs``
    processes running the mix at once."""
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(procs)
    pipes, children = [], []
    for p in range(procs):
        threads = clients // procs + (1 if p < clients % procs else 0)
        parent, child = ctx.Pipe()
        args = (opener, queries, threads, p * clients, seed, barrier, child)
        proc = ctx.Process(target=_client_process, args=args)
        proc.start()
        pipes.append(parent)
        children.append(proc)
    times: dict[str, list[float]] = {kind: [] for kind in KINDS}
    wall, errors, count = 0.0, [], 0
    for parent in pipes:
        results, took, errs = parent.recv()
        wall = max(wall, took)
        errors += errs
        count += len(results)
        for kind, ms in results:
            times[kind].append(ms)
    for proc in children:
        proc.join()
    return times, count / wall if wall else 0.0, errors


def _commits(dsns: list[str]) -> list[int]:
    counts = []
    for dsn in dsns:
        with psycopg.connect(dsn, autocommit=True) as conn:
            row = conn.execute(
                "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
            ).fetchone()
            counts.append(int(row[0]) if row else 0)
    return counts


def run(
    args: argparse.Namespace, corpus: Path, whoosh_dir: Path, pct: Callable[[list[float], float], float]
) -> None:
    """Index into PostgreSQL, then time the mixes on Whoosh and PostgreSQL under concurrent clients."""
    with servers(args) as (primary, settle):
        loaded, documents = _loaded(primary), sum(1 for _ in corpus.open(encoding="utf-8"))
        if loaded == documents:
            print(f"postgresql index: reusing the {loaded:,} records loaded by an earlier run", flush=True)
            _finish_load(primary)
        elif loaded and (loaded > documents or not _holds(primary, corpus, loaded)):
            raise SystemExit(f"the kept database holds {loaded:,} records, not the corpus's first {loaded:,}")
        else:
            if loaded:
                print(f"postgresql index: resuming an interrupted load after {loaded:,} records", flush=True)
            build(IndexSettings(backend="postgresql", dsn=primary), corpus, skip=loaded)
        replicas = settle()
        settings = IndexSettings(backend="postgresql", dsn=primary, read_dsns=replicas)
        sizes(primary)
        whoosh = IndexSettings()
        mixes = ["tokens", "types"] if args.query_words == "both" else [args.query_words]
        for words in mixes:
            queries = make_queries(read_corpus(corpus), args.queries, seed=args.seed + 1, words=words)
            print(
                f"\n{args.clients} concurrent clients in {args.client_procs} processes, query words drawn as "
                f"{words!r} ({args.queries} queries per kind, each client runs all {len(queries)} once)",
                flush=True,
            )
            w_times, w_qps, w_err = concurrent(
                lambda: open_search(whoosh, whoosh_dir, lambda rid: None),
                queries,
                args.clients,
                args.client_procs,
                args.seed,
            )
            before = _commits([primary, *replicas])
            p_times, p_qps, p_err = concurrent(
                lambda: open_search(settings, whoosh_dir, lambda rid: None),
                queries,
                args.clients,
                args.client_procs,
                args.seed,
            )
            served = [b - a for a, b in zip(before, _commits([primary, *replicas]), strict=True)]
            names = ["primary", *(f"replica-{i}" for i in range(1, len(replicas) + 1))]
            print(
                "transactions per node: "
                + ", ".join(f"{n} {c:,}" for n, c in zip(names, served, strict=True))
            )
            print(f"throughput: whoosh {w_qps:,.1f} queries/s, postgresql {p_qps:,.1f} queries/s")
            for label, errs in (("whoosh", w_err), ("postgresql", p_err)):
                if errs:
                    print(f"{label}: {len(errs)} failed queries, first: {errs[0]}")
            header = ["whoosh p50", "p95", "pg p50", "p95", "p50 pg/wh", "p95 pg/wh"]
            print(f"{'kind':16} " + " ".join(f"{h:>10}" for h in header))
            for kind in [*KINDS, "all"]:
                w = w_times[kind] if kind != "all" else [t for v in w_times.values() for t in v]
                p = p_times[kind] if kind != "all" else [t for v in p_times.values() for t in v]
                cells = [pct(w, 50), pct(w, 95), pct(p, 50), pct(p, 95)]
                ratios = [cells[2] / cells[0], cells[3] / cells[1]]
                print(
                    f"{kind:16} "
                    + " ".join(f"{c:10.1f}" for c in cells)
                    + " "
                    + " ".join(f"{r:10.2f}" for r in ratios)
                )
        if args.pg_stages:
            from pg_write import stages

            print(f"\none query at a time on the primary ({args.pg_stages} rounds):", flush=True)
            stages(primary, corpus, args.queries, rounds=args.pg_stages)
