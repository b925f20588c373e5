"""Snippets of tokenized texts: :func:`index.highlight.snippet` on token ids and offsets.

The words a query marks become tables over a vocabulary of spellings (:class:`Marks`), so a text's
marked tokens are one numpy lookup of its token ids, and its best window a cumulative sum. The result
is exactly what :func:`index.highlight.snippet` and :func:`index.highlight.match_count` give for the
same text (``tests/index/test_textstore.py`` and ``tests/index/test_snippets.py`` compare them).

The Whoosh backend's texts come tokenized from its text store (:mod:`index.whoosh.textreader`);
:class:`PageTokenizer` tokenizes a page of texts at once for a backend that keeps only the texts
(PostgreSQL).
"""

from __future__ import annotations

import threading
import unicodedata
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from index.highlight import snippet
from index.query import Highlights
from index.tokenbatch import TokenVocabulary, tokenize_texts
from index.vietnamese import exact_form, folded_form

__all__ = ["Marks", "PageTokenizer", "Spellings", "Tokenized", "page_snippets", "stored_snippet"]

_WINDOW = 40  # tokens in a snippet, as index.highlight
_BITS = 64


class Spellings(Protocol):
    """Token spellings numbered from 0, looked up by their forms."""

    def __len__(self) -> int: ...

    def exact(self, form: str) -> list[int]:
        """Ids of the spellings whose exact form is ``form``."""
        ...

    def folded(self, form: str) -> list[int]:
        """Ids of the spellings whose folded form is ``form``."""
        ...


class Tokenized(Protocol):
    """A text and its tokens (clause boundaries left out): spelling ids and offsets in the text."""

    @property
    def text(self) -> str: ...

    @property
    def ids(self) -> NDArray[np.int64]: ...

    @property
    def starts(self) -> NDArray[np.int64]: ...

    @property
    def ends(self) -> NDArray[np.int64]: ...


class Marks:
    """What the highlights ``hl`` mark, over the spellings of ``vocabulary`` known now (build it after
    the entries it is used on were read: their ids are then all known)."""

    def __init__(self, hl: Highlights, vocabulary: Spellings) -> None:
        size = len(vocabulary) + 1
        self.single = np.zeros(size, dtype=bool)
        for form in hl.exact:
            self.single[vocabulary.exact(form)] = True
        for form in hl.folded:
            self.single[vocabulary.folded(form)] = True
        pairs = [(vocabulary.exact(a), vocabulary.exact(b)) for a, b in hl.bigrams_exact]
        pairs += [(vocabulary.folded(a), vocabulary.folded(b)) for a, b in hl.bigrams_folded]
        pairs = [(a, b) for a, b in pairs if a and b]
        self.pairs: list[tuple[NDArray[np.uint64], NDArray[np.uint64]]] = []
        for lo in range(0, len(pairs), _BITS):
            first = np.zeros(size, dtype=np.uint64)
            second = np.zeros(size, dtype=np.uint64)
            for k, (a, b) in enumerate(pairs[lo : lo + _BITS]):
                bit = np.uint64(1 << k)
                first[a] |= bit
                second[b] |= bit
            self.pairs.append((first, second))

    def of(self, ids: NDArray[np.int64], breaks: NDArray[np.int64] | None = None) -> NDArray[np.bool_]:
        """Which of these tokens a snippet marks (as ``index.highlight._marked``); ``breaks``: positions
        ``i`` where tokens ``i`` and ``i + 1`` belong to different texts (no pair spans them)."""
        marks: NDArray[np.bool_] = self.single[ids]
        if len(ids) > 1:
            for first, second in self.pairs:
                hit = (first[ids[:-1]] & second[ids[1:]]) != 0
                if breaks is not None and len(breaks):
                    hit[breaks] = False
                marks[:-1] |= hit
                marks[1:] |= hit
        return marks


