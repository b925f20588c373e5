"""The same article under two URLs: recognized by its content when its URL does not show it.

Portals publish one article under several URLs that :mod:`archive.variants` cannot tell from the URL: a
second asset number for the same web content (Liferay), a copy filed in two categories, a print view
with an opaque URL. On a real portal mirror, 9,966 article pages held 2,796 distinct articles. And
departments repost each other's news (a Sở repeats the province's or the ministry's item).

Two contents are the same article when their titles agree (case, spacing and punctuation aside), their
publication days are at most :data:`MAX_DAYS_APART` apart when both are known, and their texts are
near-identical: most 4-word shingles of the shorter text are in the longer one, and neither is much
longer than the other (a print view may lack a caption or a related block; a different article with the
same title, such as a weekly "Lịch công tác", differs in most of its text). Very short texts must be
equal; two pages with no text at all are the same only when they attach the same files.

Ingest (:mod:`archive.ingest`) merges a new URL into the record of the same source it duplicates (the
record keeps the URL in ``also_at``), and marks a new record that repeats another source's earlier
article as a repost (``repost_of``), kept but not indexed, so a search shows the article once.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Final

from archive.ledger import Ledger
from archive.model import Content, Record
from archive.store import RecordStore

__all__ = ["MAX_DAYS_APART", "find_twin", "same_article", "title_key"]

MAX_DAYS_APART: Final = 2
_CANDIDATES: Final = 50  # records with the same title compared at most (the most recent ones)
_MIN_OVERLAP: Final = 0.9
_MIN_LENGTH_RATIO: Final = 0.5
_SHORT: Final = 8  # fewer shingles than this: the texts must be equal
_WORD: Final = re.compile(r"\w+")


def title_key(title: str) -> str:
    """A title's words, case-folded and NFC, joined by single spaces (punctuation and spacing ignored)."""
    return " ".join(_WORD.findall(unicodedata.normalize("NFC", title).casefold()))


def _words(content: Content) -> list[str]:
    text = "\n".join(p for p in (content.lead, *content.body) if p)
    return _WORD.findall(unicodedata.normalize("NFC", text).casefold())


def _shingles(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + 4]) for i in range(max(0, len(words) - 3))}


def _day(content: Content) -> date | None:
    return content.published.date() if content.published is not None else None


def same_article(a: Content, b: Content) -> bool:
    """Whether two contents are the same article (see the module docstring)."""
    if title_key(a.title) != title_key(b.title):
        return False
    day_a, day_b = _day(a), _day(b)
    if day_a is not None and day_b is not None and abs((day_a - day_b).days) > MAX_DAYS_APART:
        return False
    words_a, words_b = _words(a), _words(b)
    if not words_a and not words_b:
        files_a, files_b = {f.url for f in a.attachments}, {f.url for f in b.attachments}
        return bool(files_a) and files_a == files_b
    shingles_a, shingles_b = _shingles(words_a), _shingles(words_b)
    small, large = sorted((shingles_a, shingles_b), key=len)
    if len(small) < _SHORT:
        return words_a == words_b
    if len(small) / len(large) < _MIN_LENGTH_RATIO:
        return False
    return len(small & large) / len(small) >= _MIN_OVERLAP


def find_twin(ledger: Ledger, store: RecordStore, source: str, content: Content, rid: str) -> Record | None:
    """The record that ``content`` (about to become record ``rid`` of ``source``) duplicates: one of the
    same source if there is one, else the original of another source's article; None if it is new."""
    other_source: Record | None = None
    for candidate_id, candidate_source, _ in ledger.articles_titled(title_key(content.title), _CANDIDATES):
        if candidate_id == rid or (other_source is not None and candidate_source != source):
            continue
        candidate = store.find(candidate_id)
        if candidate is None or not same_article(content, candidate):
            continue
        if candidate_source == source:
            return candidate
        other_source = candidate
    if other_source is not None and other_source.repost_of is not None:
        return store.find(other_source.repost_of) or other_source
    return other_source
