"""Decoded posting lists: per search (:class:`PostingCache`) and across searches (:class:`DecodedPostings`).

Decoding a term's W3 posting list costs about 100-150 ns per posting in Python (zlib, unpickling,
delta decoding), more than everything a search then does with it in numpy. A search reads each term
once (:class:`PostingCache`: the match set and the scores need the same lists), and a long-lived
:class:`DecodedPostings` shared by a service's searches keeps the most recently used lists decoded,
within a memory budget, the way a search server keeps hot posting lists in memory. Entries are keyed
by segment id: a segment's postings never change (deletions are applied separately), so an entry
stays valid across commits and is simply not asked for again once its segment is merged away.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from index.whoosh.postings import field_lengths, probe_docs, term_arrays, term_info

__all__ = ["DecodedPostings", "PostingCache"]

_ENTRY_OVERHEAD = 256
"""Bytes counted per cached list besides its arrays (keys, tuples, array headers)."""

Arrays = tuple[NDArray[np.int64], NDArray[np.float64]]

_INFO_ENTRIES = 1 << 16
"""Term infos (and block bounds) kept across searches (a few hundred bytes each)."""
CHUNK = 128
"""Postings per block of the score bounds (:meth:`DecodedPostings.bounds`)."""
_LENGTH_ENTRIES = 64
"""Segment field-length arrays kept (one float per document each)."""

Bounds = tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]
"""Per block of :data:`CHUNK` postings: first and last id, the largest term frequency part of BM25."""
_MISSING = object()


class DecodedPostings:
    """A thread-safe LRU of decoded posting lists, ``max_bytes`` in all (0 disables it)."""

    def __init__(self, max_bytes: int = 256 * 2**20) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.hits = self.misses = 0
        self._entries: OrderedDict[tuple[str, str, bytes], tuple[NDArray[np.int32], NDArray[np.float32]]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()
        self._infos: OrderedDict[tuple[str, str, bytes], Any] = OrderedDict()
        self._bounds: OrderedDict[tuple[str, str, bytes, tuple[float, float, float]], Bounds] = OrderedDict()
        self._lengths: OrderedDict[tuple[str, str], NDArray[np.float64]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def info(self, reader: Any, fieldname: str, tbytes: bytes) -> Any:
        """A term's ``W3TermInfo`` in one segment (None if absent), looked up in Whoosh's term hash file
        once and then kept (whatever ``max_bytes``: term infos are small, and a lookup costs some 20
        µs of Python, several times per term and search)."""
        segment = reader.segment() if hasattr(reader, "segment") else None
        if segment is None:
            return term_info(reader, fieldname, tbytes)
        key = (segment.segment_id(), fieldname, tbytes)
        with self._lock:
            found = self._infos.get(key, _MISSING)
            if found is not _MISSING:
                self._infos.move_to_end(key)
                return found
        found = term_info(reader, fieldname, tbytes)
        with self._lock:
            self._infos[key] = found
            if len(self._infos) > _INFO_ENTRIES:
                self._infos.popitem(last=False)
        return found

    def get(
        self, reader: Any, fieldname: str, tbytes: bytes
    ) -> tuple[NDArray[np.int32], NDArray[np.float32]]:
        """A term's postings in one segment (local ids, weights), decoded now or earlier."""
        segment = reader.segment() if hasattr(reader, "segment") else None
        if segment is None or not self.max_bytes:
            ids, weights = term_arrays(reader, fieldname, tbytes, self.info(reader, fieldname, tbytes))
            return ids.astype(np.int32), weights.astype(np.float32)
        key = (segment.segment_id(), fieldname, tbytes)
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return found
            self.misses += 1
        ids, weights = term_arrays(reader, fieldname, tbytes, self.info(reader, fieldname, tbytes))
        entry = (ids.astype(np.int32), weights.astype(np.float32))
        cost = entry[0].nbytes + entry[1].nbytes + _ENTRY_OVERHEAD
        if cost > self.max_bytes // 4:  # one huge list would flush everything else
            return entry
        with self._lock:
            if key not in self._entries:
                self._entries[key] = entry
                self.size += cost
                while self.size > self.max_bytes:
                    _, (old_ids, old_weights) = self._entries.popitem(last=False)
                    self.size -= old_ids.nbytes + old_weights.nbytes + _ENTRY_OVERHEAD
        return entry

    def _segment_lengths(self, reader: Any, key: tuple[str, str], fieldname: str) -> NDArray[np.float64]:
        with self._lock:
            found = self._lengths.get(key)
        if found is None:
            found = np.array(field_lengths(reader, fieldname), dtype=np.float64)
            with self._lock:
                self._lengths[key] = found
                if len(self._lengths) > _LENGTH_ENTRIES:
                    self._lengths.popitem(last=False)
        return found

    def bounds(self, reader: Any, fieldname: str, tbytes: bytes, shape: tuple[float, float, float]) -> Bounds:
        """A term's largest BM25 term frequency part ``w / (w + K1 * ((1 - B) + B * length /
        average))`` per block of :data:`CHUNK` postings in one segment (local ids), for ``shape = (K1,
        B, average field length)``: computed from the decoded postings once per segment, term and
        shape, and kept (a commit changes the average, and so the bounds)."""
        segment = reader.segment() if hasattr(reader, "segment") else None
        key = (segment.segment_id() if segment is not None else "", fieldname, tbytes, shape)
        if segment is not None:
            with self._lock:
                found = self._bounds.get(key)
            if found is not None:
                self._bounds.move_to_end(key)
                return found
        ids, weights = self.get(reader, fieldname, tbytes)
        starts = np.arange(0, len(ids), CHUNK, dtype=np.int64)
        if len(ids):
            k1, b, average = shape
            lengths = self._segment_lengths(reader, (key[0], fieldname), fieldname)[ids]
            w = weights.astype(np.float64)
            part = w / (w + k1 * ((1 - b) + b * lengths / average))
            found = (
                ids[starts].astype(np.int64),
                ids[np.append(starts[1:], len(ids)) - 1].astype(np.int64),
                np.maximum.reduceat(part, starts),
            )
        else:
            empty = np.zeros(0, dtype=np.int64)
            found = (empty, empty, np.zeros(0))
        if segment is not None:
            with self._lock:
                self._bounds[key] = found
                if len(self._bounds) > _INFO_ENTRIES:
                    self._bounds.popitem(last=False)
        return found

    def contains(self, reader: Any, fieldname: str, tbytes: bytes) -> bool:
        segment = reader.segment() if hasattr(reader, "segment") else None
        if segment is None:
            return False
        with self._lock:
            return (segment.segment_id(), fieldname, tbytes) in self._entries


