"""The bulk segment builder (index.whoosh: bulk, blocks, textcodes, rebuild): what Whoosh's
reader sees must be what Whoosh's own writer makes of the same documents."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import unicodedata
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from index_factory import corpus_document
from whoosh import index as whoosh_index
from whoosh.index import TOC
from whoosh.query import Term

from index.corpus import generate
from index.errors import SearchError
from index.schema import build_schema
from index.terms import term_counts, tokens
from index.tokenbatch import BatchTokens, TokenVocabulary
from index.whoosh import blocks, rebuild
from index.whoosh.blocks import _compress as compress
from index.whoosh.bulk import SegmentBuilder
from index.whoosh.rebuild import build_index
from index.whoosh.store import INDEX_NAME, IndexWriter, open_index
from index.whoosh.textcodes import TextCollector
from index.whoosh.vocab import KeyVocabulary


def corpus_documents(n: int, *, seed: int = 5, body_syllables: int = 120) -> list[dict[str, Any]]:
    docs = [
        # Some documents without an author.
        corpus_document(d, author=d.author if i % 7 else None)
        for i, d in enumerate(generate(n, seed=seed, body_syllables=body_syllables))
    ]
    # Frequencies beyond the packed codes (a term 600 times), weighted parts, decomposed text, no date.
    docs[3]["text"].append(("ha ha " * 600, 1.0))
    docs[4]["text"].append(("ha " * 600, 2.0))
    docs[5]["text"].append((unicodedata.normalize("NFD", "Hội nghị Đà Nẵng thuỷ lợi; 1234/QĐ-UBND"), 1.0))
    docs[6]["text"] = [("", 4.0), ("...", 1.5), ("Chỉ một dòng", 1.0)]
    for key in ("published", "ts", "year", "month", "day"):
        docs[7].pop(key, None)
    return docs


def whoosh_built(path: Path, docs: list[dict[str, Any]]) -> Path:
    path.mkdir()
    ix = whoosh_index.create_in(str(path), build_schema(), indexname=INDEX_NAME)
    writer = ix.writer(compound=False)
    for doc in docs:
        writer.add_document(**doc)
    writer.commit()
    return path


def bulk_built(
    path: Path,
    docs: list[dict[str, Any]],
    *,
    batch: int = 16,
    blocklimit: int = 128,
    token_batch: int = 0,
    vocabulary: int = 1 << 30,
) -> Path:
    """A bulk-built index; with Whoosh's block size by default, so that block statistics compare.
    ``token_batch``: tokenize the documents' texts that many documents at a time (as a build does),
    in a vocabulary replaced past ``vocabulary`` spellings."""
    path.mkdir()
    ix = whoosh_index.create_in(str(path), build_schema(), indexname=INDEX_NAME)
    builder = SegmentBuilder(ix.storage, ix.schema, INDEX_NAME, batch=batch, blocklimit=blocklimit)
    if token_batch:
        words = TokenVocabulary()
        for lo in range(0, len(docs), token_batch):
            if len(words) > vocabulary:
                words = TokenVocabulary()
            some = docs[lo : lo + token_batch]
            tokens = BatchTokens((t for doc in some for t in builder.texts(doc)), words)
            for doc in some:
                builder.add(doc, tokens)
    for doc in docs if not token_batch else []:
        builder.add(doc)
    TOC(ix.schema, [builder.finish()], 1).write(ix.storage, INDEX_NAME)
    return path


def postings(reader: Any, field: str, term: bytes, *, blocks: bool = True) -> list[tuple[Any, ...]]:
    """Every posting as Whoosh's matcher gives it; with ``blocks``, each with its block's statistics."""
    matcher = reader.postings(field, term)
    out = []
    while matcher.is_active():
        posting: tuple[Any, ...] = (matcher.id(), matcher.weight(), matcher.value())
        if blocks:
            posting += (matcher.block_max_weight(), matcher.block_min_length(), matcher.block_max_length())
        out.append(posting)
        matcher.next()
    return out


def term_stats(reader: Any, field: str, term: bytes) -> tuple[Any, ...]:
    info = reader.term_info(field, term)
    return (
        info.weight(),
        info.doc_frequency(),
        info.min_length(),
        info.max_length(),
        info.max_weight(),
        info.min_id(),
        info.max_id(),
    )


def assert_same_index(expected_path: Path, actual_path: Path, *, blocks: bool = True) -> None:
    with (
        whoosh_index.open_dir(str(expected_path), indexname=INDEX_NAME).reader() as expected,
        whoosh_index.open_dir(str(actual_path), indexname=INDEX_NAME).reader() as actual,
    ):
        compare(expected, actual, blocks=blocks)


def compare(expected: Any, actual: Any, *, blocks: bool = True) -> None:
    assert actual.doc_count() == expected.doc_count()
    terms = list(expected.all_terms())
    assert list(actual.all_terms()) == terms
    for field, term in terms:
        assert term_stats(actual, field, term) == term_stats(expected, field, term), (field, term)
        assert postings(actual, field, term, blocks=blocks) == postings(
            expected, field, term, blocks=blocks
        ), (
            field,
            term,
        )
    scorable = [name for name, f in build_schema().items() if f.scorable]
    for docnum in range(expected.doc_count()):
        assert actual.stored_fields(docnum) == expected.stored_fields(docnum)
        for name in scorable:
            assert actual.doc_field_length(docnum, name) == expected.doc_field_length(docnum, name)
    for name in scorable:
        assert actual.field_length(name) == expected.field_length(name)
        if expected.field_length(name):  # Whoosh cannot tell the longest of a field no document has
            assert actual.max_field_length(name) == expected.max_field_length(name)
    for name, field in build_schema().items():
        if field.column_type:
            assert list(actual.column_reader(name)) == list(expected.column_reader(name)), name


def test_a_bulk_segment_reads_as_whoosh_writes_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 260 documents: common terms have several blocks of 128 postings, compressed by ISA-L and
    # inflated by Whoosh's reader with zlib.
    compressed: list[bytes] = []

    def spy(data: bytes) -> bytes:
        compressed.append(data)
        return compress(data)

    monkeypatch.setattr(blocks, "_compress", spy)
    docs = corpus_documents(260)
    expected = whoosh_built(tmp_path / "whoosh", docs)
    actual = bulk_built(tmp_path / "bulk", docs)
    assert len(compressed) > 10
    with whoosh_index.open_dir(str(expected), indexname=INDEX_NAME).reader() as reader:
        assert max(reader.doc_frequency("text", t) for _, t in reader.all_terms()) > 256
    assert_same_index(expected, actual)
    # The default, larger blocks: the same postings, statistics and documents.
    assert_same_index(expected, bulk_built(tmp_path / "large", docs, blocklimit=512), blocks=False)


def test_batch_tokens_build_the_segment_whoosh_writes(tmp_path: Path) -> None:
    """Tokenized a batch at a time (numbers, document numbers, decomposed text, marks and characters
    past the BMP among the texts), with a vocabulary replaced every few batches: the same segment."""
    docs = corpus_documents(90)
    odd = "Quyết định 15/2020/NĐ-CP, 1.234,5 tỷ; 𠀀 chữ Nôm 😀; Привет; supercalifragilistic - x"
    docs[10]["text"].append((odd, 1.0))
    docs[11]["title"] = unicodedata.normalize("NFD", odd)
    docs[11]["text"][0] = (docs[11]["title"], 4.0)
    expected = whoosh_built(tmp_path / "whoosh", docs)
    assert_same_index(expected, bulk_built(tmp_path / "batch", docs, token_batch=7, vocabulary=300))
    assert_same_index(expected, bulk_built(tmp_path / "one", docs, token_batch=1))


@given(st.binary(max_size=4096))
@settings(max_examples=50)
def test_a_compressed_block_is_a_zlib_stream(data: bytes) -> None:
    assert zlib.decompress(compress(data)) == data


def test_batch_size_does_not_change_the_segment(tmp_path: Path) -> None:
    docs = corpus_documents(40)
    assert_same_index(bulk_built(tmp_path / "a", docs, batch=1), bulk_built(tmp_path / "b", docs, batch=64))


def test_remembered_field_terms_change_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Sources, years, … repeat: their terms are remembered; a memory of 3 values empties often.
    docs = corpus_documents(40)
    expected = whoosh_built(tmp_path / "whoosh", docs)
    monkeypatch.setattr("index.whoosh.bulk._PLAIN_MEMO", 3)
    assert_same_index(expected, bulk_built(tmp_path / "small", docs))


def test_a_rejected_document_is_not_added(tmp_path: Path) -> None:
    docs = corpus_documents(20)
    (tmp_path / "bulk").mkdir()
    ix = whoosh_index.create_in(str(tmp_path / "bulk"), build_schema(), indexname=INDEX_NAME)
    builder = SegmentBuilder(ix.storage, ix.schema, INDEX_NAME, batch=4)
    for doc in docs[:10]:
        builder.add(doc)
    with pytest.raises(ValueError, match="not text"):
        builder.add({**docs[10], "text": 12345})
    with pytest.raises(ValueError, match="no field named 'nope'"):
        builder.add({**docs[10], "nope": "x"})
    for doc in docs[10:]:
        builder.add(doc)
    TOC(ix.schema, [builder.finish()], 1).write(ix.storage, INDEX_NAME)
    assert_same_index(whoosh_built(tmp_path / "whoosh", docs), tmp_path / "bulk")


def test_key_vocabulary_keeps_ids() -> None:
    vocab = KeyVocabulary()
    first = vocab.ids(np.array([5, 9, 40], dtype=np.uint64))
    second = vocab.ids(np.array([1, 9, 41], dtype=np.uint64))
    assert first.tolist() == [0, 1, 2]
    assert second.tolist() == [3, 1, 4]
    assert vocab.keys().tolist() == [5, 9, 40, 1, 41]


_TEXT = st.text(alphabet=st.sampled_from(list("ab hoà hòa đĐ ơư 12/QĐ-UB .,;\n–-\u0301\u0323")), max_size=80)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.lists(st.tuples(_TEXT, st.sampled_from([1.0, 1.5, 4.0])), max_size=3), min_size=1, max_size=5
    ),
    st.sampled_from(["strings", "batch tokens", "mixed"]),
)
def test_batch_counts_equal_term_counts(documents: list[list[tuple[str, float]]], how: str) -> None:
    """Counted a batch at a time, whether the tokens come as strings or as token ids of a batch
    (their vocabulary replaced every other document), or both in turn: each document's terms are
    :func:`term_counts`'s."""
    collector = TextCollector()
    words = TokenVocabulary()
    for i, parts in enumerate(documents):
        if how == "strings" or (how == "mixed" and i % 2):
            collector.add(collector.parse(parts))
            continue
        if i % 2 == 0:
            words = TokenVocabulary()
        collector.add(collector.parse_batch(parts, BatchTokens([t for t, _ in parts], words)))
    batch = collector.count()
    keys = batch.keys.tolist()
    assert collector.terms(batch.keys) == [collector.term(k) for k in keys]
    for docnum, parts in enumerate(documents):
        freqs, boosted, _ = term_counts(parts)
        mine = batch.docs == docnum
        got = {
            collector.term(k): (f, w)
            for k, f, w in zip(
                batch.keys[mine].tolist(),
                batch.freqs[mine].tolist(),
                batch.weights[mine].tolist(),
                strict=True,
            )
        }
        assert got == {t: (f, boosted.get(t, float(f))) for t, f in freqs.items()}
        assert batch.lengths[docnum] == sum(freqs.values())


