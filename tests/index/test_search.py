from __future__ import annotations

import contextlib
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import SAMPLE_RECORDS
from index_factory import corpus_records, make_record

from archive.model import Record
from index.errors import IndexMissing, QueryError
from index.vietnamese import folded_form, tokenize
from index.whoosh.service import SearchRequest, SearchService
from index.whoosh.store import IndexWriter

ICT = timezone(timedelta(hours=7))


RECORDS = SAMPLE_RECORDS
TEXTS = {r.id: "\n".join(r.body) for r in RECORDS}


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchService]:
    path = tmp_path_factory.mktemp("ix") / "index"
    IndexWriter(path).rebuild(RECORDS)
    svc = SearchService(path, TEXTS.get)
    yield svc
    svc.close()


def ids(service: SearchService, q: str, **kw: object) -> list[str]:
    return [h.id for h in service.search(SearchRequest(q=q, **kw)).hits]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "q", ["hội nghị giao ban", "hoi nghi giao ban", "Lê Doãn Hợp", "le doan hop", '"giao ban"']
)
def test_seed_queries_rank_the_seed_first(service: SearchService, q: str) -> None:
    assert ids(service, q)[0] == RECORDS[0].id


def test_marked_syllable_matches_exactly(service: SearchService) -> None:
    assert ids(service, "bàn") == [RECORDS[2].id]
    assert set(ids(service, "ban")) == {r.id for r in RECORDS}


def test_tone_placement_is_normalized(service: SearchService) -> None:
    assert ids(service, "Hoà Bình") == [RECORDS[1].id]


def test_phrase_exclusion_or_and_fields(service: SearchService) -> None:
    assert ids(service, '"chuyển đổi số"') == [RECORDS[1].id]
    assert RECORDS[1].id not in ids(service, "hội nghị -chuyển")
    assert set(ids(service, "tập OR bàn")) == {RECORDS[1].id, RECORDS[2].id}
    assert ids(service, "title:giao author:dong") == [RECORDS[0].id]
    assert ids(service, "source:other") == [RECORDS[1].id]
    assert ids(service, 'department:"khoa hoc"') == [RECORDS[1].id]


def test_document_number_as_written(service: SearchService) -> None:
    assert ids(service, "1234/QĐ-UBND") == [RECORDS[0].id]
    assert ids(service, "1234/QD-UBND") == [RECORDS[0].id]


def test_snippet_marks_folded_matches_and_escapes(service: SearchService) -> None:
    hit = service.search(SearchRequest(q="le doan hop")).hits[0]
    assert "<mark>Lê Doãn Hợp</mark>" in hit.snippet


def test_filters_sort_and_facets(service: SearchService) -> None:
    newest = service.search(SearchRequest(sort="newest", facets=["source", "year"]))
    assert [h.id for h in newest.hits] == [RECORDS[1].id, RECORDS[2].id, RECORDS[0].id]
    assert dict(newest.facets["source"]) == {"demo": 2, "other": 1}
    assert ids(service, "", filters={"year": "2015"}) == [RECORDS[2].id]
    from datetime import date

    got = ids(service, "", date_from=date(2010, 7, 5), date_to=date(2010, 7, 5))
    assert got == [RECORDS[0].id]


def test_date_ranges_see_the_years_a_commit_adds(tmp_path: Path) -> None:
    """The years a date range is clamped to are read once per version of the index: a record of a
    new year is found by a range over it as soon as it is committed."""
    from datetime import datetime

    path = tmp_path / "index"
    writer = IndexWriter(path)
    writer.rebuild(RECORDS)
    service = SearchService(path, lambda rid: None)
    later = SearchRequest(date_from=date(2031, 1, 1), date_to=date(2031, 12, 31))
    assert service.search(later).total == 0
    published = datetime(2031, 5, 2, 9, 0, tzinfo=timezone(timedelta(hours=7)))
    writer.upsert([make_record(77, "Tin năm sau", ["Nội dung."], published=published)])
    found = service.search(later)
    assert [h.id for h in found.hits] == [make_record(77, "x", ["y"]).id]
    service.close()


@pytest.mark.parametrize("q", ['"unbalanced', "OR", "- OR -", "x" * 900, "title:", "foo:bar", "((("])
def test_odd_queries_never_raise_other_errors(service: SearchService, q: str) -> None:
    with contextlib.suppress(QueryError):
        service.search(SearchRequest(q=q))


def test_query_errors(service: SearchService) -> None:
    with pytest.raises(QueryError, match="maximum"):
        service.search(SearchRequest(q="a " * 600))
    with pytest.raises(QueryError, match="no words"):
        service.search(SearchRequest(q="- OR ..."))


