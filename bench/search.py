"""Benchmark: index throughput, memory and query latency of deptnews's Whoosh index against SQLite FTS5.

    python bench/search.py                       # 100,000 generated documents (takes a while)
    python bench/search.py --docs 5000           # a quick run
    python bench/search.py --corpus news.txt     # real text: JSON lines, or plain text (see --lines-per-doc)

Both engines index the same documents (a JSON-lines file written first, so reading it costs both the same)
and answer the same query mixes (bench/search_queries.py). Each index is built in its own process; its
peak RSS is reported, and the peak of it and its workers together (Linux /proc sampling), both as RSS (a
page shared by forked workers counted in each) and as PSS (counted once). Query latency is measured in
this process after one warm-up pass, one query at a time, the engines taking turns query by query (so that
the machine's drift weighs on all alike): p50 and p95 per kind and over the whole mix, and the ratio
Whoosh / FTS5. Whoosh is timed twice: as the API runs it (a long-lived service with its decoded-postings
cache, see index/postcache.py) and "cold", with no such cache, every posting list decoded from the index
files on every query. Issue 5's targets at 100k documents on 2 cores: index >= 1,000 docs/s, search p50 <=
20 ms, p95 <= 1.5x FTS5's p95. Nothing here is asserted: figures are printed (see docs/performance.md).

    python bench/search.py --workdir W --reuse   # query again the corpus and indexes of an earlier run
    python bench/search.py --peers               # also tantivy (bench/search_tantivy.py), same run

With ``--peers`` tantivy builds an index of the same documents from deptnews's own analysis and answers
the same query trees (see bench/search_tantivy.py); its docs/s and latencies are printed beside
Whoosh's, with the ratios issue 17 asks for (index >= 1.0x tantivy's docs/s; p50 <= 2.5x, p95 <= 2x).

    python bench/search.py --backend postgresql --docs 100000           # Whoosh and PostgreSQL (a primary
                                                 # and 2 replicas started here), 16 concurrent clients
    python bench/search.py --backend postgresql --dsn postgresql://db1/bench --read-dsns postgresql://db2/bench

With ``--backend postgresql`` FTS5 is left out: the Whoosh index is built as above, the PostgreSQL index
through its backend, and both are timed under concurrent clients (see bench/search_pg.py).
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import search_pg
from search_corpus import corpus_document, read_corpus, write_from_file, write_generated
from search_fts import FtsIndex
from search_queries import KINDS, BenchQuery, make_queries

from index.request import parse_request
from index.schema import make_document
from index.whoosh.postcache import DEFAULT_CACHE_MB
from index.whoosh.service import SearchService
from index.whoosh.store import IndexWriter
from index.whoosh.sync import auto_procs


class _CorpusLines:
    """The documents of corpus lines, made in the building processes (as a rebuild makes them from
    record ids: see index.whoosh.rebuild.DocumentMaker); nothing to note."""

    def make(self, line: str) -> dict[str, Any] | None:
        d = corpus_document(line)
        return make_document(
            id=d["id"],
            url=f"https://example.gov.vn/{d['id']}",
            title=d["title"],
            lead=d.get("lead"),
            body=d["body"],
            published=d["published"],
            source=d["source"],
            department=d["department"],
            jurisdiction=d["jurisdiction"],
            category=d.get("category"),
            author=d.get("author"),
            doc_numbers=d.get("doc_numbers", []),
        )

    def notes(self) -> list[Any]:
        return []

    def add_notes(self, notes: list[Any]) -> None:
        pass


def _whoosh_build(corpus: Path, target: Path, procs: int, limitmb: int) -> int:
    with corpus.open(encoding="utf-8") as lines:
        return IndexWriter(target, limitmb=limitmb).rebuild_documents(
            lines, procs=procs, maker=_CorpusLines()
        )


def _fts_build(corpus: Path, target: Path) -> int:
    fts = FtsIndex(target)
    n = fts.build(read_corpus(corpus))
    fts.close()
    return n


def _tantivy_build(corpus: Path, target: Path, analysis: str) -> int:
    from search_tantivy import TantivyIndex  # only with --peers: tantivy is in the bench extras

    with corpus.open(encoding="utf-8") as lines:
        return TantivyIndex(target).build(lines, analysis=analysis)


def _phase(conn: Any, fn: Callable[..., int], args: tuple[Any, ...]) -> None:
    started = time.perf_counter()
    n = fn(*args)
    elapsed = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    conn.send((n, elapsed, own, children))
    conn.close()


def _pss_kb(pid: int) -> int:
    """Proportional set size of a process in kB (Linux ``smaps_rollup``): its private pages plus its
    share of the pages it shares, such as those a forked worker shares with its parent."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree_memory_mb(root: int) -> tuple[float, float]:
    """Resident memory of process ``root`` and all its descendants, in MB (Linux /proc): the sum of
    their RSS (which counts a page shared by several processes once per process) and of their PSS
    (which counts it once in all)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        parents[int(entry.name)] = int(fields.get("PPid", "0"))
        rss[int(entry.name)] = int(fields.get("VmRSS", "0 kB").split()[0])
    total, pss, stack = 0, 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        pss += _pss_kb(pid)
        stack.extend(child for child, parent in parents.items() if parent == pid)
    return total / 1024, pss / 1024


class Measured(NamedTuple):
    """What :func:`measure` found: documents, seconds, and peak memory in MB (RSS of the largest
    process; RSS and PSS of the process and its workers together, sampled every 0.2 s)."""

    documents: int
    seconds: float
    largest: float
    all_rss: float
    all_pss: float


def measure(fn: Callable[..., int], *args: Any) -> Measured:
    """Run ``fn(*args)`` in a fresh process and measure it (see :class:`Measured`)."""
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_phase, args=(child, fn, args))
    proc.start()
    peak_rss = peak_pss = 0.0
    while not parent.poll(0.2):
        if proc.pid is not None:
            rss, pss = _tree_memory_mb(proc.pid)
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
    n, elapsed, own, children = parent.recv()
    proc.join()
    largest = max(own, children) / 1024
    return Measured(n, elapsed, largest, max(peak_rss, largest), peak_pss)


def _size_mb(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 2**20


def time_queries(
    runs: dict[str, Callable[[BenchQuery], object]], queries: list[BenchQuery]
) -> dict[str, dict[str, list[float]]]:
    """Per engine of ``runs``, the milliseconds of each query, by kind. Each engine first runs the whole
    mix once (warm-up: caches, lazily built columns); then the engines take turns query by query, in an
    order that rotates, so that this machine's drift (its speed moves by a third within minutes) weighs
    on all of them alike and their ratios compare the same moments."""
    for run in runs.values():
        for query in queries:
            run(query)
    names = list(runs)
    times: dict[str, dict[str, list[float]]] = {name: {kind: [] for kind in KINDS} for name in names}
    for i, query in enumerate(queries):
        turn = i % len(names)
        for name in names[turn:] + names[:turn]:
            started = time.perf_counter()
            runs[name](query)
            times[name][query.kind].append((time.perf_counter() - started) * 1000)
    return times


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=100_000, help="documents (default 100,000)")
    parser.add_argument("--corpus", type=Path, help="JSON lines or plain text instead of generated documents")
    parser.add_argument("--lines-per-doc", type=int, default=10, help="plain text without blank lines")
    parser.add_argument("--body-syllables", type=int, default=600, help="mean body length when generating")
    parser.add_argument("--queries", type=int, default=40, help="queries per kind (default 40)")
    parser.add_argument("--procs", type=int, default=2, help="Whoosh writer processes (default 2)")
    parser.add_argument(
        "--limitmb",
        type=int,
        default=256,
        help="postings (MB) a writing process holds before writing a segment",
    )
    parser.add_argument(
        "--posting-cache-mb",
        type=int,
        default=DEFAULT_CACHE_MB,
        help="decoded posting lists the search service keeps (MB; the API's default); the mix is also "
        "timed with none ('cold')",
    )
    parser.add_argument(
        "--peers", action="store_true", help="also build and query tantivy (bench/search_tantivy.py)"
    )
    parser.add_argument(
        "--tantivy-analysis",
        choices=["batch", "text"],
        default="batch",
        help="how the tantivy peer's workers tokenize: 256 documents at a time with the Whoosh build's "
        "batch tokenizer (default), or one text at a time with index.terms.tokens",
    )
    parser.add_argument("--no-cold", action="store_true", help="skip the run without a posting cache")
    parser.add_argument(
        "--keep-corpus",
        action="store_true",
        help="with --workdir: index the corpus an earlier run wrote there instead of writing it again",
    )
    parser.add_argument(
        "--upserts",
        type=int,
        default=0,
        metavar="N",
        help="at the end, time incremental writes (the daily crawl's path) of N changed and N new "
        "documents into the Whoosh index, each set in one commit as `deptnews index` writes it",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, help="keep the corpus and indexes here (default: a temp dir)")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="with --workdir: query the corpus and indexes built by an earlier run",
    )
    parser.add_argument(
        "--whoosh-matchers",
        type=int,
        metavar="N",
        default=0,
        help="also time N queries per kind with Whoosh's own matching and scoring (slow; for comparison)",
    )
    parser.add_argument(
        "--query-words",
        choices=["tokens", "types", "both"],
        default="both",
        help="how query words are drawn (see bench/search_queries.py; default: both mixes)",
    )
    parser.add_argument(
        "--backend",
        choices=["whoosh", "postgresql"],
        default="whoosh",
        help="whoosh: Whoosh against FTS5, one query at a time (default); postgresql: Whoosh against "
        "PostgreSQL with read replicas, under concurrent clients",
    )
    search_pg.add_arguments(parser)
    args = parser.parse_args(argv)

    if args.reuse and not args.workdir:
        parser.error("--reuse needs --workdir")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="deptnews-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    corpus = workdir / "corpus.jsonl"
    whoosh_dir, fts_file = workdir / "whoosh", workdir / "fts.sqlite"
    tantivy_dir = workdir / "tantivy" if args.peers else None
    if args.reuse:
        print(f"reusing {workdir}: {sum(1 for _ in corpus.open(encoding='utf-8')):,} documents")
        index_rate = None
    else:
        index_rate = build(args, corpus, whoosh_dir, fts_file, tantivy_dir)
    if args.backend == "postgresql":
        search_pg.run(args, corpus, whoosh_dir, pct)
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
        return 0
    mixes = ["tokens", "types"] if args.query_words == "both" else [args.query_words]
    for words in mixes:
        query_mix(args, corpus, whoosh_dir, fts_file, tantivy_dir, words, index_rate)
    if args.whoosh_matchers:
        whoosh_matchers(args, corpus, whoosh_dir)
    if args.upserts:
        upserts(args.upserts, corpus, whoosh_dir)
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def _documents(corpus: Path, n: int, prefix: str) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for d in read_corpus(corpus):
        if len(docs) >= n:
            break
        docs.append(
            make_document(
                id=prefix + d["id"],
                url=f"https://example.gov.vn/{d['id']}",
                title=d["title"] + " (cập nhật)",
                lead=d.get("lead"),
                body=d["body"],
                published=d["published"],
                source=d["source"],
                department=d["department"],
                jurisdiction=d["jurisdiction"],
                category=d.get("category"),
                author=d.get("author"),
                doc_numbers=d.get("doc_numbers", []),
            )
        )
    return docs


def upserts(n: int, corpus: Path, whoosh_dir: Path) -> None:
    """Incremental writes as ``deptnews index`` makes them: all ``n`` changed documents (same ids) in one
    commit, then ``n`` new ones, with the writer processes it would use (``auto_procs``) and in one."""
    writer = IndexWriter(whoosh_dir)
    for procs in sorted({auto_procs(n), 1}, reverse=True):
        for label, prefix in (("changed", ""), ("new", f"new{procs}-")):
            docs = _documents(corpus, n, prefix)
            started = time.perf_counter()
            writer.write(docs, procs=procs)
            took = time.perf_counter() - started
            print(
                f"incremental write, {label} documents, {procs} process{'es' if procs > 1 else ''}: "
                f"{len(docs) / took:,.0f} docs/s ({len(docs):,} in one commit, {took:.1f} s)"
            )


def whoosh_matchers(args: argparse.Namespace, corpus: Path, whoosh_dir: Path) -> None:
    """The tokens mix with Whoosh's own query execution: its ``docs_for_query`` for the match set and
    its scorer for the page, instead of index.whoosh.docsets and index.whoosh.ranking (what they replace)."""
    import index.whoosh.service as search_module

    # Without the engine's own matching and ranking the service falls back to Whoosh's.
    setattr(search_module, "query_docs", lambda *a, **k: None)  # noqa: B010 (not exported: no attribute access)
    setattr(search_module, "rank", lambda *a, **k: None)  # noqa: B010
    queries = make_queries(read_corpus(corpus), args.whoosh_matchers, seed=args.seed + 1, words="tokens")
    service = SearchService(whoosh_dir, lambda rid: None)
    service.search(queries[0].request())
    times: dict[str, list[float]] = {kind: [] for kind in KINDS}
    for query in queries:
        started = time.perf_counter()
        service.search(query.request())
        times[query.kind].append((time.perf_counter() - started) * 1000)
    service.close()
    print(f"\nWhoosh's own matching and scoring, tokens mix ({args.whoosh_matchers} queries per kind), ms")
    for kind in [*KINDS, "all"]:
        values = times[kind] if kind != "all" else [t for v in times.values() for t in v]
        print(f"{kind:16} p50 {pct(values, 50):8.1f}  p95 {pct(values, 95):8.1f}")


def build(
    args: argparse.Namespace, corpus: Path, whoosh_dir: Path, fts_file: Path, tantivy_dir: Path | None
) -> float:
    """Write the corpus and build both indexes; returns Whoosh's docs/s."""
    started = time.perf_counter()
    if args.keep_corpus and corpus.exists():
        n = sum(1 for _ in corpus.open(encoding="utf-8"))
        origin = f"kept from an earlier run in {corpus.parent}"
    elif args.corpus:
        n = write_from_file(args.corpus, corpus, args.docs, seed=args.seed, lines_per_doc=args.lines_per_doc)
        origin = f"{args.corpus}"
    else:
        n = write_generated(corpus, args.docs, seed=args.seed, body_syllables=args.body_syllables)
        origin = f"generated (seed {args.seed}, ~{args.body_syllables} body syllables)"
    took = time.perf_counter() - started
    print(f"corpus: {n:,} documents, {origin}, {_size_mb(corpus):.0f} MB ({took:.0f} s)", flush=True)
    shutil.rmtree(whoosh_dir, ignore_errors=True)
    fts_file.unlink(missing_ok=True)
    whoosh = measure(_whoosh_build, corpus, whoosh_dir, args.procs, args.limitmb)
    wn, wsec = whoosh.documents, whoosh.seconds
    print(
        f"whoosh index: {wn / wsec:,.0f} docs/s ({wsec:.0f} s, procs={args.procs}, limitmb={args.limitmb}), "
        f"peak RSS {whoosh.largest:,.0f} MB largest process, all processes {whoosh.all_rss:,.0f} MB RSS "
        f"/ {whoosh.all_pss:,.0f} MB PSS, {_size_mb(whoosh_dir):,.0f} MB on disk",
        flush=True,
    )
    if args.backend == "postgresql":
        return wn / wsec
    fn, fsec, frss, _, _ = measure(_fts_build, corpus, fts_file)
    print(
        f"fts5 index:   {fn / fsec:,.0f} docs/s ({fsec:.0f} s), peak RSS {frss:,.0f} MB, "
        f"{_size_mb(fts_file):,.0f} MB on disk"
    )
    print(f"index speed ratio whoosh/fts5: {(wn / wsec) / (fn / fsec):.3f}", flush=True)
    if tantivy_dir is not None:
        shutil.rmtree(tantivy_dir, ignore_errors=True)
        tantivy_run = measure(_tantivy_build, corpus, tantivy_dir, args.tantivy_analysis)
        tn, tsec = tantivy_run.documents, tantivy_run.seconds
        print(
            f"tantivy index: {tn / tsec:,.0f} docs/s ({tsec:.0f} s), peak RSS {tantivy_run.largest:,.0f} MB "
            f"largest process, all processes {tantivy_run.all_rss:,.0f} MB RSS / {tantivy_run.all_pss:,.0f} "
            "MB PSS, "
            f"{_size_mb(tantivy_dir):,.0f} MB on disk"
        )
        print(
            f"index speed ratio whoosh/tantivy: {(wn / wsec) / (tn / tsec):.3f} (target >= 1.0)", flush=True
        )
    return wn / wsec


