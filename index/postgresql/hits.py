"""The hits of one page: their stored values and snippets, read in one query by id.

Snippets are cut as Whoosh's are (:mod:`index.highlight`) from the record kept in the row: its lead and
body (the title when both are empty), or the attachment page marking the most words, which the hit then
names (:attr:`~index.request.Hit.attachment`, :attr:`~index.request.Hit.page`), exactly as
:class:`index.whoosh.service.SearchService` does with the same inputs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import Connection

from index.highlight import match_count, snippet
from index.query import Highlights
from index.request import Hit
from index.schema import LOCAL_TZ

__all__ = ["fetch_hits"]

_FIELDS = (
    "SELECT id, title, url, published, source, department, jurisdiction, category, author, "
    "record -> 'lead', record -> 'body', {pages} FROM deptnews_records WHERE id = ANY(%s)"
)


def fetch_hits(
    conn: Connection[Any],
    page: list[tuple[str, float | None]],
    hl: Highlights,
    *,
    snippets: bool,
    scope: str,
) -> list[Hit]:
    """The hits of ``page`` (``(id, score)`` in order); a row deleted meanwhile is left out."""
    if not page:
        return []
    attachments = snippets and scope != "page" and bool(hl.exact or hl.folded)
    query = _FIELDS.format(pages="pages" if attachments else "NULL")
    rows = {str(r[0]): r for r in conn.execute(query, ([rid for rid, _ in page],)).fetchall()}
    return [_hit(rows[rid], score, hl, snippets, scope) for rid, score in page if rid in rows]


def _hit(row: tuple[Any, ...], score: float | None, hl: Highlights, snippets: bool, scope: str) -> Hit:
    rid, title, url, published, source, department, jurisdiction, category, author, lead, body, pages = row
    text = ""
    where: tuple[int, int] | None = None
    if snippets:
        paragraphs = [p for p in (lead, *(body or [])) if isinstance(p, str) and p]
        page_text = "\n".join(paragraphs) or title
        found = _attachment_match(pages or [], hl)
        # The page's own count matters only against an attachment's (tokenizing costs ~0.5 ms a page).
        own = match_count(page_text, hl) if found is not None and scope != "attachments" else 0
        if found is not None and found[0] > own:
            where = found[1], found[2]
            text = snippet(found[3], hl)
        else:
            text = snippet(page_text, hl)
    return Hit(
        id=rid,
        title=title,
        url=url,
        published=published.astimezone(LOCAL_TZ) if isinstance(published, datetime) else None,
        source=source,
        department=department,
        score=score,
        snippet=text,
        jurisdiction=jurisdiction or None,
        category=category or None,
        author=author or None,
        attachment=where[0] if where else None,
        page=where[1] if where else None,
    )


def _attachment_match(pages: list[Any], hl: Highlights) -> tuple[int, int, int, str] | None:
    """The attachment page marking the most words: ``(count, attachment, page, text)``, or None."""
    best: tuple[int, int, int, str] | None = None
    for number, page, text in pages:
        count = match_count(str(text), hl)
        if count and (best is None or count > best[0]):
            best = (count, int(number), int(page), str(text))
    return best
