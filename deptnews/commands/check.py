"""``deptnews check [--repair] [--json]``: verify a data home's invariants, and repair what is safe.

The checks (:mod:`deptnews.inspection`) only read. A crawl that is running is noticed (its ``.open``
WARC file is then expected), but nothing waits for it: run the check when no ``parse`` or ``index``
writes, or its findings may describe a moment in between.

``--repair`` takes the crawl lock and the parse lock (exit 3 if a crawl or a parse runs) and the index
writer lock (waiting up to ``index_writer_timeout``; PostgreSQL's advisory lock on the primary), checks,
repairs, and checks again:

* ``.open`` WARC files left by a killed crawl are completed by the crawler's own recovery
  (:func:`scrapers.recovery.recover`: cut after the last complete record, renamed, the crawl state
  taught what they hold) — the only change ever made to a WARC file, and the one every crawl makes;
* temporary files of a killed record writer are deleted; record files that are not sound records and
  a ledger that cannot be read are moved to ``<home>/quarantine/<time>/``;
* records and ledger are re-derived from the WARC files (:func:`archive.verify.repair.rederive`) when
  records are missing or were set aside, or the ledger is missing or inconsistent;
* the index is brought in line with the records (:mod:`deptnews.indexcheck`): Whoosh's in one commit
  (missing and stale documents written, orphans and duplicates deleted), or rebuilt when it is missing,
  outdated or unreadable; PostgreSQL's by a sync under its writer lock, with a recount of statistics
  that disagree and a rebuild when postings do (:mod:`deptnews.pginspection`).

Damaged WARC records (a flipped byte, a torn tail in a complete file) and the record versions whose
capture they held are never repaired: raw captures are not rewritten; they are reported as needing a
human (restore the file from a copy).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from datetime import timedelta

from archive.cdxindex import CdxIndex
from archive.errors import ArchiveError, CdxError
from archive.home import DataHome
from archive.sources import Registry
from archive.store import Ledger
from archive.verify import Finding
from archive.verify.repair import quarantine, quarantine_dir, rederive, remove_temporary
from deptnews.commands.base import EXIT_CONFIG, EXIT_FAILURES, EXIT_LOCKED, EXIT_OK, load_registry
from deptnews.commands.parse import PARSE_LOCK
from deptnews.indexcheck import IndexCheck, index_check
from deptnews.inspection import (
    CHECKS,
    ArchiveInspection,
    IndexInspection,
    as_json,
    inspect_archive,
    inspect_cdx,
)
from deptnews.settings import Settings
from index.errors import BackendUnavailable, SearchError
from scrapers.errors import CrawlLocked
from scrapers.lock import CrawlLock
from scrapers.recovery import recover
from scrapers.state import CrawlState

_REDERIVE = {
    ("complete", "missing-record"),
    ("ledger", "missing"),
    ("ledger", "unreadable"),
    ("ledger", "unknown-file"),
    ("ledger", "changed-file"),
    ("ledger", "unlisted-file"),
    ("ledger", "dangling-alias"),
}
"""Findings that re-deriving records and ledger from the WARC files fixes."""


@dataclass
class Outcome:
    """The final state's findings and summaries, and what a repair found, did and could not do."""

    findings: list[Finding]
    summaries: dict[str, str]
    found: list[Finding] | None = None
    repaired: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.problem]