def test_missing_index(tmp_path: Path) -> None:
    with pytest.raises(IndexMissing):
        SearchService(tmp_path / "none", TEXTS.get).search(SearchRequest(q="x"))


def test_upsert_replaces_and_searcher_refreshes(tmp_path: Path) -> None:
    path = tmp_path / "index"
    writer = IndexWriter(path)
    writer.upsert(RECORDS[:1])
    service = SearchService(path, TEXTS.get)
    assert service.count() == 1
    writer.upsert(RECORDS)
    assert service.count() == 3
    writer.delete([RECORDS[0].id])
    assert service.count() == 2
    service.close()


# --- a generated corpus: filters, facets, paging, timelines, exports --------------------------------

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
CORPUS = [
    *corpus_records(80, seed=7, body_syllables=60),
    make_record(900, "Tin không ngày tháng", ["Nội dung."]),
]
BY_ID = {r.id: r for r in CORPUS}


def full_text(rid: str) -> str:
    record = BY_ID[rid]
    return "\n".join([record.title, record.lead or "", *record.body])


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchService]:
    path = tmp_path_factory.mktemp("corpus") / "index"
    IndexWriter(path).rebuild(CORPUS)
    # What the API gives (lead and body): the text store holds the same, so snippets agree.
    svc = SearchService(path, lambda rid: "\n".join(p for p in (BY_ID[rid].lead, *BY_ID[rid].body) if p))
    yield svc
    svc.close()


def local_day(record: Record) -> date | None:
    return record.published.astimezone(LOCAL).date() if record.published else None


def date_key(record: Record) -> tuple[int, str]:
    return (int(record.published.timestamp()) if record.published else -(2**62), record.id)


def test_hits_carry_metadata(corpus: SearchService) -> None:
    hit = corpus.search(SearchRequest(filters={"source": CORPUS[0].source}, size=100)).hits[0]
    record = BY_ID[hit.id]
    assert (hit.jurisdiction, hit.category, hit.author) == (
        record.jurisdiction,
        record.category,
        record.author,
    )
    assert hit.published == record.published
    assert hit.published is not None
    assert hit.published.utcoffset() == timedelta(hours=7)


@pytest.mark.parametrize("name", ["source", "department", "jurisdiction", "category", "author", "year"])
def test_facets_count_every_match(corpus: SearchService, name: str) -> None:
    results = corpus.search(SearchRequest(facets=[name], size=1))
    expected: Counter[str] = Counter()
    for record in CORPUS:
        value = (
            str(local_day(record).year)
            if name == "year" and record.published
            else getattr(record, name, None)
        )
        if name == "year" and not record.published:
            value = None
        if value:
            expected[value] += 1
    assert dict(results.facets[name]) == dict(expected)
    counts = [n for _, n in results.facets[name]]
    assert counts == sorted(counts, reverse=True)


@pytest.mark.parametrize(
    "name", ["source", "department", "jurisdiction", "category", "author", "year", "month"]
)
def test_each_filter_matches_exactly_its_records(corpus: SearchService, name: str) -> None:
    record = CORPUS[3]
    day = local_day(record)
    assert day is not None
    value = {"year": f"{day.year:04d}", "month": f"{day.year:04d}-{day.month:02d}"}.get(name) or getattr(
        record, name
    )
    got = {h.id for h in corpus.iter_hits(SearchRequest(filters={name: value}))}
    expected = set()
    for r in CORPUS:
        d = local_day(r)
        candidate = (
            {
                "year": f"{d.year:04d}" if d else None,
                "month": f"{d.year:04d}-{d.month:02d}" if d else None,
            }.get(name)
            if name in ("year", "month")
            else getattr(r, name)
        )
        if candidate == value:
            expected.add(r.id)
    assert got == expected
    assert record.id in got


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2010, 6, 15), date(2013, 2, 3)),
        (date(2012, 1, 1), date(2012, 12, 31)),
        (None, date(2011, 3, 31)),
        (date(2019, 7, 9), None),
        (date(2015, 5, 5), date(2015, 5, 5)),
        (date(1990, 1, 1), date(2000, 1, 1)),
    ],
)
@pytest.mark.parametrize("text", [None, "nghi", "a OR ban"])
def test_date_range_filter_matches_local_days(
    corpus: SearchService, start: date | None, end: date | None, text: str | None
) -> None:
    got = {h.id for h in corpus.iter_hits(SearchRequest(q=text, date_from=start, date_to=end))}
    matching = {h.id for h in corpus.iter_hits(SearchRequest(q=text))}
    expected = {
        rid
        for rid in matching
        if (d := local_day(BY_ID[rid])) is not None
        and (start is None or d >= start)
        and (end is None or d <= end)
    }
    assert got == expected


