"""The archive repairs ``deptnews check --repair`` may make: none modifies or deletes a raw capture.

* :func:`quarantine` moves files that are not sound records (and a broken ledger) out of the store into
  ``<home>/quarantine/<time>/``, where a human can look at them; nothing is deleted.
* :func:`rederive` re-ingests every WARC file into the existing store through a fresh ledger and then
  swaps that ledger in. Merging a capture that is already merged changes nothing
  (:meth:`~archive.store.RecordStore.apply`, ``touch`` and ``mark_removed`` are idempotent), so sound
  records keep their content and versions; records that are missing are made again from their captures,
  in the order the WARC files were written, as the first ingest made them; the ledger learns every
  file, alias and listing date again. It does not drop a record whose source left the registry (a
  ``deptnews parse --all`` would).
* :func:`remove_temporary` deletes the temporary files a killed record writer left (never a record).

The caller holds the crawl lock and makes sure no ``deptnews parse`` runs meanwhile.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from archive.home import DataHome
from archive.ingest import IngestStats, ingest_files
from archive.sources import Registry
from archive.store import Ledger, RecordStore
from archive.warc import warc_files

__all__ = ["quarantine", "quarantine_dir", "rederive", "remove_temporary"]


def quarantine_dir(home: DataHome, when: datetime | None = None) -> Path:
    """Where files set aside now go: ``<home>/quarantine/<UTC time>/`` (not created here)."""
    moment = (when or datetime.now(UTC)).astimezone(UTC)
    return home.root / "quarantine" / moment.strftime("%Y%m%dT%H%M%S%fZ")


def quarantine(home: DataHome, paths: Iterable[Path], target: Path) -> list[Path]:
    """Move ``paths`` (inside the home) under ``target``, keeping their path relative to the home;
    returns where they went."""
    moved: list[Path] = []
    for path in paths:
        destination = target / path.resolve().relative_to(home.root.resolve())
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, destination)
        moved.append(destination)
    return moved


def remove_temporary(paths: Iterable[Path]) -> int:
    """Delete temporary files of the record store (``.tmp-*``); returns how many were removed."""
    removed = 0
    for path in paths:
        if not path.name.startswith(".tmp-"):
            raise ValueError(f"not a temporary file: {path}")
        path.unlink(missing_ok=True)
        removed += 1
    return removed


def rederive(home: DataHome, registry: Registry, target: Path) -> IngestStats:
    """Re-ingest every WARC file into the store through a fresh ledger (see the module docstring); the
    old ledger, if any, is moved under ``target``."""
    staging = home.root / "records.ledger-rebuild"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    home.records_dir.mkdir(parents=True, exist_ok=True)
    with Ledger.open(staging) as ledger:
        stats = ingest_files(
            warc_files(home.warc_dir),
            registry,
            RecordStore(home.records_dir),
            ledger=ledger,
            warc_dir=home.warc_dir,
        )
    current = home.records_dir / Ledger.FILE_NAME
    old = [p for p in home.records_dir.glob(Ledger.FILE_NAME + "*") if p.is_file()]
    quarantine(home, old, target)
    os.replace(staging / Ledger.FILE_NAME, current)
    shutil.rmtree(staging, ignore_errors=True)
    return stats
