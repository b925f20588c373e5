"""The index package's exception hierarchy (Whoosh and psycopg errors are mapped to these at the package
edge)."""

from __future__ import annotations


class SearchError(Exception):
    """Base class of every error raised by :mod:`index`."""


class QueryError(SearchError):
    """A query the caller typed cannot be run; the message says why in plain words."""


class IndexMissing(SearchError):
    """No index exists yet at the given location (run ``deptnews index``)."""


class IndexOutdated(SearchError):
    """The index was built with another schema or analysis version (run ``deptnews index --rebuild``)."""


class IndexBusy(SearchError):
    """Another process holds the index's writer lock longer than the timeout."""


class BackendUnavailable(SearchError):
    """The settings choose an index backend this installation cannot open."""


class IndexUnavailable(SearchError):
    """The index's servers cannot serve the request now: the PostgreSQL primary cannot be reached for a
    write, no node can serve a read, or a connection broke during a query. The message names each node
    and why in plain words (the driver's words, with hosts and ports: for operators and logs);
    ``public`` names only the nodes, for clients. Transient: the API answers 503 and the request may be
    tried again."""

    def __init__(self, message: str, *, public: str | None = None) -> None:
        super().__init__(message)
        self.public = public or message
