"""Records read from the PostgreSQL index (:class:`~index.records.RecordReader`): each row keeps its
record whole, versions included, as jsonb, and ``deptnews_attachment_texts`` its attachments' texts
(:mod:`index.postgresql.attachments`); read on the node chosen for reads."""

from __future__ import annotations

from psycopg import errors
from pydantic import ValidationError

from archive.documents.result import Extracted
from archive.errors import RecordNotFound, StoreError
from archive.model import Record
from index.errors import IndexUnavailable
from index.postgresql.attachments import read_text
from index.postgresql.connections import Connections

__all__ = ["PostgresRecords"]


class PostgresRecords:
    def __init__(self, nodes: Connections) -> None:
        self.nodes = nodes

    def get(self, rid: str) -> Record:
        try:
            with self.nodes.reader() as conn, conn.transaction():
                row = conn.execute(
                    "SELECT record::text FROM deptnews_records WHERE id = %s", (rid,)
                ).fetchone()
        except errors.UndefinedTable:
            raise RecordNotFound(rid) from None
        except IndexUnavailable as exc:
            raise StoreError(f"record {rid}: {exc}") from exc
        if row is None:
            raise RecordNotFound(rid)
        try:
            return Record.model_validate_json(str(row[0]))
        except ValidationError as exc:
            raise StoreError(
                f"record {rid} in PostgreSQL is not valid: {exc.error_count()} error(s)"
            ) from exc

    def attachment_text(self, rid: str, sha256: str) -> Extracted | None:
        """The stored text of the attachment, as the record's current version has it (None before
        schema version 3 made the table)."""
        try:
            with self.nodes.reader() as conn, conn.transaction():
                return read_text(conn, rid, sha256)
        except errors.UndefinedTable:
            return None
        except IndexUnavailable as exc:
            raise StoreError(f"record {rid}, attachment text {sha256[:12]}: {exc}") from exc

    def count(self) -> int:
        """Rows (reposts included); 0 before anything was indexed or while no node can answer."""
        try:
            with self.nodes.reader() as conn, conn.transaction():
                row = conn.execute("SELECT count(*) FROM deptnews_records").fetchone()
        except (errors.UndefinedTable, IndexUnavailable):
            return 0
        return int(row[0]) if row else 0

    def close(self) -> None:
        self.nodes.close()
