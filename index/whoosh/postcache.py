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
from collections.abc import Hashable, Iterator, Sequence
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from index.whoosh.postings import probe_docs, term_arrays, term_info

__all__ = ["DEFAULT_CACHE_MB", "DecodedPostings", "PostingCache"]

DEFAULT_CACHE_MB = 512
"""The default budget of a service's decoded lists, MB: at 100,000 documents in six segments (a build
with the default ``index_memory_mb``), the benchmark's query mix of bench/api.py keeps about 380 MB of
them (the segments' lists, the whole lists and their score parts); at 256 MB the same mix decoded
lists again and again and ran twice as slow."""

_ENTRY_OVERHEAD = 256
"""Bytes counted per cached list besides its arrays (keys, tuples, array headers)."""

Arrays = tuple[NDArray[np.int64], NDArray[np.floating[Any]]]
"""Ascending global docnums and one number per posting (a weight, float32 or float64; or a score part)."""

_POSTING_BYTES = 28
"""Bytes a decoded posting may count for here: in its segment's list an int32 id and a float32 weight;
in its searcher's (see :meth:`DecodedPostings.keep_whole`) an int64 id and the weight, and its float64
score part (which shares the id)."""
_KEEP_SHARE = 16
"""A list is decoded whole to be kept if it takes at most this share of the budget (see ``keeps``)."""

_INFO_ENTRIES = 1 << 16
"""Term infos (and block bounds) kept across searches (a few hundred bytes each)."""
CHUNK = 128
"""Postings per block of the score bounds (:meth:`PostingCache.bounds`)."""

Bounds = tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]
"""Per block of :data:`CHUNK` postings: first and last id, the largest term frequency part of BM25."""
_MISSING = object()
_V = TypeVar("_V")


