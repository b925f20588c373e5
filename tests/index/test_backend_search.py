"""The search contract on both backends (Whoosh, and PostgreSQL on a real primary read through two
streaming replicas): the query language, folding, filters and dates, facets, sorts, cursors (stable
while documents arrive), timelines, deletes and re-indexing a changed record; and the same documents
matched by both backends for the same request."""

from __future__ import annotations

import contextlib
import itertools
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from backend_factory import BACKENDS, Opened, open_backend
from conftest import SAMPLE_RECORDS
from index_factory import corpus_records, make_record

from archive.model import Record
from index.backend import SearchBackend
from index.errors import QueryError
from index.request import Interval, SearchRequest
from index.vietnamese import fold

CORPUS = [
    *corpus_records(80, seed=7, body_syllables=60),
    make_record(900, "Tin không ngày tháng", ["Nội dung."]),
]
RECORDS = {r.id: r for r in [*CORPUS, *SAMPLE_RECORDS]}
QUERIES = [
    "nghi",
    "nghị",
    "hoi nghi",
    '"hội nghị"',
    "ban OR nghi",
    "nghi -ban",
    "title:giao",
    "xã hội",
    "xa hoi",
    '"xa hoi"',
    "đồng",
    "dong",
    "attachment:nghi",
    "page:nghi",
    "year:2015",
    # Runs of three syllables or more: the typed-run page counts the matches in its first look.
    " ".join(CORPUS[7].body[0].split()[2:6]),
    '"' + " ".join(CORPUS[9].body[0].split()[1:4]) + '"',
    # Over 63 terms: PostgreSQL tests which terms a document holds with more than one word of bits.
    " ".join(CORPUS[3].body[0].split()[:24]),
    " OR ".join(CORPUS[5].body[0].split()[:60]),
    # Matches documents holding none of its words: PostgreSQL reads the rows' own terms.
    f"source:{CORPUS[0].source} OR nghi",
]


def _fill(opened: Opened, records: list[Record]) -> None:
    report = opened.indexer.sync([(r.id, "1") for r in records], RECORDS.__getitem__)
    assert report.added == len(records)
    opened.settle()


@pytest.fixture(scope="module", params=BACKENDS)
def corpus(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Opened]:
    with open_backend(request.param, request, tmp_path_factory.mktemp("corpus"), RECORDS) as opened:
        _fill(opened, CORPUS)
        yield opened


@pytest.fixture(scope="module", params=BACKENDS)
def samples(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Opened]:
    with open_backend(request.param, request, tmp_path_factory.mktemp("samples"), RECORDS) as opened:
        _fill(opened, SAMPLE_RECORDS)
        yield opened


@pytest.fixture(params=BACKENDS)
def empty(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opened]:
    with open_backend(request.param, request, tmp_path, RECORDS) as opened:
        yield opened


@pytest.fixture(scope="module")
def both(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, SearchBackend]]:
    """The corpus on each backend at once, by backend name."""
    with contextlib.ExitStack() as stack:
        found: dict[str, SearchBackend] = {}
        for kind in BACKENDS:
            opened = stack.enter_context(open_backend(kind, request, tmp_path_factory.mktemp(kind), RECORDS))
            _fill(opened, CORPUS)
            found[kind] = opened.search
        yield found


def ids(search: SearchBackend, q: str | None, **kw: object) -> list[str]:
    return [h.id for h in search.iter_hits(SearchRequest(q=q, **kw), batch=50)]  # type: ignore[arg-type]


SEED, OTHER, THIRD = (r.id for r in SAMPLE_RECORDS)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("hội nghị giao ban", [SEED, THIRD]),
        ("hoi nghi giao ban", [SEED, THIRD]),
        ("Lê Doãn Hợp", [SEED]),
        ("le doan hop", [SEED]),
        ('"giao ban"', [SEED]),
        ("bàn", [THIRD]),
        ("Hoà Bình", [OTHER]),
        ('"chuyển đổi số"', [OTHER]),
        ("title:giao author:dong", [SEED]),
        ("source:other", [OTHER]),
        ('department:"khoa hoc"', [OTHER]),
        ("1234/QĐ-UBND", [SEED]),
        ("1234/QD-UBND", [SEED]),
        ("Hoàng Văn Đồng", [SEED]),
    ],
)
def test_the_query_language(samples: Opened, q: str, expected: list[str]) -> None:
    assert ids(samples.search, q)[: len(expected)] == expected


