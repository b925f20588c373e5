"""Attachment texts into the records: each attachment gets the :class:`~archive.model.AttachmentText`
the ledger holds for its URL.

The summary is not part of the content hash (:meth:`~archive.model.Content.compute_hash`), so linking
never makes a new version: :func:`link_records` updates the current content and the latest version in
place, and ingest (:func:`with_texts`) gives a newly parsed version the summaries already known.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from archive.home import DataHome
from archive.ledger import Ledger
from archive.model import AttachmentText, Content, Record
from archive.store import RecordStore

Lookup = Callable[[str], AttachmentText | None]


def with_texts(content: Content, lookup: Lookup) -> Content:
    """``content`` with each attachment's text summary as ``lookup(url)`` gives it (unchanged when
    nothing differs)."""
    attachments = [a.model_copy(update={"text": lookup(a.url)}) for a in content.attachments]
    if attachments == content.attachments:
        return content
    return content.model_copy(update={"attachments": attachments})


def ledger_lookup(ledger: Ledger) -> Lookup:
    """What the ledger knows of an attachment URL, for :func:`with_texts`."""

    def lookup(url: str) -> AttachmentText | None:
        state = ledger.attachment_text(url)
        return state[0] if state is not None and state[0].reason != "not-archived" else None

    return lookup


def link_records(home: DataHome) -> tuple[int, list[str]]:
    """Give every record's attachments their text summaries from the ledger, in place (current content
    and latest version; the content hash is unchanged). Returns the count and the ids of records changed.
    The caller holds the parse lock."""
    store = RecordStore(home.records_dir)
    changed: list[str] = []
    with Ledger.open(home.records_dir) as ledger:
        lookup = ledger_lookup(ledger)
        for record in store:
            if not record.attachments:
                continue
            updated = _linked(record, lookup)
            if updated is not None:
                store.put(updated)
                changed.append(updated.id)
    return len(changed), changed


def _linked(record: Record, lookup: Lookup) -> Record | None:
    attachments = [a.model_copy(update={"text": lookup(a.url)}) for a in record.attachments]
    if attachments == record.attachments:
        return None
    latest = record.versions[-1]
    content = latest.content.model_copy(update={"attachments": attachments})
    versions = [*record.versions[:-1], latest.model_copy(update={"content": content})]
    return record.model_copy(update={"attachments": attachments, "versions": versions})


def data_home_path(home: DataHome, text: AttachmentText) -> Path | None:
    """The text file of an extracted attachment, None when it has none."""
    return home.root / text.path if text.status == "ok" and text.path else None
