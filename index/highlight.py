"""Snippets: a window of the original text with matched words in ``<mark>``, everything else escaped.

Matching works on the same forms the index uses, so a folded query ("hoi nghi") marks "Hội nghị" in
the original text, and a phrase marks both syllables of each matched bigram.
"""

from __future__ import annotations

import itertools
import unicodedata
from html import escape

from index.query import Highlights
from index.vietnamese import TOKEN_RE, exact_form, folded_form

_WINDOW = 40  # tokens in a snippet


_FORMS_MAX = 1 << 17
"""Spellings whose forms are kept (a dictionary per process, cleared when full)."""
_EXACT: dict[str, str] = {}
_FOLDED: dict[str, str] = {}


def _words(text: str) -> list[str]:
    """The tokens' texts of :func:`~index.vietnamese.tokenize`, without their offsets (one ``findall``:
    building a token object per syllable was most of a snippet's time)."""
    words = [w for w in TOKEN_RE.findall(text) if w]
    if not unicodedata.is_normalized("NFC", text):
        words = [unicodedata.normalize("NFC", w) for w in words]
    return words


def _learn(words: list[str]) -> None:
    """Put the forms of ``words`` in the per-process caches."""
    if len(_EXACT) > _FORMS_MAX:
        _EXACT.clear()
        _FOLDED.clear()
    for word in set(words).difference(_EXACT):
        _EXACT[word] = exact_form(word)
        _FOLDED[word] = folded_form(word)


def _marked(words: list[str], hl: Highlights) -> list[bool]:
    """Whether each word is marked: its exact or folded form is asked for, or it is one of an adjacent
    pair that is (a phrase's bigram)."""
    _learn(words)
    exact, folded = _EXACT, _FOLDED
    asked = {w for w in set(words) if exact[w] in hl.exact or folded[w] in hl.folded}
    marks = list(map(asked.__contains__, words))
    if hl.bigrams_exact or hl.bigrams_folded:
        forms = itertools.pairwise(map(exact.__getitem__, words))
        plain = itertools.pairwise(map(folded.__getitem__, words))
        for i, (pair, bare) in enumerate(zip(forms, plain, strict=True)):
            if pair in hl.bigrams_exact or bare in hl.bigrams_folded:
                marks[i] = marks[i + 1] = True
    return marks


def match_count(text: str, hl: Highlights) -> int:
    """How many words of ``text`` a snippet would mark."""
    words = _words(text)
    return sum(_marked(words, hl)) if words else 0


def _spans(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """The offsets of tokens ``lo`` to ``hi`` (excluded) of ``text``."""
    found = (m.span(1) for m in TOKEN_RE.finditer(text) if m.lastindex is not None)
    return list(itertools.islice(found, lo, hi))


def snippet(text: str, hl: Highlights, *, window: int = _WINDOW) -> str:
    """The best window of ``text`` (most marked tokens) as safe HTML; the text's start if nothing matched."""
    words = _words(text)
    if not words:
        return escape(text[:300])
    marks = _marked(words, hl)
    best_start, best_count, count = 0, -1, 0
    for i, mark in enumerate(marks):
        count += mark
        if i >= window:
            count -= marks[i - window]
        if count > best_count:
            best_count, best_start = count, max(0, i - window + 1)
    lo, hi = best_start, min(len(words), best_start + window)
    spans = _spans(text, lo, hi)
    begin, end = spans[0][0], spans[-1][1]
    out: list[str] = ["… " if lo > 0 else ""]
    cursor = begin
    for (start, stop), marked in zip(spans, marks[lo:hi], strict=True):
        out.append(escape(text[cursor:start]))
        piece = escape(text[start:stop])
        out.append(f"<mark>{piece}</mark>" if marked else piece)
        cursor = stop
    out.append(escape(text[cursor:end]))
    if hi < len(words):
        out.append(" …")
    return "".join(out).replace("</mark> <mark>", " ")
