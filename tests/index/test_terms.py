"""The index term scheme (index.terms), its field type (index.whoosh.fields) and the analysis fingerprint."""

from __future__ import annotations

import unicodedata
from collections import Counter

import pytest

from index import schema
from index.analysis import search_analyzer
from index.corpus import generate
from index.terms import (
    BIGRAM_JOINER,
    FOLD_PREFIX,
    bigram_term,
    exact_term,
    folded_term,
    syllable_forms,
    term_weights,
)
from index.whoosh.fields import VietnameseText

TRICKY = [
    "Hội nghị giao ban Sở Thông tin và Truyền thông",
    "Hoà Bình, THUỶ lợi; khoẻ mạnh. Uỷ ban nhân dân tỉnh",
    "Quyết định số 1234/QĐ-UBND ngày 05/7/2010 và 15/2020/NĐ-CP, 18-NQ/TW",
    "Giá 1.234.567 đồng (3,5%) – tăng 10km/h; H5N1 ở ý",
    unicodedata.normalize("NFD", "Hội nghị về Đà Nẵng: ðường, ɖi"),
    "Hà Nội - Hải Phòng — “giao ban” … café naïve",
    "",
    "...;;;",
]


def analyzer_terms(text: str) -> Counter[str]:
    return Counter(t.text for t in search_analyzer()(text, mode="index"))


def test_terms_of_a_phrase() -> None:
    freqs, weights, ntokens = term_weights([("Hội nghị giao ban", 1.0)])
    assert set(freqs) == {"hội", "nghị", "giao", "ban", "~hoi", "~nghi", "hoi_nghi", "nghi_giao", "giao_ban"}
    assert ntokens == 4
    assert weights["hội"] == 1.0


def test_unmarked_tokens_have_no_folded_term() -> None:
    freqs, _, _ = term_weights([("giao ban 2010", 1.0)])
    assert not any(t.startswith(FOLD_PREFIX) for t in freqs)
    assert folded_term("ban") is None
    assert folded_term("Bàn") == "~ban"
    assert folded_term("Đà") == "~da"


def test_tone_placement_and_case_are_normalized() -> None:
    for a, b in [("hoà", "hòa"), ("thuý", "thúy"), ("khoẻ", "khỏe"), ("uỷ", "ủy"), ("HOÀ", "hòa")]:
        assert exact_term(a) == exact_term(b)
        assert term_weights([(a, 1.0)])[0] == term_weights([(b, 1.0)])[0]


def test_bigrams_stop_at_clause_punctuation_and_between_parts() -> None:
    freqs, _, _ = term_weights([("Giao. Ban tổ chức; hội, nghị", 1.0)])
    assert "giao_ban" not in freqs
    assert "hoi_nghi" not in freqs
    assert "ban_to" in freqs
    freqs, _, _ = term_weights([("giao", 1.0), ("ban", 1.0)])
    assert "giao_ban" not in freqs
    assert bigram_term("Hội", "Nghị") == f"hoi{BIGRAM_JOINER}nghi"


def test_weights_sum_per_occurrence() -> None:
    freqs, weights, ntokens = term_weights([("Hà Nội", 4.0), ("Hà Nội và Hà Nam", 1.0)])
    assert freqs["hà"] == 3
    assert weights["hà"] == 6.0
    assert weights["ha_noi"] == 5.0
    assert ntokens == 7


def test_decomposed_text_gives_the_same_terms() -> None:
    text = "Hội nghị Đà Nẵng thuỷ lợi"
    assert term_weights([(unicodedata.normalize("NFD", text), 1.0)]) == term_weights([(text, 1.0)])


def test_document_numbers_and_numbers_stay_whole() -> None:
    freqs, _, _ = term_weights([("Quyết định 1234/QĐ–UBND, giá 1.234.567 đồng", 1.0)])
    assert "1234/qđ-ubnd" in freqs
    assert "~1234/qd-ubnd" in freqs
    assert "1.234.567" in freqs


