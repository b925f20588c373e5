"""The binary COPY encoding of postings matches what psycopg's own binary dumpers send."""

from __future__ import annotations

import struct
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from psycopg.adapt import PyFormat, Transformer
from psycopg.types.numeric import Float4, Int4, Int8

from index.postgresql.copybinary import FLOAT4, INT4, INT8, Elements, text_field

_TYPES: dict[int, tuple[type[Any], str]] = {
    INT8: (Int8, "int64"),
    INT4: (Int4, "int32"),
    FLOAT4: (Float4, "float32"),
}


def _psycopg_field(oid: int, values: list[Any]) -> bytes:
    wrapper = _TYPES[oid][0]
    wrapped = [wrapper(v) for v in values]
    dumper = Transformer().get_dumper(wrapped, PyFormat.BINARY)
    data = bytes(dumper.dump(wrapped) or b"")
    return struct.pack("!i", len(data)) + data


@pytest.mark.parametrize("oid", [INT8, INT4, FLOAT4])
@given(values=st.lists(st.integers(min_value=0, max_value=2**31 - 1), min_size=1, max_size=40), cut=st.data())
def test_an_array_slice_is_what_psycopg_sends(oid: int, values: list[int], cut: st.DataObject) -> None:
    dtype = _TYPES[oid][1]
    numbers = np.array(values, dtype=dtype)
    start = cut.draw(st.integers(min_value=0, max_value=len(values) - 1))
    end = cut.draw(st.integers(min_value=start + 1, max_value=len(values)))
    expected = [float(v) if oid == FLOAT4 else int(v) for v in numbers[start:end].tolist()]
    assert Elements(oid, numbers).field(start, end) == _psycopg_field(oid, expected)


def test_text_is_its_utf8_bytes_with_their_length() -> None:
    assert text_field("~hội_nghị") == struct.pack("!i", len("~hội_nghị".encode())) + "~hội_nghị".encode()
