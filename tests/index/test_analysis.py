"""Tests for index.vietnamese (pure text functions) and index.analysis (Whoosh glue)."""

from __future__ import annotations

import pickle
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from whoosh import index as whoosh_index
from whoosh.fields import ID, TEXT, Schema
from whoosh.qparser import QueryParser
from whoosh.query import Term

from index import vietnamese
from index.analysis import (
    BIGRAM_JOINER,
    BigramFilter,
    FoldFilter,
    SyllableTokenizer,
    ToneNormalizeFilter,
    exact_analyzer,
    exact_bigram_analyzer,
    folded_analyzer,
    folded_bigram_analyzer,
    search_analyzer,
)
from index.vietnamese import (
    TOKEN_RE,
    Token,
    exact_form,
    fold,
    folded_form,
    has_marks,
    nfc,
    normalize_tone,
    tokenize,
)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def texts(text: str) -> list[str]:
    return [t.text for t in tokenize(text)]


# --- nfc ---------------------------------------------------------------------


def test_nfc_composes_decomposed_text() -> None:
    decomposed = "Ho\u0323\u0302i nghi\u0323"
    assert nfc(decomposed) == "Hội nghị"
    assert nfc("Hội nghị") == "Hội nghị"


# --- normalize_tone ----------------------------------------------------------

GRAVE, ACUTE, HOOK, TILDE, DOT = "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"
TONES = [GRAVE, ACUTE, HOOK, TILDE, DOT]
VOWELS = set("aăâeêioôơuưy")


def place(base: str, index: int, tone: str) -> str:
    """Put ``tone`` on the character ``base[index]`` and return NFC."""
    return nfc(base[: index + 1] + tone + base[index + 1 :])


# (toneless syllable, index of the vowel that takes the tone in the old style)
CANONICAL_PLACEMENT = [
    ("oa", 0),  # òa
    ("hoa", 1),  # hòa
    ("xoa", 1),  # xòa
    ("oe", 0),  # òe
    ("khoe", 2),  # khỏe
    ("uy", 0),  # ủy
    ("tuy", 1),  # tùy
    ("thuy", 2),  # thủy
    ("hoan", 2),  # hoàn: closed syllable, last vowel
    ("khoang", 3),  # khoảng
    ("hoach", 2),  # hoạch
    ("huynh", 2),  # huỳnh
    ("ngoai", 3),  # ngoài: three vowels, the middle one
    ("xoay", 2),  # xoáy
    ("khuyu", 3),  # khuỷu
    ("uê", 1),  # uể
    ("thuê", 3),  # thuế
    ("thuơ", 3),  # thuở
    ("huơ", 2),  # huơ
    ("ươc", 1),  # ước
    ("ngươi", 3),  # người
    ("mươi", 2),  # mười
    ("rươu", 2),  # rượu
    ("cưu", 1),  # cứu
    ("mưa", 1),  # mưa
    ("tiên", 2),  # tiến
    ("hiêu", 2),  # hiếu
    ("yên", 1),  # yến
    ("yêu", 1),  # yếu
    ("khuyên", 4),  # khuyến
    ("nguyên", 4),  # nguyễn
    ("chuyên", 4),  # chuyện
    ("muôn", 2),  # muốn
    ("mua", 1),  # múa
    ("mia", 1),  # mía
    ("qua", 2),  # quả: "qu" is a consonant
    ("quy", 2),  # quý
    ("quyêt", 3),  # quyết
    ("quoc", 2),  # quóc (not a word, but the rule still applies)
    ("gia", 2),  # giá: "gi" is a consonant before a vowel
    ("giưa", 2),  # giữa
    ("giêng", 2),  # giếng
    ("giup", 2),  # giúp
    ("gin", 1),  # gìn: here "i" is the vowel
    ("gi", 1),  # gì
    ("a", 0),
    ("y", 0),
    ("ơ", 0),
]


