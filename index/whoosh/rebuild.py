"""Building a complete index in bulk, in one or several processes (:func:`build_index`).

The parent reads documents and hands them out in batches; or, with a :class:`DocumentMaker`, it hands
out the items documents are made of (record ids, corpus lines) and each process makes its own
documents, so that reading and parsing records runs in parallel too and only small items travel
between processes (pickling an article's document and unpickling it in a worker cost ~30 µs, ~7 % of
building it). Each worker process feeds a
:class:`~index.whoosh.bulk.SegmentBuilder` and starts a new segment whenever the one it holds reaches its
share of the memory budget (``limitmb``) or vocabulary limit. The segments are listed in one Whoosh TOC at the
end, so nothing is visible until everything is written. A worker that fails or dies makes the build
fail with :class:`~index.errors.SearchError` (the caller removes the half-built directory).

Workers are forked, so they share the parent's imported code and die with it.
"""

from __future__ import annotations

import gc
import multiprocessing
import queue
import signal
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import chain, islice
from pathlib import Path
from typing import Any, Protocol

from whoosh.index import TOC, clean_files

from index.errors import SearchError
from index.tokenbatch import BatchTokens, TokenVocabulary, load_tables
from index.whoosh.bulk import SegmentBuilder
from index.whoosh.textstore import PartWriter, part_name, store_directory

__all__ = ["DocumentMaker", "build_index", "build_segments"]

_BATCH = 256
"""Documents per batch sent to a worker (and per counting batch of a builder)."""
_POLL = 0.5
"""Seconds between checks that workers are alive while waiting on them."""
_STOP_WAIT = 5.0
"""Seconds a worker stopped with SIGTERM gets to exit before it is killed."""
_VOCABULARY = 1 << 21
"""Token spellings a process's :class:`~index.tokenbatch.TokenVocabulary` holds before it starts a new
one (numbers and names keep the vocabulary open; ~150 bytes a spelling)."""
_TOKEN_CHARS = 1 << 22
"""Characters of text tokenized at once (a batch of news articles has about a million)."""
_GC_THRESHOLD = 50_000
"""Allocations between two collections of the youngest generation while building (default 700)."""


class DocumentMaker(Protocol):
    """Makes a build's documents from the items it is given, in the process that builds them (a
    forked worker inherits the maker as it was at the fork)."""

    def make(self, item: Any) -> dict[str, Any] | None:
        """The document of ``item``; None for an item that gives none (it is not counted). An
        exception fails the build."""

    def notes(self) -> list[Any]:
        """What making documents noted (items left out, items that could not be read…) since the
        last call, handed over: a worker sends its notes to the parent when it has built its share."""

    def add_notes(self, notes: list[Any]) -> None:
        """Take the notes of a worker (in the parent, once per worker)."""


def build_index(
    storage: Any,
    schema: Any,
    indexname: str,
    documents: Iterable[Any],
    *,
    procs: int = 1,
    limitmb: float = 256,
    maker: DocumentMaker | None = None,
) -> int:
    """Write ``documents`` as new segments of the empty index ``indexname`` in ``storage`` and commit
    them (generation 1); returns the number of documents. ``limitmb``: memory for postings of the
    whole build, shared equally by the ``procs`` processes; a process holding its share writes its
    segment and starts another (peak memory is about twice the postings held). With ``maker``,
    ``documents`` are items that ``maker.make`` turns into documents in the building processes; at
    the end the parent's ``maker`` holds every worker's notes."""
    if procs <= 1:
        segments, count = _build(storage, schema, indexname, _batches(documents), limitmb, maker=maker)
    else:
        segments, count = _build_parallel(
            storage, schema, indexname, _batches(documents), procs, limitmb / procs, maker=maker
        )
    TOC(schema, segments, 1).write(storage, indexname)
    clean_files(storage, indexname, 1, segments)  # the empty generation 0
    return count


def build_segments(
    storage: Any,
    schema: Any,
    indexname: str,
    documents: Iterable[dict[str, Any]],
    limitmb: float,
    *,
    procs: int = 1,
) -> list[Any]:
    """New segments of ``documents`` in ``storage``, not committed (the caller lists them in a TOC); a
    new segment whenever one holds ``limitmb`` of postings. The documents' text store entries are the
    caller's (an incremental write appends them to the live part).

    With ``procs`` > 1 and more than one batch of documents, ``procs`` forked processes build the
    segments (one or more each) while this one reads the documents, and whatever reading them does
    (the caller's text store entries and deletions) overlaps with the building."""
    batches = _batches(documents)
    if procs <= 1:
        return _build(storage, schema, indexname, batches, limitmb, texts=False)[0]
    head = list(islice(batches, 2))
    if len(head) < 2:  # a small write: starting processes would cost more than it saves
        return _build(storage, schema, indexname, iter(head), limitmb, texts=False)[0]
    return _build_parallel(
        storage, schema, indexname, chain(head, batches), procs, limitmb / procs, texts=False
    )[0]


def _batches(documents: Iterable[Any]) -> Iterator[list[Any]]:
    iterator = iter(documents)
    while batch := list(islice(iterator, _BATCH)):
        yield batch