def query_mix(
    args: argparse.Namespace,
    corpus: Path,
    whoosh_dir: Path,
    fts_file: Path,
    tantivy_dir: Path | None,
    words: str,
    index_rate: float | None,
) -> None:
    queries = make_queries(read_corpus(corpus), args.queries, seed=args.seed + 1, words=words)
    service = SearchService(whoosh_dir, lambda rid: None, posting_cache_mb=args.posting_cache_mb)
    cold = SearchService(whoosh_dir, lambda rid: None, posting_cache_mb=0)
    fts = FtsIndex(fts_file)
    runs: dict[str, Callable[[BenchQuery], object]] = {
        "whoosh": lambda qy: service.search(qy.request()),
        "fts5": lambda qy: fts.search(
            qy.text, facets=bool(qy.facets), date_from=qy.date_from, date_to=qy.date_to, newest=qy.newest
        ),
    }
    if not args.no_cold:
        runs["cold"] = lambda qy: cold.search(qy.request())
    tantivy: Any = None
    if tantivy_dir is not None:
        from search_tantivy import TantivyIndex

        tantivy = TantivyIndex(tantivy_dir)
        runs["tantivy"] = lambda qy: tantivy.search(
            qy.text, facets=bool(qy.facets), date_from=qy.date_from, date_to=qy.date_to, newest=qy.newest
        )

        # Like for like: the page's ids, total and facets, as tantivy is asked for (no titles, snippets
        # or hit objects), through the service's own page computation.
        def ids_only(qy: BenchQuery) -> Any:
            request = qy.request()
            parsed = parse_request(request)
            return service._pool.run(lambda snap: service._run(snap, request, parsed, request.size))

        runs["ids"] = ids_only
    timed = time_queries(runs, queries)
    w_times, f_times = timed["whoosh"], timed["fts5"]
    c_times = timed.get("cold", {k: [float("nan")] for k in KINDS})
    if tantivy is not None:
        t_times, i_times = timed["tantivy"], timed["ids"]
        differ = sum(
            service.search(qy.request()).total
            != tantivy.search(qy.text, date_from=qy.date_from, date_to=qy.date_to, newest=qy.newest)[0]
            for qy in queries
        )
        tantivy.close()
    totals = [service.search(qy.request()).total for qy in queries]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cached = service.postings
    print(
        f"\nquery latency in ms, query words drawn as {words!r} ({args.queries} queries per kind, median "
        f"{statistics.median(totals):,.0f} matches; this process's peak RSS so far {rss:,.0f} MB; "
        f"posting cache {cached.size / 2**20:,.0f} MB in {len(cached):,} lists)"
    )
    print("whoosh: with the posting cache; cold: without (every list decoded from disk on every query)")
    header = [
        "whoosh p50",
        "p95",
        "cold p50",
        "p95",
        "fts5 p50",
        "p95",
        "p50 ratio",
        "p95 ratio",
        "cold p95 r",
    ]
    print(f"{'kind':16} " + " ".join(f"{h:>10}" for h in header))
    for kind in [*KINDS, "all"]:
        w = w_times[kind] if kind != "all" else [t for v in w_times.values() for t in v]
        c = c_times[kind] if kind != "all" else [t for v in c_times.values() for t in v]
        f = f_times[kind] if kind != "all" else [t for v in f_times.values() for t in v]
        cells = [
            pct(w, 50),
            pct(w, 95),
            pct(c, 50),
            pct(c, 95),
            pct(f, 50),
            pct(f, 95),
            pct(w, 50) / pct(f, 50),
            pct(w, 95) / pct(f, 95),
            pct(c, 95) / pct(f, 95),
        ]
        print(
            f"{kind:16} "
            + " ".join(f"{c:10.1f}" for c in cells[:6])
            + " "
            + " ".join(f"{c:10.2f}" for c in cells[6:])
        )
    if tantivy_dir is not None:
        print(f"\ntantivy, same queries ({differ} of {len(queries)} totals differ from Whoosh's)")
        print(
            f"{'kind':16} "
            + " ".join(f"{h:>10}" for h in ["whoosh p50", "p95", "tantivy p50", "p95"])
            + " "
            + " ".join(f"{h:>10}" for h in ["p50 ratio", "p95 ratio"])
        )
        for kind in [*KINDS, "all"]:
            w = w_times[kind] if kind != "all" else [t for v in w_times.values() for t in v]
            t = t_times[kind] if kind != "all" else [x for v in t_times.values() for x in v]
            print(
                f"{kind:16} "
                + " ".join(f"{c:10.2f}" for c in (pct(w, 50), pct(w, 95), pct(t, 50), pct(t, 95)))
                + f" {pct(w, 50) / pct(t, 50):10.2f} {pct(w, 95) / pct(t, 95):10.2f}"
            )
        w_all = [x for v in w_times.values() for x in v]
        t_all = [x for v in t_times.values() for x in v]
        i_all = [x for v in i_times.values() for x in v]
        for label, mine in (("full hits with snippets", w_all), ("ids only, as tantivy", i_all)):
            r50, r95 = pct(mine, 50) / pct(t_all, 50), pct(mine, 95) / pct(t_all, 95)
            print(
                f"  {label}: p50 {pct(mine, 50):.2f} ms, p95 {pct(mine, 95):.2f} ms; "
                f"p50 <= 2.5x tantivy: {r50:.2f}x {'met' if r50 <= 2.5 else 'MISSED'}; "
                f"p95 <= 2x tantivy: {r95:.2f}x {'met' if r95 <= 2 else 'MISSED'}"
            )
    w_all = [t for v in w_times.values() for t in v]
    c_all = [t for v in c_times.values() for t in v]
    f_all = [t for v in f_times.values() for t in v]
    print("targets (issue 5, at 100k docs on 2 cores):")
    if index_rate is not None:
        verdict = "met" if index_rate >= 1000 else "MISSED"
        print(f"  {'index >= 1,000 docs/s:':32}{index_rate:,.0f} docs/s  {verdict}")
    for label, times in (("", w_all), (", cold", c_all)):
        if args.no_cold and label:
            print(f"  {'search, cold:':32}not measured (--no-cold)", flush=True)
            continue
        p50 = pct(times, 50)
        ratio = pct(times, 95) / pct(f_all, 95)
        verdict = "met" if p50 <= 20 else "MISSED"
        print(f"  {'search p50 <= 20 ms' + label + ':':32}{p50:.1f} ms  {verdict}")
        verdict = "met" if ratio <= 1.5 else "MISSED"
        print(f"  {'search p95 <= 1.5x FTS5' + label + ':':32}{ratio:.2f}x  {verdict}", flush=True)
    cold.close()
    service.close()
    fts.close()


if __name__ == "__main__":
    sys.exit(main())
