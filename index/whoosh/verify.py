"""Does the index hold exactly the records' current versions? And making it so, under the writer lock.

:func:`compare_index` reads the id and ``doc_hash`` column of every live document of the current
generation and compares them with what the records would give (``{id: doc_hash}`` of
:func:`~index.schema.to_document`): records missing from the index, documents without a record
(orphans), documents of another version of their record (stale), and ids indexed more than once.
An index that is missing or was built by other code raises what :func:`~index.whoosh.store.read_location`
raises.

:func:`repair_index` fixes what :func:`compare_index` found in one commit: orphans and duplicates
deleted, missing and stale documents (and one copy of each duplicate) written again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from archive.model import Record
from index.schema import to_document
from index.whoosh.store import IndexWriter, read_location
from index.whoosh.sync import indexed_documents

__all__ = ["IndexDiff", "compare_index", "repair_index"]


@dataclass
class IndexDiff:
    """How the index differs from the records (ids, sorted)."""

    documents: int = 0
    missing: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.orphans or self.stale or self.duplicates)


def compare_index(root: Path, expected: Mapping[str, bytes]) -> IndexDiff:
    """Compare the index at ``root`` with ``expected`` (``{record id: doc_hash}``)."""
    indexed = indexed_documents(read_location(root))
    diff = IndexDiff(documents=sum(len(h) for h in indexed.values()))
    for rid, hashes in sorted(indexed.items()):
        if len(hashes) > 1:
            diff.duplicates.append(rid)
        want = expected.get(rid)
        if want is None:
            diff.orphans.append(rid)
        elif any(h != want for h in hashes):
            diff.stale.append(rid)
    diff.missing = sorted(set(expected) - set(indexed))
    return diff


def repair_index(
    writer: IndexWriter, diff: IndexDiff, load: Callable[[str], Record], texts_root: Path | None = None
) -> tuple[int, int]:
    """Write and delete what ``diff`` lists, in one commit; returns ``(written, deleted)``
    (``texts_root``: the data home, for the attachments' texts)."""
    rewrite = sorted(set(diff.missing) | set(diff.stale) | (set(diff.duplicates) - set(diff.orphans)))
    deletions = sorted(set(diff.orphans) | set(diff.duplicates))
    if not rewrite and not deletions:
        return 0, 0
    return writer.write((to_document(load(rid), texts_root) for rid in rewrite), deletions)
