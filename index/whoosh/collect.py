"""The relevance-ordered page of a search: top hits by score, ties by id, after a cursor.

Whoosh's ``TopCollector`` breaks score ties by internal document number, which changes when segments
are merged, so a cursor could not name a position in its order. :class:`PageCollector` orders by
(score descending, id ascending), skips documents not in an ``allow`` set (filters) before scoring
them, and skips everything at or before a cursor's (score, id). It keeps Whoosh's block-quality
skipping, with the threshold just below the current page minimum so a tied document is never skipped.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Container, Sequence
from functools import total_ordering
from typing import Any

from whoosh.collectors import ScoredCollector

__all__ = ["PageCollector"]


@total_ordering
class _Desc:
    """An id that sorts in reverse, so a min-heap's top is the lowest score and then the highest id."""

    __slots__ = ("id",)

    def __init__(self, id: str) -> None:
        self.id = id

    def __lt__(self, other: _Desc) -> bool:
        return self.id > other.id

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Desc) and self.id == other.id

    def __hash__(self) -> int:
        return hash(self.id)


class PageCollector(ScoredCollector):  # type: ignore[misc]
    """Collects the ``limit`` best ``(score, docnum)`` after ``after = (score, id)``.

    ``ids`` maps global docnums to record ids. After the search, :meth:`page` returns the hits in
    order.
    """

    def __init__(
        self,
        limit: int,
        ids: Sequence[str],
        *,
        after: tuple[float, str] | None = None,
        allow: Container[int] | None = None,
    ) -> None:
        super().__init__()
        self.limit = limit
        self.ids = ids
        self.after = after
        self.allow = allow

    def prepare(self, top_searcher: Any, q: Any, context: Any) -> None:
        super().prepare(top_searcher, q, context)
        self.items: list[tuple[float, _Desc, int]] = []

    def _use_block_quality(self) -> bool:
        return bool(not self.top_searcher.weighting.use_final and self.matcher.supports_block_quality())

    def collect_matches(self) -> None:
        allow, offset, collect = self.allow, self.offset, self.collect
        for sub_docnum in self.matches():
            if allow is None or offset + sub_docnum in allow:
                collect(sub_docnum)

    def _collect(self, global_docnum: int, score: float) -> float:
        items = self.items
        full = len(items) >= self.limit
        if full and score < items[0][0]:
            return 0.0
        rid = self.ids[global_docnum]
        if self.after is not None:
            after_score, after_id = self.after
            if score > after_score or (score == after_score and rid <= after_id):
                return 0.0
        entry = (score, _Desc(rid), global_docnum)
        if not full:
            heapq.heappush(items, entry)
        elif entry[:2] > items[0][:2]:
            heapq.heapreplace(items, entry)
        else:
            return 0.0
        if len(items) >= self.limit:
            # Just below the page minimum: blocks that can only tie it must still be read.
            self.minscore = math.nextafter(items[0][0], -math.inf)
        return -score

    def page(self) -> list[tuple[float, int]]:
        """``(score, global docnum)`` best first."""
        return [(score, docnum) for score, _, docnum in sorted(self.items, reverse=True)]

    def results(self) -> Any:  # pragma: no cover - the service reads page() instead
        raise NotImplementedError("use page()")
