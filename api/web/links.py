"""Links of the web pages: the current query with some parameters changed, and safe outbound links."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode, urlsplit


def with_params(path: str, params: Mapping[str, str], **changes: str | int | None) -> str:
    """``path`` with ``params`` plus ``changes`` as its query: a change to None or "" removes a parameter,
    empty values are dropped, and the order is stable (existing keys first) so equal queries give equal
    URLs."""
    merged: dict[str, str] = {k: v for k, v in params.items() if v != ""}
    for name, value in changes.items():
        if value is None or value == "":
            merged.pop(name, None)
        else:
            merged[name] = str(value)
    return f"{path}?{urlencode(merged)}" if merged else path


def http_url(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) URL, else None.

    Scraped pages may hold ``javascript:`` or ``data:`` links; escaping does not make those harmless in
    an ``href``, so only http(s) links are ever rendered as links (the rest is shown as text).
    """
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url.strip()


def page_numbers(current: int, last: int, *, around: int = 2) -> list[int | None]:
    """Page numbers to link: the first, the last and ``around`` either side of ``current``; None marks
    a gap (shown as "…"). ``[1, None, 4, 5, 6, 7, 8, None, 20]`` for page 6 of 20."""
    if last <= 1:
        return [1] if last == 1 else []
    shown = sorted({1, last, *range(max(1, current - around), min(last, current + around) + 1)})
    out: list[int | None] = []
    previous = 0
    for number in shown:
        if previous and number - previous > 1:
            out.append(None)
        out.append(number)
        previous = number
    return out
