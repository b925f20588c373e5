"""What the handlers share: the record store and the search service, built once per app."""

from __future__ import annotations

from dataclasses import dataclass

from archive.errors import ArchiveError
from archive.home import DataHome
from archive.store import RecordStore
from index.search import SearchService


@dataclass
class AppState:
    home: DataHome
    store: RecordStore
    search: SearchService


def build_state(home: DataHome) -> AppState:
    store = RecordStore(home.records_dir)

    def load_text(rid: str) -> str | None:
        try:
            record = store.get(rid)
        except ArchiveError:
            return None
        return "\n".join(p for p in (record.lead, *record.body) if p)

    return AppState(home=home, store=store, search=SearchService(home.index_dir, load_text))
