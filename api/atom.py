"""Atom 1.0 feeds (RFC 4287), written by an XML serializer that cannot produce a malformed document.

Every text and attribute value given to :func:`atom_feed` passes :func:`xml_text` first: a control
character, a lone surrogate or U+FFFE/U+FFFF in a query or in a record (which XML 1.0 cannot carry at
all, escaped or not) is dropped instead of breaking the feed for every subscriber. The rest — ``<``,
``&``, quotes — is the serializer's to escape (:mod:`lxml.etree`, which also refuses, rather than
writes, any string XML cannot hold: a character the sanitizer missed would be an error, never a
malformed feed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lxml import etree

from archive.parse.text import remove_control_chars

ATOM_NS = "http://www.w3.org/2005/Atom"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_SUMMARY_CHARS = 1000


def xml_text(value: str) -> str:
    """``value`` without what XML 1.0 cannot hold (see :func:`archive.parse.text.remove_control_chars`)."""
    return remove_control_chars(value)


@dataclass(frozen=True)
class Entry:
    """One entry: ``id`` an IRI that stays the same while the entry's content does."""

    id: str
    title: str
    updated: datetime
    alternate: str
    related: str | None = None
    published: datetime | None = None
    author: str = ""
    summary: str = ""
    lang: str | None = None


def _add(parent: Any, name: str, text: str | None = None, **attrs: str) -> Any:
    element = etree.SubElement(parent, f"{{{ATOM_NS}}}{name}", {k: xml_text(v) for k, v in attrs.items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def atom_feed(
    *, feed_id: str, title: str, self_url: str, updated: datetime, entries: list[Entry], lang: str
) -> bytes:
    """The feed as UTF-8 XML with its declaration; ``lang`` is the feed's ``xml:lang``."""
    feed = etree.Element(f"{{{ATOM_NS}}}feed", {_XML_LANG: xml_text(lang)}, nsmap={None: ATOM_NS})
    _add(feed, "title", title)
    _add(feed, "id", feed_id)
    _add(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _add(feed, "updated", updated.isoformat())
    _add(feed, "generator", "deptnews")
    for item in entries:
        entry = _add(feed, "entry")
        if item.lang:
            entry.set(_XML_LANG, xml_text(item.lang))
        _add(entry, "id", item.id)
        _add(entry, "title", item.title)
        _add(entry, "link", rel="alternate", type="text/html", href=item.alternate)
        if item.related:
            _add(entry, "link", rel="related", type="application/json", href=item.related)
        _add(entry, "updated", item.updated.isoformat())
        if item.published is not None:
            _add(entry, "published", item.published.isoformat())
        author = _add(entry, "author")
        _add(author, "name", item.author)
        if item.summary:
            _add(entry, "summary", item.summary[:_SUMMARY_CHARS])
    document: bytes = etree.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document
