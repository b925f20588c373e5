"""Input guards: what keeps one hostile or broken capture from costing unbounded time or memory.

* :func:`sniff_binary` recognises non-HTML payloads served as ``text/html`` (PDFs, images, archives);
* :func:`shrink` drops what is never content (scripts, styles, comments, inline ``data:`` images) from an
  oversized body before the size cap applies, so a page bloated by a pasted base64 photo still parses;
* :func:`flatten` bounds the depth of a parsed tree as browsers do, so that no tree walk can recurse
  without limit.
"""

from __future__ import annotations

import re
from typing import Final

from bs4 import BeautifulSoup, Tag

MAX_HTML_BYTES: Final = 4 * 1024 * 1024
"""Markup parsed at most (after :func:`shrink`). Real article pages are far below it; BeautifulSoup needs
about 30 times the markup size in memory, so this bounds a parse to a few hundred megabytes."""
MAX_MARKUP_BYTES: Final = 16 * 1024 * 1024
"""A body over this is refused at once, without looking for scripts and images to strip."""
MAX_TAGS: Final = 60_000
"""Elements parsed at most (counted as ``<`` characters, an upper bound). An element costs BeautifulSoup
about a kilobyte; real article pages have a few thousand."""
MAX_ATTRIBUTES: Final = 64
"""Attributes kept per element; CSS matching reads them all, so a hostile element with thousands would
make every selector slow."""
MAX_DEPTH: Final = 512
"""Element nesting kept; deeper elements are unwrapped (their text stays). Chromium's tree builder caps
nesting at 512 as well, so nothing a reader could see is lost."""

_MAGIC: Final = (
    (b"%PDF-", "PDF"),
    (b"PK\x03\x04", "ZIP/Office"),
    (b"\xd0\xcf\x11\xe0", "Office 97-2003"),
    (b"\x89PNG", "PNG"),
    (b"GIF8", "GIF"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"RIFF", "RIFF media"),
    (b"\x1f\x8b", "gzip"),
    (b"Rar!", "RAR"),
    (b"7z\xbc\xaf", "7-Zip"),
    (b"\x00\x00\x01\x00", "icon"),
)
_UTF16_BOMS: Final = (b"\xff\xfe", b"\xfe\xff")
_SNIFF: Final = 1024
# Bytes that never occur in text: C0 controls other than tab, newlines and form feed.
_CONTROL: Final = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]")
_NEVER_CONTENT: Final = re.compile(
    rb"<script\b.*?</script\s*>|<style\b.*?</style\s*>|<!--.*?-->|data:[a-z]+/[a-z0-9.+-]+;base64,[a-z0-9+/=\s]{256,}",
    re.IGNORECASE | re.DOTALL,
)


def sniff_binary(body: bytes) -> str | None:
    """What kind of binary data ``body`` is ("PDF", "PNG", "binary"), or None when it may be text."""
    head = body[:_SNIFF].lstrip()
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head.startswith(_UTF16_BOMS) or b"<\x00" in head or b"\x00<" in head:
        return None  # UTF-16 text: NULs are half its bytes
    controls = len(_CONTROL.findall(head))
    return "binary" if head and controls * 20 > len(head) else None


def too_large(body: bytes) -> str | None:
    """Why ``body`` is more than the parser reads (after :func:`shrink`), or None."""
    if len(body) > MAX_HTML_BYTES:
        return f"{len(body)} bytes of markup, over {MAX_HTML_BYTES}"
    if (tags := body.count(b"<")) > MAX_TAGS:
        return f"up to {tags} elements, over {MAX_TAGS}"
    return None


def shrink(body: bytes, limit: int = MAX_HTML_BYTES) -> bytes:
    """``body`` without scripts, styles, comments and inline base64 data when it is over ``limit``.

    JSON-LD is a script too, so small pages are left untouched; only an oversized page loses it.
    """
    if len(body) <= limit or len(body) > MAX_MARKUP_BYTES:
        return body
    return _NEVER_CONTENT.sub(b" ", body)


def depth(root: Tag) -> int:
    """The deepest element nesting below ``root`` (iterative: the tree may be deeper than the stack)."""
    deepest = 0
    stack: list[tuple[Tag, int]] = [(root, 0)]
    while stack:
        tag, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in tag.contents if isinstance(child, Tag))
    return deepest


def flatten(soup: BeautifulSoup, max_depth: int = MAX_DEPTH) -> int:
    """Bound the tree: replace the content of every element at depth ``max_depth`` that has child elements
    by its text (one text node, blocks separated by newlines) and keep at most :data:`MAX_ATTRIBUTES`
    attributes per element; return how many elements were cut.

    Linear in the size of the tree, whatever its shape. Links and images that deep are lost: no CMS
    nests an article that deep, only broken or hostile pages do.
    """
    cut: list[Tag] = []
    stack: list[tuple[Tag, int]] = [(soup, 0)]
    while stack:
        tag, level = stack.pop()
        if tag.attrs and len(tag.attrs) > MAX_ATTRIBUTES:
            tag.attrs = dict(list(tag.attrs.items())[:MAX_ATTRIBUTES])
        if level == max_depth:
            if any(isinstance(child, Tag) for child in tag.contents):
                cut.append(tag)
            continue
        stack.extend((child, level + 1) for child in tag.contents if isinstance(child, Tag))
    for tag in cut:
        text = tag.get_text("\n")
        tag.clear()
        tag.append(text)
    return len(cut)