def test_the_doc_number_filter(empty: Opened) -> None:
    numbered = make_record(950, "Hội nghị giao ban", ["Nội dung."], doc_numbers=["1234/QĐ-UBND"])
    other = make_record(951, "Hội nghị giao ban tháng", ["Nội dung."], doc_numbers=["12/KH-SKHCN"])
    records = {r.id: r for r in (numbered, other)}
    empty.indexer.sync([(rid, "1") for rid in records], records.__getitem__)
    empty.settle()
    for number in ("1234/QĐ-UBND", "1234/qđ - ubnd"):
        assert ids(empty.search, None, filters={"doc_number": number}) == [numbered.id]
        assert ids(empty.search, "giao ban", filters={"doc_number": number}) == [numbered.id]
    assert ids(empty.search, None, filters={"doc_number": "9999/QĐ-UBND"}) == []


def test_marks_exclusion_and_or(samples: Opened) -> None:
    assert set(ids(samples.search, "ban")) == {SEED, OTHER, THIRD}
    assert OTHER not in ids(samples.search, "hội nghị -chuyển")
    assert set(ids(samples.search, "tập OR bàn")) == {OTHER, THIRD}


def test_snippets_mark_folded_matches(samples: Opened) -> None:
    hit = samples.search.search(SearchRequest(q="le doan hop")).hits[0]
    assert "<mark>Lê Doãn Hợp</mark>" in hit.snippet
    assert hit.score is not None


@pytest.mark.parametrize("q", QUERIES)
def test_both_backends_match_the_same_documents(both: dict[str, SearchBackend], q: str) -> None:
    for request in [
        SearchRequest(q=q, facets=["source", "year", "author"]),
        SearchRequest(q=q, filters={"source": CORPUS[0].source}, date_from=date(2012, 1, 1)),
        SearchRequest(q=q, sort="newest", date_to=date(2016, 6, 30)),
    ]:
        found = {kind: search.search(replace(request, size=100)) for kind, search in both.items()}
        orders = {kind: [h.id for h in results.hits] for kind, results in found.items()}
        reference = found["whoosh"]
        for results in found.values():
            assert results.total == reference.total
            assert results.facets == reference.facets
        assert {frozenset(o) for o in orders.values()} == {frozenset(orders["whoosh"])}
        if request.sort == "newest":
            assert all(o == orders["whoosh"] for o in orders.values())


@pytest.mark.parametrize("q", ["Hội nghị", "xã hội", "Đồng Nai", "chuyển đổi số"])
def test_unmarked_queries_find_at_least_the_marked_matches(both: dict[str, SearchBackend], q: str) -> None:
    for search in both.values():
        marked = set(ids(search, q))
        assert marked <= set(ids(search, fold(q)))
        assert set(ids(search, fold(q).upper())) == set(ids(search, fold(q)))
    assert len({frozenset(ids(s, fold(q))) for s in both.values()}) == 1


