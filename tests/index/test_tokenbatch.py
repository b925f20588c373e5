"""The batch tokenizer gives exactly what the regex scanner gives, text by text."""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest
from conftest import max_examples
from hypothesis import given, settings
from hypothesis import strategies as st

from index.corpus import generate
from index.terms import tokens
from index.tokenbatch import PACKED_CHARS, BatchTokens, TokenVocabulary, tokenize_texts
from index.vietnamese import tokenize


def assert_as_scanned(texts: list[str], vocabulary: TokenVocabulary | None = None) -> None:
    """Every text's ids spell :func:`tokens` of it; an NFC text's token offsets are
    :func:`tokenize`'s; a spelling has one id."""
    if vocabulary is None:
        vocabulary = TokenVocabulary()
    batch = tokenize_texts(texts, vocabulary)
    assert len(batch.bounds) == len(texts) + 1
    for i, text in enumerate(texts):
        lo, hi = int(batch.bounds[i]), int(batch.bounds[i + 1])
        ids = batch.ids[lo:hi].tolist()
        assert [vocabulary.spellings[j] for j in ids] == tokens(text), text
        if unicodedata.is_normalized("NFC", text):
            spans = [
                (s, e)
                for j, s, e in zip(ids, batch.starts[lo:hi].tolist(), batch.ends[lo:hi].tolist(), strict=True)
                if j
            ]
            assert spans == [(t.start, t.end) for t in tokenize(text)], text
    assert len(set(vocabulary.spellings)) == len(vocabulary.spellings)


@pytest.mark.parametrize(
    "text",
    [
        "Hội nghị giao ban",
        "Quyết định 1234/QĐ-UBND ngày 12/3/2020 của UBND tỉnh",
        "15/2020/NĐ-CP, 18-NQ/TW và 12/2019/L-CTN; 1234/QĐ–UBND-Hà",
        "5/Nam 5/KHởi 1.234.567 đồng, 3,5 tỷ; a12.5.6 2020. 2020, x",
        "Hà Nội - Hải Phòng -đường- - -",
        "ho\u0300a \u0301abc x\u0301\u0301y",  # decomposed: not NFC
        "\u0301\u0301 lone marks, then a\u0301",
        "𠀀𠀁 chữ Nôm 😀 emoji 𝟘𝟙",  # past the BMP: a word character, a symbol, math digits
        "Привет мир, 北京 and naïve café façade",
        "nghiêng nghiệng Nghiêng supercalifragilistic 1234567890123",
        "tab\tand\u00a0nbsp\u2028line\u2029para\r\n«quoted» “curly” … — –",
        "NUL\x00inside 12\x00.5 a_b it's",
        "lone \ud800 surrogate",
        "",
        "   ",
        "-",
        "5",
        "5.",
        "9/",
    ],
)
def test_examples(text: str) -> None:
    assert_as_scanned([text])
    assert_as_scanned([text, text, "x " + text + " y"])


def test_texts_do_not_run_into_each_other() -> None:
    """Texts are scanned as if alone: a hyphen at a text's edge is no boundary, a number does not
    continue into the next text, tokens do not join."""
    assert_as_scanned(["a -", "- b", "12", ".5", "12.", "5/", "QĐ-UBND", "ab", "cd", "Hà", "\u0301x"])


def test_ids_are_shared_by_every_path() -> None:
    """A spelling has the same id whether it was packed, sliced or scanned by the regex."""
    vocabulary = TokenVocabulary()
    long = "a" * (PACKED_CHARS + 3)
    assert_as_scanned(["ab 12", long, "ab/12.5 ab", f"{long}/2.5", "ho\u0300a ab", "hòa"], vocabulary)
    assert_as_scanned(["ab hòa 12 " + long], vocabulary)


def test_generated_articles() -> None:
    vocabulary = TokenVocabulary()
    records = list(generate(60, seed=11))
    texts = [t for r in records for t in (r.title, r.lead or "", "\n".join(r.body))]
    for lo in range(0, len(texts), 50):
        assert_as_scanned(texts[lo : lo + 50], vocabulary)


def test_batch_tokens_look_up_texts() -> None:
    vocabulary = TokenVocabulary()
    batch = BatchTokens(["Hội nghị", "giao ban", "Hội nghị"], vocabulary)
    ids, starts, ends = batch.of("giao ban")
    assert [vocabulary.spellings[i] for i in ids] == ["giao", "ban"]
    assert starts.tolist() == [0, 5]
    assert ends.tolist() == [4, 8]
    ids, _, _ = batch.of("not in the batch: hội")  # tokenized when asked for
    assert [vocabulary.spellings[i] for i in ids] == ["not", "in", "the", "batch", "", "hội"]
    assert np.array_equal(batch.of("Hội nghị")[0], BatchTokens(["Hội nghị"], vocabulary).of("Hội nghị")[0])


_PIECES = [
    "1234/QĐ-UBND", "15/2020/NĐ-CP", "18-NQ/TW", "12/2019/L-CTN", "1.234.567", "3,5", "5/Nam", "5/KHởi",
    "Hà Nội - Hải Phòng", "nghiêng", "H5N1", "ho\u0300a", "2020,", "12/3/2020", "1234/QĐ–UBND-Hà",
    "a12.5.6", "\u0301abc", "x\u0301\u0301y", "-5.3", "Nguyễn", "ĐẢNG", "...", "—", "«", "»", "“", "”",
    "𠀀", "😀", "Ж", "ﬁ",
]  # fmt: skip
_GLUE = [" ", "", "\n", "  ", " - ", "-", "/", ".", ",", "\u00a0", "\x00", "\t", "_"]
_CHARS = "aáàảãạăâđêôơưeioyuAĐQUBND  \n\t-–/.,;:()0123456789_'\u0301\u0300\u0323x\u00a0\x00😀ệếHTg"


@settings(max_examples=max_examples(300), deadline=None)
@given(
    texts=st.lists(
        st.one_of(
            st.text(alphabet=_CHARS, max_size=40),
            st.lists(st.tuples(st.sampled_from(_PIECES), st.sampled_from(_GLUE)), max_size=12).map(
                lambda pairs: "".join(a + b for a, b in pairs)
            ),
            st.text(max_size=20),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_any_texts_as_scanned(texts: list[str]) -> None:
    assert_as_scanned(texts)
