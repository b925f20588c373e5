"""Writing a field's terms and posting blocks in the W3 format, from postings grouped in arrays.

:func:`write_terms` produces what ``W3FieldWriter`` and ``W3PostingsWriter`` write for the same
postings (the tests compare everything Whoosh's reader sees), with the per-posting work done by numpy
over all terms at once: lists shorter than :data:`~index.whoosh.smallblocks.SMALL` (most terms)
are encoded together as numpy records (:mod:`index.whoosh.smallblocks`), longer ones framed block by
block in Python, and the term index written by :class:`~index.whoosh.termindex.TermIndex`. Each
term's postings are stored as
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

from array import array
from collections.abc import Sequence
from pickle import HIGHEST_PROTOCOL, dumps
from struct import Struct
from typing import Any

import numpy as np
from isal import isal_zlib
from numpy.typing import NDArray
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC
from whoosh.util.numeric import byte_to_length

from index.whoosh.smallblocks import SMALL, encode_small
from index.whoosh.termindex import TermIndex

__all__ = ["BLOCK", "COMPRESS_FROM", "length_bytes", "write_terms"]

BLOCK = 512
"""Postings per block. Whoosh's writer makes blocks of 128 (``W3Codec``'s ``blocklimit``); its reader
takes any size. Larger blocks cost less per posting to write and to decode (a block's fixed cost,
zlib's set-up above all, is spread over more postings), and a search here reads posting lists whole."""
COMPRESSION = 1
"""Compression level of compressed blocks, written by ISA-L (:mod:`isal.isal_zlib`, levels 0-3): a
standard zlib stream that Whoosh's reader and :func:`zlib.decompress` inflate. ``W3Codec`` uses
zlib level 3; ISA-L's level 1 compresses these blocks about as well as zlib's level 1 (about 2 %
larger) in half its time (14 against 25 µs a 3 KB block: zlib's set-up per call dominates blocks this
small), which was 6 % of a bulk build's CPU."""
COMPRESS_FROM = 512
"""Blocks whose pickle is shorter are stored uncompressed: below this, zlib's set-up costs more than
it saves (96 before: a 20k-document build was 7 % faster at 512 for an index 4 % larger)."""
ARRAYS_FROM = 16
"""Blocks of at least this many postings store ids and weights as ``array`` objects, not tuples."""

_P = HIGHEST_PROTOCOL
_INT = Struct("!i")
_TERMINFO = np.dtype(
    [
        ("flags", "u1"),
        ("weight", ">f4"),
        ("df", ">u4"),
        ("minbyte", "u1"),
        ("maxbyte", "u1"),
        ("maxweight", ">f4"),
        ("first", ">u4"),
        ("last", ">u4"),
        ("offset", ">i8"),  # not inlined: the postings' offset and length
        ("length", ">i4"),
    ]
)
"""A W3TermInfo as ``struct`` format ``!BfIBBfIIqi`` packs it."""


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
    Frequency format), else none (Existence).

    Lists shorter than :data:`~index.whoosh.smallblocks.SMALL` are encoded together by
    :func:`~index.whoosh.smallblocks.encode_small`, the others block by block here; the term infos
    of all are packed at once."""
    if not terms:
        return
    ends = np.append(starts[1:], len(docs))
    dfs = ends - starts
    weights32 = weights.astype(np.float32)
    # Term statistics (W3TermInfo).
    big = np.iinfo(np.int64).max
    term_min = np.minimum.reduceat(np.where(lengths > 0, lengths, big), starts)
    term_min[term_min == big] = 0
    minbytes = length_bytes(term_min)
    maxbytes = length_bytes(np.maximum.reduceat(lengths, starts))
    maxweights = np.maximum(np.maximum.reduceat(weights, starts), 0.0)
    lasts = docs[ends - 1]

    offsets = np.empty(len(terms), dtype=np.int64)
    sizes = np.empty(len(terms), dtype=np.int64)
    small = dfs < min(SMALL, blocklimit + 1)
    large = np.flatnonzero(~small)
    if len(large):
        # The large lists' postings, gathered: their blocks are framed one by one.
        counts = dfs[large]
        heads = np.cumsum(counts) - counts  # where each list starts once gathered
        gathered = np.repeat(starts[large] - heads, counts) + np.arange(int(counts.sum()))
        offsets[large], sizes[large] = _write_large(
            postfile,
            heads,
            docs[gathered],
            freqs[gathered],
            weights[gathered],
            lengths[gathered],
            with_values,
            blocklimit,
        )
    # Small lists: one block each, ids stored as deltas from the list's previous id (the first whole).
    deltas = np.diff(docs, prepend=0)
    deltas[starts] = docs[starts]
    pos = postfile.tell()
    for count in range(1, SMALL):
        chosen = np.flatnonzero(small & (dfs == count))
        if not len(chosen):
            continue
        which, encoded, size = encode_small(
            starts[chosen],
            count,
            deltas,
            weights32,
            freqs,
            lasts[chosen],
            maxweights[chosen],
            minbytes[chosen],
            maxbytes[chosen],
            with_values,
        )
        for picked, data, one in zip(which, encoded, size, strict=True):
            offsets[chosen[picked]] = pos + one * np.arange(len(picked))
            sizes[chosen[picked]] = one
            postfile.write(data)
            pos += len(data)
    info = np.zeros(len(terms), dtype=_TERMINFO)
    info["weight"] = np.add.reduceat(weights32.astype(np.float64), starts)
    info["df"] = dfs
    info["minbyte"] = minbytes
    info["maxbyte"] = maxbytes
    info["maxweight"] = maxweights
    info["first"] = docs[starts]
    info["last"] = lasts
    info["offset"] = offsets
    info["length"] = sizes
    raw = info.tobytes()
    width = _TERMINFO.itemsize
    tindex.add_many(
        [prefix + term.encode("utf-8") for term in terms],
        [raw[i : i + width] for i in range(0, len(raw), width)],
    )


def _write_large(
    postfile: Any,
    starts: NDArray[np.int64],
    docs: NDArray[np.int64],
    freqs: NDArray[np.int64],
    weights: NDArray[np.float64],
    lengths: NDArray[np.int64],
    with_values: bool,
    blocklimit: int,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Write posting lists grouped as :func:`write_terms` takes them, block by block; returns each
    list's offset in ``postfile`` and its size."""
    n = len(docs)
    ends = np.append(starts[1:], n)
    dfs = ends - starts
    # Blocks: every list cut every ``blocklimit``; statistics of all blocks at once.
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
    first_block = np.searchsorted(blocks, starts)
    weights32 = weights.astype(np.float32)
    big = np.iinfo(np.int64).max
    minlens = np.minimum.reduceat(np.where(lengths > 0, lengths, big), blocks)
    minlens[minlens == big] = 0
    # Ids are stored as deltas from the previous id of the same block (the first whole).
    deltas = np.diff(docs, prepend=0)
    deltas[blocks] = docs[blocks]
    block_stats = zip(
        (block_ends - blocks).tolist(),
        blocks.tolist(),
        docs[block_ends - 1].tolist(),
        np.maximum(np.maximum.reduceat(weights, blocks), 0.0).tolist(),
        np.minimum.reduceat(weights32, blocks).tolist(),
        np.maximum.reduceat(weights32, blocks).tolist(),
        length_bytes(minlens).tolist(),
        length_bytes(np.maximum.reduceat(lengths, blocks)).tolist(),
        (np.maximum.reduceat(deltas, blocks) >= 1 << 16).tolist(),
        strict=True,
    )
    blocks_of = np.diff(np.append(first_block, len(blocks))).tolist()
    values = freqs.astype(">u4").tobytes() if with_values else None
    offsets = np.empty(len(starts), dtype=np.int64)
    sizes = np.empty(len(starts), dtype=np.int64)
    pos = postfile.tell()
    out: list[bytes] = []
    for term, nblocks in enumerate(blocks_of):
        chunks = [WHOOSH3_HEADER_MAGIC]
        for b in range(nblocks):
            count, lo, blast, bmaxweight, wmin, wmax, bminbyte, bmaxbyte, wide = next(block_stats)
            hi = lo + count
            if count < ARRAYS_FROM:  # a list's short last block (rare): tuples
                block_ids: Any = tuple(deltas[lo:hi].tolist())
                mini: Any = (
                    (None if wmin == 1.0 else wmin) if wmin == wmax else tuple(weights32[lo:hi].tolist())
                )
            else:
                block_ids = _ids_array(deltas[lo:hi], wide)
                mini = (None if wmin == 1.0 else wmin) if wmin == wmax else _weights_array(weights32[lo:hi])
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
        offsets[term] = pos
        sizes[term] = len(block)
        pos += len(block)
        if len(out) >= 4096:
            postfile.write(b"".join(out))
            out.clear()
    postfile.write(b"".join(out))
    return offsets, sizes


def _ids_array(deltas: NDArray[np.int64], wide: bool) -> array[int]:
    """An ``array`` of a block's id deltas: 32 bits if ``wide`` (one is 2**16 or more), else 16."""
    found = array("I" if wide else "H")
    found.frombytes(deltas.astype(np.uint32 if wide else np.uint16).tobytes())
    return found


def _weights_array(weights: NDArray[np.float32]) -> array[float]:
    """An ``array`` of a block's float32 weights."""
    found = array("f")
    found.frombytes(weights.tobytes())
    return found


def _compress(data: bytes) -> bytes:
    """Compress a block as a zlib stream (any zlib reader inflates it)."""
    return isal_zlib.compress(data, COMPRESSION)
