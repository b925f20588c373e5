"""The proximity step's check on Whoosh (see :mod:`index.proximity`): which candidates' title or page
text, as token ids in the text store (:mod:`index.whoosh.textstore`), hold the query's run.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from index.proximity import Run
from index.whoosh.textreader import StoredDoc, Vocabulary

__all__ = ["holders"]


def _table(run: Run, vocabulary: Vocabulary) -> NDArray[np.uint64]:
    """Bit ``j`` of ``table[id]``: spelling ``id`` matches the run's syllable ``j``."""
    table = np.zeros(len(vocabulary) + 1, dtype=np.uint64)
    for j, (exact, folded, marked) in enumerate(run.syllables):
        ids = vocabulary.exact(exact) if marked else vocabulary.folded(folded)
        if ids:
            table[ids] |= np.uint64(1 << j)
    return table


def holders(run: Run, docs: Sequence[StoredDoc | None], vocabulary: Vocabulary) -> list[bool]:
    """Whether each document's title or page text holds the run (False for a missing entry); the
    vocabulary must know every id of ``docs``."""
    table = _table(run, vocabulary)
    sentinel = np.array([len(vocabulary)], dtype=np.int64)  # matches nothing: no run crosses it
    pieces: list[NDArray[np.int64]] = []
    owner: list[int] = []
    for i, doc in enumerate(docs):
        if doc is None:
            continue
        pieces += [doc.title_ids, sentinel, doc.ids, sentinel]
        owner.append(i)
    found = [False] * len(docs)
    if not pieces:
        return found
    sequence = np.concatenate(pieces)
    bits = table[sequence]
    n = len(run.syllables)
    span = len(sequence) - n + 1
    if span <= 0:
        return found
    ok = (bits[:span] & np.uint64(1)) != 0
    for j in range(1, n):
        ok &= (bits[j : j + span] & np.uint64(1 << j)) != 0
    hits = np.flatnonzero(ok)
    if not len(hits):
        return found
    sizes = [len(p) for p in pieces]
    ends = np.cumsum(np.array(sizes, dtype=np.int64).reshape(-1, 4).sum(axis=1))
    for k in np.unique(np.searchsorted(ends, hits, side="right")).tolist():
        found[owner[k]] = True
    return found
