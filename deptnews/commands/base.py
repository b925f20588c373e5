"""What every command shares: exit codes and the registry loader."""

from __future__ import annotations

from archive.sources import Registry, load_sources
from deptnews.settings import Settings

EXIT_OK = 0
"""Everything worked."""
EXIT_FAILURES = 1
"""Some sources or items failed; the rest was done."""
EXIT_CONFIG = 2
"""Bad configuration or usage: nothing was done."""
EXIT_LOCKED = 3
"""Another crawl holds the data home's lock."""


def load_registry(settings: Settings) -> Registry:
    return load_sources(settings.sources_file)
