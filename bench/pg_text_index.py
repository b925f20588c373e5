"""Benchmark: GIN against RUM (Debian's ``postgresql-15-rum``) for the rows' text terms (``t_text``).

    python bench/pg_text_index.py --docs 20000                   # the tokens mix's one- and two-term queries
    python bench/pg_text_index.py --docs 20000 --words common    # the 20 commonest text terms, and 10 pairs

Generated documents (bench/search_corpus.py, seed 0) are written through ``PostgresIndexer.upsert`` into
one node started here (tests/pgcluster.py), as bench/pg_write.py does. Then, in turn and twice, the text
column's index is built as deptnews builds it (GIN), as a RUM index (``rum_tsvector_ops``), and as a RUM
index with the publication time attached (``rum_tsvector_addon_ops``, which can return the matches in
date order straight from the index); for each: the build time, the size, and per query the mean and
median ms of the two reads that test the rows' own terms (the search paths the postings do not decide):
the count of the matches, and the 20 newest of them (for RUM with the time attached, also by its
``<=|`` distance, the index's own date order). Nothing is asserted (see docs/performance.md).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from search_corpus import read_corpus, write_generated
from search_pg import record_of
from search_queries import make_queries

from index.backends import open_indexer
from index.postgresql.translate import positive_terms, tsquery
from index.request import parse_request
from index.settings import IndexSettings

ROOT = Path(__file__).resolve().parent.parent

VARIANTS = {
    "gin": "USING gin (t_text)",
    "rum": "USING rum (t_text rum_tsvector_ops)",
    "rum + ts": "USING rum (t_text rum_tsvector_addon_ops, ts) WITH (attach = 'ts', to = 't_text')",
}
READS = {
    "count": "SELECT count(*) FROM deptnews_records WHERE searchable AND t_text @@ %s::tsquery",
    "newest 20": "SELECT id FROM deptnews_records WHERE searchable AND t_text @@ %s::tsquery "
    "ORDER BY ts DESC LIMIT 21",
    "newest 20 by <=|": "SELECT id FROM deptnews_records WHERE searchable AND t_text @@ %s::tsquery "
    "ORDER BY ts <=| 9000000000000000000::bigint LIMIT 21",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=20_000, help="documents (default 20,000)")
    parser.add_argument(
        "--words",
        choices=("tokens", "common"),
        default="tokens",
        help="the tokens mix's one-term, two-term and unaccented queries, or the commonest terms",
    )
    parser.add_argument("--workdir", type=Path, help="keep the generated corpus here (default: a temp dir)")
    args = parser.parse_args(argv)
    sys.path.append(str(ROOT / "tests"))  # after the package: tests/ holds an "index" directory too
    from pgcluster import PgCluster  # type: ignore[import-not-found, unused-ignore]

    with tempfile.TemporaryDirectory() as scratch:
        workdir = args.workdir or Path(scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        corpus = workdir / f"corpus-{args.docs}.jsonl"
        if not corpus.exists():
            write_generated(corpus, args.docs, seed=0, body_syllables=600)
        settings = {"shared_buffers": "256MB", "max_wal_size": "4GB"}
        with PgCluster(replicas=0, settings=settings, timeout=600) as cluster:
            cluster.create_database("bench")
            dsn = cluster.primary.dsn("bench")
            indexer = open_indexer(IndexSettings(backend="postgresql", dsn=dsn), ROOT)
            indexer.upsert(record_of(doc) for doc in read_corpus(corpus))
            indexer.close()
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute("CREATE EXTENSION rum")
                conn.execute("VACUUM ANALYZE")
                queries = _queries(conn, corpus, args.words)
                print(f"{args.docs:,} documents, {len(queries)} queries ({args.words})", flush=True)
                for rnd in (1, 2):
                    for name, method in VARIANTS.items():
                        _measure(conn, rnd, name, method, queries)
    return 0


def _queries(conn: psycopg.Connection[tuple[object, ...]], corpus: Path, words: str) -> list[str]:
    """The tsquery texts to run: every text term of a query, as the rows path tests them."""
    if words == "common":
        rows = conn.execute(
            "SELECT term FROM deptnews_terms WHERE field = 'text' AND term !~ ' ' ORDER BY df DESC LIMIT 40"
        ).fetchall()
        common = [str(r[0]) for r in rows]
        return [tsquery([t], every=True) for t in common[:20]] + [
            tsquery(common[i : i + 2], every=True) for i in range(20, 40, 2)
        ]
    found = []
    for query in make_queries(read_corpus(corpus), 10, seed=1, words="tokens"):
        if query.kind in ("one term", "two terms", "unaccented"):
            parsed = parse_request(query.request())
            assert parsed is not None
            terms = sorted({t for f, t, _ in positive_terms(parsed.query) if f == "text"})
            found.append(tsquery(terms, every=True))
    return found


def _measure(
    conn: psycopg.Connection[tuple[object, ...]], rnd: int, name: str, method: str, queries: list[str]
) -> None:
    conn.execute("DROP INDEX IF EXISTS deptnews_records_t_text")
    conn.execute("SET maintenance_work_mem = '256MB'")
    started = time.perf_counter()
    ddl = f"CREATE INDEX deptnews_records_t_text ON deptnews_records {method} WHERE searchable"
    conn.execute(ddl.encode())
    build = time.perf_counter() - started
    row = conn.execute("SELECT pg_relation_size('deptnews_records_t_text')").fetchone()
    size = int(str(row[0])) if row else 0
    conn.execute("ANALYZE deptnews_records")
    cells = []
    for label, text in READS.items():
        if label.endswith("<=|") and name != "rum + ts":
            continue
        for tq in queries:  # warm
            conn.execute(text.encode(), (tq,)).fetchall()
        times = []
        for tq in queries:
            started = time.perf_counter()
            conn.execute(text.encode(), (tq,)).fetchall()
            times.append((time.perf_counter() - started) * 1000)
        cells.append(f"{label}: median {statistics.median(times):.1f} mean {statistics.fmean(times):.1f} ms")
    head = f"round {rnd} {name:9} build {build:5.1f} s, {size / 2**20:6.1f} MB; "
    print(head + "; ".join(cells), flush=True)


if __name__ == "__main__":
    sys.exit(main())
