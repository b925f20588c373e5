"""``deptnews check`` on a real data home (the demo sites crawled, parsed and indexed by the CLI), damaged
in one way per test: the check must find the damage, and ``--repair`` must fix what it says it fixes."""

from __future__ import annotations

import gzip
import json
import shutil
import signal
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from archive.home import DataHome
from archive.model import Record
from archive.sources import load_sources
from archive.store import Ledger, RecordStore
from archive.warc import Exchange, WarcWriter, open_files, warc_files
from deptnews.cli import main
from deptnews.commands.parse import PARSE_LOCK
from deptnews.demo.server import DemoWeb
from deptnews.demo_run import demo_sources_toml
from deptnews.inspection import CHECKS
from index.schema import make_document
from index.whoosh.store import IndexWriter
from scrapers.lock import CrawlLock
from scrapers.state import CrawlState


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data home made by the real pipeline: crawl, parse, index of the demo sites."""
    root = tmp_path_factory.mktemp("check") / "data"
    root.mkdir()
    with DemoWeb() as web:
        (root / "sources.toml").write_text(demo_sources_toml(web.base_urls), encoding="utf-8")
        for stage in (["crawl", "--no-progress"], ["parse"], ["index"]):
            assert main(["--home", str(root), *stage]) == 0
    return root


@pytest.fixture
def home(pristine: Path, tmp_path: Path) -> DataHome:
    root = tmp_path / "data"
    shutil.copytree(pristine, root)
    return DataHome(root)


def run_check(home: DataHome, capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = main(["--home", str(home.root), "check", "--json", *flags])
    return code, json.loads(capsys.readouterr().out)


def problems(report: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {
        (f["check"], f["code"], f["subject"]) for c in report["checks"] for f in c["findings"] if f["problem"]
    }


def records(home: DataHome) -> dict[str, Record]:
    return {r.id: r for r in RecordStore(home.records_dir)}


def tree(path: Path) -> dict[str, bytes]:
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def test_a_sound_home_passes_and_repair_changes_nothing(
    home: DataHome, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = run_check(home, capsys)
    assert code == 0
    assert report["ok"] is True
    assert [c["name"] for c in report["checks"]] == list(CHECKS)
    assert all(c["ok"] and not c["findings"] for c in report["checks"])
    before = {d: tree(home.root / d) for d in ("warc", "records")}
    code, report = run_check(home, capsys, "--repair")
    assert code == 0
    assert report["repair"] == {"found": [], "repaired": [], "needs_human": []}
    assert {d: tree(home.root / d) for d in ("warc", "records")} == before
    assert not (home.root / "quarantine").exists()


def test_text_report_names_every_check(home: DataHome, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--home", str(home.root), "check"]) == 0
    out = capsys.readouterr().out
    for name in ("warc", "records", "captures", "complete", "ledger", "index"):
        assert f"ok       {name}" in out
    assert out.rstrip().endswith("result: ok")


def test_a_flipped_byte_in_a_warc_record_needs_a_human(
    home: DataHome, capsys: pytest.CaptureFixture[str]
) -> None:
    victim = next(iter(records(home).values()))
    path = home.warc_dir / victim.capture.warc_file
    data = bytearray(path.read_bytes())
    data[victim.capture.offset + victim.capture.length // 2] ^= 0x01
    path.write_bytes(bytes(data))
    code, report = run_check(home, capsys)
    assert code == 1
    found = problems(report)
    assert ("warc", "corrupt-record", path.name) in found
    assert ("captures", "damaged", victim.id) in found
    code, report = run_check(home, capsys, "--repair")
    assert code == 1
    assert report["repair"]["repaired"] == []
    assert {(f["check"], f["code"], f["subject"]) for f in report["repair"]["needs_human"]} == found
    assert path.read_bytes() == bytes(data)  # raw captures are never rewritten


def test_a_payload_changed_after_writing_fails_its_digest(
    home: DataHome, capsys: pytest.CaptureFixture[str]
) -> None:
    # The last response of the file: re-compressing it shifts only the request record after it.
    victim = max(records(home).values(), key=lambda r: r.capture.offset)
    ref = victim.capture
    path = home.warc_dir / ref.warc_file
    data = path.read_bytes()
    member = gzip.decompress(data[ref.offset : ref.offset + ref.length])
    at = member.rindex(b"</html>")
    changed = member[:at] + b"</HTML>" + member[at + 7 :]  # same length: the record still parses
    path.write_bytes(data[: ref.offset] + gzip.compress(changed) + data[ref.offset + ref.length :])
    code, report = run_check(home, capsys)
    assert code == 1
    found = problems(report)
    assert ("warc", "digest-mismatch", path.name) in found
    assert ("captures", "corrupt", victim.id) in found


def test_a_deleted_record_is_found_and_derived_again(
    home: DataHome, capsys: pytest.CaptureFixture[str]
) -> None:
    before = records(home)
    victim = sorted(before)[3]
    store = RecordStore(home.records_dir)
    store.path_for(victim).unlink()
    code, report = run_check(home, capsys)
    assert code == 1
    assert problems(report) == {("complete", "missing-record", victim), ("index", "orphan", victim)}
    code, report = run_check(home, capsys, "--repair")
    assert code == 0, report
    assert any("1 record(s) made again" in action for action in report["repair"]["repaired"])
    assert records(home) == before  # exactly what the first parse made, every version and date
    assert run_check(home, capsys)[0] == 0


def test_index_damage_is_found_and_synced(home: DataHome, capsys: pytest.CaptureFixture[str]) -> None:
    ids = sorted(records(home))
    writer = IndexWriter(home.index_dir)
    writer.delete([ids[0]])
    orphan = make_document(
        id="0123456789abcdef",
        url="http://127.0.0.1/khong-co",
        title="Bài không có trong kho",
        lead=None,
        body=["Không có bản ghi."],
        published=None,
        source="demo-stttt",
        department="Sở",
        jurisdiction="Tỉnh",
    )
    stale = records(home)[ids[1]].model_copy(update={"title": "Tiêu đề cũ"})
    writer.write([orphan])
    writer.upsert([stale])
    code, report = run_check(home, capsys)
    assert code == 1
    assert problems(report) == {
        ("index", "missing", ids[0]),
        ("index", "orphan", "0123456789abcdef"),
        ("index", "stale", ids[1]),
    }
    code, report = run_check(home, capsys, "--repair")
    assert code == 0, report
    assert report["repair"]["repaired"] == [
        "index: wrote 2 document(s) (1 missing, 1 stale), deleted 1 (1 orphan(s), 0 duplicated id(s))"
    ]
    assert run_check(home, capsys)[0] == 0
    assert main(["--home", str(home.root), "search", "Tiêu đề cũ", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total"] == 0


def test_a_missing_index_is_rebuilt(home: DataHome, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.rmtree(home.index_dir)
    code, report = run_check(home, capsys)
    assert code == 1
    assert problems(report) == {("index", "missing", "index")}
    code, report = run_check(home, capsys, "--repair")
    assert code == 0, report
    assert report["repair"]["repaired"][0].startswith("index: rebuilt from the records (26 document(s))")


@pytest.mark.parametrize("damage", ["garbage", "forgotten-files", "deleted"])
def test_a_corrupt_ledger_is_rebuilt_from_the_warc_files(
    home: DataHome, capsys: pytest.CaptureFixture[str], damage: str
) -> None:
    ledger = home.records_dir / Ledger.FILE_NAME
    before = records(home)
    with Ledger.open(home.records_dir):
        pass
    original = _ledger_rows(ledger)
    if damage == "garbage":
        ledger.write_bytes(b"not a database" * 100)
        expected = {("ledger", "unreadable", Ledger.FILE_NAME)}
    elif damage == "forgotten-files":
        with sqlite3.connect(ledger) as db:
            db.execute("DELETE FROM files")
        db.close()
        expected = {("ledger", "unlisted-file", f.name) for f in warc_files(home.warc_dir)}
    else:
        ledger.unlink()
        expected = {("ledger", "missing", Ledger.FILE_NAME)}
    code, report = run_check(home, capsys)
    assert code == 1
    assert problems(report) == expected
    code, report = run_check(home, capsys, "--repair")
    assert code == 0, report
    assert _ledger_rows(ledger) == original
    assert records(home) == before
    if damage != "deleted":
        assert list((home.root / "quarantine").glob(f"*/records/{Ledger.FILE_NAME}"))


_KILLED_IN_A_TRANSACTION = """
import os, signal, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("PRAGMA cache_size=1")  # changed pages spill into the file: the journal is needed to undo them
rows = [(f"http://x/{i:0200d}",) for i in range(5000)]
db.executemany("INSERT INTO listing_dates VALUES (?, '2024-01-01')", rows)
db.execute("DELETE FROM files")
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_ledger_transaction_a_killed_parse_left_is_rolled_back(
    home: DataHome, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = home.records_dir / Ledger.FILE_NAME
    original = _ledger_rows(ledger)
    killed = subprocess.run([sys.executable, "-c", _KILLED_IN_A_TRANSACTION, str(ledger)], check=False)
    assert killed.returncode == -signal.SIGKILL
    assert ledger.with_name(ledger.name + "-journal").stat().st_size > 0  # a hot journal
    code, report = run_check(home, capsys)
    assert code == 0, report
    assert _ledger_rows(ledger) == original


def _ledger_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(path) as db:
        rows = {t: sorted(db.execute(f"SELECT * FROM {t}")) for t in ("files", "aliases", "listing_dates")}
    db.close()
    return rows


def test_an_unsound_record_file_is_set_aside_and_derived_again(
    home: DataHome, capsys: pytest.CaptureFixture[str]
) -> None:
    before = records(home)
    victim = sorted(before)[5]
    path = RecordStore(home.records_dir).path_for(victim)
    path.write_text("{}", encoding="utf-8")
    temporary = path.with_name(".tmp-crash.json")
    temporary.write_text("{", encoding="utf-8")
    code, report = run_check(home, capsys)
    assert code == 1
    assert problems(report) == {
        ("records", "unreadable", f"{victim[:2]}/{victim}.json"),
        ("index", "orphan", victim),
    }
    code, report = run_check(home, capsys, "--repair")
    assert code == 0, report
    assert records(home) == before
    assert not temporary.exists()
    (kept,) = (home.root / "quarantine").glob(f"*/records/{victim[:2]}/{victim}.json")
    assert kept.read_text(encoding="utf-8") == "{}"


def test_an_inconsistent_record_is_found(home: DataHome, capsys: pytest.CaptureFixture[str]) -> None:
    store = RecordStore(home.records_dir)
    victim = sorted(records(home))[2]
    record = store.get(victim)
    store.put(record.model_copy(update={"title": "Sửa tay"}))
    code, report = run_check(home, capsys)
    assert code == 1
    assert ("records", "inconsistent", f"{victim[:2]}/{victim}.json") in problems(report)
    assert run_check(home, capsys, "--repair")[0] == 0
    assert store.get(victim) == record


def _leave_open_file(home: DataHome) -> tuple[Path, str]:
    """A WARC file as a crawl killed while writing leaves it: ``.open``, its last record cut short."""
    base = next(iter(load_sources(home.sources_file).sources.values())).homepage.rstrip("/")
    url = f"{base}/lien-he"
    with WarcWriter(home.warc_dir, prefix="killed") as writer:
        for n in range(2):
            writer.write_exchange(
                Exchange(
                    url=f"{url}?n={n}" if n else url,
                    status=200,
                    reason="OK",
                    response_headers=[("Content-Type", "text/html")],
                    body=b"<html><body>Li\xc3\xaan h\xe1\xbb\x87</body></html>",
                    captured_at=datetime.now(UTC),
                )
            )
        name = writer.current_name
    assert name is not None
    path = home.warc_dir / name
    torn = path.with_name(name + ".open")
    torn.write_bytes(path.read_bytes()[:-40])
    path.unlink()
    return torn, url


def test_a_warc_file_left_open_by_a_killed_crawl_is_completed(
    home: DataHome, capsys: pytest.CaptureFixture[str]
) -> None:
    torn, url = _leave_open_file(home)
    code, report = run_check(home, capsys)
    assert code == 1
    assert problems(report) == {("warc", "open-file", torn.name)}
    with CrawlLock(home.root / "crawl.lock"):
        code, report = run_check(home, capsys)
        assert code == 0  # a running crawl writes it: a notice
        assert [f["code"] for f in report["checks"][0]["findings"]] == ["open-file"]
        assert main(["--home", str(home.root), "check", "--repair"]) == 3
    assert torn.exists()
    code, report = run_check(home, capsys, "--repair")
    assert code == 0, report
    assert report["repair"]["repaired"][0].startswith("warc: completed 1 file(s)")
    assert open_files(home.warc_dir) == []
    assert (home.warc_dir / torn.name.removesuffix(".open")).is_file()
    with CrawlState(home.state_db) as state:
        row = state.get(url)
    assert row is not None
    assert row.status == 200  # the crawl state learnt of the complete capture
    notices = [f["code"] for c in report["checks"] for f in c["findings"]]
    assert notices == ["not-parsed"]


def test_repair_waits_for_the_index_writer(
    home: DataHome, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEPTNEWS_INDEX_WRITER_TIMEOUT", "0.2")
    with IndexWriter(home.index_dir).locked():
        assert main(["--home", str(home.root), "check", "--repair"]) == 3
    assert "another process is writing the index" in capsys.readouterr().err


def test_no_home_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--home", str(tmp_path / "none"), "check"]) == 2
    assert "no data home" in capsys.readouterr().err


def test_a_parse_and_a_repair_never_overlap(home: DataHome, capsys: pytest.CaptureFixture[str]) -> None:
    with CrawlLock(home.root / PARSE_LOCK, what="parse"):  # a parse is running
        assert main(["--home", str(home.root), "parse"]) == 3
        assert "another parse is running" in capsys.readouterr().err
        assert main(["--home", str(home.root), "check", "--repair"]) == 3
        assert "another parse is running" in capsys.readouterr().err
    assert main(["--home", str(home.root), "parse"]) == 0


def test_a_lost_cdx_index_is_found_and_rebuilt(home: DataHome, capsys: pytest.CaptureFixture[str]) -> None:
    merged = (home.cdx_dir / "index.cdxj").read_bytes()
    shutil.rmtree(home.cdx_dir)
    code, report = run_check(home, capsys)
    assert code == 1
    names = {p.name for p in warc_files(home.warc_dir)}
    assert problems(report) == {("cdx", "not-indexed", n) for n in names} | {
        ("cdx", "not-merged", "index.cdxj")
    }
    code, report = run_check(home, capsys, "--repair")
    assert code == 0, report
    assert any(action.startswith("cdx: indexed") for action in report["repair"]["repaired"])
    assert (home.cdx_dir / "index.cdxj").read_bytes() == merged  # what the crawls had written
