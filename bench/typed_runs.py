"""Benchmark: does the page a journalist quotes come first? Four consecutive words typed unquoted.

    .venv/bin/python bench/typed_runs.py                      # 20,000 generated documents
    .venv/bin/python bench/typed_runs.py --corpus /work/shared/corpus/binhvq-news-sample/demo-full.txt \\
        --lines-per-doc 5                                     # real text (JSON lines or plain text)

For ``--runs`` sampled documents, four consecutive words of a random paragraph (or the title) are typed
unquoted, with their marks and without, and the rank of their document is noted: for every sampled run
and for the runs that occur (folded, in that order) in that document only. The same documents and runs
go to deptnews's index with the proximity step (index/whoosh/proximity.py), to the same index without
it (BM25F alone), and to SQLite FTS5 (bench/search_fts.py: folded text, bm25, title weighted 4). Nothing
is asserted: the shares found first are printed (see docs/performance.md).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from search_corpus import read_corpus, write_from_file, write_generated
from search_fts import FtsIndex

import index.whoosh.service as service_module
from index.schema import make_document
from index.vietnamese import TOKEN_RE, fold, folded_form
from index.whoosh.service import SearchRequest, SearchService
from index.whoosh.store import IndexWriter


def parts(doc: dict[str, Any]) -> list[list[str]]:
    """The words of the title, the lead and each paragraph (punctuation dropped, as typed)."""
    texts = [doc["title"], doc.get("lead") or "", *doc["body"]]
    return [[t for t in TOKEN_RE.findall(text) if t] for text in texts]


def holds(words: list[str], run: tuple[str, ...]) -> bool:
    folded = [folded_form(w) for w in words]
    return any(tuple(folded[i : i + len(run)]) == run for i in range(len(folded) - len(run) + 1))


def sample_runs(docs: list[dict[str, Any]], n: int, seed: int) -> list[tuple[str, str]]:
    """``(doc id, four words as written)`` of ``n`` sampled documents."""
    rng = random.Random(seed)
    runs: list[tuple[str, str]] = []
    for doc in rng.sample(docs, min(n * 2, len(docs))):
        candidates = [p for p in parts(doc) if len(p) >= 4]
        if not candidates:
            continue
        words = rng.choice(candidates)
        start = rng.randrange(len(words) - 3)
        runs.append((doc["id"], " ".join(words[start : start + 4])))
        if len(runs) == n:
            break
    return runs


def unique(
    run: str, doc_id: str, by_id: dict[str, dict[str, Any]], candidates: Callable[[str], list[str]]
) -> bool:
    """Whether the run occurs in its document only (checked on every document holding its words)."""
    folded = tuple(folded_form(w) for w in run.split())
    return all(
        rid == doc_id or not any(holds(p, folded) for p in parts(by_id[rid])) for rid in candidates(run)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--corpus", type=Path, help="JSON lines or plain text instead of generated documents")
    parser.add_argument("--lines-per-doc", type=int, default=10)
    parser.add_argument("--body-syllables", type=int, default=600)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="deptnews-runs-"))
    corpus = workdir / "corpus.jsonl"
    if args.corpus:
        n = write_from_file(args.corpus, corpus, args.docs, seed=args.seed, lines_per_doc=args.lines_per_doc)
        origin = str(args.corpus)
    else:
        n = write_generated(corpus, args.docs, seed=args.seed, body_syllables=args.body_syllables)
        origin = f"generated (seed {args.seed})"
    docs = list(read_corpus(corpus))
    by_id = {d["id"]: d for d in docs}
    IndexWriter(workdir / "whoosh").rebuild_documents(
        (
            make_document(
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
            for d in docs
        ),
        procs=2 if n >= 2000 else 1,
    )
    fts = FtsIndex(workdir / "fts.sqlite")
    fts.build(iter(docs))
    service = SearchService(workdir / "whoosh", lambda rid: None)

    def candidates(run: str) -> list[str]:
        return [h.id for h in service.iter_hits(SearchRequest(q=fold(run).lower()), batch=1000)]

    runs = sample_runs(docs, args.runs, args.seed + 1)
    lone = {i for i, (doc_id, run) in enumerate(runs) if unique(run, doc_id, by_id, candidates)}
    typings: list[tuple[str, Callable[[str], str]]] = [
        ("marks", str),
        ("no marks", lambda s: fold(s).lower()),
    ]
    engines: list[tuple[str, Callable[[str], list[str]]]] = [
        ("deptnews", lambda q: [h.id for h in service.search(SearchRequest(q=q, size=10)).hits]),
        ("deptnews, BM25F only", lambda q: bm25_only(service, q)),
        ("FTS5", lambda q: fts.search(q)[1]),
    ]
    print(
        f"corpus: {n:,} documents, {origin}; {len(runs)} runs of four words, {len(lone)} in one document only"
    )
    columns = f"{'first, all':>11} {'top 10, all':>12} {'first, unique':>14} {'top 10, unique':>15}"
    print(f"{'engine':22} {'typed':9} {columns}")
    for name, engine in engines:
        for label, typing in typings:
            ranks = []
            for doc_id, run in runs:
                found = engine(typing(run))
                ranks.append(found.index(doc_id) + 1 if doc_id in found else None)
            only = [r for i, r in enumerate(ranks) if i in lone]
            cells = [
                share(ranks, lambda r: r == 1),
                share(ranks, lambda r: r is not None),
                share(only, lambda r: r == 1),
                share(only, lambda r: r is not None),
            ]
            print(
                f"{name:22} {label:9} "
                + " ".join(f"{c:>11.0%}" for c in cells[:2])
                + " "
                + " ".join(f"{c:>14.0%}" for c in cells[2:])
            )
    service.close()
    fts.close()
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


def bm25_only(service: SearchService, q: str) -> list[str]:
    """The hits without the proximity step (the engine's BM25F order)."""
    real = getattr(service_module, "query_run")  # noqa: B009 (not exported: no attribute access)
    setattr(service_module, "query_run", lambda *a, **k: None)  # noqa: B010
    try:
        return [h.id for h in service.search(SearchRequest(q=q, size=10)).hits]
    finally:
        setattr(service_module, "query_run", real)  # noqa: B010


def share(values: list[int | None], test: Callable[[int | None], bool]) -> float:
    return sum(1 for v in values if test(v)) / len(values) if values else 0.0


if __name__ == "__main__":
    sys.exit(main())
