"""The content block on the lxml tree, and the BeautifulSoup tree of the article's part of the page.

:func:`locate` finds the element holding the article body on the page's lxml tree after boilerplate
removal: the source's body selector, the family's, containers many CMSs share (among a selector's matches,
the one with the most non-link text; one with fewer than :data:`~archive.parse.dom.SURE_BODY` characters only
if text density finds nothing three times longer), then text density (every run of 25+ characters votes for
the element holding it and half as much for its parent; the winner, discounted by its share of link text,
is widened to ancestors that only add a little linkless text). The text measures
(:func:`archive.parse.page.measure`) are those boilerplate removal returns, shared with the listing check.

:func:`soup_of` hands BeautifulSoup only the part of the page the remaining steps read (the article element
or the block's grandparent, whichever holds more): building a BeautifulSoup tree of the whole page cost more
than every lxml step together (see docs/parsing.md, "Two trees").
"""

from __future__ import annotations

import secrets
from typing import Final

from bs4 import BeautifulSoup, Tag
from lxml import etree

from archive.parse import dom
from archive.parse.dom import Size
from archive.parse.layouts import COMMON_BODY, Layout
from archive.parse.ltree import Element, Keys, is_element, select_grouped, serialize, stripped_len
from archive.parse.page import measure

Sizes = dict[Element, Size]
_VOTERS: Final = ("p", "pre", "blockquote", "div", "td", "section", "font", "li", "dd")
_RUNS: Final = frozenset({"p", "pre", "blockquote"})
_CONTAINER: Final = "data-deptnews-container"  # marks elements across the two trees (removed again)
_ARTICLE: Final = "data-deptnews-article"

__all__ = ["Sizes", "article_root", "density_container", "locate", "measure", "soup_of"]


def _prose(el: Element) -> int:
    return stripped_len(el) - sum(stripped_len(a) for a in el.iterdescendants("a"))


def locate(
    root: Element, layout: Layout, override: str | None, keys: Keys, sizes: Sizes
) -> tuple[Element, str] | None:
    """The element holding the article body and the name of what found it: ``"override"`` (the source's
    selector), the family's name, ``"common"`` or ``"generic"`` (text density); None when there is no text.
    ``sizes`` is :func:`measure` of ``root``."""
    tiers: list[tuple[str, tuple[str, ...]]] = []
    if override:
        tiers.append(("override", (override,)))
    tiers += [(layout.name, tuple(s for s in layout.body if s != override)), ("common", COMMON_BODY)]
    small: tuple[Element, str, int] | None = None  # the first match too short to be sure of
    empty = Size(0, 0, 0, 0)
    for name, selectors in tiers:
        for found in select_grouped(root, selectors, keys):
            if not found:
                continue
            best = max(found, key=lambda el: dom.density(sizes.get(el, empty)))
            size = sizes.get(best, empty)
            if size.text - size.links_text >= dom.SURE_BODY or (name == "override" and size.text > 0):
                return best, name
            if size.text > 0 and small is None:
                small = (best, name, size.text - size.links_text)
    container = density_container(root, sizes)
    if small is not None and (container is None or _prose(container) < dom.GENERIC_OVER_SMALL * small[2]):
        return small[0], small[1]  # a short article in its container beats a longer text elsewhere
    return (container, "generic") if container is not None else None


def _own_text_len(el: Element, sizes: Sizes) -> int:
    """Length of the text directly in ``el`` (its strings and inline children), not in child blocks."""
    total = len(el.text.strip()) if el.text else 0
    for child in el:
        if is_element(child) and child.tag in dom.INLINE_TEXT and child.tag != "a":
            total += sizes[child].text
        if child.tail:
            total += len(child.tail.strip())
    return total


def density_container(root: Element, sizes: Sizes) -> Element | None:
    """The generic extractor: the element holding the most non-link running text, or None."""
    votes: dict[Element, float] = {}

    def vote(el: Element | None, amount: float) -> None:
        if el is not None and el.tag != "html" and el in sizes:
            votes[el] = votes.get(el, 0.0) + amount

    for el in root.iter(*_VOTERS):
        size = sizes[el]
        if el.tag in _RUNS:
            length = size.text - size.links_text
            holder = el.getparent()
        else:
            length = _own_text_len(el, sizes)
            holder = el
        if length < dom.MIN_RUN or holder is None:
            continue
        vote(holder, float(length))
        vote(holder.getparent(), length / 2)
    best: Element | None = None
    best_score = 0.0
    for el, score in votes.items():
        size = sizes[el]
        score *= 1.0 - size.links_text / max(size.text, 1)
        if score > best_score:
            best, best_score = el, score
    return _widen(best, sizes) if best is not None else None


def _widen(best: Element, sizes: Sizes) -> Element:
    parent = best.getparent()
    while parent is not None and parent.tag not in ("body", "html"):
        inner, outer = sizes[best], sizes.get(parent)
        if outer is None or outer.links_text > inner.links_text or outer.text - inner.text > dom.WIDEN_TEXT:
            break
        best, parent = parent, parent.getparent()
    return best


def article_root(root: Element, container: Element, layout: Layout, keys: Keys) -> Element | None:
    """The element holding the whole article around the content block, by the family's article selectors
    in order, then ``<article>`` (where attachment fields and the lead image are); None if there is none."""
    chain = [container, *container.iterancestors()]
    for group in select_grouped(root, (*layout.article, "article"), keys):
        roots = set(group)
        if (found := next((el for el in chain if el in roots), None)) is not None:
            return found
    return None


def soup_of(
    root: Element, container: Element, article: Element | None
) -> tuple[BeautifulSoup, Tag, Tag | None]:
    """A BeautifulSoup tree of the part of the page the remaining steps read, and the content block and the
    article element in it: that part is the article element or the block's grandparent (whose children are
    the lines printed after the block's parent), whichever is higher; the whole page when the block sits
    right below the root. Elements are marked across the trees by an attribute, removed again."""
    chain = [container, *container.iterancestors()]
    top = chain[2] if len(chain) > 3 else None
    if top is not None and article is not None and chain.index(article) > 2:
        top = article
    # A value the page cannot know, so that markup carrying the same attribute names is never taken.
    token = secrets.token_hex(8)
    container.set(_CONTAINER, token)
    if article is not None:
        article.set(_ARTICLE, token)
    if top is None:
        markup = serialize(root)
    else:
        markup = str(etree.tostring(top, method="html", encoding="unicode", with_tail=False))
    soup = BeautifulSoup(markup, "lxml")
    block = _unmark(soup, _CONTAINER, token)
    return soup, block, (_unmark(soup, _ARTICLE, token) if article is not None else None)


def _unmark(soup: BeautifulSoup, name: str, token: str) -> Tag:
    found = soup.find(None, {name: token})
    if not isinstance(found, Tag):
        raise AssertionError(f"{name} lost between the two trees")
    del found[name]
    return found