def test_tokens_mark_clause_boundaries() -> None:
    assert tokens("Hội nghị, giao ban") == ["Hội", "nghị", "", "giao", "ban"]


def search_ids(path: Path, field: str, term: str) -> set[str]:
    with open_index(path).searcher() as searcher:
        return {searcher.stored_fields(d)["id"] for d in searcher.docs_for_query(Term(field, term))}


def test_parallel_and_segmented_builds_hold_every_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("index.whoosh.rebuild._BATCH", 16)
    docs = corpus_documents(120)
    single = IndexWriter(tmp_path / "one")
    assert single.rebuild_documents(iter(docs)) == 120
    # A tiny memory budget: every worker writes several segments.
    parallel = IndexWriter(tmp_path / "two", limitmb=0.05)
    assert parallel.rebuild_documents(iter(docs), procs=2) == 120
    ix = open_index(tmp_path / "two")
    assert len(ix._segments()) > 2
    assert ix.doc_count() == 120
    for term in ("hoi_nghi", "~hoi", "giao", "ha"):
        assert search_ids(tmp_path / "one", "text", term) == search_ids(tmp_path / "two", "text", term)
    ids = {d["id"] for d in docs}
    with open_index(tmp_path / "two").searcher() as searcher:
        assert {f["id"] for f in searcher.all_stored_fields()} == ids


