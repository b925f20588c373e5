"""A batch of column values written at once is what Whoosh's writers write one value at a time."""

from __future__ import annotations

import io
from typing import Any

import pytest
from whoosh.columns import (
    CompressedBytesColumn,
    NumericColumn,
    PickleColumn,
    RefBytesColumn,
    VarBytesColumn,
)
from whoosh.filedb.structfile import StructFile

from index.whoosh.perdoc import _add_many


class _Kept(io.BytesIO):
    def close(self) -> None:  # StructFile.close closes it; keep the bytes readable
        pass


def _run(column: Any, batches: list[tuple[int, list[Any]]], doccount: int, batched: bool) -> bytes:
    """The bytes a column's writer leaves after ``batches`` (first docnum, values; None: no value)
    and ``finish(doccount)``; ``batched``: each batch through ``_add_many``."""
    out = _Kept()
    writer = column.writer(StructFile(out))
    if isinstance(writer, VarBytesColumn.Writer):
        writer.cutoff = 1  # the offsets are written too (Whoosh writes them past 32,768 documents)
    for first, values in batches:
        if batched:
            _add_many(writer, first, values)
        else:
            for i, value in enumerate(values):
                if value is not None:
                    writer.add(first + i, value)
    writer.finish(doccount)
    return out.getvalue()


@pytest.mark.parametrize(
    ("column", "values"),
    [
        (NumericColumn("q", default=-(2**63)), [5, None, -(2**63), 2**40, None]),
        (NumericColumn("B", default=0), [3, 0, None, 255, 1]),
        (NumericColumn("i", default=-1), [None, None, 7, -1, 100_000]),
        (VarBytesColumn(), [b"abc", None, b"", b"\x00\xff" * 40, b"z"]),
        (
            PickleColumn(CompressedBytesColumn()),
            [{"id": "a", "n": 1}, None, {"t": "Hội nghị " * 30}, None, {}],
        ),
        (RefBytesColumn(), [b"x", None, b"y", b"x", None]),  # another writer type: its own add
    ],
)
def test_a_batch_writes_what_one_value_at_a_time_writes(column: Any, values: list[Any]) -> None:
    # Batches with gaps before them (filled with defaults), after a first document, and at the end.
    batches = [(0, values[:1]), (3, values), (8, []), (9, values[::-1])]
    doccount = 9 + len(values) + 2
    assert _run(column, batches, doccount, batched=True) == _run(column, batches, doccount, batched=False)
