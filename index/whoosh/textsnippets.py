"""Snippets from the text store: :func:`index.highlight.snippet` on a stored entry, without tokenizing.

The words a query marks become tables over the store's vocabulary (:class:`Marks`), so a document's
marked tokens are one numpy lookup of its token ids, and its best window a cumulative sum. The result
is exactly what :func:`index.highlight.snippet` and :func:`index.highlight.match_count` give for the
same text (``tests/index/test_textstore.py`` compares them).
"""

from __future__ import annotations

from html import escape

import numpy as np
from numpy.typing import NDArray

from index.query import Highlights
from index.whoosh.textreader import StoredDoc, Vocabulary

__all__ = ["Marks", "stored_snippet"]

_WINDOW = 40  # tokens in a snippet, as index.highlight
_BITS = 64


class Marks:
    """What the highlights ``hl`` mark, over the spellings of ``vocabulary`` known now (build it after
    the entries it is used on were read: their ids are then all known)."""

    def __init__(self, hl: Highlights, vocabulary: Vocabulary) -> None:
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

    def of(self, ids: NDArray[np.int64]) -> NDArray[np.bool_]:
        """Which of these tokens a snippet marks (as ``index.highlight._marked``)."""
        marks: NDArray[np.bool_] = self.single[ids]
        if len(ids) > 1:
            for first, second in self.pairs:
                hit = (first[ids[:-1]] & second[ids[1:]]) != 0
                marks[:-1] |= hit
                marks[1:] |= hit
        return marks


def stored_snippet(doc: StoredDoc, marks: NDArray[np.bool_], *, window: int = _WINDOW) -> str:
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
