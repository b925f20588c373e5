"""Dense term ids for the bulk builder (:mod:`index.whoosh.bulk`): a segment's terms are numbered as they are
first seen, and a posting names its term by that number until the segment is written."""

from __future__ import annotations

from array import array
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["MAX_TERMS", "FieldPostings", "KeyVocabulary"]

MAX_TERMS = (1 << 22) - 1
"""Distinct terms per field a bulk segment can hold (term ids take 22 bits of a packed posting)."""


class FieldPostings:
    """The postings of one field: a vocabulary (term -> dense id) and packed ``uint64`` postings."""

    def __init__(self) -> None:
        self.ids: dict[Any, int] = {}
        self.keys: list[Any] = []  # term strings, or a TextCollector's term keys
        self.packed: array[int] = array("Q")

    def term_ids(self, keys: list[Any]) -> list[int]:
        ids = self.ids
        for key in keys:
            if key not in ids:
                ids[key] = len(self.keys)
                self.keys.append(key)
        if len(self.keys) > MAX_TERMS:
            raise OverflowError("too many distinct terms for one bulk segment")
        return list(map(ids.__getitem__, keys))


class KeyVocabulary:
    """Dense ids for a text field's integer term keys, in sorted arrays (a dict of a million Python
    ints costs ~100 bytes per entry; this, 16)."""

    def __init__(self) -> None:
        self._keys = np.zeros(0, dtype=np.uint64)
        self._ids = np.zeros(0, dtype=np.int64)

    def __len__(self) -> int:
        return len(self._keys)

    def ids(self, distinct: NDArray[np.uint64]) -> NDArray[np.int64]:
        """Ids of sorted distinct keys; unseen keys get the next ids."""
        pos = np.searchsorted(self._keys, distinct)
        found = np.zeros(len(distinct), dtype=bool)
        inside = pos < len(self._keys)
        found[inside] = self._keys[pos[inside]] == distinct[inside]
        result = np.empty(len(distinct), dtype=np.int64)
        result[found] = self._ids[pos[found]]
        fresh = np.arange(len(self._keys), len(self._keys) + int((~found).sum()), dtype=np.int64)
        result[~found] = fresh
        self._keys = np.insert(self._keys, pos[~found], distinct[~found])
        self._ids = np.insert(self._ids, pos[~found], fresh)
        if len(self._keys) > MAX_TERMS:
            raise OverflowError("too many distinct terms for one bulk segment")
        return result

    def keys(self) -> NDArray[np.uint64]:
        """The keys in id order."""
        by_id = np.empty(len(self._keys), dtype=np.uint64)
        by_id[self._ids] = self._keys
        return by_id
