"""The index on disk (index.whoosh: store, locking): generations, version stamp, one writer, crashes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from index_factory import corpus_records
from whoosh import index as whoosh_index

from archive.home import DataHome
from archive.store import RecordStore
from index.errors import IndexBusy, IndexMissing, IndexOutdated, SearchError
from index.schema import build_schema, to_document
from index.whoosh.locking import WriteLock
from index.whoosh.service import SearchRequest, SearchService
from index.whoosh.store import CURRENT, IndexWriter, open_index, read_location

RECORDS = list(corpus_records(30, seed=11, body_syllables=40))


def count(path: Path) -> int:
    svc = SearchService(path, lambda rid: None)
    try:
        return svc.count()
    finally:
        svc.close()


def test_missing_index(tmp_path: Path) -> None:
    with pytest.raises(IndexMissing, match="deptnews index"):
        read_location(tmp_path / "none")
    assert count(tmp_path / "none") == 0


def test_rebuild_switches_generations_and_keeps_one_previous(tmp_path: Path) -> None:
    path = tmp_path / "index"
    writer = IndexWriter(path)
    writer.rebuild(RECORDS[:5])
    first = read_location(path).generation
    writer.rebuild(RECORDS[:10])
    second = read_location(path)
    assert second.previous == first
    writer.rebuild(RECORDS[:15])
    third = read_location(path)
    assert third.previous == second.generation
    assert sorted(p.name for p in path.iterdir() if p.is_dir()) == [second.generation, third.generation]
    assert count(path) == 15
    assert open_index(path).doc_count() == 15


def test_upsert_replaces_and_delete_removes(tmp_path: Path) -> None:
    path = tmp_path / "index"
    writer = IndexWriter(path)
    assert writer.upsert(RECORDS[:3]) == 3  # creates the index
    assert writer.upsert(RECORDS[:3]) == 3
    assert count(path) == 3
    assert writer.delete([RECORDS[0].id, "nonexistent"]) == 1
    assert count(path) == 2


def test_a_failing_write_commits_nothing(tmp_path: Path) -> None:
    path = tmp_path / "index"
    writer = IndexWriter(path)
    writer.rebuild(RECORDS[:3])

    def documents():  # type: ignore[no-untyped-def]
        from index.schema import to_document

        yield to_document(RECORDS[5])
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        writer.write(documents())
    with pytest.raises(RuntimeError):
        writer.rebuild_documents(documents())
    assert count(path) == 3
    assert writer.upsert(RECORDS[3:4]) == 1  # the lock was released
    assert [p.name for p in path.iterdir() if p.is_dir()] == [read_location(path).generation]


def test_outdated_stamp_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "index"
    IndexWriter(path).rebuild(RECORDS[:2])
    data = json.loads((path / CURRENT).read_text())
    (path / CURRENT).write_text(json.dumps({**data, "analysis": "0" * 16}))
    with pytest.raises(IndexOutdated, match="--rebuild"):
        read_location(path)
    svc = SearchService(path, lambda rid: None)
    with pytest.raises(IndexOutdated):
        svc.search(SearchRequest(q="x"))
    with pytest.raises(IndexOutdated):
        IndexWriter(path).upsert(RECORDS[:1])
    (path / CURRENT).write_text(json.dumps({**data, "schema_version": 1}))
    with pytest.raises(IndexOutdated):
        read_location(path)
    (path / CURRENT).write_text("{not json")
    with pytest.raises(IndexOutdated, match="unreadable"):
        read_location(path)
    IndexWriter(path).rebuild(RECORDS[:2])
    assert svc.count() == 2  # the same service picks up the rebuilt index
    svc.close()


def test_index_in_the_old_layout_is_outdated(tmp_path: Path) -> None:
    whoosh_index.create_in(str(tmp_path), build_schema(), indexname="records")
    with pytest.raises(IndexOutdated, match="older version"):
        read_location(tmp_path)


def test_leftovers_of_a_dead_writer_are_removed(tmp_path: Path) -> None:
    path = tmp_path / "index"
    writer = IndexWriter(path)
    writer.rebuild(RECORDS[:2])
    location = read_location(path)
    (path / "g000099").mkdir()
    (path / f".{CURRENT}.1234").write_text("x")
    (location.directory / "records.tmp").mkdir()
    (location.directory / "_records_7.toc.1700000000.5").write_text("x")
    writer.upsert(RECORDS[2:3])
    assert not (path / "g000099").exists()
    assert not (path / f".{CURRENT}.1234").exists()
    assert not (location.directory / "records.tmp").exists()
    assert not (location.directory / "_records_7.toc.1700000000.5").exists()
    assert count(path) == 3


def test_one_writer_at_a_time(tmp_path: Path) -> None:
    path = tmp_path / "index"
    IndexWriter(path).rebuild(RECORDS[:2])
    holder = WriteLock(path / "write.lock", 1.0)
    holder.acquire()
    started = time.monotonic()
    with pytest.raises(IndexBusy, match="another process is writing"):
        IndexWriter(path, timeout=0.3).upsert(RECORDS[2:3])
    assert 0.25 < time.monotonic() - started < 5
    released = threading.Timer(0.3, holder.release)
    released.start()
    assert IndexWriter(path, timeout=10).upsert(RECORDS[2:3]) == 1  # waits, then writes
    released.join()


def test_a_killed_lock_holder_does_not_block(tmp_path: Path) -> None:
    path = tmp_path / "index"
    path.mkdir()
    code = "import sys,time; from pathlib import Path; from index.whoosh.locking import WriteLock\n"
    code += "WriteLock(Path(sys.argv[1]), 5).acquire(); print('locked', flush=True); time.sleep(60)"
    proc = subprocess.Popen([sys.executable, "-c", code, str(path / "write.lock")], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == b"locked"
    with pytest.raises(IndexBusy):
        WriteLock(path / "write.lock", 0.2).acquire()
    proc.kill()
    proc.communicate()
    assert (path / "write.lock").exists()  # the file stays; the kernel released the lock
    lock = WriteLock(path / "write.lock", 2)
    lock.acquire()
    lock.release()


def test_parallel_build_equals_serial(tmp_path: Path) -> None:
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    IndexWriter(serial).rebuild(RECORDS)
    IndexWriter(parallel).rebuild(RECORDS, procs=2)
    a, b = SearchService(serial, lambda r: None), SearchService(parallel, lambda r: None)
    for q in ["nghi", "a b", '"hoi dong"', ""]:
        request = SearchRequest(q=q, size=100, facets=["source", "year"], sort="newest")
        ra, rb = a.search(request), b.search(request)
        assert [h.id for h in ra.hits] == [h.id for h in rb.hits]
        assert ra.facets == rb.facets
    assert b.count() == len(RECORDS)
    a.close()
    b.close()


def test_an_incremental_write_appends_text_entries_to_the_live_part_only(tmp_path: Path) -> None:
    path = tmp_path / "index"
    writer = IndexWriter(path)
    writer.rebuild(RECORDS[:5])
    texts = read_location(path).directory / "texts"
    built = sorted(p.name for p in texts.iterdir())
    writer.upsert(RECORDS[3:12])
    writer.upsert(RECORDS[12:14])
    assert sorted(p.name for p in texts.iterdir()) == sorted([*built, "live.part"])
    svc = SearchService(path, lambda rid: None)
    hits = svc.search(SearchRequest(q="vén", size=100)).hits
    svc.close()
    assert len(hits) > 3
    assert all(h.snippet for h in hits)  # snippets from the text store, not from records


def test_parallel_incremental_write_equals_serial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("index.whoosh.rebuild._BATCH", 8)  # several batches per worker
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    for path, procs in ((serial, 1), (parallel, 2)):
        writer = IndexWriter(path)
        writer.rebuild(RECORDS[:10])
        docs = [to_document(r) for r in RECORDS[5:]]  # 5 replaced, 20 new
        assert writer.write(iter(docs), [RECORDS[0].id], procs=procs) == (25, 1)
    assert len(open_index(parallel)._segments()) > len(open_index(serial)._segments())
    a, b = SearchService(serial, lambda r: None), SearchService(parallel, lambda r: None)
    assert a.search(SearchRequest(q="vén")).total > 10
    for q in ["vén", "rén mện", '"quầu hít"', ""]:
        request = SearchRequest(q=q, size=100, facets=["source", "year"], sort="newest")
        ra, rb = a.search(request), b.search(request)
        assert [(h.id, h.snippet) for h in ra.hits] == [(h.id, h.snippet) for h in rb.hits]
        assert ra.facets == rb.facets
    assert a.count() == b.count() == len(RECORDS) - 1
    a.close()
    b.close()


def test_a_failing_worker_of_an_incremental_write_commits_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("index.whoosh.rebuild._BATCH", 4)
    path = tmp_path / "index"
    writer = IndexWriter(path)
    writer.rebuild(RECORDS[:3])
    docs: list[dict[str, object]] = [to_document(r) for r in RECORDS[3:]]
    docs[20] = {**docs[20], "text": 12345}
    with pytest.raises(SearchError, match="not text"):
        writer.write(iter(docs), procs=2)
    assert count(path) == 3
    assert writer.upsert(RECORDS[3:5]) == 2  # the lock was released, the index still writable
    assert count(path) == 5


# --- kill -9 in the middle of writing, with real processes ---------------------------------------------


def _home_with_records(tmp_path: Path, n_old: int, n_new: int) -> DataHome:
    home = DataHome(tmp_path / "data").ensure()
    store = RecordStore(home.records_dir)
    for record in corpus_records(n_old, seed=21, body_syllables=60):
        store.put(record)
    assert _cli(home, "index").returncode == 0
    for record in corpus_records(n_new, seed=22, body_syllables=500, start=10_000):
        store.put(record)
    return home


def _cli(home: DataHome, *args: str, wait: bool = True) -> subprocess.CompletedProcess[bytes]:
    command = [sys.executable, "-m", "deptnews", "--home", str(home.root), *args]
    return subprocess.run(command, capture_output=True, timeout=600, check=False)


def _kill_when(home: DataHome, args: list[str], ready: object, *, after: float = 0.5) -> None:
    """Start ``deptnews index`` in its own process group, SIGKILL it ``after`` seconds once ``ready()``
    holds, and check that the kill came mid-write and that nothing of the group survives."""
    command = [sys.executable, "-m", "deptnews", "--home", str(home.root), "index", *args]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 120
    while not ready():  # type: ignore[operator]
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(after)
    assert proc.poll() is None, "the writer finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    for _ in range(250):  # worker processes die with their parent
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.02)
    else:
        pytest.fail("a writer process outlived its parent")


def _after_kill_then_complete(home: DataHome, before: int, total: int) -> None:
    assert count(home.index_dir) == before  # the last commit is intact and readable
    svc = SearchService(home.index_dir, lambda rid: None)
    assert svc.search(SearchRequest(q="nghi", facets=["year"])).total >= 0
    svc.close()
    with WriteLock(home.index_dir / "write.lock", 1.0):  # nobody holds the lock any more
        pass
    done = _cli(home, "index")
    assert done.returncode == 0, done.stderr
    assert count(home.index_dir) == total
    location = read_location(home.index_dir)
    leftovers = [p.name for p in home.index_dir.iterdir() if p.is_dir()]
    assert set(leftovers) <= {location.generation, location.previous}
    assert not list(location.directory.glob("*.tmp"))


def test_kill_during_incremental_write(tmp_path: Path) -> None:
    home = _home_with_records(tmp_path, 20, 600)
    gen = read_location(home.index_dir).directory
    _kill_when(home, ["--procs", "1"], lambda: (gen / "records.tmp").exists(), after=0.1)
    _after_kill_then_complete(home, 20, 620)


def test_kill_during_parallel_incremental_write(tmp_path: Path) -> None:
    home = _home_with_records(tmp_path, 20, 600)  # more than two batches: two builder processes
    gen = read_location(home.index_dir).directory
    _kill_when(home, ["--procs", "2"], lambda: (gen / "records.tmp").exists(), after=0.1)
    _after_kill_then_complete(home, 20, 620)


def test_kill_during_parallel_rebuild(tmp_path: Path) -> None:
    home = _home_with_records(tmp_path, 20, 600)
    nxt = home.index_dir / "g000002"
    _kill_when(home, ["--rebuild", "--procs", "2"], lambda: (nxt / "records.tmp").exists(), after=0.1)
    assert nxt.exists()  # killed while building the new generation
    assert read_location(home.index_dir).generation == "g000001"
    _after_kill_then_complete(home, 20, 620)


def test_an_index_from_newer_code_is_left_alone_until_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "index"
    IndexWriter(path).rebuild(RECORDS[:2])
    data = json.loads((path / CURRENT).read_text())
    (path / CURRENT).write_text(json.dumps({**data, "schema_version": 99}))
    with pytest.raises(IndexOutdated):
        IndexWriter(path).upsert(RECORDS[2:3])
    assert (path / data["generation"]).is_dir()  # not tidied away
    IndexWriter(path).rebuild(RECORDS[:4])
    assert read_location(path).previous == data["generation"]
    assert count(path) == 4


def test_unreadable_current_removes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "index"
    IndexWriter(path).rebuild(RECORDS[:2])
    generation = read_location(path).generation
    (path / CURRENT).write_text("{garbage")
    (path / "g000042").mkdir()
    with pytest.raises(IndexOutdated):
        IndexWriter(path).upsert(RECORDS[2:3])
    assert (path / generation).is_dir()
    assert (path / "g000042").is_dir()
    IndexWriter(path).rebuild(RECORDS[:3])
    assert count(path) == 3
    assert not (path / "g000042").exists()
