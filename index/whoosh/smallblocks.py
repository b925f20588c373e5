"""The posting lists of many small terms, encoded at once.

Most terms of a segment have a few postings (in a 500-document segment of news text, 61 % one and
93 % fewer than 16: syllable pairs rarely repeat), and framing each one's W3 block in Python
(two pickles, a struct, a join) costs more than the rest of its indexing. A list of ``k`` postings
that fits one block has a fixed layout once ``k`` and the shape of its weights are known, so the
lists of one shape are written as the rows of one numpy structured array:

``WHOOSH3_HEADER_MAGIC``, the block length (negative: the last block), the block's info pickle
``(count, last id, max weight, 0, min length byte, max length byte)`` and its data pickle
``(id deltas, weights, values)``, uncompressed. The pickles are protocol 3 written opcode by opcode
with fixed-width arguments (``K`` one byte, ``J`` a little-endian int32, ``G`` a big-endian double,
``C`` short bytes), which Python's unpickler reads as the tuples :func:`index.whoosh.blocks.write_terms`
writes for larger lists: weights are ``None`` when all are 1.0, one float when all are equal, else a
tuple of floats.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC

__all__ = ["SMALL", "encode_small"]

SMALL = 16
"""Lists shorter than this are encoded here (and are one block: blocks are at least this long)."""

_ALL_ONE, _ALL_SAME, _EACH = 0, 1, 2
"""Shapes of a list's weights: ``None``, one float, a tuple."""

_OP = "S1"


def _layout(count: int, weights: int, with_values: bool) -> np.dtype[Any]:
    """The structured dtype of one encoded list of ``count`` postings."""
    fields: list[tuple[Any, ...]] = [
        ("magic", "S4"),
        ("size", ">i4"),
        # info: PROTO 3, MARK, K count, J last, G max weight, K 0, K min byte, K max byte, TUPLE, STOP
        ("i_head", "S3"),
        ("i_count", [("op", _OP), ("v", "u1")]),
        ("i_last", [("op", _OP), ("v", "<i4")]),
        ("i_maxweight", [("op", _OP), ("v", ">f8")]),
        ("i_comp", "S2"),
        ("i_minbyte", [("op", _OP), ("v", "u1")]),
        ("i_maxbyte", [("op", _OP), ("v", "u1")]),
        ("i_tail", "S2"),
        # data: PROTO 3, MARK, J id delta..., TUPLE, weights, values, TUPLE3, STOP
        ("d_head", "S3"),
        ("ids", [("op", _OP), ("v", "<i4")], (count,)),
        ("ids_end", _OP),
    ]
    if weights == _ALL_ONE:
        fields.append(("w_none", _OP))
    elif weights == _ALL_SAME:
        fields.append(("w_one", [("op", _OP), ("v", ">f8")]))
    else:
        fields += [("w_mark", _OP), ("w_each", [("op", _OP), ("v", ">f8")], (count,)), ("w_end", _OP)]
    if with_values:
        fields += [("v_head", "S2"), ("values", ">u4", (count,))]
    else:
        fields.append(("v_none", _OP))
    fields.append(("d_tail", "S2"))
    return np.dtype(fields)


def encode_small(
    rows: NDArray[np.int64],
    count: int,
    deltas: NDArray[np.int64],
    weights: NDArray[np.float32],
    freqs: NDArray[np.int64],
    blast: NDArray[np.int64],
    bmaxweight: NDArray[np.float64],
    minbytes: NDArray[np.uint8],
    maxbytes: NDArray[np.uint8],
    with_values: bool,
) -> tuple[list[NDArray[np.int64]], list[bytes], list[int]]:
    """Encode the lists of ``count`` postings that start at positions ``rows`` of the postings arrays
    (``deltas``: id deltas, a list's first id whole; ``weights``; ``freqs``, stored as values when
    ``with_values``); per list: ``blast`` its last id, ``bmaxweight`` its largest weight,
    ``minbytes``/``maxbytes`` its length bytes (all indexed by list, in ``rows`` order).

    Returns, per shape of weights, the indexes into ``rows`` of its lists, the bytes of those lists
    one after another, and the size of one list."""
    cols = rows[:, None] + np.arange(count)
    matrix = weights[cols]
    first = matrix[:, :1]
    same = (matrix == first).all(axis=1)
    shapes = np.where(same, np.where(first[:, 0] == 1.0, _ALL_ONE, _ALL_SAME), _EACH)
    which: list[NDArray[np.int64]] = []
    encoded: list[bytes] = []
    sizes: list[int] = []
    for shape in (_ALL_ONE, _ALL_SAME, _EACH):
        picked = np.flatnonzero(shapes == shape)
        if not len(picked):
            continue
        layout = _layout(count, shape, with_values)
        out = np.zeros(len(picked), dtype=layout)
        out["magic"] = WHOOSH3_HEADER_MAGIC
        out["size"] = -(layout.itemsize - 8)
        out["i_head"] = b"\x80\x03("
        for name, op in (("i_count", b"K"), ("i_last", b"J"), ("i_maxweight", b"G")):
            out[name]["op"] = op
        out["i_count"]["v"] = count
        out["i_last"]["v"] = blast[picked]
        out["i_maxweight"]["v"] = bmaxweight[picked]
        out["i_comp"] = b"K\x00"
        for name in ("i_minbyte", "i_maxbyte"):
            out[name]["op"] = b"K"
        out["i_minbyte"]["v"] = minbytes[picked]
        out["i_maxbyte"]["v"] = maxbytes[picked]
        out["i_tail"] = b"t."
        out["d_head"] = b"\x80\x03("
        out["ids"]["op"] = b"J"
        out["ids"]["v"] = deltas[cols[picked]]
        out["ids_end"] = b"t"
        if shape == _ALL_ONE:
            out["w_none"] = b"N"
        elif shape == _ALL_SAME:
            out["w_one"]["op"] = b"G"
            out["w_one"]["v"] = matrix[picked, 0]
        else:
            out["w_mark"] = b"("
            out["w_each"]["op"] = b"G"
            out["w_each"]["v"] = matrix[picked]
            out["w_end"] = b"t"
        if with_values:
            out["v_head"] = b"C" + bytes([4 * count])
            out["values"] = freqs[cols[picked]]
        else:
            out["v_none"] = b"N"
        out["d_tail"] = b"\x87."
        which.append(picked)
        encoded.append(out.tobytes())
        sizes.append(layout.itemsize)
    return which, encoded, sizes