def misplacements() -> Iterator[tuple[str, str]]:
    """(tone placed on any vowel, tone placed canonically) for every case and tone."""
    for base, index in CANONICAL_PLACEMENT:
        for tone in TONES:
            expected = place(base, index, tone)
            for j, char in enumerate(base):
                if char in VOWELS:
                    yield place(base, j, tone), expected


@pytest.mark.parametrize(("written", "expected"), list(misplacements()))
def test_normalize_tone_moves_tone_to_canonical_vowel(written: str, expected: str) -> None:
    assert normalize_tone(written) == expected
    assert normalize_tone(nfd(written)) == expected
    assert normalize_tone(written.upper()) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("hoà", "hòa"),
        ("thuý", "thúy"),
        ("khoẻ", "khỏe"),
        ("uỷ", "ủy"),
        ("quả", "qủa"),
        ("giá", "gía"),
        ("hoá", "hóa"),
        ("tuỳ", "tùy"),
        ("xoà", "xòa"),
        ("hoạ", "họa"),
        ("thuở", "thủơ"),
        ("già", "gìa"),
        ("Hoà", "HÒA"),
    ],
)
def test_normalize_tone_makes_both_spellings_equal(a: str, b: str) -> None:
    assert normalize_tone(a) == normalize_tone(b)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("hoà", "hòa"),  # old style is the canonical form
        ("thuý", "thúy"),
        ("khoẻ", "khỏe"),
        ("uỷ", "ủy"),
        ("thủơ", "thuở"),
        ("qủa", "quả"),
        ("gía", "giá"),
    ],
)
def test_normalize_tone_uses_old_style(written: str, expected: str) -> None:
    assert normalize_tone(written) == expected


@pytest.mark.parametrize(
    "syllable",
    ["thuở", "người", "mười", "nguyễn", "khuyến", "quyết", "chuyện", "giữa", "ước", "ở", "ý"],
)
def test_normalize_tone_keeps_correct_syllables(syllable: str) -> None:
    assert normalize_tone(syllable) == syllable


@pytest.mark.parametrize("syllable", ["hoa", "khuya", "quyên", "ươn", "đi", "ăn"])
def test_normalize_tone_leaves_toneless_syllables_unchanged(syllable: str) -> None:
    assert normalize_tone(syllable) == syllable
    assert normalize_tone(nfd(syllable)) == syllable


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("2010", "2010"),
        ("1.234.567", "1.234.567"),
        ("1234/QĐ-UBND", "1234/qđ-ubnd"),
        ("COVID", "covid"),
        ("Café", "café"),  # not a Vietnamese syllable: marks stay where they are
        ("naïve", "naïve"),
        ("hòá", "hòá"),  # two tones: not a syllable, left alone
    ],
)
def test_normalize_tone_passes_other_tokens_through_lowercased(token: str, expected: str) -> None:
    assert normalize_tone(token) == expected


def test_normalize_tone_canonicalizes_lookalikes() -> None:
    assert normalize_tone("Ðà") == "đà"  # U+00D0 eth instead of U+0110
    assert normalize_tone("1234/QÐ\u2013UBND") == "1234/qđ-ubnd"


# --- fold, has_marks, index forms ----------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hội nghị Đà Nẵng", "Hoi nghi Da Nang"),
        ("người Việt", "nguoi Viet"),
        ("ăâêôơư ĂÂÊÔƠƯ", "aaeoou AAEOOU"),
        ("đường", "duong"),
        ("Ðà Nẵng", "Da Nang"),  # U+00D0
        ("ðà", "da"),  # U+00F0
        ("hoa", "hoa"),
        ("", ""),
        ("Café naïve", "Cafe naive"),
    ],
)
def test_fold(text: str, expected: str) -> None:
    assert fold(text) == expected
    assert fold(nfd(text)) == expected


def test_fold_long_text() -> None:
    text = "Sở Thông tin và Truyền thông tổ chức hội nghị giao ban trực tuyến " * 20
    assert fold(text) == "So Thong tin va Truyen thong to chuc hoi nghi giao ban truc tuyen " * 20


