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


@settings(max_examples=300, deadline=None)
@given(
    scores=st.lists(st.integers(min_value=0, max_value=6), min_size=0, max_size=proximity.DEPTH + 20),
    holding=st.data(),
    want=st.integers(min_value=1, max_value=60),
    cursor=st.booleans(),
)
def test_rerank_checks_candidates_until_the_page_is_known(
    scores: list[int], holding: st.DataObject, want: int, cursor: bool
) -> None:
    """Stopping once the page's holders are found gives the page checking every candidate gives."""
    ids = [f"{n:04d}" for n in range(len(scores))]
    order = sorted(range(len(scores)), key=lambda d: (-scores[d], ids[d]))
    holders = {d for d in order if holding.draw(st.booleans())}
    after = (float(scores[order[len(order) // 2]]), ids[order[len(order) // 2]]) if cursor and order else None

    def top(limit: int, after: tuple[float, str] | None) -> list[tuple[float, int]]:
        rows = [(float(scores[d]), d) for d in order]
        if after is not None:
            rows = [(s, d) for s, d in rows if (-s, ids[d]) > (-after[0], after[1])]
        return rows[:limit]

    checked: list[int] = []

    def has_run(found: list[int]) -> list[bool]:
        checked.extend(found)
        return [d in holders for d in found]

    def everything(found: list[int]) -> list[bool]:
        return [d in holders for d in found]

    expected = proximity.rerank(top, want, after, ids, everything)
    saved = proximity._CHECK_BATCH
    try:
        proximity._CHECK_BATCH = 10**9  # one batch: every candidate checked, the plain definition
        assert proximity.rerank(top, want, after, ids, everything) == expected
    finally:
        proximity._CHECK_BATCH = saved
    assert proximity.rerank(top, want, after, ids, has_run) == expected
    assert len(checked) == len(set(checked))  # nothing checked twice
    first = top(proximity.DEPTH, None)
    if after is None and sum(d in holders for _, d in first[: max(want, 32)]) >= want:
        assert len(checked) <= max(want, 32)  # the first batch settled the page


def test_rerank_looks_further_while_the_page_lacks_holders() -> None:
    ids = [f"{n:04d}" for n in range(100)]
    holders = {0, 1, 2, 3, 50}
    checked: list[int] = []

    def top(limit: int, after: tuple[float, str] | None) -> list[tuple[float, int]]:
        return [(100.0 - d, d) for d in range(100)][:limit]

    def has_run(found: list[int]) -> list[bool]:
        checked.extend(found)
        return [d in holders for d in found]

    page = proximity.rerank(top, 5, None, ids, has_run)
    assert page is not None
    assert [d for _, d in page] == [0, 1, 2, 3, 50]  # the fifth holder is in the second batch
    assert len(checked) == 64  # two batches of 32, not all 100


def test_rerank_after_a_cursor_checks_what_the_cursor_needs() -> None:
    ids = [f"{n:04d}" for n in range(100)]
    holders = set(range(0, 100, 2))

    def top(limit: int, after: tuple[float, str] | None) -> list[tuple[float, int]]:
        rows = [(100.0 - d, d) for d in range(100)]
        if after is not None:
            rows = [(s, d) for s, d in rows if (-s, ids[d]) > (-after[0], after[1])]
        return rows[:limit]

    def has_run(found: list[int]) -> list[bool]:
        return [d in holders for d in found]

    first = proximity.rerank(top, 5, None, ids, has_run)
    assert first is not None
    assert [d for _, d in first] == [0, 2, 4, 6, 8]
    # A page after a cursor past every holder of the first batch: the holders of later ones follow.
    deeper = proximity.rerank(top, 16, None, ids, has_run)
    assert deeper is not None
    score, last = deeper[-1]
    assert last == 30
    later = proximity.rerank(top, 10, (score, ids[last]), ids, has_run)
    assert later is not None
    assert [d for _, d in later] == list(range(32, 52, 2))
    rest = proximity.rerank(top, 60, (score, ids[last]), ids, has_run)
    assert rest is not None
    assert [d for _, d in rest] == [*range(32, 100, 2), *range(1, 53, 2)]