class PostingCache:
    """The posting lists one search reads, over all segments of its searcher (``leaves``: ``(reader,
    docnum offset)``), decoded once for the search and through ``shared`` if given."""

    def __init__(self, leaves: Sequence[tuple[Any, int]], shared: DecodedPostings | None = None) -> None:
        self.leaves = leaves
        self._shared = shared if shared is not None else DecodedPostings(0)
        self._arrays: dict[tuple[str, bytes], Arrays] = {}
        self._dfs: dict[tuple[str, bytes], int] = {}

    def infos(self, fieldname: str, tbytes: bytes) -> list[Any]:
        """The term's ``W3TermInfo`` in each segment (None where it is absent)."""
        return [self._shared.info(reader, fieldname, tbytes) for reader, _ in self.leaves]

    def df(self, fieldname: str, tbytes: bytes) -> int:
        """Documents holding the term, deleted ones included (Whoosh's ``doc_frequency``)."""
        key = (fieldname, tbytes)
        found = self._dfs.get(key)
        if found is None:
            found = self._dfs[key] = sum(i.doc_frequency() for i in self.infos(fieldname, tbytes) if i)
        return found

    def arrays(self, fieldname: str, tbytes: bytes) -> Arrays:
        """``(ascending global docnums, weights)`` of a term, deleted documents included."""
        key = (fieldname, tbytes)
        found = self._arrays.get(key)
        if found is None:
            parts = [self._shared.get(reader, fieldname, tbytes) for reader, _ in self.leaves]
            ids = np.concatenate(
                [np.zeros(0, dtype=np.int64)]
                + [
                    local.astype(np.int64) + offset
                    for (local, _), (_, offset) in zip(parts, self.leaves, strict=True)
                ]
            )
            weights = np.concatenate(
                [np.zeros(0, dtype=np.float64)] + [w.astype(np.float64) for _, w in parts]
            )
            ids.setflags(write=False)  # handed out as match sets: nobody may change them in place
            weights.setflags(write=False)
            found = self._arrays[key] = (ids, weights)
        return found

    def bounds(self, fieldname: str, tbytes: bytes, shape: tuple[float, float, float]) -> Bounds:
        """:meth:`DecodedPostings.bounds` over all segments, in global docnums."""
        parts = [self._shared.bounds(reader, fieldname, tbytes, shape) for reader, _ in self.leaves]
        offsets = [offset for _, offset in self.leaves]
        none = np.zeros(0, dtype=np.int64)
        return (
            np.concatenate([none] + [p[0] + o for p, o in zip(parts, offsets, strict=True)]),
            np.concatenate([none] + [p[1] + o for p, o in zip(parts, offsets, strict=True)]),
            np.concatenate([np.zeros(0)] + [p[2] for p in parts]),
        )

    def is_read(self, fieldname: str, tbytes: bytes) -> bool:
        """Whether :meth:`arrays` costs no decoding (read in this search, or cached in every segment)."""
        if (fieldname, tbytes) in self._arrays:
            return True
        return bool(self.leaves) and all(self._shared.contains(r, fieldname, tbytes) for r, _ in self.leaves)

    def weights_for(
        self, fieldname: str, tbytes: bytes, ordered: Sequence[int]
    ) -> Iterator[tuple[int, float]]:
        """``(global docnum, weight)`` for each of the ascending global docnums ``ordered`` that has the
        term: looked up in the decoded list if it is at hand, else probed block by block
        (:func:`index.whoosh.postings.probe_docs`, which decodes only the blocks that can hold them)."""
        if not self.is_read(fieldname, tbytes):
            yield from probe_docs(self.leaves, fieldname, tbytes, ordered)
            return
        found, weights = self.lookup(fieldname, tbytes, np.asarray(ordered, dtype=np.int64))
        yield from zip(found.tolist(), weights.tolist(), strict=True)

    def lookup(self, fieldname: str, tbytes: bytes, targets: NDArray[np.int64]) -> Arrays:
        """The ``targets`` (ascending global docnums) that have the term, and their weights."""
        ids, weights = self.arrays(fieldname, tbytes)
        if not len(ids) or not len(targets):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        pos = np.minimum(np.searchsorted(ids, targets), len(ids) - 1)
        hit = ids[pos] == targets
        return targets[hit], weights[pos[hit]]