def _token_groups(
    batch: list[dict[str, Any]], builder: SegmentBuilder
) -> Iterator[tuple[list[dict[str, Any]], list[str]]]:
    """The batch's documents in groups whose texts are tokenized together, with those texts (the
    builder's full-text values, which hold the text store's title and page parts): at most
    :data:`_TOKEN_CHARS` characters a group unless one document has more (the tokenizer's arrays take
    ~10 bytes a character)."""
    group: list[dict[str, Any]] = []
    texts: list[str] = []
    size = 0
    for doc in batch:
        mine = builder.texts(doc)
        chars = sum(map(len, mine))
        if group and size + chars > _TOKEN_CHARS:
            yield group, texts
            group, texts, size = [], [], 0
        group.append(doc)
        texts += mine
        size += chars
    if group:
        yield group, texts


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector less often while documents are built: a document makes
    thousands of small lists and tuples (tokens, codes, parts) that die young, and at the default
    threshold (700 allocations) collections took ~4 % of a build (~50 µs a document, measured with
    ``gc.callbacks``). Reference counting still frees them at once; cycles wait a little longer."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], _GC_THRESHOLD), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


@_fewer_collections()
def _build(
    storage: Any,
    schema: Any,
    indexname: str,
    batches: Iterable[list[Any]],
    limitmb: float,
    *,
    texts: bool = True,
    maker: DocumentMaker | None = None,
) -> tuple[list[Any], int]:
    """Segments of ``batches``, each within ``limitmb`` of postings; and the document count. With
    ``texts``, the documents' text store entries go to a new part of this process, sealed at the end.
    With ``maker``, the batches hold items its ``make`` turns into documents."""
    budget = int(limitmb * 2**20) // 8  # postings are 8 bytes each
    segments: list[Any] = []
    builder: SegmentBuilder | None = None
    count = 0
    part = PartWriter(store_directory(Path(storage.folder)), part_name()) if texts else None
    vocabulary = TokenVocabulary()
    try:
        for items in batches:
            batch = items if maker is None else [d for d in map(maker.make, items) if d is not None]
            if not batch:
                continue
            if builder is None:
                builder = SegmentBuilder(storage, schema, indexname, batch=_BATCH)
            if len(vocabulary) > _VOCABULARY:
                vocabulary = TokenVocabulary()
            for group, strings in _token_groups(batch, builder):
                tokens = BatchTokens(strings, vocabulary)
                for doc in group:
                    if part is not None:
                        part.add(doc, tokens)
                    builder.add(doc, tokens)
            count += len(batch)
            if builder.postings >= budget or builder.full:
                segments.append(builder.finish())
                builder = None
        if builder is not None:
            segments.append(builder.finish())
        if part is not None:
            part.seal()
    except BaseException:
        if part is not None:
            part.abandon()
        if builder is not None:
            builder.cancel()
        raise
    return segments, count


def _worker(
    storage: Any,
    schema: Any,
    indexname: str,
    limitmb: float,
    texts: bool,
    maker: DocumentMaker | None,
    tasks: Any,
    results: Any,
) -> None:
    # The parent stops a worker with SIGTERM when the build fails; a handler inherited through fork
    # (one that raises, say) would have it report to a queue nobody reads any more, and hang there.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)

    def batches() -> Iterator[list[Any]]:
        while (batch := tasks.get()) is not None:
            yield batch

    try:
        segments, count = _build(storage, schema, indexname, batches(), limitmb, texts=texts, maker=maker)
        results.put(("ok", segments, count, maker.notes() if maker is not None else []))
    except BaseException as exc:  # reported to the parent, which fails the build
        results.put(("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}", 0, []))


def _build_parallel(
    storage: Any,
    schema: Any,
    indexname: str,
    batches: Iterable[list[Any]],
    procs: int,
    limitmb: float,
    *,
    texts: bool = True,
    maker: DocumentMaker | None = None,
) -> tuple[list[Any], int]:
    load_tables()  # before the fork: the workers share them
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()
    tasks = [ctx.Queue(maxsize=4) for _ in range(procs)]
    workers = [
        ctx.Process(
            target=_worker,
            args=(storage, schema, indexname, limitmb, texts, maker, tasks[i], results),
            daemon=True,
        )
        for i in range(procs)
    ]
    for worker in workers:
        worker.start()
    try:
        for i, batch in enumerate(batches):
            _put(tasks[i % procs], batch, workers, results)
        for task in tasks:
            _put(task, None, workers, results)
        segments: list[Any] = []
        count = 0
        for _ in workers:
            status, found, n, notes = _get(results, workers)
            if status != "ok":
                raise SearchError(f"an index worker failed: {found}")
            segments += found
            count += n
            if maker is not None:
                maker.add_notes(notes)
        return segments, count
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
        for worker in workers:
            worker.join(_STOP_WAIT)
            if worker.is_alive():  # stuck past SIGTERM: nothing it holds is needed any more
                worker.kill()
                worker.join()
        # Batches still in a queue's pipe have no reader once the workers are gone: without this the
        # queue's feeder thread would keep the process from exiting (Python joins it at exit).
        for task in [*tasks, results]:
            task.cancel_join_thread()
            task.close()


def _put(task: Any, item: Any, workers: list[Any], results: Any) -> None:
    while True:
        try:
            task.put(item, timeout=_POLL)
            return
        except queue.Full:
            # Workers only stop after their last batch: one that stopped earlier failed.
            stopped = [w for w in workers if not w.is_alive()]
            if stopped:
                try:
                    status, reason, *_ = results.get(timeout=_POLL)
                except queue.Empty:
                    status, reason = "died", f"exit code {stopped[0].exitcode}"
                raise SearchError(
                    f"an index worker failed: {reason}"
                    if status == "error"
                    else f"an index worker stopped early ({reason})"
                ) from None


def _get(results: Any, workers: list[Any]) -> Any:
    while True:
        try:
            return results.get(timeout=_POLL)
        except queue.Empty:
            dead = [w for w in workers if not w.is_alive() and w.exitcode != 0]
            if dead:
                raise SearchError(f"an index worker died (exit code {dead[0].exitcode})") from None
