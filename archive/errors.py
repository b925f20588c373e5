"""The archive package's exception hierarchy.

Every error the archive raises on purpose derives from :class:`ArchiveError`, so callers (the CLI, the API)
can catch one type at their edge. Third-party errors (TOML, pydantic, warcio, OS errors) are mapped to these
where they cross the package boundary.
"""

from __future__ import annotations


class ArchiveError(Exception):
    """Base class of every error raised by :mod:`archive`."""


class SourcesError(ArchiveError):
    """The sources registry cannot be read or is invalid; the message names the source and key."""


class WarcError(ArchiveError):
    """A WARC file cannot be written or a record in it cannot be read."""


class RecordNotFound(ArchiveError):
    """No record with the requested id exists in the store."""

    def __init__(self, record_id: str) -> None:
        super().__init__(f"no record with id {record_id!r}")
        self.record_id = record_id


class StoreError(ArchiveError):
    """A record file is unreadable or cannot be written."""


class CdxError(ArchiveError):
    """A CDXJ index cannot be built, written or read, or a URL has no SURT key."""
