"""Incremental indexing (index.whoosh.sync) against a real record store, and the `deptnews index` command."""

from __future__ import annotations

import importlib
import json
import os
from pathlib import Path
from typing import Any

import pytest
from index_factory import corpus_records, make_record

from archive.home import DataHome
from archive.store import RecordStore
from deptnews.cli import main
from deptnews.commands.index import record_entries
from index.whoosh.service import SearchRequest, SearchService
from index.whoosh.store import CURRENT, IndexWriter, read_location
from index.whoosh.sync import STAMPS, SyncReport, indexed_hashes, sync

RECORDS = list(corpus_records(12, seed=31, body_syllables=40))


@pytest.fixture
def store(tmp_path: Path) -> RecordStore:
    store = RecordStore(tmp_path / "records")
    for record in RECORDS:
        store.put(record)
    return store


def run(store: RecordStore, path: Path, *, rebuild: bool = False) -> SyncReport:
    return sync(IndexWriter(path), record_entries(store), store.get, rebuild=rebuild)


def commit_of(path: Path) -> tuple[str, int]:
    svc = SearchService(path, lambda rid: None)
    stats = svc.stats()
    svc.close()
    return stats.generation, stats.commit


def test_first_sync_builds_then_nothing_changes(store: RecordStore, tmp_path: Path) -> None:
    path = tmp_path / "index"
    report = run(store, path)
    assert report.rebuilt
    assert report.reason == "there was no index yet"
    assert report.added == 12
    assert set(indexed_hashes(read_location(path))) == {r.id for r in RECORDS}
    before = commit_of(path)
    again = run(store, path)
    assert (again.unchanged, again.added, again.updated, again.deleted) == (12, 0, 0, 0)
    assert not again.rebuilt
    assert commit_of(path) == before  # no empty commit


def test_unchanged_files_are_not_read(store: RecordStore, tmp_path: Path) -> None:
    path = tmp_path / "index"
    run(store, path)
    reads: list[str] = []

    def load(rid: str):  # type: ignore[no-untyped-def]
        reads.append(rid)
        return store.get(rid)

    sync(IndexWriter(path), record_entries(store), load)
    assert reads == []
    store.put(RECORDS[0])  # same content, new file time: read, compared, not rewritten
    before = commit_of(path)
    report = sync(IndexWriter(path), record_entries(store), load)
    assert reads == [RECORDS[0].id]
    assert report.unchanged == 12
    assert commit_of(path) == before


def test_changes_additions_and_deletions(store: RecordStore, tmp_path: Path) -> None:
    path = tmp_path / "index"
    run(store, path)
    changed = RECORDS[1].model_copy(update={"title": "Tiêu đề đã sửa về thủy lợi"})
    store.put(changed)
    moved = RECORDS[2].model_copy(update={"department": "Sở Nội vụ"})  # metadata only
    store.put(moved)
    store.put(make_record(500, "Bài mới về hội nghị", ["Nội dung mới."]))
    os.remove(store.path_for(RECORDS[3].id))
    report = run(store, path)
    assert (report.added, report.updated, report.deleted, report.unchanged) == (1, 2, 1, 9)
    svc = SearchService(path, lambda rid: None)
    assert [h.id for h in svc.search(SearchRequest(q="tieu de da sua")).hits] == [RECORDS[1].id]
    assert svc.search(SearchRequest(filters={"department": "Sở Nội vụ"}, size=100)).total >= 1
    assert RECORDS[3].id not in {h.id for h in svc.iter_hits(SearchRequest())}
    assert svc.count() == 12
    svc.close()


def test_reposts_are_left_out_of_the_index(store: RecordStore, tmp_path: Path) -> None:
    path = tmp_path / "index"
    run(store, path)
    store.put(RECORDS[4].model_copy(update={"repost_of": RECORDS[0].id}))  # found a repost by `parse --all`
    store.put(make_record(501, "Bài đăng lại", ["Nội dung đăng lại."]).model_copy(update={"repost_of": "x"}))
    report = run(store, path)
    assert (report.added, report.updated, report.deleted, report.left_out) == (0, 0, 1, 2)
    svc = SearchService(path, lambda rid: None)
    assert RECORDS[4].id not in {h.id for h in svc.iter_hits(SearchRequest())}
    assert svc.count() == 11
    svc.close()
    again = run(store, path)  # remembered: neither read nor written again
    assert (again.unchanged, again.left_out, again.deleted) == (11, 2, 0)
    rebuilt = run(store, path, rebuild=True)
    assert (rebuilt.added, rebuilt.left_out) == (11, 2)


def test_unreadable_record_is_reported_and_kept(store: RecordStore, tmp_path: Path) -> None:
    path = tmp_path / "index"
    run(store, path)
    store.path_for(RECORDS[4].id).write_text("{broken", encoding="utf-8")
    report = run(store, path)
    assert [rid for rid, _ in report.failed] == [RECORDS[4].id]
    assert "not a valid record" in report.failed[0][1]
    assert RECORDS[4].id in indexed_hashes(read_location(path))  # not deleted for being unreadable
    store.put(RECORDS[4])
    assert run(store, path).failed == []


