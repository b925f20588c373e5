"""What is read around the content block on the page's lxml tree: the date shown nearest to it, the heading
near it for a page whose ``<title>`` is not certain, the lead; and the removal of a title or date line the
template put inside the block.

These were BeautifulSoup readers; they read the lxml tree the same way (``ltree.text`` is ``get_text``,
elements are removed with :func:`archive.parse.ltree.remove`, which leaves what ``Tag.decompose`` leaves),
so records did not change when they moved. Dates are parsed and accepted by :mod:`archive.parse.when`, titles
judged by :mod:`archive.parse.titles`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Final

from lxml import etree

from archive.parse import dom, title_candidates, titles, when
from archive.parse.dates import parse_date
from archive.parse.fields import LEAD_SELECTORS, MIN_BOLD_LEAD
from archive.parse.ltree import Element, Keys, classes, is_element, remove, select_all, select_grouped, text
from archive.parse.text import clean_text

_BOLD: Final = ("b", "strong")
_HEADINGS: Final = frozenset({"h1", "h2", "h3", "h4"})
_NOT_WEAK: Final = frozenset({"div", "td", "table", "tr"})


def _classed(root: Element, container: Element) -> list[Element]:
    """Elements whose class names a date (a word of it matches; the pattern holds no space, so searching
    the whole value is the same), in document order."""
    search = when.DATE_CLASS.search
    return [el for el in _WITH_CLASS(root) if el is not container and search(el.get("class"))]


def _labelled(root: Element, container: Element) -> list[Element]:
    """The elements holding a string that opens with a publication label, in document order of the
    strings, as ``find_all(string=…)`` finds them (comments and scripts included)."""
    label = when.PUBLICATION_LABEL.search
    labelled: list[Element] = []
    stack: list[tuple[Element, bool]] = [(root, False)]
    while stack:
        node, tail = stack.pop()
        if tail:
            if node.tail and label(node.tail) and (parent := node.getparent()) is not container:
                labelled.append(parent)
            continue
        element = is_element(node)
        if node.text and label(node.text):
            holder = node if element else node.getparent()
            if holder is not None and holder is not container:
                labelled.append(holder)
        if node is not root:
            stack.append((node, True))
        if element:
            stack.extend((child, False) for child in reversed(node))
    return labelled


_WITH_CLASS: Final = etree.XPath("//*[@class]")


def _parse_element(el: Element, now: datetime) -> when.Dated | None:
    found = [el] if el.tag == "time" else el.iterdescendants("time")
    for time in found:
        value = time.get("datetime")
        if value is not None and (date := parse_date(value, now=now)):
            return date, "time"
    shown = clean_text(text(el, " "))
    if len(shown) <= when.MAX_LINE and (date := parse_date(shown, now=now)):
        return date, "time" if el.tag == "time" else "text"
    return None


def visible(
    root: Element, container: Element, selectors: tuple[str, ...], now: datetime, keys: Keys
) -> tuple[when.Dated, Element] | None:
    """A date shown on the page and the element showing it, nearest to the content block first (ancestor
    steps to the element holding both, then page order): the family's or source's date element, a ``<time>``
    element, an element whose class names a date, a labelled date line; a capture-day date far from the
    block is a top bar's "today" (:func:`archive.parse.when.accept`). At most
    :data:`~archive.parse.when.MAX_CANDIDATES` elements of each kind are tried."""
    steps = {container: 0}
    for i, parent in enumerate(container.iterancestors(), start=1):
        steps[parent] = i

    def distance(el: Element) -> int:
        if el in steps:
            return steps[el]
        return next((steps[p] for p in el.iterancestors() if p in steps), len(steps))

    # Each kind of candidate is gathered only when the kinds before it gave no date.
    kinds: tuple[Callable[[], list[Element]], ...] = (
        lambda: select_all(root, selectors, keys),
        lambda: list(root.iter("time")),
        lambda: _classed(root, container),
        lambda: _labelled(root, container),
    )
    for kind in kinds:
        candidates = kind()
        ranked = sorted(
            ((distance(el), i, el) for i, el in enumerate(candidates[: when.MAX_CANDIDATES])),
            key=lambda x: x[:2],
        )
        for far, _, el in ranked:
            dated = _parse_element(el, now)
            if dated is not None and when.accept(dated, far, now):
                return dated, el
    return None


def _bold_only(el: Element) -> bool:
    shown = clean_text(text(el, " "))
    bold = " ".join(
        clean_text(text(b, " "))
        for b in el.iterdescendants(*_BOLD)
        if next(b.iterancestors(*_BOLD), None) is None
    )
    return bool(shown) and (el.tag in _BOLD or clean_text(bold) == shown)


def _heading_like(el: Element, sites: titles.SiteNames, labels: title_candidates.SectionLabels) -> str | None:
    """The element's text when it looks like an article's heading: 15–300 characters, not a site's or
    section's name, not a label ("…:"); a heading, a title class, or a bold line without a link that is no
    sentence and no short name (a signature)."""
    shown = title_candidates.decode_entities(clean_text(text(el, " ")))
    if not titles.MIN_TITLE <= len(shown) <= titles.MAX_TITLE or shown in sites or shown.endswith((":", ";")):
        return None
    if titles.is_label(shown, labels):
        return None
    words = " ".join([*(c for c in classes(el) if c), str(el.get("id") or "")])
    if el.tag in _HEADINGS or titles.TITLE_CLASS.search(words):
        return shown
    # A bold line can be a title, but not a bold lead (a sentence) or a bold signature (a name).
    if (
        next(el.iterdescendants("a"), None) is None
        and _bold_only(el)
        and len(shown) <= titles.MAX_BOLD_TITLE
        and not shown.endswith(".")
    ):
        return shown if len(shown.split()) > titles.MAX_NAME_WORDS else None
    return None


def near_content(
    root: Element,
    container: Element,
    sites: titles.SiteNames,
    weak: str | None,
    labels: title_candidates.SectionLabels,
) -> tuple[str, Element] | None:
    """The article's heading found from its content block, for pages whose ``<title>`` is not certain: an
    element whose text is that document title (``weak``), or a heading-like element at the top of the block
    before its first long paragraph, else the nearest one before the block (of the 40 elements before it);
    never a section's name (``labels``). Returns the text and the element."""
    for count, el in enumerate(container.iterdescendants(etree.Element)):
        if count == titles.LOOK_AROUND:
            break
        if weak and el.tag not in _NOT_WEAK and clean_text(text(el, " ")) == weak:
            return weak, el
        if (found := _heading_like(el, sites, labels)) is not None:
            return found, el
        if el.tag in ("p", "li") and len(clean_text(text(el, " "))) >= titles.FIRST_PARAGRAPH:
            break  # the body has begun
    ancestors = set(container.iterancestors())
    elements = list(root.iter(etree.Element))
    before = elements[: elements.index(container)][::-1][: titles.LOOK_AROUND]
    for el in before:
        if el not in ancestors and (found := _heading_like(el, sites, labels)) is not None:
            return found, el
    return None


