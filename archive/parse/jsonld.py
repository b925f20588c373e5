"""Structured data: the schema.org objects in a page's ``<script type="application/ld+json">`` blocks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Final

from bs4 import BeautifulSoup

from archive.parse.text import clean_text

ARTICLE_TYPES: Final = frozenset(
    {"article", "newsarticle", "reportagenewsarticle", "blogposting", "report", "analysisnewsarticle"}
)
MAX_SCRIPT: Final = 256 * 1024  # a JSON-LD block bigger than this is not article metadata


def items(soup: BeautifulSoup) -> list[dict[str, Any]]:
    """Every JSON object of the page's JSON-LD (``@graph`` members and list items included), article
    types first. Invalid, oversized or absurdly nested JSON is skipped (call before boilerplate removal:
    the scripts go with it)."""
    found: list[dict[str, Any]] = []
    for script in soup.find_all("script", attrs={"type": "application/ld+json"}):
        text = script.get_text()
        if len(text) > MAX_SCRIPT:
            continue
        try:
            data = json.loads(text, strict=False)  # CMSs leave raw newlines inside strings
        except (ValueError, RecursionError):
            continue
        found.extend(walk(data))
    return sorted(found, key=lambda item: not is_article(item))


def walk(data: Any) -> Iterator[dict[str, Any]]:
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            graph = item.get("@graph")
            if graph is not None:
                stack.append(graph)
            yield item


def _types(item: dict[str, Any]) -> set[str]:
    kind = item.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.lower() for k in kinds if isinstance(k, str)}


def is_article(item: dict[str, Any]) -> bool:
    return bool(_types(item) & ARTICLE_TYPES)


def text_value(value: Any) -> str | None:
    """A string property, or the ``name`` of an object, or the first of a list; cleaned; None if empty."""
    if isinstance(value, list):
        for element in value:
            if (text := text_value(element)) is not None:
                return text
        return None
    if isinstance(value, dict):
        value = value.get("name")
    if isinstance(value, str):
        return clean_text(value) or None
    return None


def first(found: list[dict[str, Any]], key: str, *, articles_only: bool = False) -> str | None:
    """The first non-empty text value of ``key`` (articles first)."""
    for item in found:
        if articles_only and not is_article(item):
            continue
        if (text := text_value(item.get(key))) is not None:
            return text
    return None


def strings(found: list[dict[str, Any]], key: str) -> list[str]:
    """Every string of ``key`` in article objects (a list, or a comma-separated string)."""
    out: list[str] = []
    for item in found:
        if not is_article(item):
            continue
        value = item.get(key)
        values = value if isinstance(value, list) else str(value).split(",") if isinstance(value, str) else []
        for element in values:
            text = text_value(element)
            if text and text not in out:
                out.append(text)
    return out
