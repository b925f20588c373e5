"""``kill -9`` in the middle of a real ``deptnews crawl``, twice, then a run to the end: every article is
captured exactly once, nothing is lost, the state matches the WARC files and every file passes warcio."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from conftest import NewsSite

from archive.home import DataHome
from archive.model import CaptureRef
from archive.warc import iter_captures, open_files, read_capture, warc_files
from scrapers.state import CrawlState, parse_stamp


def _start(home: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "deptnews", "--home", str(home), "crawl", "--no-progress"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "DEPTNEWS_CRAWL__BACKOFF": "0.05"},
    )


def _kill_after(process: subprocess.Popen[bytes], site: NewsSite, articles: int) -> None:
    deadline = time.monotonic() + 60
    while sum(n for path, n in site.hits.items() if path.endswith(".html")) < articles:
        assert process.poll() is None, process.stderr.read() if process.stderr else b""
        assert time.monotonic() < deadline, "the crawl made no progress"
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    if process.stderr:
        process.stderr.close()


def test_kill_9_twice_then_resume(tmp_path: Path) -> None:
    site = NewsSite(80, page_size=10)
    site.delay = 0.02
    home = DataHome(tmp_path / "data")
    home.root.mkdir()
    home.sources_file.write_text(site.source_toml(), encoding="utf-8")
    try:
        _kill_after(_start(home.root), site, 20)
        assert open_files(home.warc_dir), "killed while writing: the .open file is left behind"
        _kill_after(_start(home.root), site, 50)
        final = subprocess.run(
            [sys.executable, "-m", "deptnews", "--home", str(home.root), "crawl", "--no-progress"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        site.close()
    assert final.returncode == 0, final.stdout + final.stderr
    assert open_files(home.warc_dir) == []
    files = warc_files(home.warc_dir)
    check = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr

    stored = Counter(
        c.url for f in files for c in iter_captures(f, max_body=0) if c.record_type == "response"
    )
    articles = site.article_urls()
    attachments = {site.url + a.attachment for a in site.articles if a.attachment}
    assert {u: n for u, n in stored.items() if u in articles | attachments and n != 1} == {}
    assert articles | attachments <= set(stored)  # nothing lost

    with CrawlState(home.state_db) as state:
        rows = {r.url: r for r in state.rows()}
        runs = state.runs(3)
    assert [r["outcome"] for r in runs] == ["finished", "interrupted", "interrupted"]
    for url in articles | attachments:
        row = rows[url]
        assert row.status == 200
        assert row.warc_file is not None
        assert row.warc_offset is not None
        assert row.captured_at is not None
        ref = CaptureRef(
            url=url,
            captured_at=parse_stamp(row.captured_at),
            status=200,
            warc_file=row.warc_file,
            offset=row.warc_offset,
            length=0,
            warc_record_id=row.warc_record_id or "",
        )
        capture = read_capture(home.warc_dir, ref)
        assert capture.url == url
        assert capture.ref.payload_digest == row.digest
        assert capture.ref.warc_record_id == row.warc_record_id
    assert not [r.url for r in rows.values() if r.kind == "article" and r.status is None]


# Kills the crawl right after the 5th article reached the WARC file, before the state learnt of it:
# the narrowest window there is, which a random SIGKILL hits only by luck.
_KILL_IN_THE_WINDOW = """
import os, signal, sys
from scrapers.state import CrawlState
original = CrawlState.fetched
seen = []
def fetched(self, url, **kw):
    if kw.get("kind") == "article" and kw.get("warc_file"):
        seen.append(url)
        if len(seen) == 5:
            print(url, flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
    return original(self, url, **kw)
CrawlState.fetched = fetched
from deptnews.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_kill_between_warc_write_and_state_commit(tmp_path: Path) -> None:
    site = NewsSite(12, page_size=10, attachment_every=100)
    home = DataHome(tmp_path / "data")
    home.root.mkdir()
    home.sources_file.write_text(site.source_toml(), encoding="utf-8")
    args = ["--home", str(home.root), "crawl", "--no-progress"]
    try:
        killed = subprocess.run(
            [sys.executable, "-c", _KILL_IN_THE_WINDOW, *args], capture_output=True, text=True, timeout=60
        )
        assert killed.returncode == -signal.SIGKILL
        victim = killed.stdout.strip()
        with CrawlState(home.state_db) as state:
            row = state.get(victim)
        assert row is not None
        assert row.status is None  # the state never heard of the capture
        again = subprocess.run(
            [sys.executable, "-m", "deptnews", *args], capture_output=True, text=True, timeout=60, check=False
        )
    finally:
        site.close()
    assert again.returncode == 0, again.stdout + again.stderr
    assert "capture(s) recorded" in again.stderr  # the recovery found it
    stored = Counter(
        c.url for f in warc_files(home.warc_dir) for c in iter_captures(f) if c.record_type == "response"
    )
    assert stored[victim] == 1
    assert all(stored[u] == 1 for u in site.article_urls())
    assert site.hits[victim.removeprefix(site.url)] == 1  # saved, so not fetched again


def test_sigterm_ends_the_run_cleanly(tmp_path: Path) -> None:
    site = NewsSite(40, page_size=10)
    site.delay = 0.02
    home = DataHome(tmp_path / "data")
    home.root.mkdir()
    home.sources_file.write_text(site.source_toml(), encoding="utf-8")
    try:
        process = _start(home.root)
        deadline = time.monotonic() + 30
        while sum(n for path, n in site.hits.items() if path.endswith(".html")) < 10:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=20)
    finally:
        site.close()
    assert process.returncode == 1
    assert b"interrupted; the next run continues" in err
    assert open_files(home.warc_dir) == []  # closed and renamed, not left for recovery
    check = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", *map(str, warc_files(home.warc_dir))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    with CrawlState(home.state_db) as state:
        (run,) = state.runs(1)
    assert run["outcome"] == "interrupted"
    assert isinstance(run["counts"], dict)
    assert run["counts"]["fixture"]["new"] >= 9
