"""Reading a term's posting list and a field's document lengths in bulk, block by block.

Whoosh's matchers hand out one posting at a time through several Python method calls; reading a block
at once (decompressed and unpickled in C, delta-decoded by ``itertools.accumulate``) is an order of
magnitude cheaper when every posting is needed, as for counting matches or scoring all of them.

This relies on attributes of the W3 codec's matcher (``_data``, ``_read_data``, ``_next_block``,
``_atend``) and per-document reader (``_perdoc``); whoosh-reloaded is pinned to 2.7.5, other matcher
types fall back to the public one-posting-at-a-time interface, and the tests compare every result with
Whoosh's own.
"""

from __future__ import annotations

import zlib
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from io import BytesIO
from itertools import accumulate
from pickle import load as pickle_load
from pickle import loads
from struct import Struct
from typing import Any

import numpy as np
from numpy.typing import NDArray
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, WHOOSH3_HEADER_MAGIC, W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

__all__ = ["field_lengths", "leaves", "posting_blocks", "probe", "probe_docs", "term_arrays", "term_info"]

_LENGTHS = [byte_to_length(b) for b in range(256)]
_BLOCK_LENGTH = Struct("!i")
_ARRAY_TYPES = {
    "H": np.uint16,
    "I": np.uint32,
    "L": np.uint64,
    "i": np.int32,
    "f": np.float32,
    "d": np.float64,
}
_EMPTY_IDS = np.zeros(0, dtype=np.int64)
_EMPTY_WEIGHTS = np.zeros(0, dtype=np.float64)


def _matcher(reader: Any, fieldname: str, tbytes: bytes) -> Any:
    """The raw posting matcher of a term in one segment (deletions not applied), or None."""
    try:
        matcher = reader.postings(fieldname, tbytes)
    except TermNotFound:
        return None
    return matcher.child if isinstance(matcher, FilterMatcher) else matcher


def _block(matcher: Any) -> tuple[list[int], Sequence[float]]:
    """Ids and weights of the W3 matcher's current block, decoded in bulk."""
    if matcher._data is None:
        matcher._read_data()
    ids, minified = matcher._data[0], matcher._data[1]
    count = matcher._blocklength
    if minified is None:
        weights: Sequence[float] = array("f", [1.0]) * count
    elif isinstance(minified, float):
        weights = array("f", [minified]) * count
    else:
        weights = minified
    return list(accumulate(ids)), weights


def posting_blocks(
    reader: Any, fieldname: str, tbytes: bytes
) -> Iterator[tuple[Sequence[int], Sequence[float]]]:
    """``(segment-local ids, weights)`` of each block of a term's postings in one segment, deleted
    documents included (callers remove them). Nothing if the term is absent."""
    matcher = _matcher(reader, fieldname, tbytes)
    if matcher is None:
        return
    if not isinstance(matcher, W3LeafMatcher):
        ids, weights = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
        yield ids, weights
        return
    while not matcher._atend:
        yield _block(matcher)
        matcher._next_block()


_UNKNOWN = object()


def leaves(searcher: Any) -> list[tuple[Any, int]]:
    """``(segment reader, global docnum offset)`` of each segment of ``searcher``, in order."""
    return [(sub.reader(), offset) for sub, offset in searcher.leaf_searchers()]


def term_info(reader: Any, fieldname: str, tbytes: bytes) -> Any:
    """The term's ``W3TermInfo`` in one segment; None if it is absent (or the reader has no W3 terms)."""
    terms = getattr(reader, "_terms", None)
    if terms is None or fieldname not in reader.schema:
        return None
    try:
        return terms.term_info(fieldname, tbytes)
    except (KeyError, TermNotFound):
        return None