def stored_snippet(doc: Tokenized, marks: NDArray[np.bool_], *, window: int = _WINDOW) -> str:
    """:func:`index.highlight.snippet` of ``doc.text`` given its tokens' ``marks``."""
    text = doc.text
    n = len(doc.ids)
    if not n:
        return escape(text[:300])
    total = np.cumsum(marks, dtype=np.int64)
    counts = total.copy()
    counts[window:] -= total[:-window]
    best = int(np.argmax(counts))  # the first best, as the reference's strict comparison
    lo = max(0, best - window + 1)
    hi = min(n, lo + window)
    marked = np.flatnonzero(marks[lo:hi]) + lo
    out: list[str] = ["… " if lo > 0 else ""]
    # Escaping is character by character, so the text between two marked tokens is escaped in one
    # piece: the same string as token by token, with a call per marked token instead of two per token.
    cursor = int(doc.starts[lo])
    for start, end in zip(doc.starts[marked].tolist(), doc.ends[marked].tolist(), strict=True):
        out.append(escape(text[cursor:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        cursor = end
    out.append(escape(text[cursor : int(doc.ends[hi - 1])]))
    if hi < n:
        out.append(" …")
    return "".join(out).replace("</mark> <mark>", " ")


def page_snippets(docs: Sequence[Tokenized], marks: Marks, *, window: int = _WINDOW) -> list[tuple[int, str]]:
    """``(marked tokens, snippet)`` of each of ``docs``: the same as ``int(m.sum())`` and
    :func:`stored_snippet` with ``m = marks.of(doc.ids)`` one document at a time, computed for all of
    them at once (a page's twenty documents cost a few numpy calls instead of a dozen each).

    The documents' tokens are laid end to end: marks (no pair across two documents), one cumulative
    sum, and for every token the marks of the window ending there, from which each document's best
    window is its first maximum."""
    lengths = np.array([len(doc.ids) for doc in docs], dtype=np.int64)
    found: list[tuple[int, str]] = [(0, escape(doc.text[:300])) for doc in docs]
    full = np.flatnonzero(lengths)
    if not len(full):
        return found
    sizes = lengths[full]
    firsts = np.cumsum(sizes) - sizes  # where each non-empty document starts, end to end
    n = int(sizes.sum())
    ids = np.concatenate([docs[i].ids for i in full.tolist()])
    lasts = firsts + sizes - 1
    marked = marks.of(ids, lasts[:-1])
    prefix = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(marked, out=prefix[1:])
    at = np.arange(n, dtype=np.int64)
    counts = prefix[1:] - prefix[np.maximum(at + 1 - window, np.repeat(firsts, sizes))]
    best = np.maximum.reduceat(counts, firsts)
    tops = np.flatnonzero(counts == np.repeat(best, sizes))
    bests = tops[np.searchsorted(tops, firsts)] - firsts  # the first best, as stored_snippet
    los = np.maximum(0, bests - window + 1)
    his = np.minimum(sizes, los + window)
    owns = (prefix[firsts + sizes] - prefix[firsts]).tolist()
    positions = np.flatnonzero(marked)
    all_starts = np.concatenate([docs[i].starts for i in full.tolist()])
    all_ends = np.concatenate([docs[i].ends for i in full.tolist()])
    mark_starts, mark_ends = all_starts[positions].tolist(), all_ends[positions].tolist()
    heads = all_starts[firsts + los].tolist()
    tails = all_ends[firsts + his - 1].tolist()
    where = positions.tolist()
    for k, i in enumerate(full.tolist()):
        text = docs[i].text
        first, lo, hi = int(firsts[k]), int(los[k]), int(his[k])
        out: list[str] = ["… " if lo > 0 else ""]
        cursor = heads[k]
        for j in range(bisect_left(where, first + lo), bisect_left(where, first + hi)):
            start, end = mark_starts[j], mark_ends[j]
            out.append(escape(text[cursor:start]))
            out.append(f"<mark>{escape(text[start:end])}</mark>")
            cursor = end
        out.append(escape(text[cursor : tails[k]]))
        if hi < int(sizes[k]):
            out.append(" …")
        found[i] = (owns[k], "".join(out).replace("</mark> <mark>", " "))
    return found


@dataclass(frozen=True, slots=True)
class _Text:
    text: str
    ids: NDArray[np.int64]
    starts: NDArray[np.int64]
    ends: NDArray[np.int64]


class _Forms:
    """The exact and folded forms of a :class:`~index.tokenbatch.TokenVocabulary`'s spellings (same
    ids), learnt as the vocabulary grows."""

    def __init__(self, vocabulary: TokenVocabulary) -> None:
        self._vocabulary = vocabulary
        self._known = 0
        self._exact: dict[str, list[int]] = {}
        self._folded: dict[str, list[int]] = {}

    def __len__(self) -> int:
        return self._known

    def learn(self) -> None:
        spellings = self._vocabulary.spellings
        for gid in range(self._known, len(spellings)):
            spelling = spellings[gid]
            self._exact.setdefault(exact_form(spelling), []).append(gid)
            self._folded.setdefault(folded_form(spelling), []).append(gid)
        self._known = len(spellings)

    def exact(self, form: str) -> list[int]:
        return self._exact.get(form, [])

    def folded(self, form: str) -> list[int]:
        return self._folded.get(form, [])


class PageTokenizer:
    """Snippets of a page of texts, tokenized together (:func:`~index.tokenbatch.tokenize_texts`)
    instead of one :func:`index.highlight.snippet` each (~0.5 ms a news article, most of it the
    regular expression's scan and a Python string per token). Spellings and their forms are kept
    between pages, up to ``limit`` spellings; safe to share between threads."""

    def __init__(self, limit: int = 1 << 18) -> None:
        self._limit = limit
        self._lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        self._vocabulary = TokenVocabulary()
        self._forms = _Forms(self._vocabulary)

    def snippets(self, texts: Sequence[str], hl: Highlights) -> list[str]:
        """:func:`index.highlight.snippet` of each of ``texts``."""
        # Offsets of a text that is not NFC are those of its NFC tokens (tokenize_texts) where
        # index.highlight cuts the text as given: such a text (rare) goes the reference's way.
        nfc = [unicodedata.is_normalized("NFC", text) for text in texts]
        found = ["" if ok else snippet(text, hl) for text, ok in zip(texts, nfc, strict=True)]
        batch = [i for i, ok in enumerate(nfc) if ok]
        if not batch:
            return found
        with self._lock:
            if len(self._vocabulary) > self._limit:
                self._reset()
            tokens = tokenize_texts([texts[i] for i in batch], self._vocabulary)
            self._forms.learn()
            marks = Marks(hl, self._forms)
        docs: list[_Text] = []
        bounds = tokens.bounds.tolist()
        for k, i in enumerate(batch):
            lo, hi = bounds[k], bounds[k + 1]
            ids = tokens.ids[lo:hi]
            keep = ids != 0  # clause boundaries
            docs.append(_Text(texts[i], ids[keep], tokens.starts[lo:hi][keep], tokens.ends[lo:hi][keep]))
        for i, (_, text) in zip(batch, page_snippets(docs, marks), strict=True):
            found[i] = text
        return found
