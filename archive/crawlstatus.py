"""The crawl status file: what the last crawl of each source did, for the API's source health.

The crawler writes it (through this module, so the API never reads crawler internals) at the end of
every run: ``<home>/crawl-status.json``, replaced atomically, one entry per source ever crawled.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

FILE_NAME = "crawl-status.json"


class SourceCrawlStatus(BaseModel):
    source: str
    started: datetime
    finished: datetime
    fetched: int = 0
    new: int = 0
    unchanged: int = 0
    failed: int = 0
    skipped_robots: int = 0
    articles_listed: int | None = Field(None, description="Article links seen on listings in that run.")
    articles_captured: int | None = Field(None, description="Articles with a stored capture, all runs.")
    errors: list[str] = Field(default_factory=list, description="The first errors of the run.")


class CrawlStatus(BaseModel):
    sources: dict[str, SourceCrawlStatus] = Field(default_factory=dict)


def read_crawl_status(home_root: Path) -> CrawlStatus:
    """The status file's content; empty when there is none or it is unreadable."""
    try:
        return CrawlStatus.model_validate_json((home_root / FILE_NAME).read_bytes())
    except (OSError, ValidationError, ValueError):
        return CrawlStatus()


def update_crawl_status(home_root: Path, runs: list[SourceCrawlStatus]) -> CrawlStatus:
    """Merge this run's per-source results into the file (atomically) and return the new content."""
    status = read_crawl_status(home_root)
    merged = CrawlStatus(sources={**status.sources, **{run.source: run for run in runs}})
    home_root.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=home_root, prefix=".crawl-status-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(merged.model_dump(mode="json"), fh, ensure_ascii=False, indent=2)
    os.replace(tmp, home_root / FILE_NAME)
    return merged
