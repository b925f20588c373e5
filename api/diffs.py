"""Differences between two versions of a record, for the API and the web page."""

from __future__ import annotations

import difflib

from api.models import DiffOut
from archive.model import Content, Record


def content_lines(content: Content) -> list[str]:
    """A version's normalized content as lines: labelled metadata, a blank line, the paragraphs."""
    head = [
        f"title: {content.title}",
        f"lead: {content.lead or ''}",
        f"published: {content.published.isoformat() if content.published else ''}",
        f"author: {content.author or ''}",
        "",
    ]
    return head + content.body


def diff_versions(record: Record, from_n: int, to_n: int) -> DiffOut:
    """Unified diff and changed field names between versions ``from_n`` and ``to_n`` (1-based, valid)."""
    old, new = record.versions[from_n - 1].content, record.versions[to_n - 1].content
    text = "\n".join(
        difflib.unified_diff(
            content_lines(old),
            content_lines(new),
            fromfile=f"version {from_n}",
            tofile=f"version {to_n}",
            lineterm="",
        )
    )
    old_fields, new_fields = old.model_dump(), new.model_dump()
    changed = [name for name in new_fields if old_fields.get(name) != new_fields[name]]
    return DiffOut(id=record.id, from_=from_n, to=to_n, changed_fields=changed, diff=text)