def drop_inside(container: Element, el: Element) -> None:
    """Remove ``el`` (a title or a date line) when it is inside the content block and not part of a
    sentence: a date inside a sentence of the body ("Ngày <span>12/3</span>, Sở …") stays."""
    if el is container or el.getparent() is None or container not in set(el.iterancestors()):
        return
    node = el
    while node.tag not in dom.BLOCKS and (parent := node.getparent()) is not None and parent is not container:
        if _other_text(parent, node):
            return
        node = parent
    remove(el)


def _other_text(parent: Element, node: Element) -> bool:
    """A string directly in ``parent`` other than ``node`` says something (comments count, as they do for
    BeautifulSoup's ``contents``)."""
    if parent.text and parent.text.strip():
        return True
    for child in parent:
        if child.tail and child.tail.strip():
            return True
        if child is not node and not is_element(child) and child.text and child.text.strip():
            return True
    return False


def lead(root: Element, container: Element, selectors: tuple[str, ...], keys: Keys) -> str | None:
    """The sapo/lead: the family's or a common lead element in the content block or up to three of its
    ancestors, else a first paragraph set entirely in bold. The element is removed so that the body does
    not repeat it."""
    chain = [container, *container.iterancestors()]
    around = set(chain)
    groups = select_grouped(root, (*selectors, *LEAD_SELECTORS), keys)
    for scope in chain[:4]:
        found = next(
            (group_first for group in groups if (group_first := _first_below(group, scope)) is not None), None
        )
        if found is not None and found not in around:
            shown = clean_text(text(found, " "))
            remove(found)
            if shown:
                return shown
    return _bold_lead(container)


def _first_below(group: list[Element], scope: Element) -> Element | None:
    return next((el for el in group if scope in set(el.iterancestors())), None)


def _bold_lead(container: Element) -> str | None:
    first = next(
        (p for p in container.iterdescendants("p", "div") if len(clean_text(text(p, " "))) >= MIN_BOLD_LEAD),
        None,
    )
    if first is None or first.tag != "p":
        return None
    shown = clean_text(text(first, " "))
    bold = clean_text(
        " ".join(
            text(b, " ") for b in first.iterdescendants(*_BOLD) if next(b.iterancestors(*_BOLD), None) is None
        )
    )
    if len(shown) >= MIN_BOLD_LEAD and bold == shown and shown[-1] in '.!?…"”)':
        remove(first)
        return shown
    return None
