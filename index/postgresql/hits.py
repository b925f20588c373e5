"""The hits of one page: their stored values and snippets, read in one query by id.

Snippets are cut as Whoosh's are (:mod:`index.highlight`) from the record kept in the row: its lead and
body (the title when both are empty), or the attachment page marking the most words, which the hit then
names (:attr:`~index.request.Hit.attachment`, :attr:`~index.request.Hit.page`), exactly as
:class:`index.whoosh.service.SearchService` does with the same inputs. A page's texts are tokenized
together (:class:`~index.snippets.PageTokenizer`): cutting them one by one cost ~0.5 ms a hit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import Connection

from index.highlight import match_count
from index.query import Highlights
from index.request import Hit
from index.schema import LOCAL_TZ
from index.snippets import PageTokenizer

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
    tokenizer: PageTokenizer,
) -> list[Hit]:
    """The hits of ``page`` (``(id, score)`` in order); a row deleted meanwhile is left out."""
    if not page:
        return []
    attachments = snippets and scope != "page" and bool(hl.exact or hl.folded)
    query = _FIELDS.format(pages="pages" if attachments else "NULL")
    rows = {str(r[0]): r for r in conn.execute(query, ([rid for rid, _ in page],)).fetchall()}
    found = [(rows[rid], score) for rid, score in page if rid in rows]
    if not snippets:
        return [_hit(row, score, "", None) for row, score in found]
    cuts = [_snippet_source(row, hl, scope) for row, _ in found]
    texts = tokenizer.snippets([text for text, _ in cuts], hl)
    return [
        _hit(row, score, text, where)
        for (row, score), text, (_, where) in zip(found, texts, cuts, strict=True)
    ]


def _snippet_source(row: tuple[Any, ...], hl: Highlights, scope: str) -> tuple[str, tuple[int, int] | None]:
    """The text a hit's snippet is cut from, and the ``(attachment, page)`` it is when not the page's."""
    title, lead, body, pages = row[1], row[9], row[10], row[11]
    paragraphs = [p for p in (lead, *(body or [])) if isinstance(p, str) and p]
    page_text = "\n".join(paragraphs) or title
    found = _attachment_match(pages or [], hl)
    # The page's own count matters only against an attachment's (tokenizing costs ~0.5 ms a page).
    own = match_count(page_text, hl) if found is not None and scope != "attachments" else 0
    if found is not None and found[0] > own:
        return found[3], (found[1], found[2])
    return str(page_text), None


def _hit(row: tuple[Any, ...], score: float | None, text: str, where: tuple[int, int] | None) -> Hit:
    rid, title, url, published, source, department, jurisdiction, category, author = row[:9]
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
