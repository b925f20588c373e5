"""The index package's exception hierarchy (Whoosh errors are mapped to these at the package edge)."""

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
