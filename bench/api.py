"""Benchmark the running API on loopback: req/s and latency percentiles per endpoint.

    .venv/bin/python bench/api.py                      # 100,000 generated records, 16 clients
    .venv/bin/python bench/api.py --records 5000 --requests 400
    .venv/bin/python bench/api.py --home H --workers 1 --mix 40 --no-endpoints   # issue 17's comparison
    .venv/bin/python bench/api.py --corpus news.txt --lines-per-doc 5 --records 200 --mix 10  # real text

Builds (or reuses, with ``--home``) a data home of generated Vietnamese-like records (or of the documents
of ``--corpus``, read as bench/search.py reads it) and its index,
starts ``deptnews serve`` as a real server on 127.0.0.1, and drives each endpoint with ``--concurrency``
clients for ``--requests`` requests. ``/healthz`` is measured in the same run as the baseline: the
ratio column says how much each endpoint costs over the bare framework.

``--mix N``: also time the query mix of bench/search.py (``N`` queries per kind, drawn from the same
generated documents) one request at a time, through the API and in this process on the same index
(a long-lived ``SearchService``, as bench/search.py times it), each query through every mode in
turn after a warm-up pass: what a search costs over the search itself (issue 17: API p50 <= 1.5x
in-process p50 and <= 10 ms, p95 <= 25 ms at 100k, one worker). The API is timed with a lean
``http.client`` connection (the targets) and with httpx's client (printed beside it: httpx's own
parsing adds ~0.8 ms a request). Run by hand, never in tests.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import itertools
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from search_corpus import read_corpus, write_from_file  # noqa: E402
from search_queries import KINDS, BenchQuery, make_queries  # noqa: E402

from archive.home import DataHome  # noqa: E402
from archive.model import CaptureRef, Content, Record, Version  # noqa: E402
from archive.store import RecordStore  # noqa: E402
from index.corpus import CorpusDoc, generate  # noqa: E402
from index.whoosh.service import SearchService  # noqa: E402
from index.whoosh.store import IndexWriter  # noqa: E402


def record_from(doc: CorpusDoc) -> Record:
    url = f"http://bench.example.vn/tin-tuc/{doc.id}"
    content = Content(
        title=doc.title,
        lead=doc.lead,
        body=doc.body,
        published=doc.published,
        author=doc.author,
        category=doc.category,
        doc_numbers=doc.doc_numbers,
    )
    seen = datetime(2026, 1, 1, tzinfo=UTC)
    capture = CaptureRef(
        url=url,
        captured_at=seen,
        status=200,
        warc_file="bench.warc.gz",
        offset=0,
        length=0,
        warc_record_id=f"<urn:uuid:{doc.id}>",
    )
    version = Version(
        n=1,
        content_hash=content.compute_hash(),
        content=content,
        capture=capture,
        parser_version="bench",
        first_seen=seen,
        last_seen=seen,
    )
    return Record(
        **content.model_dump(),
        id=doc.id,
        url=url,
        source=doc.source,
        department=doc.department,
        jurisdiction=doc.jurisdiction,
        content_hash=version.content_hash,
        capture=capture,
        parser_version="bench",
        first_seen=seen,
        last_seen=seen,
        versions=[version],
    )


def documents(n: int, corpus: Path | None, lines_per_doc: int) -> Iterator[CorpusDoc]:
    """``n`` generated documents, or the first ``n`` of ``corpus`` (JSON lines or plain text, read as
    bench/search.py reads it)."""
    if corpus is None:
        yield from generate(n, body_syllables=400)
        return
    with tempfile.TemporaryDirectory() as scratch:
        converted = Path(scratch) / "corpus.jsonl"
        write_from_file(corpus, converted, n, seed=0, lines_per_doc=lines_per_doc)
        for doc in read_corpus(converted):
            yield CorpusDoc(**(doc | {"lead": doc.get("lead") or "", "author": doc.get("author") or ""}))


def build(home: DataHome, docs: Iterable[CorpusDoc]) -> None:
    store = RecordStore(home.records_dir)
    started = time.perf_counter()
    n = 0
    for doc in docs:
        store.put(record_from(doc))
        n += 1
    print(f"wrote {n} records in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    IndexWriter(home.index_dir).rebuild(iter(store), procs=2)
    print(f"indexed {n} records in {time.perf_counter() - started:.1f} s")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def endpoints(ids: list[str]) -> Iterator[tuple[str, list[str]]]:
    yield "healthz (baseline)", ["/healthz"]
    yield "search: one term", ["/api/v1/search?q=hội", "/api/v1/search?q=nghị", "/api/v1/search?q=tỉnh"]
    yield "search: unaccented", ["/api/v1/search?q=so+thong+tin", "/api/v1/search?q=hoi+nghi"]
    yield "search: phrase", ['/api/v1/search?q="hội+nghị"', '/api/v1/search?q="thông+tin"']
    yield "search: facets", ["/api/v1/search?q=hoi&facets=source,year,department"]
    yield (
        "search: newest+filter",
        ["/api/v1/search?sort=newest&year=2020", "/api/v1/search?sort=newest&source=stttt"],
    )
    yield "record", [f"/api/v1/records/{rid}" for rid in ids]
    yield "versions", [f"/api/v1/records/{rid}/versions" for rid in ids]


async def drive(
    base: str, paths: list[str], requests: int, concurrency: int
) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    errors = 0
    counter = iter(range(requests))
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:

        async def worker() -> None:
            nonlocal errors
            for i in counter:
                started = time.perf_counter()
                response = await client.get(paths[i % len(paths)])
                latencies.append((time.perf_counter() - started) * 1000)
                errors += response.status_code >= 400

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return requests / elapsed, latencies, errors


def mix_url(query: BenchQuery) -> str:
    params = {"q": query.text}
    if query.facets:
        params["facets"] = ",".join(query.facets)
    if query.date_from and query.date_to:
        params |= {"date_from": query.date_from.isoformat(), "date_to": query.date_to.isoformat()}
    if query.newest:
        params["sort"] = "newest"
    return "/api/v1/search?" + urlencode(params)


def _stat(pid: int) -> list[str] | None:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def process_tree(root: int) -> list[int]:
    """Process ``root`` and its descendants (Linux /proc)."""
    parents = {
        int(entry.name): int(fields[1])
        for entry in Path("/proc").iterdir()
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None
    }
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(child for child, parent in parents.items() if parent == pid)
    return found


def cpu_seconds(pids: list[int]) -> float:
    """CPU time (user + system) of these processes so far."""
    tick = os.sysconf("SC_CLK_TCK")
    return sum((int(f[11]) + int(f[12])) / tick for pid in pids if (f := _stat(pid)) is not None)


class LeanClient:
    """One keep-alive HTTP/1.1 connection (``http.client``), gzip accepted and inflated with zlib, a
    non-200 an error: a client whose own cost per request is small next to the server's (httpx's
    client spends ~0.8 ms of Python per 14 KB search response on this machine, more than uvicorn's
    HTTP parsing; a browser, curl or a compiled client spend less). A connection the server closed
    when idle (uvicorn's keep-alive timeout) is opened again once."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self._conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)

    def get(self, path: str) -> bytes:
        for attempt in (1, 2):
            try:
                self._conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
                response = self._conn.getresponse()
                body = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self._conn.close()
                if attempt == 2:
                    raise
        if response.status != 200:
            raise RuntimeError(f"GET {path}: HTTP {response.status}")
        return zlib.decompress(body, 31) if response.getheader("content-encoding") == "gzip" else body

    def close(self) -> None:
        self._conn.close()


def run_mix(base: str, home: DataHome, docs: Iterable[CorpusDoc], per_kind: int, server: int) -> None:
    """Time the query mix through the API (the server is process ``server``) and in process, one query
    at a time, each query through every mode in turn (the order rotating) so that all see the same load
    on a shared machine (see the docstring). The API is timed with two clients: :class:`LeanClient`
    (the figure the targets are read on: what the API costs) and httpx's (what a Python program using
    httpx waits). Besides latency, the CPU time spent per query: the server's (from /proc, over both
    clients' requests) and this process's in the search, which other work on the machine disturbs less
    than latency."""
    sample = ({"title": d.title, "body": d.body} for d in itertools.islice(docs, 20_000))
    queries = make_queries(sample, per_kind, seed=1, words="tokens")
    service = SearchService(home.index_dir, lambda rid: None)
    times: dict[str, dict[str, list[float]]] = {"api": {}, "api, httpx": {}, "in-process": {}}
    cpu = {"api": 0.0, "in-process": 0.0}
    pids = process_tree(server)
    lean = LeanClient(base)
    with httpx.Client(base_url=base, timeout=60) as client:
        modes: list[tuple[str, Callable[[BenchQuery], object], Callable[[], float], str]] = [
            ("api", lambda qy: lean.get(mix_url(qy)), lambda: cpu_seconds(pids), "api"),
            (
                "api, httpx",
                lambda qy: client.get(mix_url(qy)).raise_for_status(),
                lambda: cpu_seconds(pids),
                "api",
            ),
            ("in-process", lambda qy: service.search(qy.request()), time.process_time, "in-process"),
        ]
        for _, run, _, _ in modes:
            for query in queries:  # warm-up: posting cache, columns, the text store
                run(query)
        for i, query in enumerate(queries):
            turn = i % len(modes)
            for label, run, clock, account in modes[turn:] + modes[:turn]:
                cpu_started = clock()
                started = time.perf_counter()
                run(query)
                times[label].setdefault(query.kind, []).append((time.perf_counter() - started) * 1000)
                cpu[account] += clock() - cpu_started
        cpu = {
            "api": cpu["api"] * 1000 / (2 * len(queries)),
            "in-process": cpu["in-process"] * 1000 / len(queries),
        }
    lean.close()
    service.close()

    def over(label: str, kind: str) -> list[float]:
        return times[label][kind] if kind != "all" else [t for v in times[label].values() for t in v]

    print(f"\nquery mix ({per_kind} per kind, tokens), one request at a time, ms")
    print(
        f"{'kind':16} {'api p50':>8} {'p95':>8} {'in-proc p50':>12} {'p95':>8} {'p50 ratio':>10} "
        f"{'httpx p50':>10} {'ratio':>6}"
    )
    for kind in [*KINDS, "all"]:
        api, own, slow = over("api", kind), over("in-process", kind), over("api, httpx", kind)
        a50, o50, h50 = percentile(api, 50), percentile(own, 50), percentile(slow, 50)
        print(
            f"{kind:16} {a50:8.1f} {percentile(api, 95):8.1f} {o50:12.1f} {percentile(own, 95):8.1f} "
            f"{a50 / o50:10.2f} {h50:10.1f} {h50 / o50:6.2f}"
        )
    api_all, own_all = over("api", "all"), over("in-process", "all")
    a50, a95, o50 = percentile(api_all, 50), percentile(api_all, 95), percentile(own_all, 50)
    print(
        f"CPU time per query, mean: API server {cpu['api']:.1f} ms, in process {cpu['in-process']:.1f} ms "
        f"(ratio {cpu['api'] / cpu['in-process']:.2f}; /proc counts 10 ms ticks: a mean over many)"
    )
    print("targets (issue 17, at 100k, one worker; the API through the lean client):")
    print(f"  API p50 <= 1.5x in-process p50:  {a50 / o50:.2f}x  {'met' if a50 <= 1.5 * o50 else 'MISSED'}")
    print(f"  API p50 <= 10 ms:                {a50:.1f} ms  {'met' if a50 <= 10 else 'MISSED'}")
    print(f"  API p95 <= 25 ms:                {a95:.1f} ms  {'met' if a95 <= 25 else 'MISSED'}", flush=True)


def percentile(values: list[float], q: float) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--home", type=Path, help="reuse (or create) this data home")
    parser.add_argument("--requests", type=int, default=2000, help="requests per endpoint")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--mix", type=int, default=0, metavar="N", help="time the query mix, N per kind")
    parser.add_argument("--no-endpoints", action="store_true", help="skip the per-endpoint table")
    parser.add_argument(
        "--corpus", type=Path, help="real text instead of generated documents (see bench/search.py)"
    )
    parser.add_argument(
        "--lines-per-doc", type=int, default=10, help="with --corpus: plain text without blank lines"
    )
    args = parser.parse_args()
    home = DataHome(args.home or Path(tempfile.mkdtemp(prefix="deptnews-bench-api-"))).ensure()
    if not any(home.index_dir.iterdir()):
        build(home, documents(args.records, args.corpus, args.lines_per_doc))
    ids = [doc.id for doc in itertools.islice(documents(args.records, args.corpus, args.lines_per_doc), 200)]
    port = free_port()
    env = {**os.environ, "DEPTNEWS_API__RATE_LIMIT": "0"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "deptnews",
            "--home",
            str(home.root),
            "--log-level",
            "ERROR",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/readyz", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                print("the server did not start", file=sys.stderr)
                return 1
            time.sleep(0.2)
        if args.mix:
            print(f"{args.records} records, {args.workers} worker(s)")
            run_mix(
                base, home, documents(args.records, args.corpus, args.lines_per_doc), args.mix, server.pid
            )
        if args.no_endpoints:
            return 0
        print(
            f"{args.records} records, {args.concurrency} clients, {args.requests} requests per endpoint, "
            f"{args.workers} worker(s)"
        )
        columns = ("req/s", "p50 ms", "p95 ms", "p99 ms")
        print(f"{'endpoint':<24} " + " ".join(f"{c:>8}" for c in columns) + f" {'errors':>6} {'x base':>7}")
        baseline = None
        for name, paths in endpoints(ids):
            rate, latencies, errors = asyncio.run(drive(base, paths, args.requests, args.concurrency))
            p50 = percentile(latencies, 50)
            baseline = baseline or p50
            print(
                f"{name:<24} {rate:>8.0f} {p50:>8.1f} {percentile(latencies, 95):>8.1f} "
                f"{percentile(latencies, 99):>8.1f} {errors:>6} {p50 / baseline:>7.1f}"
            )
    finally:
        server.terminate()
        server.wait(timeout=20)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
