"""Known-item search quality over a generated corpus (issue 5, point 7; issue 17, point 4).

For sampled documents, a distinctive run of syllables from the title or the body is typed the way a
journalist without a Vietnamese keyboard types it (no marks, unquoted) and must bring its document into
the top 3. "Distinctive" is checked against the corpus itself: the run's folded syllables occur in that
order in at most three documents. The mean reciprocal rank is reported and must stay above a floor.

And the typed run: four consecutive words of a sampled document that occur in that order in no other
document, typed unquoted with and without marks, must find it first in at least :data:`RUN_FLOOR` of
the cases.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from backend_factory import BACKENDS, open_backend
from index_factory import corpus_document, corpus_record

from index.backend import SearchBackend
from index.corpus import CorpusDoc, generate
from index.request import SearchRequest
from index.vietnamese import TOKEN_RE, fold, folded_form
from index.whoosh.service import SearchService
from index.whoosh.store import IndexWriter

N_DOCS = 600
N_QUERIES = 80
MRR_FLOOR = 0.95
N_RUNS = 100
RUN_FLOOR = 0.95


def clauses(text: str) -> list[list[str]]:
    """Folded syllables of ``text``, split at clause punctuation."""
    out: list[list[str]] = [[]]
    for token in TOKEN_RE.findall(text):
        if token:
            out[-1].append(folded_form(token))
        elif out[-1]:
            out.append([])
    return [c for c in out if c]


def doc_text(doc: CorpusDoc) -> list[str]:
    return [doc.title, doc.lead, *doc.body]


def contains(sequence: list[str], run: tuple[str, ...]) -> bool:
    k = len(run)
    return any(tuple(sequence[i : i + k]) == run for i in range(len(sequence) - k + 1))


Corpus = tuple[SearchBackend, list[CorpusDoc]]


@pytest.fixture(scope="module", params=BACKENDS)
def corpus(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Corpus]:
    """The generated corpus on each backend; documents keep their generated ids on both."""
    docs = list(generate(N_DOCS, seed=2024, body_syllables=150))
    path: Path = tmp_path_factory.mktemp("quality")
    if request.param == "whoosh":
        IndexWriter(path / "index").rebuild_documents(
            corpus_document(d, url="http://example.vn/") for d in docs
        )
        service = SearchService(path / "index", lambda rid: None)
        yield service, docs
        service.close()
        return
    with open_backend(request.param, request, path, {}) as opened:
        records = [corpus_record(d, i).model_copy(update={"id": d.id}) for i, d in enumerate(docs)]
        opened.indexer.upsert(records)
        opened.settle()
        yield opened.search, docs


def known_items(docs: list[CorpusDoc]) -> list[tuple[str, str, str]]:
    """``(doc id, phrase as written, where)`` for sampled documents, each phrase distinctive."""
    folded_docs = [[c for part in doc_text(d) for c in clauses(part)] for d in docs]
    rng = random.Random(7)
    items: list[tuple[str, str, str]] = []
    for index in rng.sample(range(len(docs)), N_QUERIES * 2):
        doc = docs[index]
        where = "title" if len(items) % 2 == 0 else "body"
        source = doc.title if where == "title" else rng.choice(doc.body)
        written = [c for c in _written_clauses(source) if len(c) >= 3]
        if not written:
            continue
        clause = rng.choice(written)
        k = min(len(clause), rng.choice([3, 4]))
        start = rng.randrange(len(clause) - k + 1)
        run_written = clause[start : start + k]
        run = tuple(folded_form(s) for s in run_written)
        holders = sum(any(contains(c, run) for c in doc_clauses) for doc_clauses in folded_docs)
        if holders > 3:
            continue
        items.append((doc.id, " ".join(run_written), where))
        if len(items) == N_QUERIES:
            break
    return items


def _written_clauses(text: str) -> list[list[str]]:
    out: list[list[str]] = [[]]
    for token in TOKEN_RE.findall(text):
        if token:
            out[-1].append(token)
        elif out[-1]:
            out.append([])
    return [c for c in out if c]


def test_known_items_typed_without_marks(corpus: Corpus, record_property: pytest.RecordProperty) -> None:
    service, docs = corpus
    items = known_items(docs)
    assert len(items) == N_QUERIES
    reciprocal: list[float] = []
    misses: list[tuple[str, int | None]] = []
    for doc_id, phrase, _ in items:
        typed = fold(phrase).lower()
        assert typed.isascii()
        hits = [h.id for h in service.search(SearchRequest(q=typed, size=10)).hits]
        rank = hits.index(doc_id) + 1 if doc_id in hits else None
        reciprocal.append(1 / rank if rank else 0.0)
        if rank is None or rank > 3:
            misses.append((typed, rank))
    mrr = sum(reciprocal) / len(reciprocal)
    record_property("known_item_mrr", round(mrr, 4))
    print(f"\nknown-item MRR over {len(items)} unaccented queries, {N_DOCS} documents: {mrr:.3f}")
    assert not misses, f"not in the top 3: {misses}"
    assert mrr >= MRR_FLOOR


def test_known_items_with_marks_and_quotes(corpus: Corpus) -> None:
    service, docs = corpus
    for doc_id, phrase, _ in known_items(docs)[:30]:
        for typed in (phrase, f'"{phrase}"', f'"{fold(phrase)}"'):
            hits = [h.id for h in service.search(SearchRequest(q=typed, size=3)).hits]
            assert doc_id in hits, typed


def tokens(text: str) -> list[str]:
    return [t for t in TOKEN_RE.findall(text) if t]


def unique_runs(docs: list[CorpusDoc]) -> list[tuple[str, str]]:
    """``(doc id, four consecutive words as written)`` for sampled documents, each run occurring (folded,
    in order, punctuation aside) in its document only."""
    folded = [[[folded_form(t) for t in tokens(part)] for part in doc_text(d)] for d in docs]
    rng = random.Random(17)
    runs: list[tuple[str, str]] = []
    for index in rng.sample(range(len(docs)), len(docs)):
        doc = docs[index]
        parts = [tokens(part) for part in doc_text(doc)]
        part = rng.choice([p for p in parts if len(p) >= 4])
        start = rng.randrange(len(part) - 3)
        written = part[start : start + 4]
        run = tuple(folded_form(t) for t in written)
        holders = sum(any(contains(p, run) for p in doc_parts) for doc_parts in folded)
        if holders == 1:
            runs.append((doc.id, " ".join(written)))
        if len(runs) == N_RUNS:
            break
    return runs


def test_a_typed_run_finds_its_document_first(
    corpus: tuple[SearchService, list[CorpusDoc]], record_property: pytest.RecordProperty
) -> None:
    service, docs = corpus
    runs = unique_runs(docs)
    assert len(runs) == N_RUNS
    for label, typing in (("with marks", str), ("without marks", lambda s: fold(s).lower())):
        firsts = 0
        missed: list[str] = []
        for doc_id, written in runs:
            hits = service.search(SearchRequest(q=typing(written), size=1)).hits
            if hits and hits[0].id == doc_id:
                firsts += 1
            else:
                missed.append(typing(written))
        rate = firsts / len(runs)
        record_property(f"typed_run_first_{label.replace(' ', '_')}", rate)
        print(f"\ntyped run of 4 words, {label}: first in {rate:.0%} of {len(runs)}")
        assert rate >= RUN_FLOOR, missed