def term_arrays(
    reader: Any, fieldname: str, tbytes: bytes, info: Any = _UNKNOWN
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """A term's postings in one segment as arrays ``(ascending local ids, weights)``, deleted documents
    included (callers remove them); empty arrays if the term is absent. ``info``: the term's
    :func:`term_info` when the caller has it.

    The W3 postings of a term are one byte range: it is read at once and its blocks decoded in a tight
    loop (pickles, zlib; ``array`` ids and weights taken as they are), the ids of all blocks
    delta-decoded by one ``cumsum``. Other matchers (an
    inlined posting list, another codec) go through the public interface.
    """
    terms = getattr(reader, "_terms", None)
    if info is _UNKNOWN:
        info = term_info(reader, fieldname, tbytes)
    if terms is not None and info is None:
        return _EMPTY_IDS, _EMPTY_WEIGHTS
    if terms is None or info is None or info.is_inlined() or not hasattr(terms, "_postfile"):
        all_ids: list[int] = []
        all_weights: list[float] = []
        for block_ids, block_weights in posting_blocks(reader, fieldname, tbytes):
            all_ids += block_ids
            all_weights += block_weights
        return np.array(all_ids, dtype=np.int64), np.array(all_weights, dtype=np.float64)
    offset, length = info.extent()
    if isinstance(length, tuple):  # W3TermInfo.from_bytes leaves the length as unpack's tuple
        length = length[0]
    raw = terms._postfile.get(offset, length)
    if raw[:4] != WHOOSH3_HEADER_MAGIC:
        raise ValueError(f"no posting list at {offset} for {fieldname}:{tbytes!r}")
    id_parts: list[NDArray[Any]] = []
    weight_parts: list[NDArray[Any]] = []
    stream = BytesIO(raw)
    pos = 4
    previous_last = 0
    while True:
        (size,) = _BLOCK_LENGTH.unpack_from(raw, pos)
        start = pos + 4
        end = start + abs(size)
        stream.seek(start)
        count, last, _, compression, _, _ = pickle_load(stream)
        data = raw[stream.tell() : end]
        block_ids, block_weights, _ = loads(zlib.decompress(data) if compression else data)
        ids = (
            np.frombuffer(block_ids, dtype=_ARRAY_TYPES[block_ids.typecode])
            if isinstance(block_ids, array)
            else np.array(block_ids)
        )
        ids = ids.astype(np.int64)
        ids[0] -= previous_last  # a block's first id is stored whole, not as a delta
        id_parts.append(ids)
        previous_last = last
        if block_weights is None:
            weight_parts.append(np.ones(count, dtype=np.float64))
        elif isinstance(block_weights, float):
            weight_parts.append(np.full(count, block_weights, dtype=np.float64))
        elif isinstance(block_weights, array):
            weight_parts.append(np.frombuffer(block_weights, dtype=_ARRAY_TYPES[block_weights.typecode]))
        else:
            weight_parts.append(np.array(block_weights, dtype=np.float64))
        if size < 0:
            break
        pos = end
    return np.cumsum(np.concatenate(id_parts)), np.concatenate(weight_parts).astype(np.float64)


def field_lengths(reader: Any, fieldname: str) -> list[int]:
    """The length Whoosh scores each document's ``fieldname`` with (1 where unknown), by local docnum."""
    lenfield = f"_{fieldname}_len"
    perdoc = getattr(reader, "_perdoc", None)
    if perdoc is not None and perdoc.has_column(lenfield):
        table = _LENGTHS
        return [table[b] if b else 1 for b in perdoc.column_reader(lenfield, LENGTHS_COLUMN)]
    return [reader.doc_field_length(d, fieldname, 1) for d in range(reader.doc_count_all())]


def probe(reader: Any, fieldname: str, tbytes: bytes, targets: Sequence[int]) -> Iterator[tuple[int, float]]:
    """``(local id, weight)`` for each of the ascending segment-local ``targets`` that has the term.

    A block whose id range holds no target is skipped after reading its header only, so checking a
    few documents against a long posting list decodes little of it.
    """
    matcher = _matcher(reader, fieldname, tbytes)
    if matcher is None:
        return
    if not isinstance(matcher, W3LeafMatcher):
        for target in targets:
            if not matcher.is_active():
                return
            matcher.skip_to(target)
            if matcher.is_active() and matcher.id() == target:
                yield target, matcher.weight()
        return
    i, n = 0, len(targets)
    while i < n and not matcher._atend:
        last = matcher._maxid
        if targets[i] <= last:
            j = bisect_right(targets, last, i)
            ids, weights = _block(matcher)
            size = len(ids)
            for target in targets[i:j]:
                k = bisect_left(ids, target)
                if k < size and ids[k] == target:
                    yield target, weights[k]
            i = j
        matcher._next_block()


def probe_docs(
    leaves: Sequence[tuple[Any, int]], fieldname: str, tbytes: bytes, ordered: Sequence[int]
) -> Iterator[tuple[int, float]]:
    """:func:`probe` over a searcher's segments: ``leaves`` are ``(reader, offset)``, ``ordered`` are
    ascending global docnums; yields ``(global docnum, weight)``."""
    for i, (reader, offset) in enumerate(leaves):
        lo = bisect_left(ordered, offset)
        hi = bisect_left(ordered, leaves[i + 1][1]) if i + 1 < len(leaves) else len(ordered)
        if lo < hi:
            local = [d - offset for d in ordered[lo:hi]]
            for d, w in probe(reader, fieldname, tbytes, local):
                yield d + offset, w
