"""The Vietnamese-like corpus generator (index.corpus) used by the quality test and the benchmark."""

from __future__ import annotations

import unicodedata
from collections import Counter

from index.corpus import _AVOID, DEPARTMENTS, Generator, generate, new_style
from index.vietnamese import TOKEN_RE, folded_form, normalize_tone, tokenize


def test_same_seed_same_documents() -> None:
    assert list(generate(5, seed=3)) == list(generate(5, seed=3))
    assert list(generate(5, seed=3)) != list(generate(5, seed=4))
    assert [d.id for d in generate(3)] == ["0000000000000000", "0000000000000001", "0000000000000002"]


def test_documents_have_the_requested_shape() -> None:
    docs = list(generate(40, seed=1, body_syllables=300))
    lengths = [sum(len(list(tokenize(p))) for p in d.body) for d in docs]
    assert 200 < sum(lengths) / len(lengths) < 400
    for d in docs:
        assert d.title
        assert d.lead
        assert d.body
        assert d.published.utcoffset() is not None
        assert d.department in {name for _, name in DEPARTMENTS}
        assert d.source.count("-") == 1
        assert len(d.author.split()) == 3
        for number in d.doc_numbers:
            assert [t.text for t in tokenize(number)] == [number]
        assert all(unicodedata.is_normalized("NFC", p) for p in d.body)


def test_syllables_are_vietnamese_like_and_fold_together() -> None:
    gen = Generator(0)
    syllables = {s for word in gen.lexicon for s in word.split()}
    assert len(syllables) > 2000
    assert not syllables & _AVOID
    assert all(normalize_tone(s) == s for s in syllables)  # canonical tone placement
    folded = Counter(folded_form(s) for s in syllables)
    assert max(folded.values()) >= 5  # "ban", "bàn", "bán", … collide when folded, as in real text


def test_some_documents_use_the_new_tone_style() -> None:
    texts = [" ".join(d.body) for d in generate(30, seed=2)]
    assert any("oà" in t or "uỷ" in t or "oẻ" in t for t in texts)
    assert any("òa" in t or "ủy" in t or "ỏe" in t for t in texts)


def test_new_style() -> None:
    assert new_style("hòa") == "hoà"
    assert new_style("Thủy") == "Thuỷ"
    assert new_style("khỏe") == "khoẻ"
    assert new_style("hoàn") == "hoàn"  # closed syllable: unchanged
    assert new_style("quả") == "quả"
    assert new_style("ban") == "ban"


def test_sentences_have_clause_punctuation() -> None:
    body = " ".join(next(generate(1, seed=9)).body)
    boundaries = sum(1 for t in TOKEN_RE.findall(body) if not t)
    assert boundaries > 5
