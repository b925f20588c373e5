"""Every rule of the query language (issue 5, point 3) on a small real index, plus the lexer."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from index_factory import make_record

from index.errors import QueryError
from index.query import Clause, lex, parse_query
from index.whoosh.service import SearchRequest, SearchService
from index.whoosh.store import IndexWriter

DOCS = {
    "hoi": make_record(1, "Hội nghị giao ban", ["Hội nghị giao ban tháng 7."], author="Hoàng Văn Đồng"),
    "hoi_sep": make_record(2, "Tin vắn", ["Giao. Ban tổ chức; hội, nghị về giao thông và ban mới."]),
    "hoa": make_record(3, "Thời sự", ["Hòa Bình thủy lợi, khỏe mạnh; ủy ban nhân dân."], source="other"),
    "ban": make_record(4, "Tin ban", ["Ban chỉ đạo"]),
    "ban_marked": make_record(5, "Tin bàn", ["Bàn giao thiết bị"]),
    "title": make_record(6, "Chuyển đổi số", ["Tin về tỉnh."], department="Sở Khoa học và Công nghệ"),
    "body": make_record(7, "Tin tỉnh", ["Nhiều hoạt động trong năm, trong đó có chuyển đổi số."]),
    "docno": make_record(
        8, "Văn bản", ["Thực hiện Quyết định 1234/QĐ-UBND ngày 05/7/2010, giá 1.234.567 đồng."]
    ),
    "short": make_record(9, "Ở ý", ["Người dân ở xã có ý kiến."]),
    "adjacent": make_record(10, "Kế hoạch", ["Kế hoạch phát triển kinh tế."]),
    "apart": make_record(11, "Phát triển", ["Kế toán và hoạch định phát triển."]),
    "html": make_record(12, "Tin <script>", ["Dòng <b>đậm</b> & hội nghị"]),
}
NAMES = {r.id: name for name, r in DOCS.items()}
TEXT = {r.id: "\n".join([r.title, *r.body]) for r in DOCS.values()}


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchService]:
    path = tmp_path_factory.mktemp("q") / "index"
    IndexWriter(path).rebuild(DOCS.values())
    service = SearchService(path, TEXT.get)
    yield service
    service.close()


def names(svc: SearchService, q: str) -> list[str]:
    return [NAMES[h.id] for h in svc.search(SearchRequest(q=q, size=100)).hits]


# --- per syllable: unmarked -> folded, marked -> exact (tone placement normalized) -------------------


def test_unmarked_syllables_match_any_marks(svc: SearchService) -> None:
    assert set(names(svc, "hoi nghi")) == {"hoi", "hoi_sep", "html"}
    assert "hoa" in names(svc, "hoa binh thuy loi")


def test_marked_syllables_match_exactly(svc: SearchService) -> None:
    assert names(svc, "bàn") == ["ban_marked"]
    assert "ban_marked" not in names(svc, "bán")
    assert set(names(svc, "Hội")) == {"hoi", "hoi_sep", "html"}
    assert names(svc, "hồi") == []


@pytest.mark.parametrize(("typed", "name"), [("hoà", "hoa"), ("thuỷ", "hoa"), ("khoẻ", "hoa"), ("uỷ", "hoa")])
def test_tone_placement_styles_are_equal(svc: SearchService, typed: str, name: str) -> None:
    assert names(svc, typed) == [name]


def test_mixed_marks_in_one_query(svc: SearchService) -> None:
    assert names(svc, "Hòa binh") == ["hoa"]


def test_exact_spelling_ranks_above_folded(svc: SearchService) -> None:
    ranked = names(svc, "ban")
    assert ranked.index("ban") < ranked.index("ban_marked")


def test_adjacent_syllables_rank_higher(svc: SearchService) -> None:
    ranked = names(svc, "ke hoach phat trien")
    assert ranked[:2] == ["adjacent", "apart"]
    assert names(svc, "giao ban")[0] == "hoi"


def test_title_matches_weigh_more(svc: SearchService) -> None:
    ranked = names(svc, "chuyen doi so")
    assert ranked[:2] == ["title", "body"]


# --- phrases, exclusion, OR, fields -----------------------------------------------------------------


def test_quoted_phrase_needs_adjacency_within_a_clause(svc: SearchService) -> None:
    assert names(svc, '"giao ban"') == ["hoi"]
    assert names(svc, '"hoi nghi"') == ["hoi", "html"]
    assert names(svc, '"Hội nghị giao ban tháng"') == ["hoi"]
    assert set(names(svc, "giao ban")) >= {"hoi", "hoi_sep"}


def test_exclusion(svc: SearchService) -> None:
    assert names(svc, "hoi nghi -giao") == ["html"]
    assert set(names(svc, 'hoi nghi -"giao ban"')) == {"hoi_sep", "html"}
    assert "hoi" not in names(svc, "-giao")


def test_or(svc: SearchService) -> None:
    assert set(names(svc, "bàn OR hòa")) == {"ban_marked", "hoa"}
    assert set(names(svc, "bàn | hòa")) == {"ban_marked", "hoa"}
    assert names(svc, "thiết bàn OR hòa") == ["ban_marked"]  # OR binds tighter than AND


def test_field_prefixes(svc: SearchService) -> None:
    assert set(names(svc, "title:ban")) == {"ban", "ban_marked", "hoi", "docno"}  # ban, bàn, bản
    assert names(svc, "title:bàn") == ["ban_marked"]
    assert names(svc, "author:dong") == ["hoi"]
    assert names(svc, 'author:"Hoàng Văn"') == ["hoi"]
    assert names(svc, 'department:"khoa hoc"') == ["title"]
    assert names(svc, "source:other") == ["hoa"]
    assert names(svc, "source:OTHER") == ["hoa"]
    assert names(svc, "year:2010") == []
    assert names(svc, "title:hoi -author:dong") == []
    assert set(names(svc, "hoi -author:dong")) == {"hoi_sep", "html"}


def test_unknown_field_is_read_as_words(svc: SearchService) -> None:
    assert names(svc, "ban:giao") == names(svc, "ban giao")
    assert names(svc, "http://x") == []


def test_document_numbers_and_numbers_as_written(svc: SearchService) -> None:
    for typed in ["1234/QĐ-UBND", "1234/QD-UBND", "1234/qđ-ubnd", "1234/QĐ–UBND"]:
        assert names(svc, typed) == ["docno"], typed
    assert names(svc, "1.234.567") == ["docno"]
    assert names(svc, '"05/7/2010"') == ["docno"]
    assert names(svc, "1234") == []


def test_one_letter_syllables_are_searchable(svc: SearchService) -> None:
    assert "short" in names(svc, "ở")
    assert names(svc, '"có ý"') == ["short"]
    assert "short" in names(svc, "y kien")


# --- malformed input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "q",
    [
        '"giao ban',
        'giao ban"',
        "OR",
        "OR giao",
        "giao OR",
        "- OR -",
        "title:",
        "foo:bar",
        "(((",
        "-",
        '""',
        "\x00ban",
    ],
)
def test_odd_input_is_read_leniently_or_refused_clearly(svc: SearchService, q: str) -> None:
    try:
        svc.search(SearchRequest(q=q))
    except QueryError as exc:
        message = str(exc)
        assert message  # any other exception fails the test


def test_unbalanced_quote_closes_at_the_end(svc: SearchService) -> None:
    assert names(svc, '"giao ban') == names(svc, '"giao ban"')


def test_lone_operators_are_ignored(svc: SearchService) -> None:
    assert names(svc, "OR giao ban OR") == names(svc, "giao ban")
    assert names(svc, "giao AND ban") == names(svc, "giao ban")


def test_too_long_or_empty_queries_are_refused(svc: SearchService) -> None:
    with pytest.raises(QueryError, match="10240 characters long; the maximum is 1000"):
        svc.search(SearchRequest(q="x" * 10240))
    with pytest.raises(QueryError, match="more than 64 terms"):
        svc.search(SearchRequest(q="a " * 100))
    for q in ["...", "- OR ...", '""', "-"]:
        with pytest.raises(QueryError, match="no words"):
            svc.search(SearchRequest(q=q))


def test_only_exclusions_list_everything_else(svc: SearchService) -> None:
    rest = names(svc, "-hoi")
    assert rest
    assert not {"hoi", "hoi_sep", "html"} & set(rest)


# --- snippets -------------------------------------------------------------------------------------------


def test_snippets_mark_folded_exact_and_phrase_matches(svc: SearchService) -> None:
    hit = svc.search(SearchRequest(q="hoa binh")).hits[0]
    assert "<mark>Hòa Bình</mark>" in hit.snippet
    hit = svc.search(SearchRequest(q="hoà")).hits[0]
    assert "<mark>Hòa</mark>" in hit.snippet
    hit = svc.search(SearchRequest(q='"giao ban"')).hits[0]
    assert "<mark>giao ban</mark>" in hit.snippet


def test_snippets_escape_everything_else(svc: SearchService) -> None:
    hit = svc.search(SearchRequest(q="dam")).hits[0]
    assert "&lt;b&gt;<mark>đậm</mark>&lt;/b&gt; &amp;" in hit.snippet
    assert "<script>" not in hit.snippet


# --- the lexer --------------------------------------------------------------------------------------


def test_lex() -> None:
    assert lex('a "b c" -d OR title:e -author:"f g" x:y') == [
        Clause("a"),
        Clause("b c", phrase=True),
        Clause("d", negated=True),
        "OR",
        Clause("e", field="title"),
        Clause("f g", negated=True, field="author", phrase=True),
        Clause("x y"),
    ]


def test_parsed_query_fingerprint_is_canonical() -> None:
    assert parse_query("Hoà  bình").fingerprint == parse_query("hòa bình").fingerprint
    assert parse_query("hoa binh").fingerprint != parse_query("hòa bình").fingerprint


def test_query_errors_are_the_only_errors(tmp_path: Path) -> None:
    for q in ["\ud800", "a" * 1000, "🙂 🙂", "\u0301\u0301"]:
        with contextlib.suppress(QueryError):
            parse_query(q)
