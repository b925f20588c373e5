"""The text store beside the index: hits and snippets without reading records, equal to the record path."""

from __future__ import annotations

import shutil
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from index_factory import GLUE, SYLLABLES, corpus_records, make_record

from archive.model import Record
from index.highlight import match_count, snippet
from index.proximity import query_run
from index.query import parse_query
from index.schema import IndexDocument
from index.snippets import Marks, page_snippets, stored_snippet
from index.tokenbatch import BatchTokens, TokenVocabulary
from index.vietnamese import tokenize
from index.whoosh import textstore
from index.whoosh.docvalues import stored_fields
from index.whoosh.service import SearchRequest, SearchService
from index.whoosh.store import IndexWriter, open_index, read_location
from index.whoosh.textreader import TextReader
from index.whoosh.textstore import (
    DIRECTORY,
    LIVE_PART,
    SUMMARY_FIELDS,
    PartWriter,
    store_directory,
    summary_fields,
)

ODD = [
    make_record(9001, "Trang trống", [], lead=None),  # no page text: the title gives the snippet
    make_record(9002, "Chỉ dấu câu", ["… — !!! ???"]),  # text without a token
    # decomposed (NFD) text: offsets cannot come from the spellings' lengths
    make_record(
        9003, "Hội nghị NFD", [unicodedata.normalize("NFD", "Hội nghị giao ban tỉnh Hoà Bình năm nay")]
    ),
    make_record(9004, "Khoảng trống", ["hội nghị" + " " * 400 + "giao ban " + "." * 300 + " hội nghị"]),
    make_record(9005, "Số văn bản", ["Quyết định 1234/QĐ-UBND về hội nghị, giao ban; HỘI NGHỊ <b>&amp;</b>"]),
    make_record(  # every field a hit shows, with a time to the microsecond
        9006,
        'Tác giả "và" chuyên mục',
        ["Hội nghị giao ban có tác giả."],
        published=datetime(2021, 3, 4, 5, 6, 7, 890123, tzinfo=UTC),
        author="Nguyễn Văn A",
        category="Tin tức — sự kiện",
        jurisdiction="Tỉnh Hoà Bình",
    ),
]
RECORDS = [*corpus_records(120, seed=5, body_syllables=150), *ODD]
BY_ID = {r.id: r for r in RECORDS}
QUERIES = [
    "hoi nghi",
    "hội nghị giao ban",
    "giao ban",
    '"hoi nghi"',
    "hoa binh",
    "1234/QĐ-UBND",
    "ban -giao",
    "hoi OR nghi",
    "title:hoi nghi",
    "trang",
    "dau cau",
]


def page_text(record: Record) -> str:
    """What the API's ``load_text`` gives: lead and body."""
    return "\n".join(p for p in (record.lead, *record.body) if p)


def words(records: list[Record]) -> list[str]:
    """Some syllables of the corpus, as queries of one and two words."""
    out: list[str] = []
    for record in records[:40]:
        tokens = record.title.split()
        out += [tokens[0], " ".join(tokens[1:3])]
    return out


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("textstore") / "index"
    IndexWriter(path).rebuild(RECORDS, procs=2)
    return path


@pytest.fixture(scope="module")
def services(
    index: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[SearchService, SearchService]]:
    """The index with its text store, and a copy without (every snippet from the records)."""
    bare = tmp_path_factory.mktemp("bare") / "index"
    shutil.copytree(index, bare)
    shutil.rmtree(store_directory(read_location(bare).directory))
    with_store = SearchService(index, lambda rid: page_text(BY_ID[rid]))
    without = SearchService(bare, lambda rid: page_text(BY_ID[rid]))
    yield with_store, without
    with_store.close()
    without.close()


def test_bulk_build_writes_one_part_per_process(index: Path) -> None:
    parts = sorted(p.name for p in store_directory(read_location(index).directory).iterdir())
    assert len(parts) == 2
    assert all(p.startswith("b-") and p.endswith(".part") for p in parts)
    reader = TextReader(read_location(index).directory)
    reader.refresh()
    assert len(reader) == len(RECORDS)