@pytest.mark.parametrize(
    ("syllable", "expected"),
    [
        ("hoa", False),
        ("HOA", False),
        ("2010", False),
        ("hòa", True),
        ("ho\u0300a", True),
        ("ăn", True),
        ("đi", True),
        ("Đi", True),
        ("Ði", True),
        ("ði", True),
    ],
)
def test_has_marks(syllable: str, expected: bool) -> None:
    assert has_marks(syllable) is expected
    assert has_marks(syllable) is (folded_form(syllable) != syllable.lower())


def test_exact_and_folded_forms() -> None:
    assert exact_form("HOÀ") == "hòa"
    assert exact_form("Hội") == "hội"
    assert exact_form("UBND") == "ubnd"
    assert folded_form("Hội") == "hoi"
    assert folded_form("ĐÀ") == "da"
    assert folded_form("1234/QĐ-UBND") == "1234/qd-ubnd"
    assert folded_form("1234/QÐ\u2013UBND") == "1234/qd-ubnd"


# --- tokenize ----------------------------------------------------------------


def test_tokenize_syllables_with_offsets() -> None:
    text = "Hội nghị giao ban"
    assert list(tokenize(text)) == [
        Token("Hội", 0, 3),
        Token("nghị", 4, 8),
        Token("giao", 9, 13),
        Token("ban", 14, 17),
    ]


def test_tokenize_keeps_one_letter_syllables() -> None:
    assert texts("ở ý à, y tế, ơ") == ["ở", "ý", "à", "y", "tế", "ơ"]


@pytest.mark.parametrize(
    "number",
    ["2010", "6", "04", "1.234", "1.234.567", "3,5", "1.234.567,89", "0,5"],
)
def test_tokenize_keeps_numbers_whole(number: str) -> None:
    assert texts(f"khoảng {number} tỷ") == ["khoảng", number, "tỷ"]


def test_tokenize_punctuation_after_number_is_not_part_of_it() -> None:
    assert texts("năm 2010. Năm 2011, 2012") == ["năm", "2010", "Năm", "2011", "2012"]
    assert texts("1.234.567đ") == ["1.234.567", "đ"]


def test_tokenize_splits_dates() -> None:
    assert texts("ngày 05/7/2010") == ["ngày", "05", "7", "2010"]


@pytest.mark.parametrize(
    "number",
    [
        "1234/QĐ-UBND",
        "567/STTTT-BCVT",
        "15/2020/NĐ-CP",
        "01/2025/TT-BKHCN",
        "123/KH-UBND",
        "1234/QĐ-TTg",
        "59/2020/QH14",
        "18-NQ/TW",
        "12/2019/L-CTN",
        "1234/QÐ-UBND",  # eth lookalike
        "1234/QĐ\u2013UBND",  # en dash
    ],
)
def test_tokenize_keeps_document_numbers_whole(number: str) -> None:
    text = f"Theo Quyết định số {number}, ngày"
    tokens = list(tokenize(text))
    assert [t.text for t in tokens] == ["Theo", "Quyết", "định", "số", number, "ngày"]
    doc = tokens[4]
    assert text[doc.start : doc.end] == number


def test_tokenize_document_number_edge_cases() -> None:
    # one capital then a word is not a document code
    assert texts("5/Nam") == ["5", "Nam"]
    # trailing parts that run into a Vietnamese word are dropped, not the number
    assert texts("1234/QĐ-UBND-Hà") == ["1234/QĐ-UBND", "Hà"]
    # lowercase is not recognised as a document number
    assert texts("1234/qđ-ubnd") == ["1234", "qđ", "ubnd"]


def test_tokenize_letters_and_digits_and_separators() -> None:
    assert texts("H5N1 10km giao_ban COVID-19 Sở/ngành") == [
        "H5N1",
        "10km",
        "giao",
        "ban",
        "COVID",
        "19",
        "Sở",
        "ngành",
    ]


def test_tokenize_offsets_map_back_to_original_text() -> None:
    text = "Sáng 5/7, UBND tỉnh (theo 1234/QĐ-UBND) họp về “chuyển đổi số”…\nKết thúc."
    tokens = list(tokenize(text))
    assert tokens
    for token in tokens:
        assert text[token.start : token.end] == token.text


