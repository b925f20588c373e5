"""``deptnews sources add URL… | --from FILE``: propose, check and write registry entries for sites.

Each site is looked at politely (:mod:`scrapers.onboard`); the proposed entry is printed with what was
checked, then written to the sources file — after a question on a terminal, at once with ``--yes``, never
with ``--dry-run``. A site that needs a human is never written; the summary says why.
Exit 0 when every site was proposed (and written unless ``--dry-run``), 1 when some need a human.
"""

from __future__ import annotations

import asyncio
import csv
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import tomlkit

from archive.errors import ArchiveError
from archive.sources import load_sources
from archive.sources_edit import append_sources
from deptnews.commands.base import EXIT_CONFIG, EXIT_FAILURES, EXIT_OK
from deptnews.settings import Settings
from scrapers.onboard.bulk import onboard_sites
from scrapers.onboard.propose import Hints, Proposal
from scrapers.progress import NullProgress, Progress, TerminalProgress


def read_site_list(path: Path) -> list[Hints]:
    """Homepages from a file: one URL a line, or CSV rows ``url[,department[,jurisdiction[,id]]]`` (a
    header row naming ``url``/``homepage``, ``department``, ``jurisdiction``, ``id`` is recognised).
    Blank lines and lines starting with ``#`` are skipped."""
    rows = [
        row
        for row in csv.reader(path.read_text(encoding="utf-8-sig").splitlines())
        if row and row[0].strip() and not row[0].lstrip().startswith("#")
    ]
    columns = ["url", "department", "jurisdiction", "id"]
    if rows and not rows[0][0].strip().lower().startswith(("http://", "https://")):
        columns = [c.strip().lower().replace("homepage", "url") for c in rows[0]]
        rows = rows[1:]
    sites: list[Hints] = []
    for row in rows:
        cells = {name: value.strip() or None for name, value in zip(columns, row, strict=False)}
        if cells.get("url"):
            sites.append(
                Hints(str(cells["url"]), cells.get("id"), cells.get("department"), cells.get("jurisdiction"))
            )
    return sites


def sources_add(
    settings: Settings,
    urls: Sequence[str],
    *,
    from_file: Path | None = None,
    source_id: str | None = None,
    department: str | None = None,
    jurisdiction: str | None = None,
    yes: bool = False,
    dry_run: bool = False,
    progress: bool | None = None,
    stdin: TextIO | None = None,
) -> int:
    stdin = stdin or sys.stdin
    try:
        sites = [Hints(u, source_id, department, jurisdiction) for u in urls]
        if from_file is not None:
            sites += read_site_list(from_file)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        print(f"error: cannot read {from_file}: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    if not sites:
        print("error: sources add needs a URL or --from FILE", file=sys.stderr)
        return EXIT_CONFIG
    if source_id is not None and len(sites) > 1:
        print("error: --id names one site; give ids in the --from file instead", file=sys.stderr)
        return EXIT_CONFIG
    if not (yes or dry_run or stdin.isatty()):
        print("error: not a terminal: pass --yes to write, or --dry-run to only print", file=sys.stderr)
        return EXIT_CONFIG
    path = settings.sources_file
    try:
        taken = list(load_sources(path).sources) if path.exists() else []
    except ArchiveError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    show = sys.stderr.isatty() if progress is None else progress
    bar: Progress = TerminalProgress(sys.stderr, len(sites)) if show and len(sites) > 1 else NullProgress()
    try:
        proposals = asyncio.run(onboard_sites(sites, settings.crawl, taken, bar))
    finally:
        bar.close()
    for proposal in proposals:
        _print(proposal)
    ready = [p for p in proposals if p.ok]
    wrote = bool(ready) and not dry_run and (yes or _confirm(stdin, len(ready), path))
    if wrote:
        try:
            append_sources(path, [p.entry for p in ready if p.entry is not None])
        except ArchiveError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_CONFIG
        print(f"{path}: {len(ready)} source(s) added")
    elif ready:
        print(f"{path}: nothing written" + (" (--dry-run)" if dry_run else ""))
    _summary(proposals, written=wrote or (not ready and not dry_run))
    return EXIT_OK if len(ready) == len(proposals) else EXIT_FAILURES


def _confirm(stdin: TextIO, count: int, path: Path) -> bool:
    print(f"Write {count} source(s) to {path}? [y/N] ", end="", flush=True)
    return stdin.readline().strip().lower() in ("y", "yes", "c", "có")


def _print(proposal: Proposal) -> None:
    verdict = "READY" if proposal.ok else "NEEDS A HUMAN"
    print(f"{verdict} {proposal.url}")
    for line in proposal.checked:
        print(f"  checked  {line}")
    for line in proposal.problems:
        print(f"  problem  {line}")
    if proposal.entry is not None and proposal.ok:
        document = tomlkit.document()
        tables = tomlkit.aot()
        table = tomlkit.table()
        for key, value in proposal.entry.items():
            table.add(key, tomlkit.string(value, literal=True) if key == "article_pattern" else value)
        tables.append(table)
        document.append("source", tables)
        print("  " + tomlkit.dumps(document).strip().replace("\n", "\n  "))


def _summary(proposals: list[Proposal], *, written: bool) -> None:
    ready = [p for p in proposals if p.ok]
    human = [p for p in proposals if not p.ok]
    verb = "added" if written else "ready"
    print(f"summary: {len(ready)} {verb}, {len(human)} need a human")
    for p in ready:
        print(f"  {verb:<6} {p.entry['id'] if p.entry else '?'}  {p.url}")
    for p in human:
        print(f"  human  {p.url}: {p.problems[0] if p.problems else 'unknown'}")
