"""The term index writer (index.whoosh.termindex): Whoosh's own hash reader finds every key, and the
table layout is one linear probing can search."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.filetables import OrderedHashReader, OrderedHashWriter

from index.whoosh.termindex import TermIndex, place


def probe_finds(buckets: list[int], homes: list[int], slots: list[int]) -> None:
    """Place the entries and check that probing from each home meets it before an empty slot."""
    order = np.lexsort((homes, buckets))
    b = np.array(buckets, dtype=np.int64)[order]
    h = np.array(homes, dtype=np.int64)[order]
    sizes = np.array(slots, dtype=np.int64)
    placed = place(b, h, sizes)
    for bucket in range(len(sizes)):
        mine = np.flatnonzero(b == bucket)
        table = np.full(int(sizes[bucket]), -1)
        assert len(set(placed[mine].tolist())) == len(mine)  # one entry per slot
        assert all(0 <= s < sizes[bucket] for s in placed[mine].tolist())
        table[placed[mine]] = mine
        for entry in mine.tolist():
            slot = int(h[entry])
            while table[slot] != entry:
                assert table[slot] != -1, "an empty slot before the entry"
                slot = (slot + 1) % int(sizes[bucket])


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 10**6)), max_size=60))
def test_placement_is_found_by_linear_probing(entries: list[tuple[int, int]]) -> None:
    counts = np.bincount([b for b, _ in entries], minlength=4)
    slots = (2 * counts).tolist()
    probe_finds([b for b, _ in entries], [h % max(slots[b], 1) for b, h in entries], slots)


def test_entries_crowded_at_the_end_wrap_to_the_start() -> None:
    # Every entry of a 4-slot table wants its last slot: three wrap around.
    probe_finds([0, 0], [3, 3], [4])
    probe_finds([0, 0, 0, 1], [5, 5, 4, 0], [6, 2])


def write_terms(path: Path, keys: list[bytes]) -> None:
    storage = FileStorage(str(path))
    writer = OrderedHashWriter(storage.create_file("t.trm"))
    index = TermIndex(writer)
    values = [b"v%d" % i for i in range(len(keys))]
    for lo in range(0, len(keys), 700):  # in several batches, as a segment's fields come
        index.add_many(keys[lo : lo + 700], values[lo : lo + 700])
    writer.close()


def test_whoosh_reads_every_key(tmp_path: Path) -> None:
    keys = sorted(
        {f"\x00\x01term {i} ngh\u1ecb".encode() for i in range(5000)} | {b"\x00\x00a", b"\x00\x02z"}
    )
    write_terms(tmp_path, keys)
    storage = FileStorage(str(tmp_path))
    reader = OrderedHashReader(storage.open_file("t.trm"), storage.file_length("t.trm"))
    assert reader.hashtype == 1  # CRC-32, named in the header
    assert list(reader.keys()) == keys
    for i, key in enumerate(keys):
        assert reader[key] == b"v%d" % i
    assert b"\x00\x01missing" not in reader
    assert reader.closest_key(b"\x00\x01term 5") == min(k for k in keys if k >= b"\x00\x01term 5")
    reader.close()


def test_keys_must_increase(tmp_path: Path) -> None:
    storage = FileStorage(str(tmp_path))
    writer = OrderedHashWriter(storage.create_file("t.trm"))
    index = TermIndex(writer)
    index.add_many([b"b"], [b"1"])
    with pytest.raises(ValueError, match="keys must increase"):
        index.add_many([b"a"], [b"2"])
    writer.close()


def test_an_empty_term_index(tmp_path: Path) -> None:
    write_terms(tmp_path, [])
    storage = FileStorage(str(tmp_path))
    reader = OrderedHashReader(storage.open_file("t.trm"), storage.file_length("t.trm"))
    assert list(reader.keys()) == []
    assert b"x" not in reader
    reader.close()
