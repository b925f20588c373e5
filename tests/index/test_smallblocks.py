"""Small posting lists encoded at once (index.whoosh.smallblocks): each reads back, with Python's
unpickler as Whoosh's reader uses it, as the block write_terms frames for a longer list."""

from __future__ import annotations

import io
import pickle
import struct

import numpy as np
import pytest
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC

from index.whoosh.smallblocks import SMALL, encode_small


def decode(raw: bytes) -> tuple[tuple[object, ...], tuple[object, ...]]:
    """A single-block posting list: its info and data tuples."""
    assert raw[:4] == WHOOSH3_HEADER_MAGIC
    (size,) = struct.unpack("!i", raw[4:8])
    assert size == -(len(raw) - 8)  # the last (only) block
    stream = io.BytesIO(raw[8:])
    info = pickle.load(stream)  # one pickle, then the rest is the data pickle
    return info, pickle.loads(stream.read())


@pytest.mark.parametrize("with_values", [True, False])
@pytest.mark.parametrize("count", [1, 2, SMALL - 1])
def test_each_shape_of_weights_reads_back(count: int, with_values: bool) -> None:
    lists = 3
    docs = np.array([[7 + 100 * i + 3 * j for j in range(count)] for i in range(lists)]).reshape(-1)
    deltas = np.diff(docs, prepend=0)
    deltas[::count] = docs[::count]  # a list's first id is stored whole
    weights = np.ones(lists * count, dtype=np.float32)
    weights[count : 2 * count] = 4.0  # all equal, not 1
    weights[2 * count :] = np.arange(count, dtype=np.float32) + 1.5  # each its own
    freqs = np.arange(lists * count, dtype=np.int64) + 1
    rows = np.arange(lists, dtype=np.int64) * count
    which, encoded, sizes = encode_small(
        rows,
        count,
        deltas,
        weights,
        freqs,
        docs[rows + count - 1],
        np.array([1.0, 4.0, count + 0.5]),
        np.array([3, 4, 5], dtype=np.uint8),
        np.array([9, 8, 7], dtype=np.uint8),
        with_values,
    )
    found: dict[int, bytes] = {}
    for picked, data, size in zip(which, encoded, sizes, strict=True):
        assert len(data) == size * len(picked)
        for k, i in enumerate(picked.tolist()):
            found[i] = data[k * size : (k + 1) * size]
    assert sorted(found) == [0, 1, 2]
    for i in range(lists):
        info, (ids, mini, values) = decode(found[i])
        span = slice(i * count, (i + 1) * count)
        assert info == (count, int(docs[span][-1]), [1.0, 4.0, count + 0.5][i], 0, 3 + i, 9 - i)
        assert ids == tuple(deltas[span].tolist())
        expected_weights = [None, 4.0, tuple(weights[span].tolist())][i]
        if count == 1 and i == 2:
            expected_weights = float(weights[span][0])  # one posting: its weight, not a tuple
        assert mini == expected_weights
        assert values == (freqs[span].astype(">u4").tobytes() if with_values else None)


@pytest.mark.parametrize(("gap", "typecode"), [(1000, "H"), (70_000, "I")])
def test_a_larger_blocks_ids_take_the_narrowest_array(gap: int, typecode: str) -> None:
    """A block of ``ARRAYS_FROM`` postings or more stores its id deltas as an ``array``: 16 bits while
    every delta (and the block's first, whole id) is under 2**16, else 32."""
    from index.whoosh.blocks import ARRAYS_FROM, _write_large

    count = ARRAYS_FROM + 4
    docs = np.array([5 + gap * i for i in range(count)])
    postfile = io.BytesIO()
    _write_large(
        postfile,
        np.array([0]),
        docs,
        np.ones(count, dtype=np.int64),
        np.ones(count),
        np.full(count, 10),
        False,
        512,
    )
    _, (ids, weights, values) = decode(postfile.getvalue())
    assert ids.typecode == typecode
    assert list(ids) == [5] + [gap] * (count - 1)
    assert (weights, values) == (None, None)
