"""The terms a full-text field indexes for a text: the one definition shared by indexing and querying.

One analysed field holds three kinds of terms, so a text is tokenized once and every posting list
lives in one field (Whoosh's writer cost grows with postings, and queries touch one field):

* the **exact** form of every syllable: lowercase, NFC, tone placement normalized ("Hoà" -> "hòa");
  numbers and document numbers as written ("1234/qđ-ubnd");
* the **folded** form, prefixed with :data:`FOLD_PREFIX`, for syllables whose folded form differs
  from the exact one ("hòa" -> "~hoa"; "ban" has no folded term, its exact term "ban" is already
  unmarked);
* the folded **bigram** of every two adjacent syllables in a clause ("hoi_nghi"); no bigram spans
  clause punctuation (see :data:`index.vietnamese.TOKEN_RE`).

The three sets cannot collide: folded terms start with "~" and bigrams contain "_", neither of which
is ever part of a token. A query syllable typed without marks, say "hoi", therefore matches the
terms "hoi" (the document spells it unmarked) and "~hoi" (any marked spelling); a syllable typed
with marks matches its exact term only.

:func:`term_weights` is the indexing fast path (no per-token objects); the Whoosh analyzer
:func:`index.analysis.search_analyzer` yields the same terms through the Token protocol.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from index.vietnamese import TOKEN_RE, folded_form, normalize_tone

__all__ = [
    "BIGRAM_JOINER",
    "FOLD_PREFIX",
    "bigram_term",
    "exact_term",
    "folded_term",
    "syllable_forms",
    "term_weights",
]

BIGRAM_JOINER = "_"
"""Separator between the two syllables of a bigram term ("giao_ban")."""

FOLD_PREFIX = "~"
"""Prefix of folded unigram terms ("~hoi"); never part of a token, so it cannot collide."""


@lru_cache(maxsize=1 << 16)
def _marked_forms(token: str) -> tuple[str, str]:
    return normalize_tone(token), folded_form(token)


def syllable_forms(token: str) -> tuple[str, str]:
    """``(exact, folded)`` forms of one NFC token; equal for unmarked tokens. Cached."""
    if token.isascii():
        lower = token.lower()
        return lower, lower
    return _marked_forms(token)


def exact_term(token: str) -> str:
    """The exact term of a token ("Hoà" -> "hòa")."""
    return syllable_forms(token)[0]


def folded_term(token: str) -> str | None:
    """The folded term of a token ("Hội" -> "~hoi"), or None when the token has no marks."""
    exact, folded = syllable_forms(token)
    return None if folded == exact else FOLD_PREFIX + folded


def bigram_term(a: str, b: str) -> str:
    """The bigram term of two adjacent tokens: both folded, joined ("Hội", "nghị" -> "hoi_nghi")."""
    return f"{syllable_forms(a)[1]}{BIGRAM_JOINER}{syllable_forms(b)[1]}"


def term_weights(parts: Iterable[tuple[str, float]]) -> tuple[dict[str, int], dict[str, float], int]:
    """Count the terms of several texts, each with a weight per occurrence (e.g. title 4, body 1).

    Returns ``(frequencies, weights, tokens)``: occurrences per term, summed occurrence weights per
    term (what BM25 scores), and the number of syllable tokens. Bigrams never join two parts.
    """
    freqs: dict[str, int] = {}
    weights: dict[str, float] = {}
    fget = freqs.get
    wget = weights.get
    ntokens = 0
    prefix = FOLD_PREFIX
    joiner = BIGRAM_JOINER
    for text, weight in parts:
        composed = unicodedata.is_normalized("NFC", text)
        prev: str | None = None
        for token in TOKEN_RE.findall(text):
            if not token:  # a clause boundary
                prev = None
                continue
            if not composed:
                token = unicodedata.normalize("NFC", token)
            if token.isascii():
                exact = folded = token.lower()
            else:
                exact, folded = _marked_forms(token)
            freqs[exact] = fget(exact, 0) + 1
            weights[exact] = wget(exact, 0.0) + weight
            if folded != exact:
                term = prefix + folded
                freqs[term] = fget(term, 0) + 1
                weights[term] = wget(term, 0.0) + weight
            if prev is not None:
                term = f"{prev}{joiner}{folded}"
                freqs[term] = fget(term, 0) + 1
                weights[term] = wget(term, 0.0) + weight
            prev = folded
            ntokens += 1
    return freqs, weights, ntokens
