"""Whoosh analyzers for Vietnamese text, built on :mod:`index.vietnamese`.

The index's full-text fields use :func:`search_analyzer`, which yields exact,
folded and bigram terms in one field (the scheme is defined in
:mod:`index.terms`; indexing uses its faster :func:`index.terms.term_weights`,
which yields the same terms).  Four single-purpose analyzers remain, each
``SyllableTokenizer() | <filters>``; use the same one at index time, at query
time (Whoosh calls ``analyzer(text, mode="query")``) and for highlighting
(``chars=True``):

* ``exact_analyzer()``: tokenizer | ToneNormalizeFilter; "Hoà bình." gives
  "hòa", "bình";
* ``folded_analyzer()``: tokenizer | FoldFilter; gives "hoa", "binh";
* ``exact_bigram_analyzer()``: tokenizer | ToneNormalizeFilter | BigramFilter;
  gives "hòa_bình";
* ``folded_bigram_analyzer()``: tokenizer | FoldFilter | BigramFilter; gives
  "hoa_binh".

Clause boundaries
-----------------
Punctuation such as ``. , ; : ! ? ( ) [ ] " “ ” … – —``, a line break, or a
hyphen between spaces ends a clause (see :data:`index.vietnamese.TOKEN_RE`).
The tokenizer represents a boundary in two ways:

* every token carries ``clause_break`` (bool): True when a boundary lies
  between it and the previous token (False for the first token);
* positions (when requested) skip one number at each boundary, so "Hà Nội. Hải
  Phòng" gets positions 0, 1, 3, 4.  Phrase queries therefore never match
  across punctuation.

:class:`BigramFilter` pairs a token with its predecessor only when
``clause_break`` is False, which works whether or not positions were
requested (Whoosh does not request them for fields indexed without phrase
support).

Bigrams are the two syllables joined with :data:`BIGRAM_JOINER` ("_"), e.g.
"giao_ban".  Since "_" is not a token character, analysing the query text
"giao_ban" or "giao ban" with a bigram analyzer produces that same term.

All classes are module-level and hold no callables, so analyzers pickle (Whoosh
stores the schema, analyzers included, in the index TOC).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any

from whoosh.analysis import Analyzer, Filter, Tokenizer
from whoosh.analysis import Token as WhooshToken

from index.terms import BIGRAM_JOINER, FOLD_PREFIX, syllable_forms
from index.vietnamese import TOKEN_RE, folded_form, normalize_tone

__all__ = [
    "BIGRAM_JOINER",
    "BigramFilter",
    "FoldFilter",
    "SearchTermsFilter",
    "SyllableTokenizer",
    "ToneNormalizeFilter",
    "exact_analyzer",
    "exact_bigram_analyzer",
    "folded_analyzer",
    "folded_bigram_analyzer",
    "search_analyzer",
]


class SyllableTokenizer(Tokenizer):  # type: ignore[misc]
    """Whoosh tokenizer yielding the tokens of :func:`index.vietnamese.tokenize`.

    Follows the protocol of Whoosh's ``RegexTokenizer``: one ``Token`` object
    is reused for every token; ``pos`` is set only when ``positions`` is
    requested, ``startchar``/``endchar`` only when ``chars`` is, ``original``
    only when ``keeporiginal`` is; with ``tokenize=False`` the whole value is a
    single token.  Token text is NFC; character offsets are into ``value`` as
    passed (plus ``start_char``), even when ``value`` is decomposed.

    Additionally every token has ``clause_break`` set (see the module
    docstring), and positions skip one number at each clause boundary.
    """

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Any]:
        assert isinstance(value, str), f"{value!r} is not unicode"

        t = WhooshToken(positions, chars, removestops=removestops, mode=mode, **kwargs)
        composed = unicodedata.is_normalized("NFC", value)
        if not tokenize:
            t.original = t.text = value if composed else unicodedata.normalize("NFC", value)
            t.boost = 1.0
            t.clause_break = False
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar = start_char
                t.endchar = start_char + len(value)
            yield t
            return

        pos = start_pos
        # A boundary only matters once a token has been emitted; leading
        # punctuation must not shift the first position off start_pos.
        seen = False
        brk = False
        if not chars:
            # Indexing does not ask for offsets: findall() builds the strings
            # in C (boundaries come back as "") and skips the match objects,
            # about 30% cheaper than the finditer() loop below.
            for text in TOKEN_RE.findall(value):
                if not text:
                    brk = seen
                    continue
                t.text = text if composed else unicodedata.normalize("NFC", text)
                t.boost = 1.0
                if keeporiginal:
                    t.original = t.text
                t.stopped = False
                t.clause_break = brk
                if positions:
                    if brk:
                        pos += 1
                    t.pos = pos
                    pos += 1
                seen = True
                brk = False
                yield t
            return

        for match in TOKEN_RE.finditer(value):
            text = match.group(1)
            if text is None:  # a clause boundary, not a token
                brk = seen
                continue
            t.text = text if composed else unicodedata.normalize("NFC", text)
            t.boost = 1.0
            if keeporiginal:
                t.original = t.text
            t.stopped = False
            t.clause_break = brk
            if positions:
                if brk:
                    pos += 1
                t.pos = pos
                pos += 1
            start, end = match.span(1)
            t.startchar = start_char + start
            t.endchar = start_char + end
            seen = True
            brk = False
            yield t


class ToneNormalizeFilter(Filter):  # type: ignore[misc]
    """Lowercase each token and move its tone mark to the canonical vowel.

    Token text becomes :func:`index.vietnamese.exact_form` of itself, so "Hoà"
    and "hòa" index as "hòa".
    """

    def __call__(self, tokens: Iterable[Any]) -> Iterator[Any]:
        for t in tokens:
            text = t.text
            # Inlined exact_form(): ASCII tokens skip the cache lookup.
            t.text = text.lower() if text.isascii() else normalize_tone(text)
            yield t


class FoldFilter(Filter):  # type: ignore[misc]
    """Lowercase each token and strip every diacritic ("Hội" -> "hoi", "Đà" -> "da").

    Token text becomes :func:`index.vietnamese.folded_form` of itself.
    """

    def __call__(self, tokens: Iterable[Any]) -> Iterator[Any]:
        for t in tokens:
            text = t.text
            t.text = text.lower() if text.isascii() else folded_form(text)
            yield t


class BigramFilter(Filter):  # type: ignore[misc]
    """Replace the token stream with bigrams of adjacent syllables in a clause.

    For tokens ``a`` then ``b`` with ``b.clause_break`` False, emits one token
    ``"a_b"`` (joined with :data:`BIGRAM_JOINER`) whose ``startchar`` is a's,
    ``endchar`` b's, and ``pos`` a's.  Unigrams are not emitted; a clause of a
    single syllable (or a one-syllable query) yields nothing.

    Must come after :class:`SyllableTokenizer` and 1:1 filters only: it relies
    on the tokenizer's ``clause_break`` attribute and reuses the incoming
    ``Token`` object.
    """

    def __call__(self, tokens: Iterable[Any]) -> Iterator[Any]:
        stream = iter(tokens)
        t = next(stream, None)
        if t is None:
            return
        # These flags are fixed for one analyzer call, so read them once.
        positions = t.positions
        chars = t.chars
        keeporiginal = hasattr(t, "original")
        joiner = BIGRAM_JOINER
        prev_text = t.text
        prev_pos = t.pos if positions else 0
        prev_start = t.startchar if chars else 0
        prev_original = t.original if keeporiginal else ""
        pos = start = 0
        original = ""
        for t in stream:
            text = t.text
            # Save this token's own values before the bigram's overwrite them.
            if positions:
                pos = t.pos
            if chars:
                start = t.startchar
            if keeporiginal:
                original = t.original
            if not t.clause_break:
                t.text = f"{prev_text}{joiner}{text}"
                if positions:
                    t.pos = prev_pos
                if chars:
                    t.startchar = prev_start
                if keeporiginal:
                    t.original = f"{prev_original}{joiner}{original}"
                yield t
            prev_text = text
            if positions:
                prev_pos = pos
            if chars:
                prev_start = start
            if keeporiginal:
                prev_original = original


class SearchTermsFilter(Filter):  # type: ignore[misc]
    """Turn each syllable into the terms of :mod:`index.terms`: exact, folded (if different), bigram.

    For a token ``b`` after ``a`` in the same clause, yields the exact term of ``b``, then
    ``"~" + folded`` when it differs, then the folded bigram ``"a_b"`` (whose ``startchar`` is a's,
    ``pos`` a's).  Must come right after :class:`SyllableTokenizer` (it reads ``clause_break`` and
    reuses the incoming ``Token`` object).
    """

    def __call__(self, tokens: Iterable[Any]) -> Iterator[Any]:
        prev: str | None = None
        prev_pos = prev_start = 0
        for t in tokens:
            positions, chars = t.positions, t.chars
            pos = t.pos if positions else 0
            start = t.startchar if chars else 0
            exact, folded = syllable_forms(t.text)
            t.text = exact
            yield t
            if folded != exact:
                t.text = FOLD_PREFIX + folded
                yield t
            if prev is not None and not t.clause_break:
                t.text = f"{prev}{BIGRAM_JOINER}{folded}"
                if positions:
                    t.pos = prev_pos
                if chars:
                    t.startchar = prev_start
                yield t
                if positions:
                    t.pos = pos
                if chars:
                    t.startchar = start
            prev, prev_pos, prev_start = folded, pos, start


def search_analyzer() -> Analyzer:
    """Exact, folded and bigram terms in one stream ("Hội nghị" -> "hội", "~hoi", "nghị", "~nghi",
    "hoi_nghi"); the analyzer of the index's full-text fields."""
    return SyllableTokenizer() | SearchTermsFilter()


def exact_analyzer() -> Analyzer:
    """Syllables, lowercased, tone placement normalized ("Hoà" -> "hòa")."""
    return SyllableTokenizer() | ToneNormalizeFilter()


def folded_analyzer() -> Analyzer:
    """Syllables, lowercased, all diacritics removed ("Hội nghị" -> "hoi", "nghi")."""
    return SyllableTokenizer() | FoldFilter()


def exact_bigram_analyzer() -> Analyzer:
    """Bigrams of :func:`exact_analyzer` syllables ("Hội nghị" -> "hội_nghị")."""
    return SyllableTokenizer() | ToneNormalizeFilter() | BigramFilter()


def folded_bigram_analyzer() -> Analyzer:
    """Bigrams of :func:`folded_analyzer` syllables ("Hội nghị" -> "hoi_nghi")."""
    return SyllableTokenizer() | FoldFilter() | BigramFilter()