class Numbered:
    """Makes the document of a number (``docs[n]``), noting the odd ones it leaves out, and the
    process it made each one in."""

    def __init__(self, docs: list[dict[str, Any]]) -> None:
        self.docs, self.noted = docs, []  # type: list[dict[str, Any]], list[Any]

    def make(self, n: int) -> dict[str, Any] | None:
        if n == 13:
            raise RuntimeError("thirteen")
        if n % 2:
            self.noted.append(("left out", n, os.getpid()))
            return None
        return self.docs[n]

    def notes(self) -> list[Any]:
        found, self.noted = self.noted, []
        return found

    def add_notes(self, notes: list[Any]) -> None:
        self.noted += notes


@pytest.mark.parametrize("procs", [1, 2])
def test_a_maker_makes_the_documents_in_the_building_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, procs: int
) -> None:
    monkeypatch.setattr("index.whoosh.rebuild._BATCH", 16)  # several batches per worker
    docs = corpus_documents(120)
    maker = Numbered(docs)
    items = [n for n in range(120) if n != 13]
    assert IndexWriter(tmp_path / "made").rebuild_documents(iter(items), procs=procs, maker=maker) == 60
    IndexWriter(tmp_path / "given").rebuild_documents(iter(docs[::2]))
    for term in ("hoi_nghi", "~hoi", "giao", "ha"):
        assert search_ids(tmp_path / "made", "text", term) == search_ids(tmp_path / "given", "text", term)
    with open_index(tmp_path / "made").searcher() as searcher:
        assert {f["id"] for f in searcher.all_stored_fields()} == {d["id"] for d in docs[::2]}
    # Every worker's notes reached this process's maker, made where the documents were.
    assert sorted(n for _, n, _ in maker.noted) == [n for n in items if n % 2]
    makers = {pid for _, _, pid in maker.noted}
    assert (makers == {os.getpid()}) if procs == 1 else (len(makers) == 2 and os.getpid() not in makers)
    # A maker's exception fails the build, whichever process ran it.
    with pytest.raises(SearchError if procs > 1 else RuntimeError, match="thirteen"):
        IndexWriter(tmp_path / "failed").rebuild_documents(iter(range(40)), procs=procs, maker=Numbered(docs))
    assert not [p for p in (tmp_path / "failed").iterdir() if p.name.startswith("g")]