def test_tokenize_decomposed_input_offsets_into_original() -> None:
    composed = "Thủ tướng Nguyễn Xuân Phúc, Quyết định 15/2020/NĐ-CP về khoẻ"
    decomposed = nfd(composed)
    assert len(decomposed) > len(composed)
    tokens = list(tokenize(decomposed))
    assert [t.text for t in tokens] == texts(composed)
    for token in tokens:
        assert nfc(decomposed[token.start : token.end]) == token.text


def test_tokenize_empty_and_punctuation_only() -> None:
    assert list(tokenize("")) == []
    assert list(tokenize(" ... , ; ")) == []


# The scanner as first written: TOKEN_RE is a faster form of it that must find the same things.
_REFERENCE_RE = re.compile(
    rf"({vietnamese._DOC_NUMBER}|{vietnamese._NUMBER}|{vietnamese._SYLLABLE})|{vietnamese._BOUNDARY}"
)
# What decides a scan: spaces of every kind, clause punctuation, "-" with and without spaces, "/",
# "_", digits, separators, capitals for document numbers, Vietnamese letters, a combining mark.
_SCAN_ALPHABET = " \t\n\r\u2028\u00a0\u3000.,;:!?()\"\u201c\u2013-/_'09QĐUBNDđAaàHộiếtx\u0301%"


@given(st.text(alphabet=_SCAN_ALPHABET, max_size=60))
def test_token_re_finds_what_the_reference_scanner_finds(text: str) -> None:
    expected = [(m.group(1), m.span(1)) for m in _REFERENCE_RE.finditer(text)]
    assert [(m.group(1), m.span(1)) for m in TOKEN_RE.finditer(text)] == expected
    assert TOKEN_RE.findall(text) == _REFERENCE_RE.findall(text)


@pytest.mark.parametrize(
    "text",
    [
        "Hà Nội - Hải Phòng, 1.234 người; 1234/QĐ-UBND  ngày 05/7/2010 (số 18-NQ/TW)",
        "  \n - a -b - \u2028x  _y 5/Nam 3,5.",
        "Quyết định số 01/2025/TT-BKHCN\u00a0– hiệu lực",
    ],
)
def test_token_re_examples_match_the_reference_scanner(text: str) -> None:
    assert [m.span(1) for m in TOKEN_RE.finditer(text)] == [m.span(1) for m in _REFERENCE_RE.finditer(text)]
    assert TOKEN_RE.findall(text) == _REFERENCE_RE.findall(text)


# --- SyllableTokenizer protocol ------------------------------------------------


def test_tokenizer_reuses_one_token_object() -> None:
    ids = {id(t) for t in SyllableTokenizer()("một hai ba")}
    assert len(ids) == 1


def test_tokenizer_without_positions_or_chars() -> None:
    tokens = [t.copy() for t in SyllableTokenizer()("Hội nghị")]
    assert [t.text for t in tokens] == ["Hội", "nghị"]
    for t in tokens:
        assert not hasattr(t, "pos")
        assert not hasattr(t, "startchar")
        assert not hasattr(t, "original")
        assert t.boost == 1.0
        assert t.stopped is False


def test_tokenizer_positions_chars_and_offsets() -> None:
    tok = SyllableTokenizer()
    got = [
        (t.text, t.pos, t.startchar, t.endchar, t.original, t.mode)
        for t in tok(
            "Hội nghị",
            positions=True,
            chars=True,
            keeporiginal=True,
            start_pos=10,
            start_char=100,
            mode="query",
        )
    ]
    assert got == [
        ("Hội", 10, 100, 103, "Hội", "query"),
        ("nghị", 11, 104, 108, "nghị", "query"),
    ]


def test_tokenizer_positions_same_with_and_without_chars() -> None:
    text = "Hà Nội. Hải Phòng, (Đà Nẵng)"
    tok = SyllableTokenizer()
    with_chars = [(t.text, t.pos, t.clause_break) for t in tok(text, positions=True, chars=True)]
    without = [(t.text, t.pos, t.clause_break) for t in tok(text, positions=True)]
    assert with_chars == without


