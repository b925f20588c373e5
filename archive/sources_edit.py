"""Adding entries to a sources registry file, keeping its comments and layout (tomlkit).

The new file is validated as a whole (:func:`archive.sources.parse_sources`) before it replaces the old
one atomically: a registry is never left half written or invalid.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError

from archive.errors import SourcesError
from archive.sources import parse_sources


def append_sources(path: Path, entries: Sequence[Mapping[str, Any]]) -> None:
    """Append one ``[[source]]`` table per entry to ``path`` (created when missing)."""
    try:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        document = tomlkit.parse(text)
    except (OSError, UnicodeDecodeError, TOMLKitError) as exc:
        raise SourcesError(f"{path}: cannot read: {exc}") from None
    tables = document.get("source")
    if tables is None:
        tables = tomlkit.aot()
        document.append("source", tables)
    for entry in entries:
        table = tomlkit.table()
        table.trivia.indent = "\n"  # a blank line before each new [[source]], as in the file's own
        for key, value in entry.items():
            table.add(key, _literal(value) if key == "article_pattern" else value)
        tables.append(table)
    new = tomlkit.dumps(document)
    parse_sources(new, origin=str(path))  # raises SourcesError rather than writing a bad registry
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(new)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _literal(value: Any) -> Any:
    """A regex as a TOML literal string when it can be one (its backslashes then need no escaping)."""
    if isinstance(value, str) and "'" not in value and "\n" not in value:
        return tomlkit.string(value, literal=True)
    return value
