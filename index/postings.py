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

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from itertools import accumulate
from typing import Any

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

__all__ = ["PostingCache", "field_lengths", "posting_blocks", "probe", "probe_docs"]

_LENGTHS = [byte_to_length(b) for b in range(256)]


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


Blocks = list[tuple[int, list[tuple[Sequence[int], Sequence[float]]]]]
"""A term's postings in a searcher: per segment, its docnum offset and its blocks (local ids, weights)."""


class PostingCache:
    """The posting lists one search reads, kept for its duration: the match set and the scores both
    need the postings of the same terms, and reading (decompressing) them once is enough."""

    def __init__(self, leaves: Sequence[tuple[Any, int]]) -> None:
        self.leaves = leaves
        self._blocks: dict[tuple[str, bytes], Blocks] = {}

    def weights_for(
        self, fieldname: str, tbytes: bytes, ordered: Sequence[int]
    ) -> Iterator[tuple[int, float]]:
        """``(global docnum, weight)`` for each of the ascending global docnums ``ordered`` that has the
        term: from the blocks already read if the term was read in full, else by :func:`probe_docs`."""
        cached = self._blocks.get((fieldname, tbytes))
        if cached is None:
            yield from probe_docs(self.leaves, fieldname, tbytes, ordered)
            return
        i, n = 0, len(ordered)
        for offset, blocks in cached:
            for ids, weights in blocks:
                if i >= n:
                    return
                if not ids or ordered[i] > ids[-1] + offset:
                    continue
                j = bisect_right(ordered, ids[-1] + offset, i)
                size = len(ids)
                for target in ordered[i:j]:
                    k = bisect_left(ids, target - offset)
                    if k < size and ids[k] == target - offset:
                        yield target, weights[k]
                i = j

    def blocks(self, fieldname: str, tbytes: bytes) -> Blocks:
        key = (fieldname, tbytes)
        found = self._blocks.get(key)
        if found is None:
            found = [
                (offset, list(posting_blocks(reader, fieldname, tbytes))) for reader, offset in self.leaves
            ]
            self._blocks[key] = found
        return found