def test_tokenizer_skips_a_position_at_clause_boundaries() -> None:
    text = "(Hà Nội. Hải Phòng; Đà\nNẵng - Huế – Cần Thơ Sở/ngành"
    got = [(t.text, t.pos, t.clause_break) for t in SyllableTokenizer()(text, positions=True)]
    assert got == [
        ("Hà", 0, False),  # leading punctuation does not shift the first position
        ("Nội", 1, False),
        ("Hải", 3, True),
        ("Phòng", 4, False),
        ("Đà", 6, True),
        ("Nẵng", 8, True),
        ("Huế", 10, True),
        ("Cần", 12, True),
        ("Thơ", 13, False),
        ("Sở", 14, False),  # "/" is not a boundary
        ("ngành", 15, False),
    ]


def test_tokenizer_decomposed_input_chars_index_original() -> None:
    text = nfd("Hoà bình")
    tokens = [(t.text, t.startchar, t.endchar) for t in SyllableTokenizer()(text, chars=True)]
    assert [t[0] for t in tokens] == ["Hoà", "bình"]
    for word, start, end in tokens:
        assert nfc(text[start:end]) == word


def test_tokenizer_tokenize_false_yields_whole_value() -> None:
    got = [
        (t.text, t.original, t.pos, t.startchar, t.endchar)
        for t in SyllableTokenizer()(
            "Hội nghị, giao ban", tokenize=False, positions=True, chars=True, start_char=5
        )
    ]
    assert got == [("Hội nghị, giao ban", "Hội nghị, giao ban", 0, 5, 23)]


# --- filters -------------------------------------------------------------------


def analyze(analyzer: Any, text: str, **kwargs: Any) -> list[str]:
    return [t.text for t in analyzer(text, **kwargs)]


def test_tone_normalize_filter() -> None:
    ana = SyllableTokenizer() | ToneNormalizeFilter()
    assert analyze(ana, "Hoà bình KHOẺ 1234/QĐ-UBND Thuý") == [
        "hòa",
        "bình",
        "khỏe",
        "1234/qđ-ubnd",
        "thúy",
    ]


def test_fold_filter() -> None:
    ana = SyllableTokenizer() | FoldFilter()
    assert analyze(ana, "Hội nghị Ðà Nẵng 1234/QĐ-UBND") == [
        "hoi",
        "nghi",
        "da",
        "nang",
        "1234/qd-ubnd",
    ]


def test_bigram_filter_joins_adjacent_syllables() -> None:
    text = "Hội nghị giao ban"
    tokens = [
        (t.text, t.pos, t.startchar, t.endchar)
        for t in folded_bigram_analyzer()(text, positions=True, chars=True)
    ]
    assert BIGRAM_JOINER == "_"
    assert tokens == [
        ("hoi_nghi", 0, 0, 8),
        ("nghi_giao", 1, 4, 13),
        ("giao_ban", 2, 9, 17),
    ]
    assert [text[s:e] for _, _, s, e in tokens] == ["Hội nghị", "nghị giao", "giao ban"]


@pytest.mark.parametrize("positions", [True, False])
def test_bigram_filter_does_not_cross_clause_boundaries(positions: bool) -> None:
    text = "Hà Nội. Hải Phòng, (Đà Nẵng) Huế; một: hai! ba? bốn\nnăm “sáu” bảy – tám"
    got = analyze(exact_bigram_analyzer(), text, positions=positions)
    assert got == ["hà_nội", "hải_phòng", "đà_nẵng"]


def test_bigram_positions_keep_gaps() -> None:
    got = [(t.text, t.pos) for t in exact_bigram_analyzer()("a b c. d e", positions=True)]
    assert got == [("a_b", 0), ("b_c", 1), ("d_e", 4)]


def test_bigram_filter_single_syllable_yields_nothing() -> None:
    assert analyze(folded_bigram_analyzer(), "hòa", mode="query") == []
    assert analyze(folded_bigram_analyzer(), "") == []


