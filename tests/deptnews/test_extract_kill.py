"""``kill -9`` of a real ``deptnews extract`` in the middle of OCR: no worker or tool survives it, and
the next run finishes the job with every attachment extracted exactly once, nothing stale left."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import NewsSite, require_extraction_tools

from archive.documents import lifetime
from archive.home import DataHome
from archive.store import RecordStore
from deptnews.cli import main
from deptnews.demo import documents as demo

ARTICLES = 12
EVERY = 2  # an attachment on every second article: 6 files, half of them scans read by OCR


class FilesSite(NewsSite):
    """:class:`NewsSite` whose attachments are real decisions: odd-numbered ones scanned (OCR), even
    ones with a text layer; each file's bytes differ (a comment after ``%%EOF``), so each is read."""

    def respond(self, target: str, headers: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
        found = re.fullmatch(r"/files/van-ban-(\d+)\.pdf", target)
        if found is None:
            return super().respond(target, headers)
        n = int(found.group(1))
        pdf = demo.scanned_decision_pdf() if (n // EVERY) % 2 else demo.decision_pdf()
        return 200, pdf + f"\n% deptnews test file {n}\n".encode(), {"Content-Type": "application/pdf"}


def _ours(home: Path) -> list[str]:
    """Command lines of the running processes that work on files of ``home`` (workers and their tools
    run on copies under ``home/texts/.work``)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if str(home) in cmdline and state != "Z":
            found.append(cmdline)
    return found


def _wait(condition: object, what: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def _texts(home: DataHome) -> list[Path]:
    return sorted(home.texts_dir.glob("[0-9a-f][0-9a-f]/*.json"))


def test_kill_9_mid_ocr_leaves_no_worker_and_the_next_run_finishes_exactly_once(tmp_path: Path) -> None:
    require_extraction_tools()
    if not lifetime.supported():
        pytest.skip("workers are tied to their parent on Linux only (prctl)")
    site = FilesSite(ARTICLES, attachment_every=EVERY)
    home = DataHome(tmp_path / "data")
    home.root.mkdir()
    home.sources_file.write_text(site.source_toml(), encoding="utf-8")
    try:
        assert main(["--home", str(home.root), "crawl", "--no-progress"]) == 0
    finally:
        site.close()
    assert main(["--home", str(home.root), "parse"]) == 0
    urls = {a.url for r in RecordStore(home.records_dir) for a in r.attachments}
    assert len(urls) == ARTICLES // EVERY

    command = [sys.executable, "-m", "deptnews", "--home", str(home.root), "extract", "--workers", "2"]
    # Scans rendered at 400 dpi: OCR of one takes seconds, long past the kill.
    slow = {**os.environ, "DEPTNEWS_EXTRACT__OCR_DPI": "400"}
    first = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=slow)
    try:
        # Killed once a file is done and while a scan is being read (a tool runs on a worker's copy).
        tools = ("tesseract", "pdftoppm")
        _wait(
            lambda: _texts(home) and any(c.split()[0].endswith(tools) for c in _ours(home.root)),
            "extract never reached OCR with a file done",
        )
        assert first.poll() is None
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
        assert first.stderr is not None
        first.stderr.close()
    # The kernel kills them with their parent; a few seconds for the signals to land under load (an
    # orphaned worker would go on reading its scan far longer).
    _wait(lambda: not _ours(home.root), f"workers outlived their parent: {_ours(home.root)}", seconds=5)
    done_before = len(_texts(home))
    assert 1 <= done_before < len(urls)

    second = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert second.returncode == 0, second.stderr
    read = int(re.search(r"; read (\d+) ", second.stdout).group(1))  # type: ignore[union-attr]
    assert read == len(urls) - done_before  # what the first run finished is not read again

    texts = _texts(home)
    assert len(texts) == len(urls)  # one text per distinct file, none twice
    assert not list(home.texts_dir.glob("**/.*.tmp"))  # no half-written text left
    assert not list((home.texts_dir / ".work").iterdir())  # no worker's copy left
    with sqlite3.connect(home.records_dir / "ledger.sqlite") as db:
        rows = db.execute("SELECT url, text FROM attachment_texts").fetchall()
    assert sorted(u for u, _ in rows) == sorted(urls)
    shas = {json.loads(t)["sha256"] for _, t in rows}
    assert {json.loads(t)["status"] for _, t in rows} == {"ok"}
    assert shas == {p.stem for p in texts}
    methods = set()
    for record in RecordStore(home.records_dir):
        for attachment in record.attachments:
            assert attachment.text is not None
            assert attachment.text.status == "ok"
            methods.add(attachment.text.method)
    assert methods == {"ocr", "text-layer"}