def test_narrow_and_wide_date_ranges_agree(corpus: SearchService) -> None:
    """A one-day range is matched by day terms, a long one through the time column: same results."""
    day = local_day(CORPUS[5])
    assert day is not None
    one = {h.id for h in corpus.iter_hits(SearchRequest(date_from=day, date_to=day))}
    assert CORPUS[5].id in one
    wide = {
        h.id for h in corpus.iter_hits(SearchRequest(date_from=date(2000, 1, 1), date_to=date(2030, 1, 1)))
    }
    assert one <= wide
    assert len(wide) == len(CORPUS) - 1  # all but the undated one


def test_sorts_follow_dates_with_undated_last_in_newest(corpus: SearchService) -> None:
    newest = [h.id for h in corpus.iter_hits(SearchRequest(sort="newest"), batch=7)]
    assert newest == [r.id for r in sorted(CORPUS, key=date_key, reverse=True)]
    assert newest[-1] == CORPUS[-1].id  # undated
    oldest = [h.id for h in corpus.iter_hits(SearchRequest(sort="oldest"), batch=100)]
    assert oldest == newest[::-1]


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
def test_cursor_pages_cover_every_match_once(corpus: SearchService, sort: str) -> None:
    request = SearchRequest(q="nghi OR ban OR đồng OR a", sort=sort, size=6)  # type: ignore[arg-type]
    first = corpus.search(request)
    seen: list[str] = [h.id for h in first.hits]
    cursor = first.next_cursor
    while cursor:
        page = corpus.search(replace(request, cursor=cursor))
        assert page.total == first.total
        seen.extend(h.id for h in page.hits)
        cursor = page.next_cursor
    assert len(seen) == len(set(seen)) == first.total > 12
    all_at_once = [h.id for h in corpus.iter_hits(replace(request, size=1), batch=1000)]
    assert seen == all_at_once
    offsets = [h.id for o in range(0, first.total, 6) for h in corpus.search(replace(request, offset=o)).hits]
    assert offsets == seen
    if sort == "relevance":
        scores = [h.score for h in corpus.search(replace(request, size=100)).hits]
        assert all(s is not None for s in scores)
        assert scores == sorted(scores, reverse=True)


def test_cursor_paging_is_stable_while_documents_are_added(tmp_path: Path) -> None:
    path = tmp_path / "index"
    writer = IndexWriter(path)
    writer.rebuild(CORPUS[:40])
    svc = SearchService(path, lambda rid: None)
    request = SearchRequest(sort="newest", size=5)
    page = svc.search(request)
    seen = [h.id for h in page.hits]
    extra = iter(CORPUS[40:80])
    while page.next_cursor:
        writer.upsert([next(extra), next(extra)])  # newer and older documents arrive between pages
        page = svc.search(replace(request, cursor=page.next_cursor))
        seen.extend(h.id for h in page.hits)
    original = sorted(CORPUS[:40], key=date_key, reverse=True)
    last = date_key(BY_ID[seen[-1]])
    # Every original document appears exactly once, in order; new ones only after the cursor position.
    assert [i for i in seen if i in {r.id for r in original}] == [r.id for r in original]
    assert len(seen) == len(set(seen))
    assert all(date_key(BY_ID[i]) >= last for i in seen)
    svc.close()


def test_relevance_paging_is_stable_while_documents_are_added(tmp_path: Path) -> None:
    """Later pages score with the first page's collection statistics: the documents that were there
    come exactly once and in the first page's order, however many documents arrive between pages."""
    path = tmp_path / "index"
    writer = IndexWriter(path)
    writer.rebuild(CORPUS[:40])
    svc = SearchService(path, lambda rid: None)
    word = Counter(w for r in CORPUS[:40] for w in set(r.title.lower().split())).most_common(1)[0][0]
    request = SearchRequest(q=f"{word} OR ban OR nghi", size=4)
    expected = [h.id for h in svc.search(replace(request, size=100)).hits]
    assert len(expected) > 12
    page = svc.search(request)
    seen = [h.id for h in page.hits]
    extra = CORPUS[40:80]
    while page.next_cursor:
        # New documents move every document frequency, the document count and the average lengths.
        arriving, extra = extra[:3], extra[3:]
        if arriving:
            writer.upsert(arriving)
        page = svc.search(replace(request, cursor=page.next_cursor))
        seen.extend(h.id for h in page.hits)
    assert [i for i in seen if i in set(expected)] == expected
    assert len(seen) == len(set(seen))
    svc.close()