def check(settings: Settings, *, repair: bool = False, as_json_output: bool = False) -> int:
    """Check the data home (``repair``: and repair it); exit 0 when no problem is left, 1 otherwise."""
    home = settings.data_home
    if not home.root.is_dir():
        print(f"error: no data home at {home.root}", file=sys.stderr)
        return EXIT_CONFIG
    try:
        registry = load_registry(settings)
    except ArchiveError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    try:
        index = index_check(settings)
    except BackendUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    lock = CrawlLock(home.root / "crawl.lock")
    try:
        if not repair:
            outcome = _inspect(home, registry, index, crawl_running=_crawl_running(lock))
        else:
            # No crawl, no parse and no index writer while records, ledger and index are repaired.
            with lock, CrawlLock(home.root / PARSE_LOCK, what="parse"), index.locked():
                outcome = _repair(settings, home, registry, index)
    except CrawlLocked as exc:
        print(f"deptnews check: {exc}; nothing was repaired.", file=sys.stderr)
        return EXIT_LOCKED
    except SearchError as exc:  # the index writer lock was not free in time
        print(f"deptnews check: {exc}; nothing was repaired.", file=sys.stderr)
        return EXIT_LOCKED
    finally:
        index.close()
    print(_json(home, outcome) if as_json_output else _text(home, outcome))
    return EXIT_FAILURES if outcome.problems else EXIT_OK


def _crawl_running(lock: CrawlLock) -> bool:
    if not lock.path.exists():
        return False
    try:
        with lock:  # held for an instant: a crawl starting just now would exit 3 and run next time
            return False
    except CrawlLocked:
        return True
    except OSError:  # a home we may only read: no crawl of ours can be running in it either
        return False


def _inspect(home: DataHome, registry: Registry, index: IndexCheck, *, crawl_running: bool) -> Outcome:
    archive = inspect_archive(home, registry, crawl_running=crawl_running)
    return _inspect_result(archive, _inspect_index(index, archive), inspect_cdx(home))


def _inspect_index(index: IndexCheck, archive: ArchiveInspection) -> IndexInspection:
    return index.inspect(archive.expected, set(archive.records.ids))


def _repair(settings: Settings, home: DataHome, registry: Registry, index_check: IndexCheck) -> Outcome:
    archive = inspect_archive(home, registry, crawl_running=False)
    index = _inspect_index(index_check, archive)
    cdx = inspect_cdx(home)
    found = [*archive.findings, *index.findings, *cdx[0]]
    done = _repair_archive(settings, home, registry, archive)
    if done:
        archive = inspect_archive(home, registry, crawl_running=False)
        index = _inspect_index(index_check, archive)
    index_done = index_check.repair(index)
    if index_done:
        index = _inspect_index(index_check, archive)
    # A damaged WARC file is a human's to restore first: indexing it now would index what a reader
    # happens to get past the damage (warcio may stop quietly at a torn record, or raise).
    damaged = any(f.check == "warc" and f.problem for f in archive.findings)
    cdx_done = _repair_cdx(home) if not damaged and (done or inspect_cdx(home)[0]) else []
    outcome = _inspect_result(archive, index, inspect_cdx(home))
    outcome.found = found
    outcome.repaired = done + index_done + cdx_done
    return outcome


def _repair_cdx(home: DataHome) -> list[str]:
    """Bring the CDXJ index up to date with the WARC files (what every crawl does at its end)."""
    try:
        update = CdxIndex(home.cdx_dir, home.warc_dir).update()
    except CdxError:  # a file that cannot be read: its finding stays, for a human
        return []
    if not update.indexed and not update.dropped and not update.merged:
        return []
    return [
        f"cdx: indexed {len(update.indexed)} WARC file(s), dropped {len(update.dropped)}, "
        f"merged {update.files} file(s) ({update.captures} capture(s))"
    ]


def _inspect_result(
    archive: ArchiveInspection, index: IndexInspection, cdx: tuple[list[Finding], str]
) -> Outcome:
    return Outcome(
        [*archive.findings, *index.findings, *cdx[0]],
        {**archive.summaries, "index": index.summary, "cdx": cdx[1]},
    )


