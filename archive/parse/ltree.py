"""The page's tree: lxml, read and pruned before BeautifulSoup sees the article's part of the page.

Building a BeautifulSoup tree costs about a kilobyte and a dozen Python calls per node: on real news pages
(700+ elements, most of them menus, footers and scripts) it was most of the parser's time. The parser
therefore parses the whole page with lxml (in C), reads what lives in ``<head>``, scripts and navigation,
removes the boilerplate (:mod:`archive.parse.page`), finds the content block and tells listings and error
pages apart there (:mod:`archive.parse.lblock`, :mod:`archive.parse.laround`); only the article's part of
the page is handed to BeautifulSoup (:func:`archive.parse.lblock.soup_of`) for its fields.

The helpers here answer as their BeautifulSoup counterparts do on the same page, so records do not depend
on which tree read them: :func:`text` is ``Tag.get_text`` (strings of scripts, styles, templates and ruby
annotations left out, comments never read), :func:`remove` keeps the text after the element apart from
the text before it, as ``Tag.decompose`` does, and :func:`select_grouped` matches CSS selectors (through
cssselect's XPath translation) as soupsieve does on the BeautifulSoup tree of the same page. Every walk is
iterative.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from typing import Any, Final

from bs4 import BeautifulSoup
from cssselect import HTMLTranslator, SelectorError
from lxml import etree

from archive.parse import guard
from archive.parse.guard import MAX_ATTRIBUTES, MAX_DEPTH
from archive.parse.lkeys import Keys as Keys  # re-exported: the parser's modules take it from here
from archive.parse.select import split_selector

Element = Any  # an lxml.html element (lxml ships no types; see the mypy overrides)

# Elements whose strings BeautifulSoup files under their own string class, left out of ``get_text`` of any
# other element (bs4's HTMLTreeBuilder.DEFAULT_STRING_CONTAINERS).
_CONTAINERS: Final = frozenset({"script", "style", "template", "rt", "rp"})
_TRANSLATOR: Final = HTMLTranslator()
_NOT_XML: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def parse(markup: str, max_depth: int = MAX_DEPTH) -> Element | None:
    """The page's root element, parsed as BeautifulSoup's lxml builder parses it (libxml2's HTML parser,
    recovering, fed the decoded text at once) and bounded by :func:`flatten`; None when there is no element.

    libxml2 builds trees up to 2,048 levels deep (``huge_tree``) and silently stops reading below that,
    where BeautifulSoup's builder, fed by libxml2's SAX events, keeps everything. A page nested as deep as
    ``max_depth`` is hostile or broken: it is read as before, through BeautifulSoup, bounded there, and
    parsed again from that tree, so no text is lost that the BeautifulSoup-only parser kept.
    """
    root = _parse(markup)
    if root is not None and flatten(root, max_depth) > 0:
        soup = BeautifulSoup(markup, "lxml")
        guard.flatten(soup, max_depth)
        root = _parse(str(soup))
        if root is not None:
            flatten(root, max_depth)
    return root


def _parse(markup: str) -> Element | None:
    # etree's parser, not lxml.html's: lxml.html looks up a Python class for every element it hands out.
    parser = etree.HTMLParser(recover=True, huge_tree=True, default_doctype=False)
    try:
        parser.feed(markup)
        root = parser.close()
    except etree.Error:
        return None
    return root if root is not None and isinstance(root.tag, str) else None


def is_element(node: Element) -> bool:
    """``node`` is an element, not a comment, processing instruction or entity."""
    return isinstance(node.tag, str)


def children(el: Element) -> list[Element]:
    return [c for c in el if isinstance(c.tag, str)]


def classes(el: Element) -> list[str]:
    """The words of the ``class`` attribute, as BeautifulSoup splits it."""
    value = el.get("class")
    return value.split() if value else []


def _container_of(el: Element) -> str | None:
    """The name of the string container ``el``'s own strings are in, if any (innermost first)."""
    if el.tag in _CONTAINERS:
        return str(el.tag)
    found = next(el.iterancestors(*_CONTAINERS), None)  # walked in C, nearest first
    return str(found.tag) if found is not None else None


def strings(el: Element, skip: Callable[[Element], bool] | None = None) -> Iterator[str]:
    """The strings ``Tag.get_text`` joins, in document order; elements for which ``skip`` says yes are left
    out with everything in them (the text after them stays)."""
    own = _container_of(el)
    # (node, its strings' container); the tail of a descendant belongs to its parent's container.
    stack: list[tuple[Element, str | None, bool]] = [(el, own, False)]
    while stack:
        node, container, tail_only = stack.pop()
        if tail_only:
            if node.tail and container == own:
                yield node.tail
            continue
        if node.text and container == own:
            yield node.text
        kids = list(node)
        for child in reversed(kids):
            stack.append((child, container, True))
            if isinstance(child.tag, str) and not (skip is not None and skip(child)):
                inner = child.tag if child.tag in _CONTAINERS else container
                stack.append((child, inner, False))


def text(el: Element, separator: str = "", skip: Callable[[Element], bool] | None = None) -> str:
    """``Tag.get_text(separator)`` of the same element."""
    return separator.join(strings(el, skip))


