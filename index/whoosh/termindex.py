"""Writing a segment's term index (the W3 ``.trm`` file) for many terms at once.

The ``.trm`` file is Whoosh's ``OrderedHashWriter``: key/value entries (``!ii`` lengths, key, value)
in key order, then 256 open-addressing hash tables of ``(hash, position)`` pointers, a directory of
the tables, a pickle of extras and the array of entry positions. Whoosh's writer hashes every key with
MD5 and builds the tables in Python, one entry at a time (~10 µs a term: a fifth of a small incremental
write). :class:`TermIndex` writes the same structure from lists of keys and values:

* keys are hashed with CRC-32, which the format allows (its header names the hash function, and
  Whoosh's reader takes any of its three) and Python computes in C over a ``map``;
* the tables are laid out with numpy: in each table, entries sorted by home slot take the next free
  slot at or after it (the placement linear probing makes in some insertion order), those that run
  past the end the first free slots from the start, so a reader probing from a key's home slot meets
  it before an empty slot.

The tests look every term up through Whoosh's reader.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from typing import Any
from zlib import crc32

import numpy as np
from numpy.typing import NDArray
from whoosh.filedb.filetables import crc_hash

__all__ = ["TermIndex", "place"]

_CRC32 = 1
"""``HashWriter``'s number for CRC-32 (0 is MD5)."""
_POINTER = np.dtype([("hash", ">u4"), ("position", ">i8")])
_ARRAY_TYPES = {"H": np.uint16, "i": np.int32, "I": np.uint32, "q": np.int64}


class TermIndex:
    """Adds entries to a new, still empty ``OrderedHashWriter`` (which it switches to CRC-32) and writes
    its hash tables when the writer is closed."""

    def __init__(self, writer: Any) -> None:
        if writer.lastkey or len(writer.index) or writer.dbfile.tell() != writer.startoffset + 13:
            raise ValueError("a TermIndex starts on an empty term file")
        dbfile = writer.dbfile
        dbfile.seek(writer.startoffset + 4)  # the header's hash type byte, after the 4-byte magic
        dbfile.write_byte(_CRC32)
        dbfile.seek(writer.startoffset + 13)
        writer.hashtype, writer.hashfn = _CRC32, crc_hash
        self._writer = writer
        self._hashes: list[NDArray[np.uint32]] = []
        self._positions: list[NDArray[np.int64]] = []
        writer._write_hashes = self._write_tables  # replaces Whoosh's per-entry Python (see above)

    def add_many(self, keys: Sequence[bytes], values: Sequence[bytes]) -> None:
        """Append entries; ``keys`` ascending, each greater than every key added before."""
        n = len(keys)
        if n != len(values):
            raise ValueError("as many values as keys")
        if not n:
            return
        writer = self._writer
        if keys[0] <= writer.lastkey:
            raise ValueError(f"keys must increase: {writer.lastkey!r}..{keys[0]!r}")
        dbfile = writer.dbfile
        lengths = np.empty((n, 2), dtype=">i4")
        lengths[:, 0] = np.fromiter(map(len, keys), dtype=np.int64, count=n)
        lengths[:, 1] = np.fromiter(map(len, values), dtype=np.int64, count=n)
        sizes = 8 + lengths[:, 0].astype(np.int64) + lengths[:, 1]
        positions = dbfile.tell() + np.cumsum(sizes) - sizes
        heads = lengths.tobytes()
        dbfile.write(
            b"".join(
                chain.from_iterable(
                    zip([heads[i : i + 8] for i in range(0, 8 * n, 8)], keys, values, strict=True)
                )
            )
        )
        self._hashes.append(np.fromiter(map(crc32, keys), dtype=np.uint32, count=n))
        self._positions.append(positions)
        index = writer.index
        index.append(int(positions[-1]))  # lets Whoosh's array widen its type for the largest position
        del index.array[-1]
        index.array.frombytes(positions.astype(_ARRAY_TYPES[index.typecode]).tobytes())
        writer.lastkey = keys[-1]

    def _write_tables(self) -> None:
        """Whoosh's ``_write_hashes``: the 256 tables, with the directory entries its close writes."""
        writer = self._writer
        dbfile = writer.dbfile
        hashes = np.concatenate(self._hashes) if self._hashes else np.zeros(0, dtype=np.uint32)
        positions = np.concatenate(self._positions) if self._positions else np.zeros(0, dtype=np.int64)
        buckets = (hashes & 255).astype(np.int64)
        slots = 2 * np.bincount(buckets, minlength=256)
        home = (hashes >> 8).astype(np.int64) % np.maximum(slots[buckets], 1)
        order = np.lexsort((home, buckets))
        placed = place(buckets[order], home[order], slots)
        table = np.zeros(int(slots.sum()), dtype=_POINTER)
        where = (np.cumsum(slots) - slots)[buckets[order]] + placed
        table["hash"][where] = hashes[order]
        table["position"][where] = positions[order]
        start = dbfile.tell()
        offsets = start + _POINTER.itemsize * (np.cumsum(slots) - slots)
        writer.directory.extend(zip(offsets.tolist(), slots.tolist(), strict=True))
        dbfile.write(table.tobytes())


def place(buckets: NDArray[np.int64], home: NDArray[np.int64], slots: NDArray[np.int64]) -> NDArray[np.int64]:
    """Slots for entries sorted by bucket, then home slot, in tables of ``slots[bucket]`` slots (each
    at least as many as its entries): each entry takes the next free slot at or after its home; those
    that run past the end of their table take its first free slots from the start, in order. Linear
    probing from an entry's home slot then meets it before any empty slot."""
    n = len(buckets)
    first = np.searchsorted(buckets, np.arange(len(slots)))
    rank = np.arange(n) - first[buckets]
    # A running maximum restarted at each bucket: bucket b's values are shifted above every earlier
    # bucket's (home - rank lies between -n and n).
    shift = buckets * (4 * n + 4)
    placed = rank + np.maximum.accumulate(home - rank + shift) - shift
    over = np.flatnonzero(placed >= slots[buckets])
    for bucket in np.unique(buckets[over]).tolist():
        mine = np.flatnonzero(buckets == bucket)
        late = placed[mine] >= slots[bucket]
        free = np.setdiff1d(np.arange(slots[bucket]), placed[mine][~late], assume_unique=True)
        placed[mine[late]] = free[: int(late.sum())]
    return placed