def test_timelines_and_health_agree(both: dict[str, SearchBackend]) -> None:
    intervals: list[Interval] = ["day", "month", "year"]
    for interval in intervals:
        lines = [s.timeline(SearchRequest(q="nghi"), interval) for s in both.values()]
        assert all(line == lines[0] for line in lines)
        assert sum(n for _, n in lines[0]) == len(ids(both["whoosh"], "nghi"))
    healths = [s.health() for s in both.values()]
    assert all(h == healths[0] for h in healths)
    assert sum(h.records for h in healths[0].values()) == len(CORPUS)


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
def test_cursor_pages_cover_every_match_once(corpus: Opened, sort: str) -> None:
    search = corpus.search
    request = SearchRequest(q="nghi OR ban OR đồng OR a", sort=sort, size=6)  # type: ignore[arg-type]
    first = search.search(request)
    seen = [h.id for h in first.hits]
    cursor = first.next_cursor
    while cursor:
        page = search.search(replace(request, cursor=cursor))
        assert page.total == first.total
        seen.extend(h.id for h in page.hits)
        cursor = page.next_cursor
    assert len(seen) == len(set(seen)) == first.total > 12
    assert seen == [h.id for h in search.iter_hits(replace(request, size=1), batch=7)]
    offsets = [h.id for o in range(0, first.total, 6) for h in search.search(replace(request, offset=o)).hits]
    assert offsets == seen
    # Past the last match the page is empty and the total is still the matching set's (PostgreSQL counts
    # a first relevance page in the page query itself, and apart when that query returns no row).
    for offset in (first.total - 1, first.total, first.total + 50):
        later = search.search(replace(request, offset=offset))
        assert later.total == first.total
        assert len(later.hits) == (1 if offset == first.total - 1 else 0)


def test_bad_cursors_are_refused(corpus: Opened) -> None:
    request = SearchRequest(q="nghi", size=2)
    token = corpus.search.search(request).next_cursor
    assert token
    version, body, mac = token.split(".")
    for bad in [f"{version}.{body}.{mac[:-1]}", "garbage", "x" * 5000]:
        with pytest.raises(QueryError, match="invalid cursor"):
            corpus.search.search(replace(request, cursor=bad))
    for other in [replace(request, q="ban"), replace(request, sort="newest")]:
        with pytest.raises(QueryError, match="invalid cursor"):
            corpus.search.search(replace(other, cursor=token))


@pytest.mark.parametrize("sort", ["relevance", "newest"])
def test_cursor_paging_is_stable_while_documents_are_added(empty: Opened, sort: str) -> None:
    _fill(empty, CORPUS[:40])
    word = Counter(w for r in CORPUS[:40] for w in set(r.title.lower().split())).most_common(1)[0][0]
    request = SearchRequest(q=f"{word} OR ban OR nghi", sort=sort, size=4)  # type: ignore[arg-type]
    expected = [h.id for h in empty.search.search(replace(request, size=100)).hits]
    assert len(expected) > 12
    page = empty.search.search(request)
    seen = [h.id for h in page.hits]
    arriving = iter(CORPUS[40:80])
    while page.next_cursor:
        # New documents move every document frequency, the document count, the average lengths, and
        # take places before and after the cursor.
        empty.indexer.upsert(itertools.islice(arriving, 3))
        empty.settle()
        page = empty.search.search(replace(request, cursor=page.next_cursor))
        seen.extend(h.id for h in page.hits)
    assert [i for i in seen if i in set(expected)] == expected
    assert len(seen) == len(set(seen))


def test_deletes_and_a_changed_record_reindexed(empty: Opened) -> None:
    _fill(empty, CORPUS[:10])
    changed = CORPUS[3].model_copy(update={"title": "Khánh thành cầu Mỹ Thuận mới"})
    store = {**RECORDS, changed.id: changed}
    entries = [(r.id, "2" if r.id == changed.id else "1") for r in CORPUS[:10] if r.id != CORPUS[5].id]
    report = empty.indexer.sync(entries, store.__getitem__)
    assert (report.updated, report.deleted, report.unchanged, report.added) == (1, 1, 8, 0)
    again = empty.indexer.sync(entries, store.__getitem__)
    assert (again.updated, again.deleted, again.unchanged, again.added) == (0, 0, 9, 0)
    empty.settle()
    assert ids(empty.search, "my thuan") == [changed.id]
    assert ids(empty.search, f'"{CORPUS[3].title}"') == []
    assert CORPUS[5].id not in ids(empty.search, None)
    assert empty.search.count() == 9
    assert empty.indexer.delete([changed.id]) == 1
    empty.settle()
    assert ids(empty.search, "my thuan") == []
    assert empty.search.count() == 8
