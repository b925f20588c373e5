"""Rows in PostgreSQL's binary ``COPY`` format, with their number arrays encoded by numpy.

A batch of postings is tens of thousands of lists of hundreds of thousands of numbers; encoding each
number in Python (psycopg's list dumper, or the text format's digits) cost most of a batch's time.
In the binary format an array element is its length and its big-endian value, so a whole batch's
elements are one numpy record array written at once, and a list is a slice of its bytes
(https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4, arrays as ``array_send``
writes them).
"""

from __future__ import annotations

import struct

import numpy as np
import numpy.typing as npt

__all__ = [
    "FLOAT4",
    "HEAD",
    "INT4",
    "INT8",
    "SIGNATURE",
    "TRAILER",
    "Elements",
    "array_heads",
    "bigint_fields",
    "text_field",
]

SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
"""The header of a binary ``COPY`` stream (no flags, no header extension)."""
TRAILER = struct.pack("!h", -1)
"""The end of a binary ``COPY`` stream."""

INT8, INT4, FLOAT4 = 20, 23, 700
"""Type OIDs of ``bigint``, ``integer`` and ``real``."""

_WIDTH = {INT8: ">i8", INT4: ">i4", FLOAT4: ">f4"}
_FIELD = struct.Struct("!i")
HEAD = 24
"""Bytes of an array field's header (:func:`array_heads`)."""


class Elements:
    """Array elements of one type in binary form (``size`` bytes each: length and value), for slicing
    into the arrays of :func:`array_heads`."""

    def __init__(self, oid: int, values: npt.ArrayLike) -> None:
        data = np.asarray(values)
        encoded = np.empty(len(data), dtype=[("length", ">i4"), ("value", _WIDTH[oid])])
        self.size = encoded.dtype.itemsize
        encoded["length"] = self.size - 4
        encoded["value"] = data
        self.oid = oid
        self.data = encoded.tobytes()

    def field(self, start: int, end: int) -> bytes:
        """The field of the one-dimensional array of elements ``start`` to ``end`` (excluded); a batch
        slices many at once with the headers of :func:`array_heads`."""
        head = array_heads(self.oid, np.array([end - start], dtype=np.int64))
        return head + self.data[start * self.size : end * self.size]


def array_heads(oid: int, counts: npt.NDArray[np.int64]) -> bytes:
    """The headers (field length, dimensions, has nulls, element type, size, lower bound) of
    one-dimensional arrays of ``counts`` elements of type ``oid``, :data:`HEAD` bytes each, in order."""
    element = 4 + np.dtype(_WIDTH[oid]).itemsize
    heads = np.empty((len(counts), 6), dtype=">i4")
    heads[:, 0] = 20 + element * counts
    heads[:, 1], heads[:, 2], heads[:, 3], heads[:, 5] = 1, 0, oid, 1
    heads[:, 4] = counts
    return heads.tobytes()


def bigint_fields(values: npt.NDArray[np.int64]) -> bytes:
    """``bigint`` fields of ``values``, 12 bytes each, in order."""
    fields = np.empty(len(values), dtype=[("length", ">i4"), ("value", ">i8")])
    fields["length"], fields["value"] = 8, values
    return fields.tobytes()


def text_field(value: str) -> bytes:
    """A ``text`` field."""
    data = value.encode()
    return _FIELD.pack(len(data)) + data
