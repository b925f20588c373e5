"""Per-source parser health: how many of a source's current records have no publication date, a body
under :data:`SHORT_BODY` characters, or a title that another record of the same source also has. A source
whose pages the parser reads wrongly shows it here first (every record titled with the portlet's name,
every date missing, only the standfirst kept), before users meet it. Each backend counts it over what it
already keeps per document (see ``SearchBackend.health``).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SHORT_BODY", "SourceHealth"]

SHORT_BODY = 200
"""A body with fewer characters than this is counted as short."""


@dataclass(frozen=True)
class SourceHealth:
    """Counts over one source's current records."""

    records: int
    without_date: int
    short_body: int
    """Records whose body has fewer than :data:`SHORT_BODY` characters."""
    shared_title: int
    """Records whose title (ignoring case and spacing) another record of the same source also has."""
