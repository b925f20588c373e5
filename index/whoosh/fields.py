"""The Whoosh field type of the index's full-text fields (see :mod:`index.terms` for the terms).

:class:`VietnameseText` indexes a string, or a list of ``(text, weight)`` parts whose every occurrence
counts ``weight`` towards BM25 (the title's syllables weigh more than the body's). Indexing goes through
:func:`index.terms.term_counts`, not the Token-object analyzer chain, which is several times slower;
the analyzer (:func:`index.analysis.search_analyzer`) yields the same terms and is what Whoosh uses
when it analyses text itself. The class is module-level and picklable: Whoosh stores the schema in
the index TOC.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from whoosh.fields import FieldType
from whoosh.formats import Frequency
from whoosh.system import pack_uint

from index.analysis import search_analyzer
from index.terms import term_counts

__all__ = ["VietnameseText", "text_parts"]


def text_parts(value: Any) -> list[tuple[str, float]]:
    """A full-text field value as ``(text, weight)`` parts: text weighs 1; ValueError for anything but
    text or a list of ``(text, weight)`` pairs."""
    if isinstance(value, str):
        return [(value, 1.0)]
    if isinstance(value, list | tuple) and all(
        isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str) for p in value
    ):
        return [(text, float(weight)) for text, weight in value]
    raise ValueError(f"{type(value).__name__} is not text or a list of (text, weight) parts")


class VietnameseText(FieldType):  # type: ignore[misc]
    """A scorable, unpositioned full-text field of exact, folded and bigram terms."""

    def __init__(self, *, stored: bool = False, field_boost: float = 1.0) -> None:
        super().__init__(
            format=Frequency(field_boost=float(field_boost)),
            analyzer=search_analyzer(),
            scorable=True,
            stored=stored,
            multitoken_query="and",
        )

    def term_counts(self, value: Any) -> tuple[dict[str, int], dict[str, float], int]:
        """:func:`index.terms.term_counts` of a field value (before the field boost)."""
        return term_counts(text_parts(value))

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        """``(term bytes, frequency, weight, encoded frequency)`` per distinct term of ``value``."""
        freqs, weights, _ = self.term_counts(value)
        boost = self.format.field_boost
        for term, freq in freqs.items():
            yield term.encode("utf-8"), freq, weights.get(term, freq) * boost, pack_uint(freq)
