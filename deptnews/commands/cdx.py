"""``deptnews cdx``: bring the CDXJ capture index up to date with the WARC files, or rebuild it."""

from __future__ import annotations

import sys

from archive.cdxindex import CdxIndex
from archive.errors import ArchiveError
from deptnews.commands.base import EXIT_FAILURES, EXIT_OK
from deptnews.settings import Settings


def cdx(settings: Settings, *, rebuild: bool = False) -> int:
    """Index the complete WARC files not indexed yet (``rebuild``: all of them) into ``<home>/cdx/`` and
    merge ``cdx/index.cdxj``; print what was done. Exit 1 if a WARC file cannot be read or the index
    cannot be written (what was done before stays)."""
    home = settings.data_home
    index = CdxIndex(home.cdx_dir, home.warc_dir)
    try:
        result = index.update(rebuild=rebuild)
    except (ArchiveError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURES
    print(
        f"cdx: {result.files} WARC file(s), {result.captures} capture(s) in {index.path} "
        f"({len(result.indexed)} indexed, {len(result.dropped)} dropped"
        f"{', merged' if result.merged else ', already current'})"
    )
    return EXIT_OK
