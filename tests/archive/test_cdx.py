"""The CDXJ index: the line format (checked against pywb's own indexer), SURT keys, the binary search,
and the on-disk index kept in step with the WARC files, crash-safely."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mementos import PAGE, PDF_FINAL, T1, T2, T3, build, exchange
from warcio.archiveiterator import ArchiveIterator

from archive import cdxindex
from archive.cdxindex import CdxIndex
from archive.cdxj import CdxEntry, index_warc, iter_lines, lookup, parse_line, surt_key, timestamp_of
from archive.errors import CdxError
from archive.home import DataHome
from archive.warc import WarcWriter, recover_open_file, warc_files


def _pywb_index(warc_dir: Path, out: Path) -> list[str]:
    """pywb's ``cdx-indexer --cdxj --sort`` of every WARC file in ``warc_dir``."""
    code = "import sys; from pywb.indexer.cdxindexer import main; main(sys.argv[1:])"
    subprocess.run(
        [sys.executable, "-c", code, "--cdxj", "--sort", "-o", str(out), str(warc_dir)],
        check=True,
        capture_output=True,
    )
    return out.read_text(encoding="utf-8").splitlines()


def test_the_index_is_pywbs_own(tmp_path: Path) -> None:
    built = build(tmp_path / "home")
    ours = (built.home.cdx_dir / "index.cdxj").read_text(encoding="utf-8").splitlines()
    theirs = _pywb_index(built.home.warc_dir, tmp_path / "pywb.cdxj")
    assert len(ours) == len(theirs) == 6

    def without_revisit_status(line: str) -> str:
        # pywb's indexer leaves out the HTTP status of a revisit; we keep it, as cdxj-indexer does.
        entry = parse_line(line)
        return entry.line() if not entry.revisit else line.replace(', "status": "200"', "")

    assert [without_revisit_status(line) for line in ours] == theirs
    revisit = next(parse_line(line) for line in ours if '"warc/revisit"' in line)
    assert revisit.status == 200


def test_lines_are_sorted_by_key_then_timestamp(tmp_path: Path) -> None:
    built = build(tmp_path)
    entries = [parse_line(line) for line in iter_lines(built.home.cdx_dir / "index.cdxj")]
    assert [(e.key, e.timestamp) for e in entries] == sorted((e.key, e.timestamp) for e in entries)
    page = [e for e in entries if e.url == PAGE]
    assert [e.timestamp for e in page] == [timestamp_of(t) for t in (T1, T2, T3)]
    assert [e.mime for e in page] == ["text/html", "warc/revisit", "text/html"]
    assert {e.filename for e in page} == {p.name for p in warc_files(built.home.warc_dir)}
    assert page[0].digest is not None
    assert page[0].digest == page[1].digest
    assert not page[0].digest.startswith("sha1:")


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("http://example.com/path/file.html", "com,example)/path/file.html"),  # pywb's own doctest
        ("https://www.Example.com:443/a?b=2&a=1", "com,example)/a?a=1&b=2"),
        ("http://so.example.vn/tin-tuc/bai-1.html?b=2&a=1", "vn,example,so)/tin-tuc/bai-1.html?a=1&b=2"),
        ("http://127.0.0.1:8080/x", "1,0,0,127:8080)/x"),
    ],
)
def test_surt_keys(url: str, key: str) -> None:
    assert surt_key(url) == key


def test_a_line_round_trips() -> None:
    entry = CdxEntry(
        "com,example)/", "20240101000000", "http://example.com/", "text/html", 200, "ABC", 10, 5, "f"
    )
    assert entry.line() == (
        'com,example)/ 20240101000000 {"url": "http://example.com/", "mime": "text/html", "status": "200", '
        '"digest": "ABC", "length": "10", "offset": "5", "filename": "f"}'
    )
    assert parse_line(entry.line() + "\n") == entry
    with pytest.raises(CdxError):
        parse_line("com,example)/ 20240101000000 not json")


_KEYS = st.lists(
    st.text(alphabet="ab,)/:?=1", min_size=1, max_size=6),
    min_size=1,
    max_size=40,
)


@given(keys=_KEYS, probe=st.text(alphabet="ab,)/:?=1", min_size=1, max_size=6))
def test_lookup_finds_exactly_the_lines_of_a_key(
    tmp_path_factory: pytest.TempPathFactory, keys: list[str], probe: str
) -> None:
    path = tmp_path_factory.mktemp("lookup") / "index.cdxj"
    entries = [
        CdxEntry(key, f"2024010100{i % 60:02d}00", f"http://x/{i}", "text/html", 200, None, 1, i, "f")
        for i, key in enumerate(keys)
    ]
    path.write_text("".join(line + "\n" for line in sorted(e.line() for e in entries)), encoding="utf-8")
    for key in {*keys, probe}:
        expected = sorted((e for e in entries if e.key == key), key=CdxEntry.line)
        assert lookup(path, key) == expected


def test_lookup_without_an_index(tmp_path: Path) -> None:
    assert lookup(tmp_path / "none.cdxj", "com,example)/") == []


