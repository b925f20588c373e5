"""The one search contract of deptnews: what the API, the CLI and the web page may ask of an index.

Two backends implement it (chosen by :class:`~index.settings.IndexSettings`, opened by
:mod:`index.backends`): the embedded Whoosh index of one machine (:mod:`index.whoosh`, the default) and
PostgreSQL with streaming read replicas (:mod:`index.postgresql`). Both take their terms from the same
analysis (:mod:`index.analysis`, :mod:`index.terms`) and read the same query language
(:mod:`index.query`), so a query matches the same documents whichever runs; requests and results are the
types of :mod:`index.request`, cursors those of :mod:`index.cursor`.

Reads go through a :class:`SearchBackend` (long-lived, thread-safe); writes through an
:class:`IndexBackend` (one writer at a time; a second one waits for the first or fails with
:class:`~index.errors.IndexBusy`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal, Protocol

from archive.model import Record
from index.health import SourceHealth
from index.request import Hit, IndexStats, Interval, SearchRequest, SearchResults

__all__ = ["IndexBackend", "NodeStatus", "Progress", "SearchBackend", "SyncReport"]

Progress = Callable[[int, int], None]
"""``progress(done, total)``: called as records are checked during a sync."""


@dataclass(frozen=True)
class NodeStatus:
    """One node a backend reads from or writes to, as ``/readyz`` reports it."""

    name: str
    """``local`` (Whoosh), ``primary`` or ``replica-N`` (PostgreSQL)."""
    role: Literal["local", "primary", "replica"]
    ready: bool
    lag_seconds: float | None = None
    """A replica's replay lag (seconds since the last replayed commit; 0 when it has caught up)."""
    detail: str = ""
    """Why the node is not used, in plain words ("" when it is)."""


@dataclass
class SyncReport:
    """What a sync did."""

    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    left_out: int = 0
    """Listed records that are not :func:`~index.schema.searchable` (reposts), kept out of the index."""
    rebuilt: bool = False
    reason: str | None = None
    """Why the index was rebuilt (None if it was updated in place)."""
    failed: list[tuple[str, str]] = field(default_factory=list)
    """``(id, message)`` of records that could not be read."""


class SearchBackend(Protocol):
    """Searching an index. Every method may raise :class:`~index.errors.IndexMissing` (nothing indexed
    yet), :class:`~index.errors.IndexOutdated` (built by other code) or
    :class:`~index.errors.QueryError` (a request that cannot be run)."""

    def search(self, request: SearchRequest) -> SearchResults:
        """One page of hits with the total, the facets asked for and the next page's cursor. A cursor is
        valid on whichever node or searcher serves the next page, and documents added between pages
        shift no page."""
        ...

    def iter_hits(self, request: SearchRequest, batch: int = 500, *, snippets: bool = False) -> Iterator[Hit]:
        """Every match of ``request`` in its order, fetched ``batch`` at a time by cursor."""
        ...

    def timeline(self, request: SearchRequest, interval: Interval) -> list[tuple[str, int]]:
        """Matches per local day / month / year (``YYYY-MM-DD`` / ``YYYY-MM`` / ``YYYY``), by period."""
        ...

    def count(self) -> int:
        """Documents in the index (0 when there is none yet)."""
        ...

    def stats(self) -> IndexStats:
        """Size and freshness of the index."""
        ...

    def health(self) -> dict[str, SourceHealth]:
        """Per-source parser health of the indexed records (see :mod:`index.health`)."""
        ...

    def readiness(self) -> list[NodeStatus]:
        """Each node this backend reads from, checked now (never raises)."""
        ...

    def close(self) -> None: ...


class IndexBackend(Protocol):
    """Writing an index: the current version of each searchable record, by id."""

    def sync(
        self,
        entries: Iterable[tuple[str, str]],
        load: Callable[[str], Record],
        *,
        rebuild: bool = False,
        procs: int | None = None,
        progress: Progress | None = None,
    ) -> SyncReport:
        """Make the index hold exactly the listed records ``(id, stamp)`` (the stamp changes when the
        record does; ``load(id)`` reads one). Resumable: a sync killed at any point leaves a searchable
        index, and the next one completes the work without losing or duplicating a document."""
        ...

    def upsert(self, records: Iterable[Record]) -> int:
        """Index these records (replacing any earlier version of each); returns how many were written."""
        ...

    def delete(self, ids: Iterable[str]) -> int:
        """Remove these records from the index; returns how many were there."""
        ...

    def close(self) -> None: ...