@pytest.mark.parametrize("text", TRICKY)
def test_fast_path_equals_the_analyzer(text: str) -> None:
    assert Counter(term_weights([(text, 1.0)])[0]) == analyzer_terms(text)


def test_fast_path_equals_the_analyzer_on_generated_text() -> None:
    for doc in generate(20, seed=3, body_syllables=200):
        text = "\n".join([doc.title, doc.lead, *doc.body])
        assert Counter(term_weights([(text, 1.0)])[0]) == analyzer_terms(text)


def test_term_kinds_never_collide() -> None:
    for doc in generate(30, seed=5, body_syllables=200):
        freqs, _, _ = term_weights([(p, 1.0) for p in [doc.title, doc.lead, *doc.body]])
        for term in freqs:
            kinds = [term.startswith(FOLD_PREFIX), BIGRAM_JOINER in term]
            assert sum(kinds) <= 1, term
            if term.startswith(FOLD_PREFIX):
                assert BIGRAM_JOINER not in term
                assert FOLD_PREFIX not in term[1:]


def test_syllable_forms() -> None:
    assert syllable_forms("Hội") == ("hội", "hoi")
    assert syllable_forms("BAN") == ("ban", "ban")
    assert syllable_forms("Đồng") == ("đồng", "dong")


def test_field_indexes_text_and_weighted_parts() -> None:
    field = VietnameseText()
    items = {t: (f, w) for t, f, w, _ in field.index([("Hội nghị", 4.0), ("hội", 1.0)])}
    assert items["hội".encode()] == (2, 5.0)
    assert items[b"hoi_nghi"] == (1, 4.0)
    plain = {t: (f, w) for t, f, w, _ in field.index("Hội nghị")}
    assert plain["hội".encode()] == (1, 1.0)
    boosted = {t: w for t, _, w, _ in VietnameseText(field_boost=2.0).index("Hội")}
    assert boosted["hội".encode()] == 2.0


@pytest.mark.parametrize("bad", [42, [("a", 1.0), "b"], [("a",)], None])
def test_field_rejects_other_values(bad: object) -> None:
    with pytest.raises(ValueError, match="not text"):
        list(VietnameseText().index(bad))


def test_analysis_fingerprint_is_stable_and_tracks_the_analysis(monkeypatch: pytest.MonkeyPatch) -> None:
    first = schema.analysis_fingerprint()
    assert first == schema.analysis_fingerprint()
    assert len(first) == 16

    def lowercase_only(parts: object) -> tuple[dict[str, int], dict[str, float], int]:
        freqs, weights, n = term_weights(parts)  # type: ignore[arg-type]
        return {k: v for k, v in freqs.items() if BIGRAM_JOINER not in k}, weights, n

    monkeypatch.setattr(schema, "term_weights", lowercase_only)
    assert schema.analysis_fingerprint() != first


def test_an_index_document_pickles_without_a_second_copy_of_its_page_text() -> None:
    """A document sent to a builder process: the same fields, parts and page text; the page text
    travels as its parts joined, unless it is something else."""
    import pickle
    from datetime import UTC, datetime

    doc = schema.make_document(
        id="a",
        url="https://example.gov.vn/a",
        title="Hội nghị",
        lead="Tóm tắt",
        body=["Đoạn một " * 50, "Đoạn hai"],
        published=datetime(2020, 1, 2, tzinfo=UTC),
        source="s",
        department="d",
        jurisdiction="j",
    )
    doc.tokens_of(doc["title"])  # a token cache is not sent
    data = pickle.dumps(doc)
    back = pickle.loads(data)
    assert type(back) is schema.IndexDocument
    assert back == doc
    assert (back.page_parts, back.page_text) == (doc.page_parts, doc.page_text)
    assert "_tokens" not in back.__dict__
    assert data.count("Đoạn hai".encode()) == 1  # the body once, not twice
    doc.page_text = "something else"
    assert pickle.loads(pickle.dumps(doc)).page_text == "something else"
