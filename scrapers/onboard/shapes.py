"""The article URL pattern of a site, inferred from the links its listings share. Pure functions.

A URL's *shape* abstracts each path segment — digits (``/node/123``, ``123.html``), a slug (hyphenated
words, perhaps ending in an id, ``slug-4411.html``, or starting with one, ``123-slug``), or a literal word
(``Pages``, ``-``, ``news``) — and each query parameter (``ItemID=123``, ``p=7``, Joomla's ``id=12:slug``).
Links of one shape are one kind of page. The pattern of a group of teaser links keeps what they all share
literally (``/tin-tuc/``, ``view_content``, ``ItemID=``) and generalises the rest by its kind — a slug
that always ends in an id of at least *k* digits becomes ``[^/?#]*[-_]\\d{k,}``, so that a pager's
``trang-2.html`` is not an article — anchored at both ends. :func:`exclude_pages` then makes sure that no
page of the listing's own pager matches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final
from urllib.parse import parse_qsl, urlsplit

from scrapers.discover import page_marker

_EXT: Final = re.compile(r"(\.(?:html?|aspx?|php|jsp|shtml))$", re.IGNORECASE)
_NUM: Final = re.compile(r"^\d+$")
_SLUG: Final = re.compile(r"^[^\W_]+(?:[-_.,][^\W_]+)*$")
_SLUG_ID: Final = re.compile(r"^.*?[-_](\d+)$")
_ID_SLUG: Final = re.compile(r"^\d+-[^\W_].*$")
_QUERY_ID_SLUG: Final = re.compile(r"^\d+[:-]")
_ANY: Final = r"[^/?#]+"
_MARK_PATH: Final = re.escape("{n}")
_MARK_QUERY: Final = re.escape("%7Bn%7D")

Kind = tuple[str, str]
"""``("num"|"slug", extension)`` or ``("word", the segment itself)``."""
Shape = tuple[tuple[Kind, ...], bool, tuple[tuple[str, str, str], ...]]
"""(path segment kinds, ends in "/", query (name, kind, literal value or ""))."""


def _split(url: str) -> tuple[list[str], bool, list[tuple[str, str]]]:
    parts = urlsplit(url)
    segments = parts.path.split("/")[1:]
    trailing = bool(segments) and segments[-1] == ""
    if trailing:
        segments = segments[:-1]
    return segments, trailing, parse_qsl(parts.query, keep_blank_values=True)


def _kind(segment: str) -> Kind:
    match = _EXT.search(segment)
    ext = match.group(1) if match else ""
    stem = segment[: len(segment) - len(ext)]
    if _NUM.match(stem):
        return ("num", ext)
    if "-" in stem and _SLUG.match(stem):
        return ("slug", ext)
    return ("word", segment)


def _query_kind(value: str) -> tuple[str, str]:
    if _NUM.match(value):
        return ("num", "")
    if _QUERY_ID_SLUG.match(value):
        return ("idslug", "")
    return ("word", value)


def shape(url: str) -> Shape:
    """The shape of ``url``: links of one shape are taken to be one kind of page."""
    segments, trailing, query = _split(url)
    kinds = tuple(_kind(s) for s in segments)
    return kinds, trailing, tuple((name, *_query_kind(value)) for name, value in query)


def group_by_shape(urls: Iterable[str]) -> dict[Shape, list[str]]:
    """URLs by shape, in first-seen order, each once."""
    groups: dict[Shape, list[str]] = {}
    for url in dict.fromkeys(urls):
        groups.setdefault(shape(url), []).append(url)
    return groups


def loose_pattern(form: Shape) -> str:
    """Every URL of this shape: each slug or number generalised, literals kept."""
    kinds, trailing, query = form
    parts = [
        _escape(text) if kind == "word" else (r"\d+" if kind == "num" else _ANY) + _escape(ext)
        for kind, text in kinds
        for ext in [text if kind != "word" else ""]
    ]
    return _assemble(parts, trailing, [(n, k, v) for n, k, v in query])


def pattern_for(urls: list[str]) -> str:
    """The pattern of a group of URLs of one shape: literal where they all agree, else by kind."""
    if not urls:
        raise ValueError("no URLs to infer a pattern from")
    form = shape(urls[0])
    kinds, trailing, query = form
    split = [_split(u) for u in urls]
    parts: list[str] = []
    for position, (kind, text) in enumerate(kinds):
        values = [segments[position] for segments, _, _ in split]
        if kind == "num":  # dates and ids: never one literal value, whatever the sample shows
            parts.append(r"\d+" + _escape(text))
        elif position and kinds[position - 1] == ("word", "asset_publisher"):
            parts.append(_ANY)  # a Liferay portlet instance: another listing shows another one
        elif kind == "word" or (len(urls) > 1 and len(set(values)) == 1):
            parts.append(_escape(values[0]))
        else:
            parts.append(_slug_pattern([v[: len(v) - len(text)] for v in values]) + _escape(text))
    fixed: list[tuple[str, str, str]] = []
    for index, (name, kind, literal) in enumerate(query):
        values = [q[index][1] for _, _, q in split]
        same = kind == "word" or (kind == "idslug" and len(urls) > 1 and len(set(values)) == 1)
        fixed.append((name, "word", values[0]) if same else (name, kind, literal))
    return _assemble(parts, trailing, fixed)


def _slug_pattern(stems: list[str]) -> str:
    ids = [m.group(1) for s in stems if (m := _SLUG_ID.match(s))]
    if len(ids) == len(stems):
        # Ids of articles run long; a pager's page numbers are short: ask for as many digits as the
        # shortest id seen, at most 3 ("trang-2.html" is no article, "slug-45.html" may be one).
        least = min(3, *(len(i) for i in ids))
        return rf"[^/?#]*[-_]\d{{{least},}}"
    if all(_ID_SLUG.match(s) for s in stems):
        return r"\d+-[^/?#]+"
    return _ANY


def _assemble(parts: list[str], trailing: bool, query: list[tuple[str, str, str]]) -> str:
    path = "/" + "/".join(parts) + ("/" if trailing and parts else "")
    if not query:
        return f"^{path}$"
    values = {"num": r"\d+", "idslug": r"\d+[^&#]*"}
    items = [f"{_escape(name)}={values.get(kind) or _escape(literal)}" for name, kind, literal in query]
    return f"^{path}\\?" + "&".join(items) + "$"


def _escape(text: str) -> str:
    """``re.escape`` that leaves hyphens alone (literal outside a class): readable in sources.toml."""
    return re.escape(text).replace("\\-", "-")


def target(url: str) -> str:
    """What an article pattern is matched against: the URL's path and query."""
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def exclude_pages(pattern: str, pages: Iterable[str]) -> str | None:
    """``pattern``, made not to match any of the listing pages ``pages`` (its pager); None when it cannot
    be (a pager page of the very shape of the articles)."""
    matching = [p for p in dict.fromkeys(pages) if re.search(pattern, target(p))]
    if not matching:
        return pattern
    shapes: dict[str, None] = {}
    for page in matching:
        key, number = page_marker(page)
        if number is None:
            return None
        text = _escape(target(key))
        shapes[text.replace(_MARK_PATH, r"\d+").replace(_MARK_QUERY, r"\d+")] = None
    guarded = "^(?!(?:" + "|".join(shapes) + ")$)" + pattern.removeprefix("^")
    return guarded if not any(re.search(guarded, target(p)) for p in matching) else None