def test_bigram_query_text_with_joiner_gives_same_term() -> None:
    assert analyze(folded_bigram_analyzer(), "giao_ban", mode="query") == ["giao_ban"]
    assert analyze(folded_bigram_analyzer(), "Giao ban", mode="query") == ["giao_ban"]


def test_bigram_filter_keeporiginal() -> None:
    got = [t.original for t in exact_bigram_analyzer()("Hoà Bình", keeporiginal=True)]
    assert got == ["Hoà_Bình"]


def test_bigram_filter_standalone_on_tokenizer_output() -> None:
    ana = SyllableTokenizer() | BigramFilter()
    assert analyze(ana, "Một hai ba") == ["Một_hai", "hai_ba"]


# --- analyzers -----------------------------------------------------------------

ANALYZER_FACTORIES = [
    exact_analyzer,
    folded_analyzer,
    exact_bigram_analyzer,
    folded_bigram_analyzer,
]
SAMPLE = "Ngày 05/7/2010, Hội nghị giao ban (theo 1234/QĐ-UBND) bàn về hoà bình; người dân khoẻ."


def test_analyzers_outputs() -> None:
    assert analyze(exact_analyzer(), SAMPLE) == [
        "ngày",
        "05",
        "7",
        "2010",
        "hội",
        "nghị",
        "giao",
        "ban",
        "theo",
        "1234/qđ-ubnd",
        "bàn",
        "về",
        "hòa",
        "bình",
        "người",
        "dân",
        "khỏe",
    ]
    assert analyze(folded_analyzer(), "Hội nghị Đà Nẵng") == ["hoi", "nghi", "da", "nang"]
    assert analyze(exact_bigram_analyzer(), "Hội nghị, hoà bình") == ["hội_nghị", "hòa_bình"]
    assert analyze(folded_bigram_analyzer(), "Hội nghị, hoà bình") == ["hoi_nghi", "hoa_binh"]


@pytest.mark.parametrize("factory", ANALYZER_FACTORIES)
def test_analyzers_round_trip_through_pickle(factory: Any) -> None:
    analyzer = factory()
    restored = pickle.loads(pickle.dumps(analyzer))
    assert restored == analyzer
    kwargs: dict[str, Any] = {"positions": True, "chars": True, "mode": "index"}
    expected = [(t.text, t.pos, t.startchar, t.endchar) for t in analyzer(SAMPLE, **kwargs)]
    got = [(t.text, t.pos, t.startchar, t.endchar) for t in restored(SAMPLE, **kwargs)]
    assert got == expected
    assert got


@pytest.mark.parametrize("factory", ANALYZER_FACTORIES)
def test_analyzers_char_offsets_cover_original_text(factory: Any) -> None:
    for t in factory()(SAMPLE, chars=True):
        span = SAMPLE[t.startchar : t.endchar]
        assert span
        assert span[0].isalnum()
        assert span[-1].isalnum()


# --- a real Whoosh index ---------------------------------------------------------


@pytest.fixture
def ix(tmp_path: Path) -> Iterator[Any]:
    schema = Schema(
        id=ID(stored=True, unique=True),
        exact=TEXT(analyzer=exact_analyzer()),
        folded=TEXT(analyzer=folded_analyzer(), stored=True),
        exact_bigram=TEXT(analyzer=exact_bigram_analyzer(), phrase=False),
        folded_bigram=TEXT(analyzer=folded_bigram_analyzer(), phrase=False),
    )
    docs = {
        "1": "Hội nghị giao ban Sở Thông tin và Truyền thông",
        "2": "Hòa bình và hợp tác theo Quyết định số 1234/QĐ-UBND",
        "3": "Giao. Ban tổ chức; hội, nghị",
        "4": "Chương trình khoẻ mạnh",
    }
    created = whoosh_index.create_in(str(tmp_path), schema)
    writer = created.writer()
    for doc_id, text in docs.items():
        writer.add_document(
            id=doc_id,
            exact=text,
            folded=text,
            exact_bigram=text,
            folded_bigram=text,
        )
    writer.commit()
    created.close()
    # Reopen from disk: the schema (and so the analyzers) is unpickled from the TOC.
    reopened = whoosh_index.open_dir(str(tmp_path))
    yield reopened
    reopened.close()


