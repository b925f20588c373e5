"""Writing a field's terms and posting blocks in the W3 format, from postings grouped in arrays.

:func:`write_terms` produces what ``W3FieldWriter`` and ``W3PostingsWriter`` write for the same
postings (the tests compare everything Whoosh's reader sees), with the per-posting work done by numpy
over all terms at once and only the per-term framing in Python. Each term's postings are stored as
blocks of :data:`BLOCK` postings; a block is an ``int`` length (negative for the last), a pickled
``(count, last id, max weight, compression, min length byte, max length byte)`` tuple and the pickled,
possibly zlib-compressed ``(id deltas, weights, values)`` tuple; the term index (``.trm``) maps
``field id + term bytes`` to a ``W3TermInfo``.

Deliberate differences from Whoosh's writer, all read by Whoosh's own reader:

* pickles use the current protocol, not protocol 2 (which stores ``bytes`` as a latin-1 string to
  re-encode on every load: slower to read and write), and a block of :data:`ARRAYS_FROM` postings or
  more pickles its id deltas and weights as ``array`` objects (raw machine integers and floats: a
  reader takes them with ``numpy.frombuffer`` instead of converting thousands of Python numbers;
  Whoosh's reader iterates and indexes them as it does tuples);
* a block whose pickle is shorter than :data:`COMPRESS_FROM` bytes is stored uncompressed (Whoosh
  compresses every block, though its code meant not to): zlib's set-up cost dominates a small
  term's cost and a small pickle does not shrink.
"""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Sequence
from hashlib import md5
from pickle import HIGHEST_PROTOCOL, dumps
from struct import Struct
from typing import Any

import numpy as np
from numpy.typing import NDArray
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC
from whoosh.filedb.filetables import md5_hash
from whoosh.util.numeric import byte_to_length

__all__ = ["BLOCK", "COMPRESS_FROM", "TermIndex", "length_bytes", "write_terms"]

BLOCK = 512
"""Postings per block. Whoosh's writer makes blocks of 128 (``W3Codec``'s ``blocklimit``); its reader
takes any size. Larger blocks cost less per posting to write and to decode (a block's fixed cost,
zlib's set-up above all, is spread over more postings), and a search here reads posting lists whole."""
COMPRESSION = 1
"""zlib level of compressed blocks. ``W3Codec`` uses 3; level 1 compresses about twice as fast (zlib was
a tenth of a bulk build's time at level 3) for slightly larger blocks, and any level inflates the same."""
COMPRESS_FROM = 96
"""Blocks whose pickle is shorter are stored uncompressed."""
ARRAYS_FROM = 16
"""Blocks of at least this many postings store ids and weights as ``array`` objects, not tuples."""

_P = HIGHEST_PROTOCOL
_INT = Struct("!i")
_HEAD = Struct("!4si")  # the postings header tag and the first block's length
_TERMINFO = Struct("!BfIBBfIIqi")  # W3TermInfo: flags, weight, df, min/max length bytes, max weight,
# first and last id, then (not inlined) the postings' offset and length
_KEYVALUE = Struct("!ii")  # a hash file entry's key and value lengths


def _md5_low32(key: bytes) -> int:
    return int.from_bytes(md5(key, usedforsecurity=False).digest()[12:], "big")


_DECODED = np.array([byte_to_length(b) for b in range(256)], dtype=np.int64)


def length_bytes(lengths: NDArray[np.int64]) -> NDArray[np.uint8]:
    """``length_to_byte`` of decoded field lengths (values ``byte_to_length`` returns; 0 for none)."""
    return np.searchsorted(_DECODED, lengths).astype(np.uint8)


