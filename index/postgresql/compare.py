"""Does the PostgreSQL index hold exactly the records? What ``deptnews check`` compares.

:func:`compare_rows` reads every row's id, whether it is searchable and its ``doc_hash``, and compares
them with the records of a data home: ``expected`` (``{id: doc_hash}`` of the searchable records, as
:func:`~index.schema.to_document` gives it) and ``records`` (every record id, reposts included, since
an API host reads reposts from their rows too). A sync repairs every difference (after the stamps of
the stale rows are cleared: their stamp may be current while their content is not, see
:meth:`~index.postgresql.indexer.PostgresIndexer.repair`).
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from typing import Any

from psycopg import Connection

__all__ = ["RowDiff", "compare_rows"]


@dataclass
class RowDiff:
    """How the rows differ from the records (ids, sorted)."""

    rows: int = 0
    missing: list[str] = field(default_factory=list)
    """Records without a row."""
    orphans: list[str] = field(default_factory=list)
    """Rows without a record."""
    stale: list[str] = field(default_factory=list)
    """Rows of another version of their record (another ``doc_hash``, or searchable when the record is
    a repost, or the other way round)."""

    @property
    def ok(self) -> bool:
        return not (self.missing or self.orphans or self.stale)


def compare_rows(conn: Connection[Any], expected: Mapping[str, bytes], records: Set[str]) -> RowDiff:
    """Compare the rows with the records (in one transaction on ``conn``, the primary's)."""
    with conn.transaction():
        rows = conn.execute("SELECT id, searchable, doc_hash FROM deptnews_records").fetchall()
    diff = RowDiff(rows=len(rows))
    held: set[str] = set()
    for rid, flag, doc_hash in sorted(rows):
        rid = str(rid)
        held.add(rid)
        if rid not in records and rid not in expected:
            diff.orphans.append(rid)
            continue
        want = expected.get(rid)
        if bool(flag) != (want is not None) or (want is not None and bytes(doc_hash or b"") != want):
            diff.stale.append(rid)
    diff.missing = sorted((set(records) | set(expected)) - held)
    return diff