def test_bad_cursors_are_refused(corpus: SearchService) -> None:
    request = SearchRequest(q="nghi", size=2)
    token = corpus.search(request).next_cursor
    assert token
    version, body, mac = token.split(".")
    forged_body = body[:-2] + ("AA" if body[-2:] != "AA" else "BB")
    for bad in [
        f"{version}.{forged_body}.{mac}",
        f"{version}.{body}.{mac[:-1]}",
        "2." + body + "." + mac,
        "garbage",
        "a.b.c",
        "1..",
        "x" * 5000,
    ]:
        with pytest.raises(QueryError, match="invalid cursor"):
            corpus.search(replace(request, cursor=bad))
    for other in [
        replace(request, q="ban"),
        replace(request, sort="newest"),
        replace(request, filters={"year": "2010"}),
    ]:
        with pytest.raises(QueryError, match="invalid cursor"):
            corpus.search(replace(other, cursor=token))
    with pytest.raises(QueryError, match="either offset or cursor"):
        corpus.search(replace(request, cursor=token, offset=2))


def test_cursor_of_another_index_is_refused(corpus: SearchService, tmp_path: Path) -> None:
    IndexWriter(tmp_path / "index").rebuild(CORPUS)
    other = SearchService(tmp_path / "index", lambda rid: None)
    token = other.search(SearchRequest(q="nghi", size=2)).next_cursor
    other.close()
    with pytest.raises(QueryError, match="invalid cursor"):
        corpus.search(SearchRequest(q="nghi", size=2, cursor=token))


@pytest.mark.parametrize("interval", ["day", "month", "year"])
def test_timeline_counts_matches_per_local_period(corpus: SearchService, interval: str) -> None:
    width = {"day": 10, "month": 7, "year": 4}[interval]
    got = corpus.timeline(SearchRequest(q="nghi"), interval)  # type: ignore[arg-type]
    matched = {h.id for h in corpus.iter_hits(SearchRequest(q="nghi"))}
    expected = Counter(
        local_day(BY_ID[i]).isoformat()[:width]
        for i in matched
        if BY_ID[i].published  # type: ignore[union-attr]
    )
    assert got == sorted(expected.items())
    with pytest.raises(QueryError):
        corpus.timeline(SearchRequest(), "week")  # type: ignore[arg-type]


def test_iter_hits_snippets_only_when_asked(corpus: SearchService) -> None:
    plain = list(corpus.iter_hits(SearchRequest(q="nghi"), batch=3))
    marked = list(corpus.iter_hits(SearchRequest(q="nghi"), batch=3, snippets=True))
    assert [h.id for h in plain] == [h.id for h in marked]
    assert all(h.snippet == "" for h in plain)
    in_page = [
        h
        for h in marked
        if any(
            folded_form(t.text) == "nghi"
            for t in tokenize(" ".join([BY_ID[h.id].lead or "", *BY_ID[h.id].body]))
        )
    ]
    assert in_page
    assert all("<mark>" in h.snippet for h in in_page)
    with pytest.raises(QueryError):
        list(corpus.iter_hits(SearchRequest(q="nghi"), batch=0))


def test_stats_follow_commits_and_rebuilds(tmp_path: Path) -> None:
    path = tmp_path / "index"
    writer = IndexWriter(path)
    writer.rebuild(RECORDS[:1])
    svc = SearchService(path, TEXTS.get)
    first = svc.stats()
    assert first.documents == 1
    assert first.last_commit is not None
    writer.upsert(RECORDS[1:])
    second = svc.stats()
    assert second.documents == 3
    assert second.generation == first.generation
    assert second.commit > first.commit
    writer.rebuild(RECORDS[:2])
    third = svc.stats()
    assert third.documents == 2
    assert third.generation != first.generation
    svc.close()


def test_concurrent_searches_while_writing(tmp_path: Path) -> None:
    path = tmp_path / "index"
    writer = IndexWriter(path)
    writer.rebuild(CORPUS[:20])
    svc = SearchService(path, lambda rid: None, max_searchers=2)
    errors: list[BaseException] = []
    totals: list[int] = []

    def worker() -> None:
        try:
            for i in range(25):
                results = svc.search(SearchRequest(sort="newest", facets=["source"], size=5))
                assert results.total == sum(n for _, n in results.facets["source"]) + (0 if i >= 0 else 1)
                totals.append(results.total)
                svc.search(SearchRequest(q="nghi ban", size=3))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for start in range(20, 60, 5):
        writer.upsert(CORPUS[start : start + 5])
    for t in threads:
        t.join()
    assert not errors
    assert min(totals) >= 20
    assert svc.count() == 60
    svc.close()


@pytest.mark.parametrize("q", ["Hoàng Văn Đồng", "hoang van dong", '"Hoàng Văn Đồng"'])
def test_a_plain_query_for_the_author_finds_what_they_signed(service: SearchService, q: str) -> None:
    # The name is the record's author only (the parser took the signature line out of the body).
    assert "Hoàng Văn Đồng" not in TEXTS[RECORDS[0].id]
    assert ids(service, q) == [RECORDS[0].id]
