"""Comparing the index with the records, and repairing it (index.whoosh.verify), on a real index."""

from __future__ import annotations

from pathlib import Path

from conftest import SAMPLE_RECORDS, sample_home

from archive.store import RecordStore
from index.schema import to_document
from index.whoosh.store import IndexWriter, open_index
from index.whoosh.verify import compare_index, repair_index

EXPECTED = {r.id: to_document(r)["doc_hash"] for r in SAMPLE_RECORDS}


def test_a_fresh_index_holds_exactly_the_records(tmp_path: Path) -> None:
    home = sample_home(tmp_path)
    diff = compare_index(home.index_dir, EXPECTED)
    assert diff.ok
    assert diff.documents == len(SAMPLE_RECORDS)


def test_every_difference_is_found_and_repaired(tmp_path: Path) -> None:
    home = sample_home(tmp_path)
    first, second, third = SAMPLE_RECORDS
    writer = IndexWriter(home.index_dir)
    writer.delete([first.id])
    writer.upsert([second.model_copy(update={"title": "Một tiêu đề khác"})])
    orphan = to_document(third.model_copy(update={"id": "00000000000000aa"}))
    ix = open_index(home.index_dir)
    raw = ix.writer()
    raw.add_document(**to_document(third))  # add, not update: the id is now indexed twice
    raw.add_document(**orphan)
    raw.commit()
    diff = compare_index(home.index_dir, EXPECTED)
    assert (diff.missing, diff.stale, diff.orphans, diff.duplicates) == (
        [first.id],
        [second.id],
        ["00000000000000aa"],
        [third.id],
    )
    assert diff.documents == 4
    written, deleted = repair_index(writer, diff, RecordStore(home.records_dir).get)
    assert (written, deleted) == (3, 3)
    after = compare_index(home.index_dir, EXPECTED)
    assert after.ok
    assert after.documents == 3
