"""The query language as SQL (no server needed): one test of the terms per field and operator (a tsquery
on a tsvector column, containment or overlap on the attachments' array), exact fields as equalities,
exclusions, quoting, and the postings' form: the terms a document holds, BM25 summed per posting."""

from __future__ import annotations

import pytest

from index.cursor import Stats
from index.errors import QueryError
from index.postgresql.scoring import WORD_BITS, held, matched_terms
from index.postgresql.translate import condition, needs_text, positive_terms, text_terms, tsquery
from index.query import parse_query


def as_sql(q: str) -> str:
    return condition(parse_query(q).query).as_string(None)


def test_words_are_looked_for_in_the_page_or_the_attachments() -> None:
    got = as_sql("hội nghị")
    assert got == (
        "((\"t_text\" @@ '''hội'''::tsquery OR \"t_files\" && '{hội}'::text[]) AND "
        "(\"t_text\" @@ '''nghị'''::tsquery OR \"t_files\" && '{nghị}'::text[]))"
    )
    assert "hoi_nghi" not in got  # unquoted: the bigram only adds to the score
    assert as_sql("page:hội page:nghị") == "\"t_text\" @@ '''hội'' & ''nghị'''::tsquery"
    assert as_sql("attachment:hội attachment:nghị") == "\"t_files\" @> '{hội,nghị}'::text[]"


def test_unmarked_syllables_match_either_spelling_and_phrases_need_bigrams() -> None:
    got = as_sql('"hoi nghi"')
    assert "\"t_text\" @@ '''hoi_nghi'''::tsquery" in got
    assert "\"t_text\" @@ '''hoi'' | ''~hoi'''::tsquery" in got
    assert "\"t_files\" @> '{hoi_nghi}'::text[]" in got


def test_or_not_fields_and_exact_values() -> None:
    assert as_sql("title:giao") == "\"t_title\" @@ '''giao'' | ''~giao'''::tsquery"
    assert as_sql("source:Demo") == "\"source\" = 'demo'"
    assert as_sql("year:2015") == "\"year\" = '2015'"
    got = as_sql("bàn -chuyển")
    assert " AND NOT " in got
    assert "chuyển" in got
    assert " OR " in as_sql("tập OR bàn")


def test_values_are_quoted_never_spliced() -> None:
    assert as_sql('source:"o\'brien"') == "\"source\" = 'o''brien'"


def test_tsquery_lexemes_are_quoted_whole() -> None:
    assert tsquery(["a'b", "c\\d", "x|y"], every=True) == "'a''b' & 'c\\\\d' & 'x|y'"
    assert tsquery(["a", "~b"], every=False) == "'a' | '~b'"


def test_a_node_without_a_rule_is_a_query_error() -> None:
    with pytest.raises(QueryError):
        condition(object())


def test_postings_mode_tests_the_numbers_of_the_terms_a_document_holds() -> None:
    query = parse_query("hội -nghị").query
    source, numbers = matched_terms(positive_terms(query), text_terms(query), _stats(positive_terms(query)))
    assert set(numbers) == {("text", "hội"), ("files", "hội"), ("text", "nghị"), ("files", "nghị")}
    got = condition(query, numbers).as_string(None)
    assert "t_text" not in got  # no row's terms are read
    mask = 1 << numbers["text", "hội"] | 1 << numbers["files", "hội"]
    assert f'(s."m0" & {mask}::bigint) <> 0' in got
    assert " AND NOT " in got
    text = source.as_string(None)
    assert "deptnews_postings" in text
    assert "GROUP BY u.d" in text


def test_terms_past_the_first_word_of_bits_use_the_next() -> None:
    numbers = [0, 5, WORD_BITS, WORD_BITS + 2]
    every = held(numbers, every=True).as_string(None)
    assert every == '((s."m0" & 33::bigint) = 33 AND (s."m1" & 5::bigint) = 5)'
    some = held(numbers, every=False).as_string(None)
    assert some == '((s."m0" & 33::bigint) <> 0 OR (s."m1" & 5::bigint) <> 0)'


def test_which_queries_the_postings_can_answer() -> None:
    def needs(q: str) -> bool:
        return needs_text(parse_query(q).query)

    for answered in ("hội nghị", '"hội nghị"', "hội OR nghị", "source:x hội", "hội -nghị"):
        assert needs(answered), answered
    for not_answered in ("source:x", "source:x OR hội", "source:x -hội"):
        assert not needs(not_answered), not_answered


def _stats(terms: list[tuple[str, str, float]]) -> Stats:
    return Stats(doc_count=10, dfs=tuple(1 for _ in terms), averages=(("files", 5.0), ("text", 50.0)))


def test_scores_are_summed_per_posting_with_the_negated_terms_unscored() -> None:
    query = parse_query("hội -nghị").query
    terms = positive_terms(query)
    assert {f for f, _, _ in terms} == {"text", "files"}
    got = matched_terms(terms, text_terms(query), _stats(terms))[0].as_string(None)
    assert got.count("'nghị', 0.0::float8") == 2  # tested, not scored
    assert "sum(q.factor * u.w / (u.w + q.k1a + q.k1b * u.l))" in got
    empty = Stats(doc_count=0, dfs=tuple(0 for _ in terms), averages=())
    assert "'hội', 0.0::float8" in matched_terms(terms, [], empty)[0].as_string(None)
