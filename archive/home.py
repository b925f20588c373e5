"""The data home: one directory holding everything deptnews stores.

Layout (all paths relative to the home)::

    sources.toml    the sources registry used when no other file is named
    warc/           raw captures, WARC 1.1, gzip per record; never modified after writing
    records/        normalized JSON records, one file per record id (sharded by the id's first 2 chars)
    state.sqlite    crawl state (frontier, per-URL status, runs)
    index/          the Whoosh full-text index, rebuildable from records/
    dumps/          open-data dumps
    cdx/            the CDXJ capture index of warc/ (per WARC file and merged), rebuildable from warc/
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DataHome:
    """Paths inside one data home. Creating the object touches nothing; :meth:`ensure` creates dirs."""

    root: Path

    @property
    def sources_file(self) -> Path:
        return self.root / "sources.toml"

    @property
    def warc_dir(self) -> Path:
        return self.root / "warc"

    @property
    def records_dir(self) -> Path:
        return self.root / "records"

    @property
    def state_db(self) -> Path:
        return self.root / "state.sqlite"

    @property
    def index_dir(self) -> Path:
        return self.root / "index"

    @property
    def dumps_dir(self) -> Path:
        return self.root / "dumps"

    @property
    def cdx_dir(self) -> Path:
        return self.root / "cdx"

    @property
    def texts_dir(self) -> Path:
        """Extracted attachment texts, one JSON file per distinct file (``deptnews extract``)."""
        return self.root / "texts"

    def ensure(self) -> DataHome:
        """Create the home and its directories if missing; return self."""
        for path in (self.warc_dir, self.records_dir, self.index_dir):
            path.mkdir(parents=True, exist_ok=True)
        return self
