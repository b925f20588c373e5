"""The work behind each CLI command, as plain functions of :class:`Settings` (testable without argv).

Each returns the process exit code (see :mod:`deptnews.commands.base`).
"""

from deptnews.commands.base import EXIT_CONFIG, EXIT_FAILURES, EXIT_LOCKED, EXIT_OK
from deptnews.commands.check import check
from deptnews.commands.crawl import crawl, sources
from deptnews.commands.index import index
from deptnews.commands.parse import parse
from deptnews.commands.search import schema, search
from deptnews.commands.serve import serve

__all__ = [
    "EXIT_CONFIG",
    "EXIT_FAILURES",
    "EXIT_LOCKED",
    "EXIT_OK",
    "check",
    "crawl",
    "index",
    "parse",
    "schema",
    "search",
    "serve",
    "sources",
]