def test_update_is_incremental(tmp_path: Path) -> None:
    home = DataHome(tmp_path).ensure()
    index = CdxIndex(home.cdx_dir, home.warc_dir)
    assert index.update().files == 0
    with WarcWriter(home.warc_dir) as writer:
        writer.write_exchange(exchange(PAGE, b"<p>1</p>", T1))
    first = index.update()
    assert (len(first.indexed), first.merged, first.captures) == (1, True, 1)
    again = index.update()
    assert (again.indexed, again.merged, again.captures) == ([], False, 1)
    with WarcWriter(home.warc_dir) as writer:
        writer.write_exchange(exchange(PDF_FINAL, b"%PDF", T2, headers=[("Content-Type", "application/pdf")]))
    second = index.update()
    assert (len(second.indexed), second.merged, second.files, second.captures) == (1, True, 2, 2)
    assert [e.url for e in index.lookup(PAGE)] == [PAGE]
    assert [e.url for e in index.lookup(PDF_FINAL)] == [PDF_FINAL]
    # A WARC file removed (say, set aside by hand) leaves the index with it.
    warc_files(home.warc_dir)[0].unlink()
    third = index.update()
    assert (len(third.dropped), third.files) == (1, 1)
    assert index.lookup(PAGE) == []
    assert sorted(p.name for p in home.cdx_dir.iterdir()) == sorted(
        [
            ".lock",
            "index.cdxj",
            "index.json",
            *(f"{p.name}{s}" for p in warc_files(home.warc_dir) for s in (".cdxj", ".json")),
        ]
    )


def test_rebuild_indexes_everything_again(tmp_path: Path) -> None:
    built = build(tmp_path)
    index = CdxIndex(built.home.cdx_dir, built.home.warc_dir)
    before = index.path.read_bytes()
    index.path.write_text("garbage\n", encoding="utf-8")
    (built.home.cdx_dir / f"{warc_files(built.home.warc_dir)[0].name}.cdxj").write_text("x\n")
    rebuilt = index.update(rebuild=True)
    assert len(rebuilt.indexed) == 2
    assert index.path.read_bytes() == before


def test_the_file_info_is_the_files(tmp_path: Path) -> None:
    built = build(tmp_path)
    index = CdxIndex(built.home.cdx_dir, built.home.warc_dir)
    for path in warc_files(built.home.warc_dir):
        info = index.current_info(path)
        assert info is not None
        assert info.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
        with path.open("rb") as fh:
            assert info.records == sum(1 for _ in ArchiveIterator(fh))
        assert info.size == path.stat().st_size


def test_an_open_file_waits_until_it_is_complete(tmp_path: Path) -> None:
    """A crawl killed while writing leaves a .open file: not indexed (it may end in a torn record); once
    recovery completes it, the next update indexes it."""
    home = DataHome(tmp_path).ensure()
    index = CdxIndex(home.cdx_dir, home.warc_dir)
    writer = WarcWriter(home.warc_dir)
    writer.write_exchange(exchange(PAGE, b"<p>1</p>", T1))
    (open_file,) = home.warc_dir.glob("*.open")
    assert index.update().files == 0
    assert index.lookup(PAGE) == []
    writer._file.close()  # type: ignore[union-attr]  # the process died: the file stays .open
    recovered = recover_open_file(open_file)
    assert recovered is not None
    assert index.update().files == 1
    assert [e.timestamp for e in index.lookup(PAGE)] == [timestamp_of(T1)]


def test_a_killed_update_leaves_the_previous_index_and_the_next_one_finishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = build(tmp_path)
    index = CdxIndex(built.home.cdx_dir, built.home.warc_dir)
    before = index.path.read_bytes()
    with WarcWriter(built.home.warc_dir) as writer:
        writer.write_exchange(exchange("http://so.example.vn/moi", b"<p>moi</p>", T3))

    def killed(*_: object) -> None:
        raise KeyboardInterrupt  # as a kill in the middle of writing the merged index

    real = cdxindex.heapq.merge

    def dying_merge(*sources: object) -> object:
        yield from list(real(*sources))[:2]  # type: ignore[call-overload]
        killed()

    monkeypatch.setattr(cdxindex.heapq, "merge", dying_merge)
    with pytest.raises(KeyboardInterrupt):
        index.update()
    assert index.path.read_bytes() == before  # never torn
    assert list(built.home.cdx_dir.glob(".*.tmp")) == []
    monkeypatch.undo()
    (built.home.cdx_dir / "stray.tmp").write_text("")  # not ours: left alone
    (built.home.cdx_dir / ".left-by-a-kill.tmp").write_text("x")
    finished = index.update()
    assert finished.merged
    assert finished.indexed == []  # the new file's own index was complete before the kill
    assert [e.url for e in index.lookup("http://so.example.vn/moi")] == ["http://so.example.vn/moi"]
    assert not (built.home.cdx_dir / ".left-by-a-kill.tmp").exists()
    manifest = json.loads((built.home.cdx_dir / "index.json").read_text())
    assert manifest["files"] == [p.name for p in warc_files(built.home.warc_dir)]


def test_an_unreadable_warc_is_an_error_and_keeps_the_rest(tmp_path: Path) -> None:
    built = build(tmp_path)
    (built.home.warc_dir / "zzz-broken.warc.gz").mkdir()  # named like a WARC file, cannot be read as one
    index = CdxIndex(built.home.cdx_dir, built.home.warc_dir)
    with pytest.raises(CdxError, match="zzz-broken"):
        index.update()
    assert [e.url for e in index.lookup(PAGE)] == [PAGE, PAGE, PAGE]


def test_index_warc_counts_every_record(tmp_path: Path) -> None:
    built = build(tmp_path)
    path = warc_files(built.home.warc_dir)[0]
    indexed = index_warc(path)
    assert indexed.records == 1 + 3 * 2  # warcinfo, then a response (or revisit) and a request per capture
    assert len(indexed.entries) == 3
