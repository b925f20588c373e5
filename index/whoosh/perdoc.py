"""Writing a batch of documents' stored fields, field lengths and column values at once.

Whoosh's per-document writer takes one document at a time: ``start_doc``, ``add_field`` and
``add_column_value`` per field, ``finish_doc``; about 17 column writes a document through three
Python calls each (~45 µs a document, 8 % of a bulk build on real news pages, more than a short
article's postings). :func:`write_documents` writes the same bytes a batch at a time: per column, the
batch's values packed in one ``struct`` call (fixed-size numbers) or joined (variable-size bytes),
with the writers' own bookkeeping updated as their ``add`` would. whoosh-reloaded is pinned
(2.7.5, unmaintained), so the column formats below cannot move under us; a column of any other
writer type goes through its own ``add``. The bulk builder's tests compare every column, stored field
and length Whoosh's reader gives for a segment built here with one Whoosh's writer built.
"""

from __future__ import annotations

import struct
from itertools import accumulate
from pickle import dumps
from typing import Any

from whoosh.codec.base import PerDocumentWriter
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, STORED_COLUMN, _lenfield
from whoosh.columns import CompressedBytesColumn, NumericColumn, PickleColumn, VarBytesColumn
from whoosh.util.numeric import length_to_byte

__all__ = ["write_documents"]

_STORED = "_stored"
"""The column of the stored fields (pickled, compressed), as W3PerDocWriter names it."""


def write_documents(
    perdoc: PerDocumentWriter, schema: Any, first: int, documents: list[tuple[dict[str, Any], dict[str, int]]]
) -> None:
    """Write ``documents`` (each its values, a column field's as ``(value, column value)``, and its
    field lengths) as documents ``first``, ``first + 1``, … of Whoosh's W3 per-document writer
    ``perdoc``, which must have written exactly ``first`` documents; what ``start_doc``,
    ``add_field``, ``add_column_value`` and ``finish_doc`` per document and field write."""
    n = len(documents)
    if perdoc._doccount != first or perdoc._indoc:
        raise ValueError(f"the writer holds {perdoc._doccount} documents, not {first}")
    # What the loop needs of each field, looked up once a batch rather than once a value (Whoosh's
    # Schema.__getitem__ is a Python call).
    layout = {name: (field.column_type, field.stored, _lenfield(name)) for name, field in schema.items()}
    stored: list[dict[str, Any] | None] = []
    columns: dict[str, tuple[Any, list[Any]]] = {}
    totals = perdoc._fieldlengths
    for i, (values, lengths) in enumerate(documents):
        fields: dict[str, Any] = {}
        for name in sorted(values):
            column_type, is_stored, lenname = layout[name]
            value = values[name]
            if column_type:
                value, column_value = value
                columns.setdefault(name, (column_type, [None] * n))[1][i] = column_value
            if is_stored and value is not None:
                fields[name] = value
            length = lengths.get(name, 0)
            if length:
                columns.setdefault(lenname, (LENGTHS_COLUMN, [None] * n))[1][i] = length_to_byte(length)
                totals[name] += length
        stored.append(fields or None)
    columns[_STORED] = (STORED_COLUMN, stored)
    for name, (column, found) in columns.items():
        if not perdoc._has_column(name):
            perdoc._create_column(name, column)
        _add_many(perdoc._get_column(name), first, found)
    perdoc._doccount += n


def _add_many(writer: Any, first: int, values: list[Any]) -> None:
    """What ``writer.add(first + i, value)`` for every value but None writes."""
    if not values:
        return
    kind = type(writer)
    if kind is PickleColumn.Writer and type(writer._child) is CompressedBytesColumn.Writer:
        child = writer._child
        compress, level = child._compress, child._level
        _add_bytes(child, first, [b"" if v is None else compress(dumps(v, 2), level) for v in values])
    elif kind is NumericColumn.Writer:
        # Fixed-size values: a default is written only where a later value needs the room (the
        # writer's fill), so the batch is cut after its last value that is not the default.
        default = writer._default
        packed = [default if v is None else v for v in values]
        while packed and packed[-1] == default:
            packed.pop()
        if packed:
            if first > writer._count:
                writer.fill(first)
            layout = writer._pack.__self__.format  # "!q", "!B", …
            writer._dbfile.write(struct.pack(layout[0] + str(len(packed)) + layout[1:], *packed))
            writer._count = first + len(packed)
    elif kind is VarBytesColumn.Writer:
        _add_bytes(writer, first, [b"" if v is None else v for v in values])
    else:
        for i, value in enumerate(values):
            if value is not None:
                writer.add(first + i, value)


def _add_bytes(writer: Any, first: int, values: list[bytes]) -> None:
    """A ``VarBytesColumn`` writer's ``add`` of each value (b"" is what its fill leaves)."""
    writer.fill(first)
    writer._dbfile.write(b"".join(values))
    sizes = list(map(len, values))
    base = writer._offset_base
    writer._lengths.extend(sizes)
    writer._offsets.extend(accumulate(sizes[:-1], initial=base))
    writer._offset_base = base + sum(sizes)
    writer._count = first + len(values)