def test_a_failing_worker_fails_the_build_and_keeps_the_old_index(tmp_path: Path) -> None:
    writer = IndexWriter(tmp_path)
    writer.rebuild_documents(iter(corpus_documents(10)))
    before = writer.location().generation
    bad = [*corpus_documents(600)]
    bad[550] = {**bad[550], "text": 12345}
    with pytest.raises(SearchError, match="not text"):
        writer.rebuild_documents(iter(bad), procs=2)
    assert writer.location().generation == before
    assert open_index(tmp_path).doc_count() == 10
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("g")] == [before]


def test_a_failing_document_in_one_process_keeps_the_old_index(tmp_path: Path) -> None:
    writer = IndexWriter(tmp_path)
    writer.rebuild_documents(iter(corpus_documents(10)))
    bad = corpus_documents(30)
    bad[20] = {**bad[20], "year": datetime(2020, 1, 1, tzinfo=UTC)}  # not text for an ID field
    with pytest.raises((ValueError, TypeError, AttributeError)):
        writer.rebuild_documents(iter(bad))
    assert open_index(tmp_path).doc_count() == 10


def test_a_build_collects_garbage_less_often_and_restores_the_threshold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int] = []
    add = SegmentBuilder.add

    def spying(self: SegmentBuilder, doc: Any, tokens: Any = None) -> None:
        seen.append(gc.get_threshold()[0])
        add(self, doc, tokens)

    monkeypatch.setattr(SegmentBuilder, "add", spying)
    before = gc.get_threshold()
    writer = IndexWriter(tmp_path)
    writer.rebuild_documents(iter(corpus_documents(10)))
    assert seen
    assert set(seen) == {max(before[0], 50_000)}
    assert gc.get_threshold() == before
    bad = corpus_documents(10)
    bad[9] = {**bad[9], "text": 12345}
    with pytest.raises(ValueError, match="not text"):
        writer.rebuild_documents(iter(bad))
    assert gc.get_threshold() == before