def write_terms(
    postfile: Any,
    tindex: TermIndex,
    prefix: bytes,
    terms: Sequence[str],
    starts: NDArray[np.int64],
    docs: NDArray[np.int64],
    freqs: NDArray[np.int64],
    weights: NDArray[np.float64],
    lengths: NDArray[np.int64],
    with_values: bool,
    blocklimit: int = BLOCK,
) -> None:
    """Write ``terms`` (sorted) of one field. Postings are grouped by term in that order: term ``i``
    owns positions ``starts[i]:starts[i + 1]`` of ``docs`` (ascending within a term), ``freqs``,
    ``weights`` (as Whoosh's writer would be passed them) and ``lengths`` (each posting document's
    decoded field length, 0 if unknown). ``with_values``: store frequencies as posting values (a
    Frequency format), else none (Existence)."""
    if not terms:
        return
    n = len(docs)
    ends = np.append(starts[1:], n)
    dfs = ends - starts
    # Blocks: every term's postings cut every ``blocklimit``; statistics of all blocks and terms at once.
    extra = dfs > blocklimit
    if extra.any():
        cuts = [
            np.arange(s + blocklimit, e, blocklimit)
            for s, e in zip(starts[extra].tolist(), ends[extra].tolist(), strict=True)
        ]
        blocks = np.sort(np.concatenate([starts, *cuts]))
    else:
        blocks = starts
    block_ends = np.append(blocks[1:], n)
    blocks_of_term = np.diff(np.append(np.searchsorted(blocks, starts), len(blocks))).tolist()
    weights32 = weights.astype(np.float32)
    big = np.iinfo(np.int64).max
    minlens = np.minimum.reduceat(np.where(lengths > 0, lengths, big), blocks)
    minlens[minlens == big] = 0
    maxlens = np.maximum.reduceat(lengths, blocks)
    block_stats = zip(
        (block_ends - blocks).tolist(),
        blocks.tolist(),
        docs[block_ends - 1].tolist(),
        np.maximum(np.maximum.reduceat(weights, blocks), 0.0).tolist(),
        np.minimum.reduceat(weights32, blocks).tolist(),
        np.maximum.reduceat(weights32, blocks).tolist(),
        length_bytes(minlens).tolist(),
        length_bytes(maxlens).tolist(),
        strict=True,
    )
    # Term statistics (W3TermInfo): over its blocks.
    known = np.where(lengths > 0, lengths, big)
    term_min = np.minimum.reduceat(known, starts)
    term_min[term_min == big] = 0
    term_stats = zip(
        dfs.tolist(),
        docs[starts].tolist(),
        docs[ends - 1].tolist(),
        np.add.reduceat(weights32.astype(np.float64), starts).tolist(),
        np.maximum(np.maximum.reduceat(weights, starts), 0.0).tolist(),
        length_bytes(term_min).tolist(),
        length_bytes(np.maximum.reduceat(lengths, starts)).tolist(),
        blocks_of_term,
        strict=True,
    )
    # Ids are stored as deltas from the previous id of the same block (the first from 0).
    deltas = np.diff(docs, prepend=0)
    deltas[blocks] = docs[blocks]
    deltas_list = deltas.tolist()
    weights_list = weights32.tolist()
    values = freqs.astype(">u4").tobytes() if with_values else None

    pos = postfile.tell()
    out: list[bytes] = []
    for term, (df, first, last, total, maxweight, minbyte, maxbyte, nblocks) in zip(
        terms, term_stats, strict=True
    ):
        chunks = [WHOOSH3_HEADER_MAGIC]
        for b in range(nblocks):
            count, lo, blast, bmaxweight, wmin, wmax, bminbyte, bmaxbyte = next(block_stats)
            hi = lo + count
            if count < ARRAYS_FROM:
                block_ids: Any = tuple(deltas_list[lo:hi])
                mini: Any = (None if wmin == 1.0 else wmin) if wmin == wmax else tuple(weights_list[lo:hi])
            else:
                block_ids = _array(deltas[lo:hi])
                mini = (None if wmin == 1.0 else wmin) if wmin == wmax else _array(weights32[lo:hi])
            data = dumps((block_ids, mini, values[4 * lo : 4 * hi] if values is not None else None), _P)
            comp = 0
            if len(data) >= COMPRESS_FROM:
                comp = COMPRESSION
                data = _compress(data)
            info = dumps((count, blast, bmaxweight, comp, bminbyte, bmaxbyte), _P)
            size = len(info) + len(data)
            chunks += (_INT.pack(-size if b == nblocks - 1 else size), info, data)
        block = b"".join(chunks)
        out.append(block)
        tindex.add(
            prefix + term.encode("utf-8"),
            _TERMINFO.pack(0, total, df, minbyte, maxbyte, maxweight, first, last, pos, len(block)),
        )
        pos += len(block)
        if len(out) >= 4096:
            postfile.write(b"".join(out))
            out.clear()
    postfile.write(b"".join(out))


def _array(values: NDArray[Any]) -> array[Any]:
    """An ``array`` of a block's id deltas (16 or 32 bits) or float32 weights."""
    found: array[Any]
    if values.dtype == np.float32:
        found = array("f")
        found.frombytes(values.tobytes())
    elif int(values.max()) < 1 << 16:
        found = array("H")
        found.frombytes(values.astype(np.uint16).tobytes())
    else:
        found = array("I")
        found.frombytes(values.astype(np.uint32).tobytes())
    return found


def _compress(data: bytes) -> bytes:
    """zlib-compress a block with a window just large enough for it: zlib's set-up cost grows with
    the window and dominates for blocks of a few hundred bytes (any zlib reader inflates it)."""
    compressor = zlib.compressobj(COMPRESSION, zlib.DEFLATED, 11, 2)
    return compressor.compress(data) + compressor.flush()


class TermIndex:
    """Adds entries to Whoosh's ``OrderedHashWriter`` (the ``.trm`` file) in batches: the entries,
    key order, hash buckets and position index are what its ``add`` makes, with one write per batch
    instead of three per term."""

    def __init__(self, writer: Any, batch: int = 4096) -> None:
        self._writer = writer
        self._batch = batch
        self._pending: list[tuple[bytes, bytes]] = []

    def add(self, key: bytes, value: bytes) -> None:
        self._pending.append((key, value))
        if len(self._pending) >= self._batch:
            self.flush()

    def flush(self) -> None:
        writer = self._writer
        pending, self._pending = self._pending, []
        if not pending:
            return
        if pending[0][0] <= writer.lastkey:
            raise ValueError(f"keys must increase: {writer.lastkey!r}..{pending[0][0]!r}")
        dbfile = writer.dbfile
        pos = dbfile.tell()
        buckets = writer.buckets
        positions = writer.index
        # Whoosh's md5_hash (the low 32 bits of the key's MD5) without its hex round trip; the reader
        # hashes keys with md5_hash, which gives the same numbers (the tests look every term up).
        hashfn = _md5_low32 if writer.hashfn is md5_hash else writer.hashfn
        chunks: list[bytes] = []
        for key, value in pending:
            positions.append(pos)
            h = hashfn(key)
            buckets[h & 255].append((h, pos))
            chunks += (_KEYVALUE.pack(len(key), len(value)), key, value)
            pos += 8 + len(key) + len(value)
        dbfile.write(b"".join(chunks))
        writer.lastkey = pending[-1][0]
