"""Reading records, whichever backend holds them (:class:`RecordReader`).

The API reads a record by id and counts them through this protocol only. With Whoosh the records are
the data home's files (:class:`FileRecords`, over :class:`~archive.store.RecordStore`); with PostgreSQL
they are rows of the index database (:class:`index.postgresql.records.PostgresRecords`), so an API
host needs no record files. :func:`index.backends.open_records` opens the one the settings choose.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Protocol

from archive.documents.result import Extracted
from archive.documents.store import TextStore
from archive.model import Record
from archive.store import RecordStore

__all__ = ["FileRecords", "RecordReader"]

_RECORD_FILE = re.compile(r"[0-9a-f]{16}\.json")


class RecordReader(Protocol):
    def get(self, rid: str) -> Record:
        """The record with id ``rid`` (current content and every version);
        :class:`~archive.errors.RecordNotFound` if there is none, :class:`~archive.errors.StoreError`
        if it cannot be read now."""
        ...

    def count(self) -> int:
        """How many records there are (reposts included)."""
        ...

    def attachment_text(self, rid: str, sha256: str) -> Extracted | None:
        """The extracted text, every page, of the file with this SHA-256 that record ``rid`` attaches;
        None when there is none (not extracted, or its text is gone: ``deptnews extract`` and
        ``deptnews index`` make it again); :class:`~archive.errors.StoreError` if it cannot be read
        now."""
        ...


class FileRecords:
    """The records of a data home's ``records/`` directory, and the extracted texts of its ``texts/``
    (``texts_dir``; None: no texts)."""

    def __init__(self, store: RecordStore, texts_dir: Path | None = None) -> None:
        self.store = store
        self.texts = TextStore(texts_dir) if texts_dir is not None else None

    def get(self, rid: str) -> Record:
        return self.store.get(rid)

    def attachment_text(self, rid: str, sha256: str) -> Extracted | None:
        """The text store's file of ``sha256`` (one per distinct file, whichever record attaches it)."""
        return self.texts.get(sha256) if self.texts is not None else None

    def count(self) -> int:
        """Files named like records (none read); temporary files a crash left behind are not counted."""
        count = 0
        try:
            shards = [entry.path for entry in os.scandir(self.store.directory) if entry.is_dir()]
        except FileNotFoundError:
            return 0  # nothing parsed yet
        for shard in shards:
            try:
                count += sum(1 for entry in os.scandir(shard) if _RECORD_FILE.fullmatch(entry.name))
            except FileNotFoundError:
                continue  # removed while counting
        return count
