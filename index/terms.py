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
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from operator import add

from index.vietnamese import TOKEN_RE, folded_form, normalize_tone

__all__ = [
    "BIGRAM_JOINER",
    "FOLD_PREFIX",
    "bigram_term",
    "exact_term",
    "folded_term",
    "syllable_forms",
    "term_counts",
    "term_weights",
    "tokens",
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


class _Forms:
    """Per-token lookup tables (exact term, folded term or None, folded form, folded form + joiner),
    filled on first sight of a token so that a document maps its tokens with C-level ``map`` calls.

    Bounded: cleared when it holds :attr:`LIMIT` tokens (numbers and names keep the vocabulary open).
    The empty string stands for a clause boundary; its folded forms contain NUL, which no token does,
    so bigrams across a boundary are recognizable and dropped.
    """

    LIMIT = 1 << 18

    def __init__(self) -> None:
        self.exact: dict[str, str | None] = {}
        self.folded: dict[str, str | None] = {}
        self.left: dict[str, str] = {}
        self.right: dict[str, str] = {}
        self._reset()

    def _reset(self) -> None:
        for table in (self.exact, self.folded, self.left, self.right):
            table.clear()
        self.exact[""] = self.folded[""] = None
        self.left[""] = self.right[""] = "\0"

    def learn(self, tokens: Iterable[str]) -> None:
        unseen = set(tokens).difference(self.exact)
        if len(self.exact) + len(unseen) > self.LIMIT:
            self._reset()
            unseen = set(tokens).difference(self.exact)
        for token in unseen:
            exact, folded = syllable_forms(token)
            self.exact[token] = exact
            self.folded[token] = None if folded == exact else FOLD_PREFIX + folded
            self.left[token] = folded + BIGRAM_JOINER
            self.right[token] = folded


_FORMS = _Forms()


def _count(tokens: list[str]) -> Counter[str]:
    """Occurrences of every term of a token stream ("" marks a clause boundary)."""
    forms = _FORMS
    try:
        exact = list(map(forms.exact.__getitem__, tokens))
    except KeyError:
        forms.learn(tokens)
        exact = list(map(forms.exact.__getitem__, tokens))
    counts: Counter[str] = Counter(filter(None, exact))  # None: a clause boundary
    counts.update(filter(None, map(forms.folded.__getitem__, tokens)))
    if len(tokens) > 1:
        bigrams = list(
            map(add, map(forms.left.__getitem__, tokens[:-1]), map(forms.right.__getitem__, tokens[1:]))
        )
        counts.update(bigrams)
        if "" in tokens:
            for term in [b for b in bigrams if "\0" in b]:
                counts.pop(term, None)
    return counts


def tokens(text: str) -> list[str]:
    """The tokens of ``text`` in order (NFC), with "" for each clause boundary."""
    tokens: list[str] = TOKEN_RE.findall(text)
    if not unicodedata.is_normalized("NFC", text):
        tokens = [unicodedata.normalize("NFC", t) for t in tokens]
    return tokens


def term_counts(parts: Iterable[tuple[str, float]]) -> tuple[dict[str, int], dict[str, float], int]:
    """Count the terms of several texts, each with a weight per occurrence (e.g. title 4, body 1).

    Returns ``(frequencies, weights, tokens)``: occurrences per term; the summed occurrence weights
    (what BM25 scores) of the terms whose weight differs from their frequency, i.e. that occur in a
    part weighing other than 1 (every other term weighs its frequency); and the number of syllable
    tokens. Bigrams never join two parts.
    """
    stream: list[str] = []
    weighted: list[tuple[list[str], float]] = []
    for text, weight in parts:
        found = tokens(text)
        if weight != 1.0:
            weighted.append((found, weight))
        if stream:
            stream.append("")
        stream += found
    freqs = _count(stream)
    weights: dict[str, float] = {}
    for found, weight in weighted:
        for term, count in _count(found).items():
            weights[term] = weights.get(term, freqs[term]) + count * (weight - 1.0)
    return freqs, weights, len(stream) - stream.count("")


def term_weights(parts: Iterable[tuple[str, float]]) -> tuple[dict[str, int], dict[str, float], int]:
    """Like :func:`term_counts`, with the weight of every term: ``(frequencies, weights, tokens)``."""
    freqs, boosted, ntokens = term_counts(parts)
    weights = {term: float(freq) for term, freq in freqs.items()}
    weights.update(boosted)
    return freqs, weights, ntokens
