"""Searching from the command line, and the record schema."""

from __future__ import annotations

import json
import sys

from archive.errors import ArchiveError
from archive.model import Record
from archive.store import RecordStore
from deptnews.commands.base import EXIT_CONFIG, EXIT_FAILURES, EXIT_OK
from deptnews.settings import Settings
from index.errors import QueryError, SearchError
from index.search import SearchRequest, SearchService


def search(settings: Settings, query: str, *, as_json: bool, size: int) -> int:
    """Search the index from the command line."""
    store = RecordStore(settings.data_home.records_dir)

    def load_text(rid: str) -> str | None:
        try:
            record: Record = store.get(rid)
        except ArchiveError:
            return None
        return "\n".join(p for p in (record.lead, *record.body) if p)

    service = SearchService(settings.data_home.index_dir, load_text)
    try:
        results = service.search(SearchRequest(q=query, size=size))
    except QueryError as exc:
        print(f"error: invalid query: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except SearchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURES
    finally:
        service.close()
    if as_json:
        payload = {
            "total": results.total,
            "hits": [
                {
                    "id": h.id,
                    "title": h.title,
                    "url": h.url,
                    "published": h.published.isoformat() if h.published else None,
                    "source": h.source,
                    "snippet": h.snippet,
                }
                for h in results.hits
            ],
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return EXIT_OK
    print(f"{results.total} result(s) for {query!r}")
    for n, hit in enumerate(results.hits, start=1):
        day = hit.published.date().isoformat() if hit.published else "????-??-??"
        print(f"{n:>3}. [{day}] {hit.title}\n     {hit.url}  (id {hit.id})")
    return EXIT_OK


def schema() -> int:
    """Print the JSON Schema of a record."""
    print(json.dumps(Record.model_json_schema(), ensure_ascii=False, indent=2))
    return EXIT_OK