def stripped_len(el: Element) -> int:
    """``len(tag.get_text(" ", strip=True))`` of the same element."""
    return len(" ".join(s for s in (part.strip() for part in strings(el)) if s))


def remove(el: Element) -> None:
    """Take ``el`` out of the tree as ``Tag.decompose`` does: the text after it stays, apart from the text
    before it (an empty comment keeps the two strings BeautifulSoup would keep when both hold text)."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail and el.tail.strip() and _text_before(el, parent).strip():
        keeper = etree.Comment("")
        _set_text(keeper, "tail", el.tail)
        parent.replace(el, keeper)
        return
    if el.tail:
        # Whitespace on one side: one string or two read the same (BeautifulSoup collapses whitespace).
        previous = el.getprevious()
        if previous is not None:
            _set_text(previous, "tail", (previous.tail or "") + el.tail)
        else:
            _set_text(parent, "text", (parent.text or "") + el.tail)
    parent.remove(el)


def _text_before(el: Element, parent: Element) -> str:
    """The string just before ``el``: its previous sibling's tail, or its parent's text."""
    previous = el.getprevious()
    return (previous.tail if previous is not None else parent.text) or ""


def _set_text(node: Element, attribute: str, value: str) -> None:
    """Set ``node.text`` or ``node.tail``: libxml2 keeps control characters it parsed but lxml refuses them
    when text is set, so they are removed then (as :func:`archive.parse.text.clean_text` does later)."""
    try:
        setattr(node, attribute, value)
    except ValueError:
        setattr(node, attribute, _NOT_XML.sub("", value))


def has_ancestor(el: Element, name: str) -> bool:
    return next(el.iterancestors(name), None) is not None


def flatten(root: Element, max_depth: int = MAX_DEPTH) -> int:
    """:func:`archive.parse.guard.flatten` on the lxml tree (the root element is at depth 1, below the
    document): the content of every element at ``max_depth`` with child elements becomes its text, and at
    most :data:`~archive.parse.guard.MAX_ATTRIBUTES` attributes are kept per element."""
    for el in _many_attributes(root):
        kept = el.items()[:MAX_ATTRIBUTES]
        el.attrib.clear()
        for name, value in kept:
            el.set(name, value)
    if not _deeper(max_depth)(root):
        return 0  # the usual page: nothing to cut, found without a walk in Python
    cut: list[Element] = []
    stack: list[tuple[Element, int]] = [(root, 1)]
    while stack:
        el, level = stack.pop()
        kids = children(el)
        if level == max_depth:
            if kids:
                cut.append(el)
            continue
        stack.extend((child, level + 1) for child in kids)
    for el in cut:
        content = text(el, "\n")
        for child in list(el):
            el.remove(child)
        _set_text(el, "text", content)
    return len(cut)


_many_attributes: Final = etree.XPath(f"//*[count(@*) > {MAX_ATTRIBUTES}]")


@lru_cache(maxsize=8)
def _deeper(max_depth: int) -> etree.XPath:
    """An XPath finding the elements below depth ``max_depth`` (one step per level, evaluated in C)."""
    return etree.XPath("/*" * (max_depth + 1))


def serialize(root: Element) -> str:
    """The document (doctype included) as HTML, for BeautifulSoup to parse what is left of the page."""
    return str(etree.tostring(root.getroottree(), method="html", encoding="unicode"))


@lru_cache(maxsize=2048)
def _xpath(selector: str) -> etree.XPath | None:
    """``selector`` compiled to an XPath over the whole document (the root element included, as soupsieve's
    ``select`` on the BeautifulSoup object); None when cssselect cannot read it."""
    try:
        return etree.XPath(_TRANSLATOR.css_to_xpath(selector, prefix="descendant-or-self::"))
    except (SelectorError, etree.XPathError, ValueError):
        return None


def select_grouped(root: Element, selectors: Iterable[str], keys: Keys | None = None) -> list[list[Element]]:
    """For each selector, in order, the elements of ``root``'s document matching it in document order; an
    empty list for a selector that does not parse. ``keys`` of the page skip selectors that cannot match."""
    groups: list[list[Element]] = []
    for selector in selectors:
        if keys is not None:
            # Only the alternatives of a selector list that may match are evaluated.
            parts = [part for part in split_selector(selector, ",") if keys.may_match(part)]
            selector = ", ".join(parts)
            if not parts:
                groups.append([])
                continue
        compiled = _xpath(selector)
        found = compiled(root) if compiled is not None else []
        groups.append([el for el in found if isinstance(el.tag, str)])
    return groups


def select_all(root: Element, selectors: Iterable[str], keys: Keys | None = None) -> list[Element]:
    """Elements matching any of ``selectors``, in selector order then document order, without repeats."""
    out: list[Element] = []
    seen: set[Element] = set()
    for group in select_grouped(root, selectors, keys):
        for el in group:
            if el not in seen:
                seen.add(el)
                out.append(el)
    return out


def select_first(root: Element, selectors: Iterable[str], keys: Keys | None = None) -> Element | None:
    """The first element matching the first selector that matches anything, or None."""
    for group in select_grouped(root, selectors, keys):
        if group:
            return group[0]
    return None