def search_ids(ix: Any, query: Any) -> set[str]:
    with ix.searcher() as searcher:
        return {hit["id"] for hit in searcher.search(query, limit=None)}


def parse(ix: Any, field: str, text: str) -> Any:
    return QueryParser(field, ix.schema).parse(text)


def test_index_folded_field_matches_unmarked_query(ix: Any) -> None:
    assert search_ids(ix, parse(ix, "folded", "hoi nghi")) == {"1", "3"}
    assert search_ids(ix, parse(ix, "folded", "Hội nghị")) == {"1", "3"}


def test_index_exact_field_normalizes_tone_placement(ix: Any) -> None:
    assert search_ids(ix, parse(ix, "exact", "hoà")) == {"2"}
    assert search_ids(ix, parse(ix, "exact", "hòa")) == {"2"}
    assert search_ids(ix, parse(ix, "exact", "khỏe")) == {"4"}
    # marks matter in the exact field
    assert search_ids(ix, parse(ix, "exact", "hoa")) == set()


def test_index_bigram_term(ix: Any) -> None:
    assert search_ids(ix, Term("folded_bigram", "giao_ban")) == {"1"}
    assert search_ids(ix, Term("exact_bigram", "hội_nghị")) == {"1"}
    assert search_ids(ix, Term("folded_bigram", "hoi_nghi")) == {"1"}  # not "hội, nghị"
    field = ix.schema["folded_bigram"]
    assert list(field.process_text("Giao ban", mode="query")) == ["giao_ban"]


def test_index_phrase_does_not_cross_punctuation(ix: Any) -> None:
    assert search_ids(ix, parse(ix, "exact", '"giao ban"')) == {"1"}
    assert search_ids(ix, parse(ix, "folded", '"hoi nghi"')) == {"1"}


def test_index_document_number(ix: Any) -> None:
    assert search_ids(ix, Term("exact", "1234/qđ-ubnd")) == {"2"}
    assert search_ids(ix, Term("folded", "1234/qd-ubnd")) == {"2"}
    assert search_ids(ix, parse(ix, "exact", "1234/QĐ-UBND")) == {"2"}


def test_index_highlight_uses_original_offsets(ix: Any) -> None:
    with ix.searcher() as searcher:
        hits = searcher.search(parse(ix, "folded", "hoi"), limit=None)
        highlights = {hit["id"]: hit.highlights("folded") for hit in hits}
    assert ">Hội</b>" in highlights["1"]
    assert ">hội</b>" in highlights["3"]


# --- the combined analyzer of the index's full-text fields --------------------------------------------


def test_search_analyzer_yields_exact_folded_and_bigram_terms() -> None:
    terms = [t.text for t in search_analyzer()("Hội nghị giao ban")]
    assert terms == ["hội", "~hoi", "nghị", "~nghi", "hoi_nghi", "giao", "nghi_giao", "ban", "giao_ban"]


def test_search_analyzer_char_offsets_and_positions() -> None:
    text = "Hòa Bình. Đà Nẵng"
    tokens = [
        (t.text, t.startchar, t.endchar, t.pos) for t in search_analyzer()(text, chars=True, positions=True)
    ]
    assert ("hòa", 0, 3, 0) in tokens
    assert ("~hoa", 0, 3, 0) in tokens
    assert ("hoa_binh", 0, 8, 0) in tokens
    assert ("đà", 10, 12, 3) in tokens
    assert ("da_nang", 10, 17, 3) in tokens
    assert not any(t[0] == "binh_da" for t in tokens)  # no bigram across the full stop
    assert all(text[start:end] for _, start, end, _ in tokens)


def test_search_analyzer_pickles() -> None:
    analyzer = pickle.loads(pickle.dumps(search_analyzer()))
    assert [t.text for t in analyzer("Thuỷ")] == ["thủy", "~thuy"]
