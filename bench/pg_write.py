"""Benchmark: how fast the PostgreSQL backend writes, and where the server spends that time; then,
with ``--queries``, what one search costs, stage by stage.

    python bench/pg_write.py --docs 10000                 # one node started here (tests/pgcluster.py)
    python bench/pg_write.py --docs 1000 --batch 100      # another batch size than the indexer's
    python bench/pg_write.py --docs 20000 --queries 5     # also the tokens mix, one query at a time

Generated documents (bench/search_corpus.py, seed 0, ~600 body syllables) are written through
``PostgresIndexer.upsert`` into an empty database, as bench/search.py does, on one node without replicas
(fsync off, ``pg_stat_statements`` loaded), so the figure is the writer's and the server's alone; from
``BULK`` documents on that is a bulk load, one postings block per transaction, and ``--batch`` (rows per
transaction otherwise) does not apply. It
prints docs/s, the database's size and the statements that took the server's time (total ms, calls).
With ``--queries N`` the database is then ``VACUUM ANALYZE``d and bench/search.py's tokens mix (``N``
queries per kind) is run through ``PostgresSearch.search`` one query at a time, warm (one pass first),
three times; printed per kind: the mean ms of the whole search and of its stages (the page, the total
when counted apart, the facets, the hits with their snippets). Nothing is asserted (see
docs/performance.md).
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from search_corpus import read_corpus, write_generated
from search_pg import record_of
from search_queries import KINDS, make_queries

import index.postgresql.indexer as indexer_module
from index.backends import open_indexer
from index.settings import IndexSettings

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=10_000, help="documents to write (default 10,000)")
    parser.add_argument(
        "--batch",
        type=int,
        default=indexer_module.BATCH,
        help="rows per transaction, below BULK documents (a bulk load commits a postings block at a time)",
    )
    parser.add_argument(
        "--queries", type=int, default=0, help="queries per kind to time after (default none)"
    )
    parser.add_argument("--workdir", type=Path, help="keep the generated corpus here (default: a temp dir)")
    args = parser.parse_args(argv)
    sys.path.append(str(ROOT / "tests"))  # after the package: tests/ holds an "index" directory too
    from pgcluster import PgCluster  # type: ignore[import-not-found, unused-ignore]

    indexer_module.BATCH = args.batch
    with tempfile.TemporaryDirectory() as scratch:
        workdir = args.workdir or Path(scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        corpus = workdir / f"corpus-{args.docs}.jsonl"
        if not corpus.exists():
            write_generated(corpus, args.docs, seed=0, body_syllables=600)
        settings = {
            "shared_buffers": "256MB",
            "max_wal_size": "4GB",
            "shared_preload_libraries": "'pg_stat_statements'",
        }
        with PgCluster(replicas=0, settings=settings, timeout=600) as cluster:
            cluster.create_database("bench")
            dsn = cluster.primary.dsn("bench")
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute("CREATE EXTENSION pg_stat_statements")
            indexer = open_indexer(IndexSettings(backend="postgresql", dsn=dsn), ROOT)
            started = time.perf_counter()
            indexer.upsert(record_of(doc) for doc in read_corpus(corpus))
            took = time.perf_counter() - started
            indexer.close()
            rate = args.docs / took
            how = (
                "a bulk load, one postings block per transaction"
                if args.docs >= indexer_module.BULK
                else f"batches of {args.batch}"
            )
            print(f"{args.docs:,} documents in {took:.1f} s: {rate:,.0f} docs/s ({how})")
            with psycopg.connect(dsn) as conn:
                size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()
                print(f"database: {size[0] if size else '?'}")
                print("server time by statement (ms, calls):")
                rows = conn.execute(
                    "SELECT round(total_exec_time)::bigint, calls, "
                    "left(regexp_replace(query, '\\s+', ' ', 'g'), 90) "
                    "FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 8"
                ).fetchall()
                for ms, calls, text in rows:
                    print(f"  {ms:>8,} {calls:>7,}  {text}")
            if args.queries:
                with psycopg.connect(dsn, autocommit=True) as conn:
                    conn.execute("VACUUM ANALYZE")
                stages(dsn, corpus, args.queries)
    return 0


def stages(dsn: str, corpus: Path, per_kind: int, rounds: int = 3) -> None:
    """Time the tokens mix one query at a time, per kind and stage (see the module docstring)."""
    import index.postgresql.search as module
    from index.postgresql.nodes import Nodes

    spent: dict[str, dict[str, float]] = collections.defaultdict(lambda: collections.defaultdict(float))
    current = ["warm-up"]
    for name in ("read_page", "_total", "_facets", "fetch_hits"):
        original = getattr(module, name)

        def timed(*args: object, _original: object = original, _name: str = name, **kwargs: object) -> object:
            started = time.perf_counter()
            try:
                return _original(*args, **kwargs)  # type: ignore[operator]
            finally:
                spent[current[0]][_name] += time.perf_counter() - started

        setattr(module, name, timed)
    search = module.PostgresSearch(Nodes(dsn, []))
    queries = make_queries(read_corpus(corpus), per_kind, seed=1, words="tokens")
    for query in queries:
        search.search(query.request())
    counts: collections.Counter[str] = collections.Counter()
    for _ in range(rounds):
        for query in queries:
            current[0] = query.kind
            started = time.perf_counter()
            search.search(query.request())
            spent[query.kind]["search"] += time.perf_counter() - started
            counts[query.kind] += 1
    search.close()
    names = {
        "search": "search",
        "read_page": "page",
        "_total": "total",
        "_facets": "facets",
        "fetch_hits": "hits",
    }
    print(f"one query at a time, ms (mean of {rounds} rounds of {per_kind} queries per kind):")
    print(f"  {'kind':16}" + "".join(f"{label:>9}" for label in names.values()))
    for kind in KINDS:
        cells = [spent[kind][name] / counts[kind] * 1000 if counts[kind] else 0.0 for name in names]
        print(f"  {kind:16}" + "".join(f"{cell:9.1f}" for cell in cells))


if __name__ == "__main__":
    raise SystemExit(main())
