"""The rules that tell content from the rest of a page (never-content elements, boilerplate class and id
words, text measures, the density extractor's constants) and, on the BeautifulSoup tree of the article's part
of the page, text measures and text blocks.

The page-wide steps apply these rules on the lxml tree (:mod:`archive.parse.page` removes boilerplate,
:mod:`archive.parse.lblock` finds the content block); :func:`drop_boilerplate` here is their BeautifulSoup
reference, which ``tests/archive/test_parse_page.py`` holds the lxml side to. Every walk here is iterative
and linear in the size of the tree.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final, NamedTuple

from bs4 import Tag
from bs4.element import Comment, Declaration, Doctype, NavigableString, PageElement, ProcessingInstruction

from archive.parse.select import Index, select_all

# Elements that are never content.
DROP_TAGS: Final = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "nav",
        "header",
        "footer",
        "aside",
        "form",
        "iframe",
        "button",
    }
    | {"select", "svg", "canvas", "object", "embed", "dialog", "menu"}
)
# class/id words of boilerplate blocks (menus, share bars, related and most-read news, newsletter sign-ups,
# counters, pagers, skip links, side rails).
BOILERPLATE: Final = re.compile(
    r"(^|[-_\s])(menu|nav|navbar|breadcrumbs?|share|social|sharing|bookmarks?|print|related|tin-?khac|"
    r"tin-?lien-?quan|other-?news|comments?|binh-?luan|footer|sidebar|pager|pagination|element-invisible|"
    r"skip|tags?|rating|view-?count|luot-?xem|toolbar|banner|advert|ads|sr-only|popup|modal|"
    r"trending|popular|most-?read|most-?viewed|doc-?nhieu|recommended|recommendations|more-?stories|"
    r"read-?more|newsletter|subscribe|subscription|signup|promo|outbrain|taboola|widget)($|[-_\s])",
    re.IGNORECASE,
)
COMMENTS: Final = re.compile(r"(^|[-_\s])(comments?|binh-?luan)($|[-_\s])", re.IGNORECASE)
# An element named like boilerplate that holds this many long paragraphs is a misnamed content wrapper
# ("content-sidebar-wrap", "print-area"): kept, unless it holds readers' comments.
ARTICLE_MASS: Final = 3
LONG_PARAGRAPH: Final = 150
PAGE_FORM_TEXT: Final = 500
# Microformat and CMS classes of an article's own container.
ARTICLE_CLASSES: Final = frozenset({"hentry", "h-entry", "post-body", "entry-content", "article-body"})
NEVER_DROP: Final = frozenset({"html", "body", "main", "article"})
_BREAK: Final = "\u2029"  # stands for <br> until blocks are split
BLOCKS: Final = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "td", "th", "div", "figcaption"}
    | {"dd", "dt", "section", "article", "center", "address", "caption", "table", "tr", "ul", "ol", "main"}
)
INLINE_TEXT: Final = frozenset(
    {"a", "b", "strong", "em", "i", "u", "span", "font", "sup", "sub", "small", "big"}
)
_NOT_TEXT: Final = (Comment, Declaration, Doctype, ProcessingInstruction)
WIDEN_TEXT: Final = 250  # characters of linkless text an ancestor may add
# A selector's match with less non-link text than this may be a teaser or an empty shell (a "<article>"
# around a related story): text density gets a say, and wins with this many times more text.
SURE_BODY: Final = 200
GENERIC_OVER_SMALL: Final = 3
MIN_RUN: Final = 25  # characters of a text run that votes in the density extractor


class Size(NamedTuple):
    """Text measures of one element: characters of text, of link text, and the number of links."""

    text: int
    links_text: int
    links: int
    long_paragraphs: int


def density(size: Size) -> float:
    """Text weighed by its share of non-link text: what a content block is chosen by."""
    return size.text * (1.0 - size.links_text / max(size.text, 1))


def measure(root: Tag) -> dict[int, Size]:
    """:class:`Size` of ``root`` and every element below it, by ``id()``, in one bottom-up pass.

    Text lengths count stripped strings (an approximation of ``get_text(strip=True)`` without the
    separators); a paragraph is long from 150 characters.
    """
    order: list[Tag] = []
    stack = [root]
    while stack:
        tag = stack.pop()
        order.append(tag)
        stack.extend(c for c in tag.contents if isinstance(c, Tag))
    sizes: dict[int, Size] = {}
    for tag in reversed(order):  # children before their parent
        text = links_text = links = long_paragraphs = 0
        for child in tag.contents:
            if isinstance(child, Tag):
                size = sizes[id(child)]
                text += size.text
                links_text += size.links_text
                links += size.links
                long_paragraphs += size.long_paragraphs
            elif isinstance(child, NavigableString) and not isinstance(child, _NOT_TEXT):
                text += len(child.strip())
        if tag.name == "a":
            links_text, links = text, links + 1
        if tag.name == "p" and text >= LONG_PARAGRAPH:
            long_paragraphs += 1
        sizes[id(tag)] = Size(text, links_text, links, long_paragraphs)
    return sizes


def _classes(tag: Tag) -> str:
    words = tag.get_attribute_list("class")
    return " ".join([*(w for w in words if isinstance(w, str)), str(tag.get("id") or "")])


def _is_boilerplate(tag: Tag, sizes: dict[int, Size]) -> bool:
    if tag.name in DROP_TAGS:
        if tag.name == "form":
            # ASP.NET and JSF pages wrap the whole page in one form; a search or comment form is short.
            size = sizes[id(tag)]
            return size.text - size.links_text < PAGE_FORM_TEXT
        # An article's own <header> holds its title and date line, and its own <footer> its date, byline,
        # category and tags (Twenty Twenty-One's entry-footer), not site navigation.
        return not (tag.name in ("header", "footer") and tag.find_parent("article") is not None)
    if tag.name in NEVER_DROP or tag.attrs is None:
        return False
    words = _classes(tag)
    if not words.strip() or BOILERPLATE.search(words) is None:
        return False
    if COMMENTS.search(words) is not None:
        return True
    return sizes[id(tag)].long_paragraphs < ARTICLE_MASS and tag.find(_holds_article) is None


def _holds_article(tag: Tag) -> bool:
    """The element marks an article's own container: a misnamed wrapper around it ("widget Blog") is not
    boilerplate, whatever its paragraphs look like."""
    if tag.name in ("article", "main", "h1") or tag.get("itemprop") == "articleBody":
        return True
    return any(w in ARTICLE_CLASSES for w in tag.get_attribute_list("class") if isinstance(w, str))


def drop_boilerplate(root: Tag, extra: tuple[str, ...] = (), index: Index | None = None) -> None:
    """Remove elements that are never article content, in place: ``extra`` selectors (a family's or a
    source's), then never-content elements and elements whose class or id names a boilerplate block.

    Page-level containers (``body``, ``main``, ``article``) carry layout classes ("one-sidebar",
    "page-node") that describe the page, not the element, and are never dropped.
    """
    for tag in select_all(root, extra, index):
        if tag.parent is not None:
            tag.decompose()
    sizes = measure(root)
    stack: list[Tag] = [root]
    while stack:
        node = stack.pop()
        for tag in [c for c in node.contents if isinstance(c, Tag) and _is_boilerplate(c, sizes)]:
            tag.decompose()
        stack.extend(c for c in node.contents if isinstance(c, Tag))


def _events(root: Tag) -> Iterator[tuple[bool, PageElement]]:
    """Document-order walk: (True, tag) on entering a tag, (False, tag) on leaving it, (True, text)."""
    stack: list[tuple[bool, PageElement]] = [(True, root)]
    while stack:
        entering, node = stack.pop()
        yield entering, node
        if entering and isinstance(node, Tag):
            stack.append((False, node))
            stack.extend((True, child) for child in reversed(node.contents))


def block_texts(container: Tag) -> list[str]:
    """Visible text of the container split into blocks (paragraph-level elements), in document order.

    Text directly inside a ``div`` (not wrapped in ``<p>``) is a block of its own, and ``<br>`` separates
    blocks (lines of a signature, paragraphs of older CMS editors).
    """
    blocks: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            blocks.extend("".join(run).split(_BREAK))
            run.clear()

    for entering, node in _events(container):
        if isinstance(node, Tag):
            if node.name == "br" and entering:
                run.append(_BREAK)
            elif node.name in BLOCKS:
                flush()
        elif isinstance(node, NavigableString) and not isinstance(node, _NOT_TEXT):
            run.append(str(node))
    flush()
    return blocks