class DecodedPostings:
    """A thread-safe LRU of decoded posting lists, ``max_bytes`` in all (0 disables it)."""

    def __init__(self, max_bytes: int = DEFAULT_CACHE_MB * 2**20) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.hits = self.misses = 0
        # Keys: (segment id, field, term) for a segment's list (int32 local ids, float32 weights);
        # ("whole", segments and offsets, field, term) for a searcher's (see keep_whole).
        self._entries: OrderedDict[Hashable, tuple[NDArray[Any], NDArray[Any]]] = OrderedDict()
        self._costs: dict[Hashable, int] = {}
        # Entries may share an ids array (a list's score parts share its ids): each array is counted
        # once, while at least one entry holds it (id() of the array -> entries holding it).
        self._holders: dict[int, int] = {}
        self._lock = threading.Lock()
        self._infos: OrderedDict[tuple[str, str, bytes], Any] = OrderedDict()
        self._bounds: OrderedDict[Hashable, Bounds] = OrderedDict()
        self._dfs: OrderedDict[Hashable, int] = OrderedDict()

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
        self._keep(self._infos, key, found)
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
        self._put(key, entry)
        return entry

    def whole(self, key: Hashable) -> Arrays | None:
        """A term's postings over all segments of one searcher, as :meth:`keep_whole` kept them."""
        return self._touch(self._entries, key)

    def _touch(self, table: OrderedDict[Hashable, _V], key: Hashable) -> _V | None:
        """``table[key]`` (None if absent), made the most recently used."""
        with self._lock:
            found = table.get(key)
            if found is not None:
                table.move_to_end(key)
        return found

    def age(self, keys: Sequence[Hashable]) -> None:
        """Make the entries of ``keys`` the first to be evicted."""
        with self._lock:
            for key in keys:
                if key in self._entries:
                    self._entries.move_to_end(key, last=False)

    def keep_whole(self, key: Hashable, arrays: Arrays) -> None:
        """Keep ``arrays`` (global docnums, weights) under ``key`` (which names the searcher's segments
        and their offsets, the field and the term), within the same budget as the segments' lists: a
        search then takes them as they are instead of converting and joining the segments' lists
        (about a tenth of a search over common syllables). Once they are kept, the segments' own
        lists are no longer asked for and age out first. A list's score parts share its ids array,
        which is counted once, as long as either of them is kept."""
        if self.max_bytes:
            self._put(key, arrays)

    def _put(self, key: Hashable, entry: tuple[NDArray[Any], NDArray[Any]]) -> None:
        """Keep ``entry``: its values, and its ids unless a kept entry holds the same array."""
        ids = entry[0]
        cost = entry[1].nbytes + _ENTRY_OVERHEAD
        if cost + ids.nbytes > self.max_bytes // 4:  # one huge list would flush everything else
            return
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = entry
            self._costs[key] = cost
            self.size += cost
            holders = self._holders.get(id(ids), 0)
            if not holders:
                self.size += ids.nbytes
            self._holders[id(ids)] = holders + 1
            while self.size > self.max_bytes:
                old, (old_ids, _) = self._entries.popitem(last=False)
                self.size -= self._costs.pop(old)
                left = self._holders.pop(id(old_ids)) - 1
                if left:
                    self._holders[id(old_ids)] = left
                else:
                    self.size -= old_ids.nbytes

    def kept_df(self, key: Hashable) -> int | None:
        """A document frequency kept under ``key`` (see :meth:`PostingCache.df`)."""
        return self._touch(self._dfs, key)

    def _keep(self, table: OrderedDict[Any, _V], key: Hashable, value: _V) -> None:
        """``table[key] = value``, the oldest entry dropped past :data:`_INFO_ENTRIES` (small entries,
        counted by number, not bytes)."""
        with self._lock:
            table[key] = value
            if len(table) > _INFO_ENTRIES:
                table.popitem(last=False)

    def keep_df(self, key: Hashable, df: int) -> None:
        """Keep a term's document frequency over a searcher's segments (whatever ``max_bytes``, as
        term infos)."""
        self._keep(self._dfs, key, df)

    def kept_bounds(self, key: Hashable) -> Bounds | None:
        """Block bounds kept under ``key`` (see :meth:`PostingCache.bounds`)."""
        return self._touch(self._bounds, key)

    def keep_bounds(self, key: Hashable, bounds: Bounds) -> None:
        """Keep a term's block bounds (a few hundredths of its list: counted by entries, not bytes)."""
        self._keep(self._bounds, key, bounds)

    def keeps(self, postings: int) -> bool:
        """Whether a list of ``postings`` (over all segments) is worth decoding whole so that the next
        searches find it here: the cache has a budget and the list takes at most 1/:data:`_KEEP_SHARE`
        of it (larger lists would push out many others, and a search that needs few of their
        documents is better served by probing)."""
        return bool(self.max_bytes) and postings * _POSTING_BYTES <= self.max_bytes // _KEEP_SHARE

    def holds(self, key: Hashable) -> bool:
        """Whether ``key`` (see :meth:`keep_whole`) is kept."""
        with self._lock:
            return key in self._entries

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
        self._parts: dict[tuple[str, bytes, float], Arrays] = {}
        # Names the searcher's segments and offsets, for the lists kept over all of them.
        whole: list[tuple[str, int]] | None = []
        for reader, offset in leaves:
            segment = reader.segment() if hasattr(reader, "segment") else None
            if segment is None or whole is None:
                whole = None
                continue
            whole.append((segment.segment_id(), offset))
        self._whole = tuple(whole) if whole is not None else None

    def infos(self, fieldname: str, tbytes: bytes) -> list[Any]:
        """The term's ``W3TermInfo`` in each segment (None where it is absent)."""
        return [self._shared.info(reader, fieldname, tbytes) for reader, _ in self.leaves]

    def df(self, fieldname: str, tbytes: bytes) -> int:
        """Documents holding the term, deleted ones included (Whoosh's ``doc_frequency``)."""
        key = (fieldname, tbytes)
        found = self._dfs.get(key)
        if found is None:
            # Kept for the searcher's segments: summing a term's infos costs a look-up per segment
            # (some 3 µs each), and a date range asks for a hundred terms' at 18 segments.
            whole = ("df", self._whole, fieldname, tbytes) if self._whole is not None else None
            found = self._shared.kept_df(whole) if whole is not None else None
            if found is None:
                found = sum(i.doc_frequency() for i in self.infos(fieldname, tbytes) if i)
                if whole is not None:
                    self._shared.keep_df(whole, found)
            self._dfs[key] = found
        return found

    def arrays(self, fieldname: str, tbytes: bytes) -> Arrays:
        """``(ascending global docnums, weights)`` of a term, deleted documents included."""
        key = (fieldname, tbytes)
        found = self._arrays.get(key)
        if found is None and self._whole is not None:
            found = self._shared.whole(("whole", self._whole, fieldname, tbytes))
            if found is not None:
                self._arrays[key] = found
        if found is None:
            parts = [self._shared.get(reader, fieldname, tbytes) for reader, _ in self.leaves]
            ids = np.concatenate(
                [np.zeros(0, dtype=np.int64)]
                + [
                    local.astype(np.int64) + offset
                    for (local, _), (_, offset) in zip(parts, self.leaves, strict=True)
                ]
            )
            weights = np.concatenate([np.zeros(0, dtype=np.float32)] + [w for _, w in parts])
            ids.setflags(write=False)  # handed out as match sets: nobody may change them in place
            weights.setflags(write=False)
            found = self._arrays[key] = (ids, weights)
            if self._whole is not None:
                self._shared.keep_whole(("whole", self._whole, fieldname, tbytes), found)
                # Needed again only after a commit changes the segments: the first to go.
                self._shared.age([(seg, fieldname, tbytes) for seg, _ in self._whole])
        return found

    def parts(self, fieldname: str, tbytes: bytes, average: float, norms: NDArray[np.float64]) -> Arrays:
        """``(ascending global docnums, w / (w + norm))`` of a term: BM25's term frequency part of each
        posting (``w`` its weight, ``norm`` its document's entry of ``norms``, the length norms for the
        average field length ``average``). A score is then this times a per-term constant; kept with
        the decoded lists (for the searcher's segments and ``average``), so a search does not gather
        norms and divide for every posting again."""
        key = (fieldname, tbytes, average)
        found = self._parts.get(key)
        whole = ("part", self._whole, fieldname, tbytes, average) if self._whole is not None else None
        if found is None and whole is not None:
            found = self._shared.whole(whole)
        if found is None:
            ids, weights = self.arrays(fieldname, tbytes)
            part = weights / (weights + norms[ids])
            part.setflags(write=False)
            found = (ids, part)
            if whole is not None:
                self._shared.keep_whole(whole, found)
        self._parts[key] = found
        return found

    def bounds(self, fieldname: str, tbytes: bytes, average: float, norms: NDArray[np.float64]) -> Bounds:
        """Per block of :data:`CHUNK` postings of the term (global docnums): its first and last
        document and the largest of its :meth:`parts` (times the term's constant, a bound of its score
        there; see :mod:`index.whoosh.topk`). Kept with the decoded lists."""
        key = ("bounds", self._whole, fieldname, tbytes, average) if self._whole is not None else None
        found = self._shared.kept_bounds(key) if key is not None else None
        if found is None:
            ids, part = self.parts(fieldname, tbytes, average, norms)
            starts = np.arange(0, len(ids), CHUNK, dtype=np.int64)
            if len(ids):
                ends = np.append(starts[1:], len(ids)) - 1
                found = (ids[starts], ids[ends], np.maximum.reduceat(part, starts))
            else:
                empty = np.zeros(0, dtype=np.int64)
                found = (empty, empty, np.zeros(0))
            if key is not None:
                self._shared.keep_bounds(key, found)
        return found

    def is_read(self, fieldname: str, tbytes: bytes) -> bool:
        """Whether :meth:`arrays` costs no decoding (read in this search, or cached in every segment)."""
        if (fieldname, tbytes) in self._arrays:
            return True
        if self._whole is not None and self._shared.holds(("whole", self._whole, fieldname, tbytes)):
            return True
        return bool(self.leaves) and all(self._shared.contains(r, fieldname, tbytes) for r, _ in self.leaves)

    def prefers_arrays(self, fieldname: str, tbytes: bytes) -> bool:
        """Whether a search should use the term's whole decoded list (:meth:`arrays`) rather than probe
        it for a few documents: it is read already (:meth:`is_read`), or decoding it now pays off
        because the shared cache keeps it for later searches (probing decodes blocks again every time
        and looks documents up one by one in Python)."""
        return self.is_read(fieldname, tbytes) or self._shared.keeps(self.df(fieldname, tbytes))

    def weights_for(
        self, fieldname: str, tbytes: bytes, ordered: Sequence[int]
    ) -> Iterator[tuple[int, float]]:
        """``(global docnum, weight)`` for each of the ascending global docnums ``ordered`` that has the
        term: looked up in the decoded list if it is at hand, else probed block by block
        (:func:`index.whoosh.postings.probe_docs`, which decodes only the blocks that can hold them)."""
        if not self.prefers_arrays(fieldname, tbytes):
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