def test_a_sealed_part_reads_as_its_frames(index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    generation = read_location(index).directory
    sealed = TextReader(generation)
    sealed.refresh()
    assert all(sealed._sealed(part) for part in sealed._parts.values())  # bulk parts are sealed
    monkeypatch.setattr(TextReader, "_sealed", lambda self, part: False)
    scanned = TextReader(generation)
    scanned.refresh()
    assert sealed.vocabulary.spellings == scanned.vocabulary.spellings
    assert sealed._entries.keys() == scanned._entries.keys()
    for key in sealed._entries:
        a, b = sealed.get(key), scanned.get(key)
        assert a is not None
        assert b is not None
        assert (a.text, a.ids.tolist(), a.title_ids.tolist(), a.starts.tolist()) == (
            b.text,
            b.ids.tolist(),
            b.title_ids.tolist(),
            b.starts.tolist(),
        )


def test_entries_read_together_are_their_texts_tokens(index: Path) -> None:
    """``get_many``: each entry's ids are its text's tokens and its offsets where they are, and it is
    the entry ``get`` gives alone, whatever is read with it (two parts, missing hashes, explicit
    offsets of a decomposed text, pages without tokens)."""
    reader = TextReader(read_location(index).directory)
    reader.refresh()
    keys = sorted(reader._entries)
    request: list[bytes | None] = [*keys[::2], None, b"x" * 16, *keys[1::2]]
    spellings = reader.vocabulary.spellings
    many = reader.get_many(request)
    bare = reader.get_many(request, text=False)
    explicit = 0
    for doc_hash, doc, ids_only in zip(request, many, bare, strict=True):
        if doc_hash is None or doc_hash not in reader._entries:
            assert doc is None
            assert ids_only is None
            continue
        assert doc is not None
        assert ids_only is not None
        tokens = [t.text for t in tokenize(doc.text)]
        assert [spellings[i] for i in doc.ids.tolist()] == tokens
        spans = zip(doc.starts.tolist(), doc.ends.tolist(), strict=True)
        assert [unicodedata.normalize("NFC", doc.text[a:b]) for a, b in spans] == tokens
        explicit += not unicodedata.is_normalized("NFC", doc.text)
        alone = reader.get(doc_hash)
        assert alone is not None
        assert (alone.text, alone.has_files) == (doc.text, doc.has_files)
        for name in ("title_ids", "ids", "starts", "ends"):
            assert getattr(alone, name).tolist() == getattr(doc, name).tolist()
        assert (ids_only.text, len(ids_only.starts), len(ids_only.ends)) == ("", 0, 0)
        assert ids_only.ids.tolist() == doc.ids.tolist()
        assert ids_only.title_ids.tolist() == doc.title_ids.tolist()
    assert explicit == 1  # the NFD record
    assert reader.get_many([]) == []


def test_hits_and_snippets_equal_the_record_path(services: tuple[SearchService, SearchService]) -> None:
    with_store, without = services
    for q in [*QUERIES, *words(RECORDS)]:
        for scope in ("all", "page"):
            request = SearchRequest(q=q, size=30, scope=scope)
            got, expected = with_store.search(request), without.search(request)
            assert got.total == expected.total
            assert [(h.id, h.snippet) for h in got.hits] == [(h.id, h.snippet) for h in expected.hits], q
            if query_run(q, scope) is None:  # (a run lifts scores where the store says it is held)
                assert got.hits == expected.hits


def test_snippets_of_odd_texts(services: tuple[SearchService, SearchService]) -> None:
    with_store, _ = services
    for record in ODD:
        hits = with_store.search(SearchRequest(q=record.title, size=5)).hits
        hit = next(h for h in hits if h.id == record.id)
        hl = parse_query(record.title).highlights
        assert hit.snippet == snippet(page_text(record) or record.title, hl)
    nfd = with_store.search(SearchRequest(q="hoi nghi nfd")).hits[0]
    assert "<mark>" in nfd.snippet
    assert unicodedata.normalize("NFC", nfd.snippet) != nfd.snippet


def test_every_summary_is_what_whoosh_stored(index: Path) -> None:
    """The hit fields of every entry's summary equal Whoosh's stored fields of the same document:
    missing dates, authors and categories, and times to the microsecond, included."""
    reader = TextReader(read_location(index).directory)
    reader.refresh()
    with open_index(index).searcher() as searcher:
        docnums = list(searcher.document_numbers())
        hashes = [searcher.reader().column_reader("doc_hash")[d] for d in docnums]
        entries = reader.get_many(hashes, summary=True)
        expected = stored_fields(searcher, docnums)
    assert len(entries) == len(RECORDS)
    kinds = set()
    for entry, stored in zip(entries, expected, strict=True):
        assert entry is not None
        assert entry.summary is not None
        got = summary_fields(entry.summary)
        assert got == {k: v for k, v in stored.items() if k in SUMMARY_FIELDS}, stored["id"]
        kinds |= {k for k in ("published", "author", "category") if k not in got}
        if "published" in got:
            assert got["published"] == stored["published"]
            assert got["published"].utcoffset()
    assert kinds == {"published", "author", "category"}  # the corpus has documents without each


def test_entries_without_a_summary_take_whoosh_stored_fields(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, services: tuple[SearchService, SearchService]
) -> None:
    """An index whose entries carry no summary (written before there were any), or one that cannot be
    read, gives the same hits: from Whoosh's stored fields."""
    with_store, _ = services
    for broken in (lambda doc: None, lambda doc: ["x"] * 3 + ["not a date"] + ["y"] * 5):
        monkeypatch.setattr(textstore, "hit_summary", broken)
        path = tmp_path / f"old{len(list(tmp_path.iterdir()))}"
        IndexWriter(path).rebuild(RECORDS)
        reader = TextReader(read_location(path).directory)
        reader.refresh()
        with open_index(path).searcher() as searcher:
            hashes = [searcher.reader().column_reader("doc_hash")[d] for d in searcher.document_numbers()]
        summaries = [e.summary for e in reader.get_many(hashes, summary=True) if e is not None]
        assert len(summaries) == len(RECORDS)
        assert all(s is None for s in summaries) or all(s and s[3] == "not a date" for s in summaries)
        old = SearchService(path, lambda rid: page_text(BY_ID[rid]))
        try:
            for q in QUERIES:
                request = SearchRequest(q=q, size=30)
                assert old.search(request).hits == with_store.search(request).hits, q
        finally:
            old.close()


def test_no_record_is_read_for_a_hit(index: Path) -> None:
    read: list[str] = []

    def load_text(rid: str) -> str:
        read.append(rid)
        return page_text(BY_ID[rid])

    def load_attachments(rid: str) -> Iterator[tuple[int, int, str]]:
        read.append(rid)
        return iter(())

    service = SearchService(index, load_text, load_attachments=load_attachments)
    try:
        results = service.search(SearchRequest(q="hoi nghi", size=20))
        assert results.hits
        assert all(h.snippet for h in results.hits)
        assert read == []
    finally:
        service.close()


def test_incremental_writes_follow_the_store(tmp_path: Path) -> None:
    path = tmp_path / "index"
    writer = IndexWriter(path)
    first = make_record(1, "Tin một", ["Hội nghị giao ban đầu năm."])
    writer.rebuild([first])
    service = SearchService(path, lambda rid: None)  # no record: every snippet from the store
    try:
        assert "<mark>Hội nghị</mark>" in service.search(SearchRequest(q="hoi nghi")).hits[0].snippet
        changed = first.model_copy(update={"body": ["Sơ kết công tác hội nghị cuối năm."]})
        writer.upsert([changed, make_record(2, "Tin hai", ["Hội nghị tổng kết."])])
        live = store_directory(read_location(path).directory) / LIVE_PART
        assert live.exists()
        hits = {h.id: h.snippet for h in service.search(SearchRequest(q="hoi nghi")).hits}
        assert hits[first.id] == "Sơ kết công tác <mark>hội nghị</mark> cuối năm"
        assert hits[make_record(2, "x", []).id] == "<mark>Hội nghị</mark> tổng kết"
        writer.delete([first.id])
        assert [h.id for h in service.search(SearchRequest(q="hoi nghi")).hits] == [
            make_record(2, "x", []).id
        ]
    finally:
        service.close()


def test_a_torn_tail_is_ignored_then_cut_off(tmp_path: Path) -> None:
    path = tmp_path / "index"
    writer = IndexWriter(path)
    writer.rebuild([])
    writer.upsert([make_record(1, "Tin một", ["Hội nghị giao ban."])])
    live = store_directory(read_location(path).directory) / LIVE_PART
    good = live.stat().st_size
    with live.open("ab") as fh:
        fh.write(b"\x40\x00\x00\x00D half an entry")  # what a writer killed mid-write leaves
    reader = TextReader(read_location(path).directory)
    reader.refresh()
    assert len(reader) == 1
    writer.upsert([make_record(2, "Tin hai", ["Giao ban tuần."])])
    assert live.stat().st_size > good
    reader.refresh()
    assert len(reader) == 2
    service = SearchService(path, lambda rid: None)
    try:
        assert service.search(SearchRequest(q="giao ban")).hits[0].snippet == "<mark>Giao ban</mark> tuần"
    finally:
        service.close()


def test_a_missing_store_falls_back_to_the_records(tmp_path: Path) -> None:
    path = tmp_path / "index"
    IndexWriter(path).rebuild(RECORDS[:10])
    shutil.rmtree(read_location(path).directory / DIRECTORY)
    service = SearchService(path, lambda rid: page_text(BY_ID[rid]))
    try:
        hit = service.search(SearchRequest(q=RECORDS[3].title)).hits[0]
        assert hit.snippet == snippet(page_text(RECORDS[3]), parse_query(RECORDS[3].title).highlights)
    finally:
        service.close()


@settings(max_examples=150, deadline=None)
@given(
    tokens=st.lists(st.tuples(st.sampled_from(SYLLABLES), st.sampled_from(GLUE)), max_size=120),
    query=st.lists(st.sampled_from(SYLLABLES), min_size=1, max_size=4),
    quoted=st.booleans(),
    nfd=st.booleans(),
)
def test_stored_snippet_equals_the_reference(
    tmp_path_factory: pytest.TempPathFactory,
    tokens: list[tuple[str, str]],
    query: list[str],
    quoted: bool,
    nfd: bool,
) -> None:
    text = "".join(w + g for w, g in tokens)
    if nfd:
        text = unicodedata.normalize("NFD", text)
    directory = tmp_path_factory.mktemp("part")
    part = PartWriter(directory / DIRECTORY, "p.part")
    doc = IndexDocument({"doc_hash": b"h" * 16, "title": "t"})
    doc.page_text = text
    part.add(doc)
    part.close()
    reader = TextReader(directory)
    reader.refresh()
    stored = reader.get(b"h" * 16)
    assert stored is not None
    assert stored.text == text
    typed = " ".join(query)
    hl = parse_query(f'"{typed}"' if quoted else typed).highlights
    marks = Marks(hl, reader.vocabulary).of(stored.ids)
    assert int(marks.sum()) == match_count(text, hl)
    assert stored_snippet(stored, marks) == snippet(text, hl)


def test_a_large_vocabulary_stores_wide_ids(tmp_path: Path) -> None:
    part = PartWriter(tmp_path / DIRECTORY, "p.part")
    texts = [" ".join(f"w{i}" for i in range(70_000)), "hội nghị w69999, giao ban w3"]
    for n, text in enumerate(texts):
        doc = IndexDocument({"doc_hash": bytes([n]) * 16, "title": f"t{n}"})
        doc.page_text = text
        part.add(doc)
    part.close()
    reader = TextReader(tmp_path)
    reader.refresh()
    hl = parse_query("hoi nghi w69999").highlights
    for n, text in enumerate(texts):
        stored = reader.get(bytes([n]) * 16)
        assert stored is not None
        assert [reader.vocabulary.spellings[i] for i in stored.ids] == text.replace(",", "").split()
        marks = Marks(hl, reader.vocabulary).of(stored.ids)
        assert stored_snippet(stored, marks) == snippet(text, hl)


def test_entries_made_with_the_documents_token_cache_are_the_same(tmp_path: Path) -> None:
    """The text store takes the tokens of a document's lead and body from its cache (shared with the
    index builder), not by scanning the joined page text again: the entries are the same."""
    from index.schema import to_document

    records = list(corpus_records(20, seed=3, body_syllables=80))
    entries: list[list[bytes]] = []
    for cached in (True, False):
        part = PartWriter(tmp_path / f"{cached}" / DIRECTORY, "p.part")
        for record in records:
            doc = to_document(record)
            assert len(doc.page_parts) == 2  # lead and body
            if cached:
                doc.tokens_of(doc.page_parts[1])  # as the index builder would have
            else:
                doc.tokens_of = None  # type: ignore[method-assign,assignment]  # no cache: scanned again
            part.add(doc)
        part.close()
        entries.append(sorted(p.read_bytes() for p in (tmp_path / f"{cached}" / DIRECTORY).iterdir()))
    assert entries[0] == entries[1]


def test_entries_made_from_batch_tokens_read_the_same(tmp_path: Path) -> None:
    """A bulk build gives the text store its documents' tokens a batch at a time (token ids and
    offsets from numpy): every entry reads as the one made from the document alone (the part's ids
    may be numbered in another order)."""
    from index.schema import to_document

    docs = [to_document(r) for r in RECORDS]
    vocabulary = TokenVocabulary()
    for batched in (True, False):
        part = PartWriter(tmp_path / f"{batched}" / DIRECTORY, "p.part")
        for lo in range(0, len(docs), 25):
            some = docs[lo : lo + 25]
            texts = [t for d in some for t in (d["title"], *d.page_parts)]
            tokens = BatchTokens(texts, vocabulary) if batched else None
            for doc in some:
                part.add(doc, tokens)
        part.seal()
    readers = [TextReader(tmp_path / f"{batched}") for batched in (True, False)]
    for reader in readers:
        reader.refresh()
    assert sorted(readers[0]._entries) == sorted(readers[1]._entries)
    wide = 0
    for doc_hash in readers[0]._entries:
        entries = [reader.get(doc_hash) for reader in readers]
        views = [
            (
                e.text,
                e.has_files,
                [r.vocabulary.spellings[i] for i in e.title_ids.tolist()],
                [r.vocabulary.spellings[i] for i in e.ids.tolist()],
                e.starts.tolist(),
                e.ends.tolist(),
            )
            for e, r in zip(entries, readers, strict=True)
            if e is not None
        ]
        assert len(views) == 2
        assert views[0] == views[1]
        wide += len(entries[0].starts) > 0 and max(np.diff(entries[0].starts), default=0) > 254  # type: ignore[union-attr]
    assert wide  # the record with a long gap: explicit offsets


@settings(max_examples=100, deadline=None)
@given(
    texts=st.lists(
        st.lists(st.tuples(st.sampled_from(SYLLABLES), st.sampled_from(GLUE)), max_size=90), max_size=6
    ),
    query=st.lists(st.sampled_from(SYLLABLES), min_size=1, max_size=4),
    quoted=st.booleans(),
    window=st.sampled_from([1, 3, 40]),
)
def test_page_snippets_equal_one_document_at_a_time(
    tmp_path_factory: pytest.TempPathFactory,
    texts: list[list[tuple[str, str]]],
    query: list[str],
    quoted: bool,
    window: int,
) -> None:
    """A page's snippets computed together: the same counts and snippets as document by document (and
    so as the reference), whatever the documents around (empty ones, pairs across their ends)."""
    directory = tmp_path_factory.mktemp("page")
    part = PartWriter(directory / DIRECTORY, "p.part")
    for n, tokens in enumerate(texts):
        doc = IndexDocument({"doc_hash": bytes([n]) * 16, "title": "t"})
        doc.page_text = "".join(w + g for w, g in tokens)
        part.add(doc)
    part.close()
    reader = TextReader(directory)
    reader.refresh()
    docs = [reader.get(bytes([n]) * 16) for n in range(len(texts))]
    stored = [d for d in docs if d is not None]
    assert len(stored) == len(texts)
    typed = " ".join(query)
    marks = Marks(parse_query(f'"{typed}"' if quoted else typed).highlights, reader.vocabulary)
    one_by_one = [
        (int(marks.of(d.ids).sum()), stored_snippet(d, marks.of(d.ids), window=window)) for d in stored
    ]
    assert page_snippets(stored, marks, window=window) == one_by_one


def test_page_snippets_mark_no_pair_across_two_documents(tmp_path: Path) -> None:
    part = PartWriter(tmp_path / DIRECTORY, "p.part")
    for n, text in enumerate(["Báo cáo về hồi", "nghị lực thường niên", "Hồi nghị tổng kết"]):
        doc = IndexDocument({"doc_hash": bytes([n]) * 16, "title": "t"})
        doc.page_text = text
        part.add(doc)
    part.close()
    reader = TextReader(tmp_path)
    reader.refresh()
    stored = [reader.get(bytes([n]) * 16) for n in range(3)]
    docs = [d for d in stored if d is not None]
    # "hội nghi": "hội" exactly, "nghi" folded, and the pair folded: "hồi" is marked only by a pair.
    marks = Marks(parse_query("hội nghi").highlights, reader.vocabulary)
    found = page_snippets(docs, marks)
    assert [own for own, _ in found] == [0, 1, 2]  # "hồi" | "nghị" ends one document, starts the next
    assert found[2][1] == "<mark>Hồi nghị</mark> tổng kết"
    assert found == [(int(marks.of(d.ids).sum()), stored_snippet(d, marks.of(d.ids))) for d in docs]