def _repair_archive(
    settings: Settings, home: DataHome, registry: Registry, found: ArchiveInspection
) -> list[str]:
    done: list[str] = []
    target = quarantine_dir(home)
    if found.warcs.open_files:

        def source_of(url: str) -> tuple[str, timedelta] | None:
            source = registry.for_url(url)
            if source is None:
                return None
            return source.id, source.recheck_after or settings.crawl.recheck_after

        with CrawlState(home.state_db) as state:
            recovery = recover(home.warc_dir, state, source_of, settings.crawl.recheck_after)
        done.append(
            f"warc: completed {len(recovery.files)} file(s) a killed crawl left open (cut after the last "
            f"complete record; {recovery.recorded} capture(s) recorded in the crawl state), removed "
            f"{len(recovery.removed)} without any capture"
        )
    if found.records.temporary:
        removed = remove_temporary(found.records.temporary)
        done.append(f"records: removed {removed} temporary file(s) of a killed writer")
    set_aside = [p.stem for p in found.records.invalid]
    if found.records.invalid:
        moved = quarantine(home, found.records.invalid, target)
        done.append(f"records: moved {len(moved)} unsound record file(s) to {target}")
    codes = {(f.check, f.code) for f in found.findings if f.problem}
    if set_aside or codes & _REDERIVE:
        before = set(found.records.ids)
        stats = rederive(home, registry, target)
        made = len({p.stem for p in home.records_dir.glob("*/*.json")} - before)
        old_ledger = target / home.records_dir.name / Ledger.FILE_NAME
        done.append(
            f"records: re-derived from {stats.files} WARC file(s) through a fresh ledger "
            f"({made} record(s) made again)"
            + (f"; the old ledger moved to {old_ledger}" if old_ledger.exists() else "")
            + (f"; {len(stats.errors)} file(s) could not be read" if stats.errors else "")
        )
    return done


_SHOWN = 20


def _text(home: DataHome, outcome: Outcome) -> str:
    lines = [f"deptnews check {home.root}"]
    for name in CHECKS:
        findings = [f for f in outcome.findings if f.check == name]
        problems = sum(f.problem for f in findings)
        status = "PROBLEM" if problems else ("notice" if findings else "ok")
        lines.append(f"{status:<8} {name:<9} {outcome.summaries.get(name, '')}")
        for finding in findings[:_SHOWN]:
            mark = "!" if finding.problem else "-"
            lines.append(f"  {mark} {finding.subject}: {finding.detail}")
        if len(findings) > _SHOWN:
            lines.append(f"  … and {len(findings) - _SHOWN} more (--json lists all)")
    if outcome.found is not None:
        found = sum(f.problem for f in outcome.found)
        lines.append(f"repair: {found} problem(s) found, {len(outcome.problems)} left")
        lines += [f"  + {action}" for action in outcome.repaired]
        if outcome.problems:
            lines.append("needs a human:")
            lines += [f"  ! {f.check}: {f.subject}: {f.detail}" for f in outcome.problems[:_SHOWN]]
    if not outcome.problems:
        lines.append("result: ok")
    elif outcome.found is None:
        lines.append(
            f"result: {len(outcome.problems)} problem(s); `deptnews check --repair` fixes what is safe to fix"
        )
    else:
        lines.append(f"result: {len(outcome.problems)} problem(s) left")
    return "\n".join(lines)


def _json(home: DataHome, outcome: Outcome) -> str:
    payload = {
        "home": str(home.root),
        "ok": not outcome.problems,
        "problems": len(outcome.problems),
        "checks": [
            {
                "name": name,
                "verifies": description,
                "summary": outcome.summaries.get(name, ""),
                "ok": not any(f.problem for f in outcome.findings if f.check == name),
                "findings": [as_json(f) for f in outcome.findings if f.check == name],
            }
            for name, description in CHECKS.items()
        ],
        "repair": None
        if outcome.found is None
        else {
            "found": [as_json(f) for f in outcome.found if f.problem],
            "repaired": outcome.repaired,
            "needs_human": [as_json(f) for f in outcome.problems],
        },
    }
    return json.dumps(payload, ensure_ascii=False, indent=2)