def test_a_build_tokenizes_bounded_groups_of_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A build tokenizes a batch's texts in groups of at most ``_TOKEN_CHARS`` characters (a
    document with more is a group of its own), in a vocabulary replaced when it grows past
    ``_VOCABULARY``: the index is the one Whoosh writes."""
    monkeypatch.setattr("index.whoosh.rebuild._BATCH", 16)
    monkeypatch.setattr("index.whoosh.rebuild._TOKEN_CHARS", 8000)
    monkeypatch.setattr("index.whoosh.rebuild._VOCABULARY", 400)
    groups: list[list[str]] = []
    vocabularies: list[TokenVocabulary] = []
    real = rebuild.BatchTokens

    def spy(texts: Any, vocabulary: TokenVocabulary) -> BatchTokens:
        groups.append(list(texts))
        if vocabulary not in vocabularies:
            vocabularies.append(vocabulary)
        return real(groups[-1], vocabulary)

    monkeypatch.setattr(rebuild, "BatchTokens", spy)
    docs = corpus_documents(60)
    docs[20]["text"].append(("Một văn bản dài. " * 1200, 1.0))  # 20,400 characters: alone
    (tmp_path / "bulk").mkdir()
    ix = whoosh_index.create_in(str(tmp_path / "bulk"), build_schema(), indexname=INDEX_NAME)
    assert build_index(ix.storage, ix.schema, INDEX_NAME, docs) == 60
    sizes = [sum(map(len, texts)) for texts in groups]
    assert len(groups) > 5
    assert max(sizes) > 20_000
    assert sorted(sizes)[-2] <= 8000
    assert len(vocabularies) > 1
    assert_same_index(whoosh_built(tmp_path / "whoosh", docs), tmp_path / "bulk", blocks=False)


def test_build_index_of_nothing(tmp_path: Path) -> None:
    ix = whoosh_index.create_in(str(tmp_path), build_schema(), indexname=INDEX_NAME)
    assert build_index(ix.storage, ix.schema, INDEX_NAME, [], procs=2) == 0
    assert whoosh_index.open_dir(str(tmp_path), indexname=INDEX_NAME).doc_count() == 0


def test_a_worker_failing_early_reports_its_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        "index.whoosh.rebuild._BATCH", 2
    )  # many batches: the parent blocks on the dead worker
    docs = corpus_documents(80)
    docs[0] = {**docs[0], "text": 12345}
    with pytest.raises(SearchError, match="not text"):
        IndexWriter(tmp_path).rebuild_documents(iter(docs), procs=2)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("g")]


def test_a_failing_build_stops_its_workers_whatever_sigterm_handler_they_inherit(tmp_path: Path) -> None:
    """The test run's own SIGTERM handler (tests/pgcluster.py raises KeyboardInterrupt) is inherited by
    forked workers; stopping them must not wait on them: the build fails at once, nothing is left."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    def too_long(signum: int, frame: object) -> None:
        raise AssertionError("the failed build did not stop its workers")

    previous_term = signal.signal(signal.SIGTERM, interrupt)
    previous_alarm = signal.signal(signal.SIGALRM, too_long)
    signal.alarm(120)
    try:
        writer = IndexWriter(tmp_path)
        for _ in range(3):
            bad = [*corpus_documents(600)]
            bad[40] = {**bad[40], "text": 12345}  # early: the other worker is still busy
            with pytest.raises(SearchError, match="not text"):
                writer.rebuild_documents(iter(bad), procs=2)
            assert not [p for p in tmp_path.iterdir() if p.name.startswith("g")]
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous_alarm)
        signal.signal(signal.SIGTERM, previous_term)


def test_a_failed_build_lets_the_program_exit(tmp_path: Path) -> None:
    """Batches left in a dead worker's queue must not keep the writing program from exiting (its
    queue feeder thread, joined at exit, would wait forever on a full pipe)."""
    code = (
        "import sys; sys.path[:0] = sys.argv[2:]\n"
        "from pathlib import Path\n"
        "from index_factory import corpus_document\n"
        "from index.corpus import generate\n"
        "from index.errors import SearchError\n"
        "from index.whoosh.store import IndexWriter\n"
        "docs = [corpus_document(d) for d in generate(3000, seed=5, body_syllables=400)]\n"
        "docs[40] = {**docs[40], 'text': 12345}\n"
        "try:\n"
        "    IndexWriter(Path(sys.argv[1])).rebuild_documents(iter(docs), procs=2)\n"
        "except SearchError:\n"
        "    print('failed as expected')\n"
    )
    here = Path(__file__).resolve().parent  # index_factory; tests' conftest; the project
    paths = [str(here), str(here.parent), str(here.parents[1])]
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "index"), *paths],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "failed as expected"
