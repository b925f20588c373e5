"""The typed run ranks first: the proximity step after the engine's top-k."""

from __future__ import annotations

import shutil
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from index_factory import corpus_records, make_record

from index import proximity
from index.proximity import Run, query_run
from index.terms import syllable_forms
from index.vietnamese import nfc, tokenize
from index.whoosh.service import SearchRequest, SearchService
from index.whoosh.store import IndexWriter, read_location
from index.whoosh.textstore import store_directory

FILLER = "Ủy ban nhân dân tỉnh tổ chức buổi làm việc với các sở ngành về kế hoạch năm tới"
WHOLE = make_record(
    1,
    "Báo cáo tổng hợp",
    [FILLER + ", " + FILLER.lower() + "."] * 6 + ["Mục tiêu phát triển kinh tế số của tỉnh được nêu rõ."],
)
SCATTERED = make_record(
    2,
    "Kinh tế số và phát triển",  # every pair of the run, never the run (punctuation aside)
    ["Phát triển kinh doanh. Triển kinh tế. Tế số hóa, kinh tế."],
)
PLANS = [  # "kế hoạch năm tới" whole in every third, scattered in the others; lengths vary the scores
    make_record(
        100 + i,
        f"Tin số {i}",
        [
            ("Kế hoạch năm tới" if i % 3 == 0 else "Năm tới có kế hoạch, tới năm")
            + " của sở"
            + " và các đơn vị" * (i % 7)
        ],
    )
    for i in range(30)
]
RECORDS = [WHOLE, SCATTERED, *PLANS, *corpus_records(60, seed=11, body_syllables=80, start=10)]


@pytest.fixture(scope="module")
def paths(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The index, and a copy without its text store (BM25 alone)."""
    path = tmp_path_factory.mktemp("prox") / "index"
    IndexWriter(path).rebuild(RECORDS)
    bare = tmp_path_factory.mktemp("bare") / "index"
    shutil.copytree(path, bare)
    shutil.rmtree(store_directory(read_location(bare).directory))
    return path, bare


@pytest.fixture
def services(paths: tuple[Path, Path]) -> Iterator[tuple[SearchService, SearchService]]:
    lifted, bare = SearchService(paths[0], lambda rid: None), SearchService(paths[1], lambda rid: None)
    yield lifted, bare
    lifted.close()
    bare.close()


def ids(service: SearchService, q: str, **kw: object) -> list[str]:
    return [h.id for h in service.search(SearchRequest(q=q, size=50, **kw)).hits]  # type: ignore[arg-type]


@pytest.mark.parametrize("q", ["phat trien kinh te so", "phát triển kinh tế số", '"phát triển kinh tế số"'])
def test_the_whole_run_outranks_its_pairs_scattered(
    services: tuple[SearchService, SearchService], q: str
) -> None:
    lifted, bare = services
    if not q.startswith('"'):  # BM25 alone prefers the short page with the pairs (what the step fixes)
        assert ids(bare, q)[0] == SCATTERED.id
    assert ids(lifted, q)[:2] == [WHOLE.id, SCATTERED.id]
    assert ids(lifted, q, scope="page")[0] == WHOLE.id


def test_marks_typed_must_match(services: tuple[SearchService, SearchService]) -> None:
    lifted, _ = services
    # "phát triên" (wrong tone) matches no spelling of the text: no document holds that run.
    assert ids(lifted, "phát triên kinh tế số") == []
    assert ids(lifted, "phat trien kinh te so", scope="attachments") == []


def test_counts_and_facets_are_unchanged(services: tuple[SearchService, SearchService]) -> None:
    lifted, bare = services
    for q in ("phat trien kinh te so", "uy ban nhan dan tinh", "ke hoach nam toi"):
        request = SearchRequest(q=q, facets=["source", "year"], size=100)
        got, expected = lifted.search(request), bare.search(request)
        assert (got.total, got.facets) == (expected.total, expected.facets)
        assert sorted(h.id for h in got.hits) == sorted(h.id for h in expected.hits)


@pytest.mark.parametrize("depth", [3, 200])
def test_pages_by_cursor_and_offset_follow_the_lifted_order(
    services: tuple[SearchService, SearchService], monkeypatch: pytest.MonkeyPatch, depth: int
) -> None:
    monkeypatch.setattr(proximity, "DEPTH", depth)
    lifted, _ = services
    q = "ke hoach nam toi"
    whole = lifted.search(SearchRequest(q=q, size=100))
    order = [(h.id, h.score) for h in whole.hits]
    assert len(order) == whole.total > 30
    lifted_ids = {r.id for r in PLANS[::3]} | {WHOLE.id}
    if depth > len(order):
        assert {i for i, _ in order[: len(lifted_ids)]} == lifted_ids
    by_cursor: list[tuple[str, float | None]] = []
    cursor: str | None = None
    while True:
        page = lifted.search(SearchRequest(q=q, size=4, cursor=cursor))
        by_cursor += [(h.id, h.score) for h in page.hits]
        cursor = page.next_cursor
        if cursor is None:
            break
    by_offset = [
        (h.id, h.score)
        for o in range(0, len(order), 5)
        for h in lifted.search(SearchRequest(q=q, size=5, offset=o)).hits
    ]
    assert by_cursor == order
    assert by_offset == order
    scores = [s for _, s in order]
    assert scores == sorted(scores, reverse=True)  # scores stay a total order (cursors rely on it)


def test_query_run() -> None:
    assert query_run("hoi nghi") is None  # two syllables: the bigram term already scores adjacency
    assert query_run("hội nghị giao ban") == Run(
        (("hội", "hoi", True), ("nghị", "nghi", True), ("giao", "giao", False), ("ban", "ban", False))
    )
    assert query_run('"hoi nghi" giao ban') is not None
    for q in ("hoi OR nghi giao", "hoi nghi -giao ban", "title:hoi nghi giao", None, ""):
        assert query_run(q) is None
    assert query_run("hoi nghi giao", "attachments") is None


def _reference_holds_run(run: Run, texts: list[str]) -> bool:
    n = len(run.syllables)
    for text in texts:
        forms = [syllable_forms(t.text) for t in tokenize(nfc(text))]
        for start in range(len(forms) - n + 1):
            if all(
                (forms[start + j][0] == exact) if marked else (forms[start + j][1] == folded)
                for j, (exact, folded, marked) in enumerate(run.syllables)
            ):
                return True
    return False


_RUN_WORDS = ["phát", "phat", "triển", "trien", "kinh", "tế", "te", "Tế", "số", "so", "1234/QĐ-UBND"]
_RUN_GLUE = [" ", ", ", ". ", "\n", " - ", "/", "_", "…"]


@settings(max_examples=300, deadline=None)
@given(
    words=st.lists(st.tuples(st.sampled_from(_RUN_WORDS), st.sampled_from(_RUN_GLUE)), max_size=60),
    typed=st.lists(st.sampled_from(_RUN_WORDS), min_size=3, max_size=5),
    quoted=st.booleans(),
    nfd=st.booleans(),
)
def test_holds_run_equals_the_plain_definition(
    words: list[tuple[str, str]], typed: list[str], quoted: bool, nfd: bool
) -> None:
    run = query_run(f'"{" ".join(typed)}"' if quoted else " ".join(typed))
    assume(run is not None)
    assert run is not None
    text = "".join(w + g for w, g in words)
    if nfd:
        text = unicodedata.normalize("NFD", text)
    texts = [text[: len(text) // 3], text]
    assert proximity.holds_run(run, texts) == _reference_holds_run(run, texts)
