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
    "INT4",
    "INT8",
    "SIGNATURE",
    "TRAILER",
    "Elements",
    "array_field",
    "text_field",
]

SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
"""The header of a binary ``COPY`` stream (no flags, no header extension)."""
TRAILER = struct.pack("!h", -1)
"""The end of a binary ``COPY`` stream."""

INT8, INT4, FLOAT4 = 20, 23, 700
"""Type OIDs of ``bigint``, ``integer`` and ``real``."""

_WIDTH = {INT8: ">i8", INT4: ">i4", FLOAT4: ">f4"}
_ARRAY_HEAD = struct.Struct("!iiiiii")  # field length, ndim, has nulls, element type, size, lower bound
_FIELD = struct.Struct("!i")


class Elements:
    """Array elements of one type in binary form: ``values[start:end]`` becomes an array field by
    :meth:`field`."""

    def __init__(self, oid: int, values: npt.ArrayLike) -> None:
        data = np.asarray(values)
        encoded = np.empty(len(data), dtype=[("length", ">i4"), ("value", _WIDTH[oid])])
        self.size = encoded.dtype.itemsize
        encoded["length"] = self.size - 4
        encoded["value"] = data
        self.oid = oid
        self.data = encoded.tobytes()

    def field(self, start: int, end: int) -> bytes:
        """The field of the one-dimensional array of elements ``start`` to ``end`` (excluded): the
        layout :mod:`index.postgresql.postings` writes for many lists at once (with headers made by
        numpy), here for one, as the tests compare it with psycopg's own binary dumper."""
        return array_field(self.oid, end - start, self.data[start * self.size : end * self.size])


def array_field(oid: int, count: int, elements: bytes) -> bytes:
    """An array field of ``count`` encoded ``elements`` of type ``oid``."""
    return _ARRAY_HEAD.pack(20 + len(elements), 1, 0, oid, count, 1) + elements


def text_field(value: str) -> bytes:
    """A ``text`` field."""
    data = value.encode()
    return _FIELD.pack(len(data)) + data
