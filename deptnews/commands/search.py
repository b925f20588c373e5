"""Searching from the command line, and the record schema."""

from __future__ import annotations

import html
import json
import re
import sys
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from archive.errors import ArchiveError
from archive.model import Record
from archive.store import RecordStore
from archive.tableschema import record_json_schema
from deptnews.commands.base import EXIT_CONFIG, EXIT_FAILURES, EXIT_OK
from deptnews.settings import Settings
from index.backends import open_search
from index.errors import QueryError, SearchError
from index.request import FILTER_FIELDS, Hit, Scope, SearchRequest, Sort
from index.schema import attachment_pages


def _hit_json(hit: Hit) -> dict[str, Any]:
    return {
        "id": hit.id,
        "title": hit.title,
        "url": hit.url,
        "published": hit.published.isoformat() if hit.published else None,
        "source": hit.source,
        "department": hit.department,
        "jurisdiction": hit.jurisdiction,
        "category": hit.category,
        "author": hit.author,
        "score": hit.score,
        "snippet": hit.snippet,
        "match": {"attachment": hit.attachment, "page": hit.page} if hit.attachment is not None else None,
    }


def plain_snippet(snippet: str) -> str:
    """A hit's HTML snippet for a terminal: matched words between » and «, entities decoded."""
    marked = snippet.replace("<mark>", "»").replace("</mark>", "«")
    return html.unescape(re.sub(r"<[^>]+>", "", marked))


def _where(hit: Hit, store: RecordStore) -> str:
    """Where the snippet comes from: the page, or "attachment N (title), page P"."""
    if hit.attachment is None:
        return "page"
    name = ""
    try:
        attachment = store.get(hit.id).attachments[hit.attachment - 1]
        name = attachment.title or attachment.url.rsplit("/", 1)[-1]
    except (ArchiveError, IndexError):
        pass
    label = f"attachment {hit.attachment}" + (f" ({name})" if name else "")
    return f"{label}, page {hit.page}" if hit.page is not None else label


def parse_filters(pairs: Sequence[str]) -> dict[str, str]:
    """``["source=lso-stttt", "year=2024"]`` -> dict; QueryError naming a malformed or unknown one."""
    filters: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not value:
            raise QueryError(f"--filter {pair!r}: expected FIELD=VALUE")
        if name not in FILTER_FIELDS:
            raise QueryError(f"--filter {pair!r}: unknown field; known: {', '.join(FILTER_FIELDS)}")
        filters[name] = value
    return filters


def _day(value: str | None, flag: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise QueryError(f"{flag}: expected a date as YYYY-MM-DD, got {value!r}") from None


def search(
    settings: Settings,
    query: str,
    *,
    as_json: bool,
    size: int,
    sort: Sort | None = None,
    filters: Sequence[str] = (),
    date_from: str | None = None,
    date_to: str | None = None,
    facets: Sequence[str] = (),
    cursor: str | None = None,
    every: bool = False,
    scope: Scope = "all",
) -> int:
    """Search the index from the command line (``every``: print all matches, JSON lines with ``as_json``;
    ``scope``: look for the words in the page's text and its attachments', or in one of them, as the
    API's ``in``). A hit whose snippet comes from an attachment says which attachment and page."""
    store = RecordStore(settings.data_home.records_dir)

    def load_text(rid: str) -> str | None:
        try:
            record: Record = store.get(rid)
        except ArchiveError:
            return None
        return "\n".join(p for p in (record.lead, *record.body) if p)

    def load_attachments(rid: str) -> Iterator[tuple[int, int, str]]:
        try:
            record: Record = store.get(rid)
        except ArchiveError:
            return iter(())
        return attachment_pages(record, settings.data_home.root)

    service = open_search(
        settings.index, settings.data_home.index_dir, load_text, load_attachments=load_attachments
    )
    try:
        request = SearchRequest(
            q=query,
            filters=parse_filters(filters),
            date_from=_day(date_from, "--from"),
            date_to=_day(date_to, "--to"),
            sort=sort,
            size=size,
            facets=list(facets),
            cursor=cursor,
            scope=scope,
        )
        if every:
            for hit in service.iter_hits(request, snippets=False):
                if as_json:
                    print(json.dumps(_hit_json(hit), ensure_ascii=False))
                else:
                    day = hit.published.date().isoformat() if hit.published else "????-??-??"
                    print(f"{hit.id}\t{day}\t{hit.title}\t{hit.url}")
            return EXIT_OK
        results = service.search(request)
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
            "hits": [_hit_json(h) for h in results.hits],
            "facets": results.facets,
            "next_cursor": results.next_cursor,
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return EXIT_OK
    print(f"{results.total} result(s) for {query!r}")
    for n, hit in enumerate(results.hits, start=1):
        day = hit.published.date().isoformat() if hit.published else "????-??-??"
        print(f"{n:>3}. [{day}] {hit.title}\n     {hit.url}  (id {hit.id})")
        if hit.snippet:
            print(f"     {_where(hit, store)}: {plain_snippet(hit.snippet)}")
    for name, counts in results.facets.items():
        print(f"{name}: " + ", ".join(f"{value} ({n})" for value, n in counts[:10]))
    if results.next_cursor:
        print(f"next page: --cursor {results.next_cursor}")
    return EXIT_OK


def schema() -> int:
    """Print the JSON Schema of a record."""
    print(json.dumps(record_json_schema(), ensure_ascii=False, indent=2))
    return EXIT_OK
