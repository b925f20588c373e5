"""Fault harness: ``kill -9`` at random moments of ``deptnews crawl``, ``parse`` and ``index``, then the stage
run again to its end, compared with a clean run.

    .venv/bin/python bench/faults.py                        # 5 trials per stage
    .venv/bin/python bench/faults.py --trials 20 --seed 7
    .venv/bin/python bench/faults.py --stages parse,index

The demo department sites are served on loopback (``python -m deptnews.demo``, a child process); every
data home is in a temporary directory. A clean reference run (crawl → parse → index) is timed: for each
stage, how long it wrote to the data home (from its first write to its end). Then, per trial of a stage:

* crawl: a fresh home; ``deptnews crawl`` killed with SIGKILL at a uniformly random moment of that time
  after its first write (Python's start-up, which varies, is not counted); then ``crawl`` again,
  ``parse``, ``index``;
* parse: a copy of the reference home as its crawl left it; ``deptnews parse`` killed the same way; then
  ``parse`` again and ``index``;
* index: a copy of the reference home as its parse left it; ``deptnews index`` killed; ``index`` again.

Right after the kill, ``deptnews check`` runs on the killed home and must report (exit 0 or 1), not fail.

The stages that are timed or killed are real ``deptnews`` subprocesses; the runs to the end after a
kill, and the checks, call the CLI's ``main`` in this process (the same code, without paying for a
Python start each time).

Each trial's home is compared with the reference: the record ids; per record, every version's number and
content hash, and its removal; per article URL, how many responses the WARC files hold (each exactly
once); every WARC file read to its end by warcio; the CDXJ index exactly the index of those WARC files
(the crawl that ran to its end brought it up to date, whatever the kill left); the ids (in order) and
totals of the hits of a few queries; and finally ``deptnews check`` must pass (exit 0). Printed: per
stage, the trials run, killed (the stage was still running at the chosen moment; otherwise it had ended
first) and passed, and what differed in a failed trial. Exit status 0 when every trial passed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive.cdxj import index_warc  # noqa: E402
from archive.sources import Registry, load_sources  # noqa: E402
from archive.store import RecordStore  # noqa: E402
from archive.warc import iter_captures, warc_files  # noqa: E402
from deptnews.cli import main as main_cli  # noqa: E402
from deptnews.demo.sites import SITES  # noqa: E402
from deptnews.demo_run import EXAMPLE_QUERIES, demo_sources_toml  # noqa: E402
from index.request import SearchRequest  # noqa: E402
from index.whoosh.service import SearchService  # noqa: E402

STAGES = ("crawl", "parse", "index")
ARGS = {"crawl": ["crawl", "--no-progress"], "parse": ["parse"], "index": ["index"]}
AFTER = {"crawl": ["crawl", "parse", "index"], "parse": ["parse", "index"], "index": ["index"]}
"""What runs to the end after the kill: the stage again, then the stages after it."""
COMPARED = (
    "record ids; each record's versions (number, content hash) and removal; responses per article URL in "
    "the WARC files; every WARC file read to its end; the CDXJ index current; hit ids and totals of "
    f"{len(EXAMPLE_QUERIES)} queries; `deptnews check` exit 0 (and 0 or 1 right after the kill)"
)
_POLL = 0.01


@contextlib.contextmanager
def _demo_sites() -> Iterator[dict[str, str]]:
    """The demo sites served by a child process (``python -m deptnews.demo``): site id → base URL. In
    their own process they neither compete with this one for the GIL nor print the resets of the
    connections a killed crawl leaves."""
    server = subprocess.Popen(
        [sys.executable, "-m", "deptnews.demo"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert server.stdout is not None
        lines = [server.stdout.readline().split() for _ in SITES]
        if not all(len(line) == 2 for line in lines):
            raise RuntimeError("the demo sites did not start")
        yield {line[0]: line[1] for line in lines}
    finally:
        server.terminate()
        server.wait(timeout=30)


def _command(home: Path, stage: str) -> list[str]:
    return [sys.executable, "-m", "deptnews", "--home", str(home), *ARGS[stage]]


def _fingerprint(home: Path) -> frozenset[tuple[str, int, int]]:
    """Every file of the home with its size and modification time: changes when anything is written."""
    found: set[tuple[str, int, int]] = set()
    for directory, _, names in os.walk(home):
        for name in names:
            try:
                st = os.stat(os.path.join(directory, name))
            except FileNotFoundError:  # removed while we looked
                continue
            found.add((os.path.join(directory, name), st.st_size, st.st_mtime_ns))
    return frozenset(found)


def _cli(home: Path, *args: str) -> tuple[int, str]:
    """``deptnews --home HOME ARGS…`` run to its end in this process (the CLI's own ``main``); its exit
    code and what it printed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = main_cli(["--home", str(home), *args])
    return code, out.getvalue()


def _run(home: Path, stage: str) -> None:
    code, out = _cli(home, *ARGS[stage])
    if code != 0:
        raise RuntimeError(f"`deptnews {stage}` exited {code}: {out[-2000:]}")


def _timed(home: Path, stage: str) -> tuple[float, float]:
    """Run ``stage`` to its end; (seconds until its first write to the home, seconds until it ended)."""
    start = _fingerprint(home)
    began = time.monotonic()
    process = subprocess.Popen(_command(home, stage), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    first: float | None = None
    while process.poll() is None:
        if first is None and _fingerprint(home) != start:
            first = time.monotonic() - began
        time.sleep(_POLL)
    ended = time.monotonic() - began
    _, err = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(
            f"reference `deptnews {stage}` exited {process.returncode}: {err.decode()[-2000:]}"
        )
    return min(first if first is not None else ended, ended), ended


def _kill_at(home: Path, stage: str, moment: float) -> bool:
    """Start ``stage`` and SIGKILL it ``moment`` seconds after its first write to the home; False if it
    ended before."""
    start = _fingerprint(home)
    process = subprocess.Popen(_command(home, stage), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while _fingerprint(home) == start:
        if process.poll() is not None:
            return False
        time.sleep(_POLL)
    deadline = time.monotonic() + moment
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        time.sleep(_POLL)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    return process.returncode == -signal.SIGKILL


def _state(home: Path, registry: Registry) -> dict[str, Any]:
    """What a trial is compared on (see the module docstring)."""
    records = {
        r.id: ([(v.n, v.content_hash) for v in r.versions], r.removed_reason)
        for r in RecordStore(home / "records")
    }
    responses: Counter[str] = Counter()
    for path in warc_files(home / "warc"):
        for capture in iter_captures(path, max_body=0):  # reads every record; raises on a damaged one
            source = registry.for_url(capture.url)
            if capture.record_type == "response" and source and source.is_article_url(capture.url):
                responses[capture.url] += 1
    cdx = home / "cdx" / "index.cdxj"
    lines = cdx.read_text(encoding="utf-8").splitlines() if cdx.is_file() else []
    expected = sorted(e.line() for path in warc_files(home / "warc") for e in index_warc(path).entries)
    service = SearchService(home / "index", lambda _: None)
    try:
        hits = {}
        for query in EXAMPLE_QUERIES:
            found = service.search(SearchRequest(q=query, size=20))
            hits[query] = (found.total, [h.id for h in found.hits])
    finally:
        service.close()
    return {
        "record ids": sorted(records),
        "versions": records,
        "article responses": responses,
        "CDXJ index current": lines == expected,
        "hits": hits,
    }


def _differences(reference: dict[str, Any], got: dict[str, Any]) -> list[str]:
    found = []
    for key, want in reference.items():
        if got[key] != want:
            if isinstance(want, dict):
                keys = sorted(k for k in set(want) | set(got[key]) if want.get(k) != got[key].get(k))
                found.append(f"{key} differ for {len(keys)}: {', '.join(map(str, keys[:3]))}")
            else:
                found.append(f"{key} differ")
    return found


def _check(home: Path) -> str | None:
    code, out = _cli(home, "check")
    return None if code == 0 else f"`deptnews check` exited {code}:\n{out}"


@dataclass
class Tally:
    trials: int = 0
    passed: int = 0
    killed: int = 0
    """Trials whose stage was killed while it was writing (in the others it had ended before)."""
    failures: list[str] = field(default_factory=list)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=5, help="trials per stage (default 5)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the random kill moments (default 1)")
    parser.add_argument("--stages", default=",".join(STAGES), help="comma-separated, of crawl,parse,index")
    args = parser.parse_args()
    stages = [s for s in args.stages.split(",") if s]
    if not stages or set(stages) - set(STAGES) or args.trials < 1:
        parser.error("--stages takes crawl, parse, index; --trials at least 1")
    rng = random.Random(args.seed)
    tallies = {stage: Tally() for stage in stages}
    with tempfile.TemporaryDirectory(prefix="deptnews-faults-") as tmp, _demo_sites() as base_urls:
        work = Path(tmp)
        reference = work / "reference"
        reference.mkdir()
        sources = demo_sources_toml(base_urls)
        (reference / "sources.toml").write_text(sources, encoding="utf-8")
        registry = load_sources(reference / "sources.toml")
        timing: dict[str, tuple[float, float]] = {}
        for stage in STAGES:
            timing[stage] = _timed(reference, stage)
            shutil.copytree(reference, work / f"after-{stage}")
        want = _state(reference, registry)
        if (problem := _check(reference)) is not None:
            raise SystemExit(f"the reference run does not pass its check: {problem}")
        for stage in stages:
            tally = tallies[stage]
            first, end = timing[stage]
            for n in range(args.trials):
                home = work / f"{stage}-{n}"
                if stage == "crawl":
                    home.mkdir()
                    (home / "sources.toml").write_text(sources, encoding="utf-8")
                else:
                    shutil.copytree(work / f"after-{STAGES[STAGES.index(stage) - 1]}", home)
                moment = rng.uniform(0, end - first)
                tally.trials += 1
                tally.killed += _kill_at(home, stage, moment)
                try:
                    code, out = _cli(home, "check")  # on the killed home: it must report, not fail
                    problems = [] if code in (0, 1) else [f"`deptnews check` after the kill: {code}: {out}"]
                    for step in AFTER[stage]:
                        _run(home, step)
                    problems += _differences(want, _state(home, registry))
                    if (failed := _check(home)) is not None:
                        problems.append(failed)
                except Exception as exc:  # a trial that breaks is a failed trial, reported
                    problems = [f"{type(exc).__name__}: {exc}"]
                if problems:
                    where = f"kill {moment:.2f} s after its first write"
                    tally.failures.append(f"{stage} trial {n + 1} ({where}): {'; '.join(problems)}")
                else:
                    tally.passed += 1
                shutil.rmtree(home, ignore_errors=True)
    _report(args, tallies, timing, want)
    return 0 if all(t.passed == t.trials for t in tallies.values()) else 1


def _report(
    args: argparse.Namespace,
    tallies: dict[str, Tally],
    timing: dict[str, tuple[float, float]],
    want: dict[str, Any],
) -> None:
    articles = sum(want["article responses"].values())
    print(
        f"fault harness: {args.trials} trial(s) per stage, seed {args.seed}; demo sites on loopback, "
        f"{len(want['record ids'])} records from {articles} article captures"
    )
    print(
        "reference run: "
        + ", ".join(
            f"{s} {end:.2f} s (writing for {end - first:.2f} s)" for s, (first, end) in timing.items()
        )
    )
    print(f"{'stage':<6} {'trials':>6} {'killed':>6} {'passed':>6}")
    for stage, tally in tallies.items():
        print(f"{stage:<6} {tally.trials:>6} {tally.killed:>6} {tally.passed:>6}")
    print(f"compared with the reference in every trial: {COMPARED}")
    for tally in tallies.values():
        for failure in tally.failures:
            print(f"FAILED {failure}")


if __name__ == "__main__":
    sys.exit(main())