@pytest.mark.parametrize("procs", [1, 2])
def test_a_rebuild_reads_the_records_in_its_workers_and_reports_them(
    store: RecordStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, procs: int
) -> None:
    monkeypatch.setattr("index.whoosh.rebuild._BATCH", 3)  # several batches per worker
    path = tmp_path / "index"
    store.put(RECORDS[4].model_copy(update={"repost_of": RECORDS[0].id}))
    store.path_for(RECORDS[7].id).write_text("{broken", encoding="utf-8")
    store.path_for(RECORDS[9].id).write_text("{broken", encoding="utf-8")
    seen: list[int] = []
    report = sync(
        IndexWriter(path),
        record_entries(store),
        store.get,
        rebuild=True,
        procs=procs,
        progress=lambda done, total: seen.append(done),
    )
    assert report.rebuilt
    assert (report.added, report.left_out) == (9, 1)
    broken = {RECORDS[7].id, RECORDS[9].id}
    assert [rid for rid, _ in report.failed] == [rid for rid, _ in record_entries(store) if rid in broken]
    assert all("not a valid record" in reason for _, reason in report.failed)
    assert seen == list(range(1, 13))
    expected = {r.id for r in RECORDS} - {RECORDS[4].id, RECORDS[7].id, RECORDS[9].id}
    assert set(indexed_hashes(read_location(path))) == expected
    stamps = json.loads((read_location(path).directory / STAMPS).read_text())
    assert stamps.keys() == {r.id for r in RECORDS} - {RECORDS[7].id, RECORDS[9].id}
    assert stamps[RECORDS[4].id].startswith("-")
    # Remembered: only the unreadable records are read again, and added once they can be.
    store.put(RECORDS[7])
    again = run(store, path)
    assert (again.unchanged, again.left_out, again.added, len(again.failed)) == (9, 1, 1, 1)


def test_lost_stamp_cache_only_costs_reads(store: RecordStore, tmp_path: Path) -> None:
    path = tmp_path / "index"
    run(store, path)
    (read_location(path).directory / STAMPS).write_text("[not a dict]")
    report = run(store, path)
    assert report.unchanged == 12
    assert json.loads((read_location(path).directory / STAMPS).read_text()).keys() == {r.id for r in RECORDS}


def test_outdated_index_is_rebuilt_with_the_reason(store: RecordStore, tmp_path: Path) -> None:
    path = tmp_path / "index"
    run(store, path)
    data = json.loads((path / CURRENT).read_text())
    (path / CURRENT).write_text(json.dumps({**data, "analysis": "old"}))
    report = run(store, path)
    assert report.rebuilt
    assert "another schema or analysis" in (report.reason or "")
    assert read_location(path).analysis != "old"
    assert run(store, path, rebuild=True).reason == "rebuild requested"


def test_index_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = DataHome(tmp_path / "data").ensure()
    store = RecordStore(home.records_dir)
    for record in RECORDS:
        store.put(record)
    args = ["--home", str(home.root)]
    assert main([*args, "index"]) == 0
    out = capsys.readouterr().out
    assert "rebuilt the index (there was no index yet)" in out
    assert "12 added" in out
    assert main([*args, "index"]) == 0
    assert "0 added, 0 updated, 0 deleted, 12 unchanged" in capsys.readouterr().out
    assert main([*args, "index", "--rebuild", "--procs", "1"]) == 0
    assert "rebuild requested" in capsys.readouterr().out
    assert main([*args, "index", "--procs", "0"]) == 2
    store.path_for(RECORDS[0].id).write_text("{", encoding="utf-8")
    assert main([*args, "index"]) == 1
    err = capsys.readouterr().err
    assert RECORDS[0].id in err
    assert "could not be read" in err


def test_record_entries_skip_foreign_files(store: RecordStore) -> None:
    (store.directory / "zz").mkdir()
    (store.directory / "zz" / "notes.json").write_text("{}")
    (store.directory / "ab").mkdir(exist_ok=True)
    (store.directory / "ab" / "cd00000000000000.json").write_text("{}")  # wrong shard
    entries = dict(record_entries(store))
    assert set(entries) == {r.id for r in RECORDS}
    assert all(":" in stamp for stamp in entries.values())
    assert list(record_entries(RecordStore(store.directory / "missing"))) == []


def test_index_command_passes_the_memory_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The command opens the Whoosh backend through index.backends, which writes with this module's writer.
    command = importlib.import_module("index.whoosh.backend")
    seen: list[float] = []

    class Recording(IndexWriter):
        def __init__(self, path: Path, **kwargs: Any) -> None:
            seen.append(kwargs["limitmb"])
            super().__init__(path, **kwargs)

    monkeypatch.setattr(command, "IndexWriter", Recording)
    monkeypatch.setenv("DEPTNEWS_INDEX_MEMORY_MB", "64")
    home = DataHome(tmp_path / "data").ensure()
    assert main(["--home", str(home.root), "index"]) == 0
    assert seen == [64]
    capsys.readouterr()


def test_index_command_draws_a_progress_bar(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = DataHome(tmp_path / "data").ensure()
    store = RecordStore(home.records_dir)
    for record in RECORDS:
        store.put(record)
    assert main(["--home", str(home.root), "index", "--progress"]) == 0
    assert "indexing [####################] 100% 12/12 records" in capsys.readouterr().err
    assert main(["--home", str(home.root), "index", "--no-progress"]) == 0
    assert capsys.readouterr().err == ""


def test_index_command_refuses_an_unavailable_backend(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = DataHome(tmp_path / "data").ensure()
    args = ["--home", str(home.root), "index", "--backend", "postgresql"]
    assert main(args) == 2
    assert "needs a dsn" in capsys.readouterr().err
    assert main([*args, "--dsn", "postgresql://u:secret@127.0.0.1:1/x"]) == 1
    err = capsys.readouterr().err
    assert "the PostgreSQL primary cannot be reached" in err
    assert "secret" not in err


def test_sync_reports_progress_over_every_listed_record(store: RecordStore, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    path = tmp_path / "index"
    sync(IndexWriter(path), record_entries(store), store.get, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(n, len(RECORDS)) for n in range(1, len(RECORDS) + 1)]
    seen.clear()  # an unchanged run checks every record by its stamp alone
    sync(IndexWriter(path), record_entries(store), store.get, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (len(RECORDS), len(RECORDS))
    assert len(seen) == len(RECORDS)
