"""Every page of each extracted attachment of a searchable record, kept in ``deptnews_attachment_texts``
(see :mod:`index.postgresql.ddl`, version 3), so the attachment endpoint reads them from the database
as it reads the records, and an API host needs no text files.

:func:`attachment_texts` reads them from the data home's text store when a row is made
(:func:`index.postgresql.documents.record_row`); :func:`write_texts` and :func:`delete_texts` run in the
batch transaction of the rows (:mod:`index.postgresql.rows`), so a row and its texts change together;
:func:`read_text` serves one attachment.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from psycopg import Connection

from archive.documents.result import Extracted
from archive.documents.store import DIRECTORY, TextStore
from archive.model import Record

if TYPE_CHECKING:
    from index.postgresql.documents import Row

__all__ = ["attachment_texts", "delete_texts", "read_text", "write_texts"]


def attachment_texts(record: Record, texts_root: Path) -> list[tuple[int, Extracted]]:
    """``(attachment number from 1, its extracted text)`` of each extracted attachment of ``record``
    whose text the data home ``texts_root`` holds (a text file that is missing or unreadable gives
    nothing, as :func:`index.schema.attachment_pages` indexes nothing of it)."""
    store = TextStore(texts_root / DIRECTORY)
    found: list[tuple[int, Extracted]] = []
    for n, attachment in enumerate(record.attachments, start=1):
        text = attachment.text
        if text is None or text.status != "ok" or not text.path or not text.sha256:
            continue
        extracted = store.get(text.sha256)
        if extracted is not None:
            found.append((n, extracted))
    return found


def write_texts(conn: Connection[Any], rows: Sequence[Row]) -> None:
    """Replace the stored texts of ``rows`` by theirs (in the caller's transaction)."""
    from psycopg.types.json import Jsonb

    delete_texts(conn, [row.id for row in rows])
    values = [
        (row.id, n, extracted.sha256, Jsonb(extracted.to_json()))
        for row in rows
        for n, extracted in row.attachments
    ]
    if values:
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO deptnews_attachment_texts (id, n, sha256, extracted) VALUES (%s, %s, %s, %s)",
                values,
            )


def delete_texts(conn: Connection[Any], ids: Sequence[str]) -> None:
    """Delete the stored texts of the records ``ids`` (in the caller's transaction)."""
    if ids:
        conn.execute("DELETE FROM deptnews_attachment_texts WHERE id = ANY(%s)", (list(ids),))


def read_text(conn: Connection[Any], rid: str, sha256: str) -> Extracted | None:
    """The stored text of the file ``sha256`` among record ``rid``'s attachments, else None (asked by
    hash, not by number: a record read a moment before may have changed since, and an older version
    may number its attachments otherwise)."""
    row = conn.execute(
        "SELECT extracted::text FROM deptnews_attachment_texts WHERE id = %s AND sha256 = %s LIMIT 1",
        (rid, sha256),
    ).fetchone()
    if row is None:
        return None
    try:
        return Extracted.from_json(json.loads(str(row[0])))
    except (ValueError, KeyError, TypeError):  # not what write_texts stores: as if there were none
        return None
