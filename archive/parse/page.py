"""The page-wide reading, on the lxml tree: what ``<head>``, scripts and navigation say, the CMS family, and
boilerplate removal (see :mod:`archive.parse.ltree` for why this runs on lxml).

Each function here reads the page as its BeautifulSoup counterpart does (named in its docstring), with the
same selectors and rules; ``tests/archive/test_parse_page.py`` holds them to the same answers on every saved
page. What is left after :func:`drop_boilerplate` is read for the content block (:mod:`archive.parse.lblock`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Final

from archive.parse import dom, fields, jsonld, layouts, title_candidates, titles, when
from archive.parse.byline import author_from_element
from archive.parse.dates import parse_date
from archive.parse.ltree import (
    Element,
    Keys,
    classes,
    has_ancestor,
    is_element,
    remove,
    select_all,
    select_first,
    select_grouped,
    text,
)
from archive.parse.text import clean_text

_HOLDS_ARTICLE_CLASSES: Final = dom.ARTICLE_CLASSES


def find(root: Element, name: str, **attrs: str | bool) -> Element | None:
    """The first ``name`` element with these attributes (True: present; a string: that value, or one of the
    words of a ``class``/``rel`` value), as ``soup.find(name, **attrs)``."""
    for el in root.iter(name):
        if all(_has(el, attr, want) for attr, want in attrs.items()):
            return el
    return None


def _has(el: Element, attr: str, want: str | bool) -> bool:
    value = el.get(attr)
    if want is True:
        return value is not None
    if value is None:
        return False
    return bool(value == want or (attr in ("class", "rel") and want in value.split()))


def jsonld_items(root: Element) -> list[dict[str, Any]]:
    """:func:`archive.parse.jsonld.items` on the lxml tree."""
    found: list[dict[str, Any]] = []
    for script in root.iter("script"):
        if script.get("type") != "application/ld+json":
            continue
        content = text(script)
        if len(content) > jsonld.MAX_SCRIPT:
            continue
        try:
            data = json.loads(content, strict=False)
        except (ValueError, RecursionError):
            continue
        found.extend(jsonld.walk(data))
    return sorted(found, key=lambda item: not jsonld.is_article(item))


def metas(root: Element) -> titles.Metas:
    """:class:`archive.parse.titles.Metas` of the lxml tree."""
    return titles.Metas.from_attributes(el.attrib for el in root.iter("meta"))


def generator(root: Element) -> str:
    for el in root.iter("meta"):
        name = el.get("name")
        if name is not None and name.lower() == "generator":
            content = el.get("content")
            return content.strip().lower() if isinstance(content, str) else ""
    return ""


def detect(root: Element, url: str, keys: Keys | None = None) -> layouts.Layout:
    """:func:`archive.parse.layouts.detect` on the lxml tree."""
    return layouts.detect_from(generator(root), lambda selectors: select_grouped(root, selectors, keys), url)


def section_labels(
    root: Element, crumbs: list[str], keys: Keys | None = None
) -> title_candidates.SectionLabels:
    """:meth:`archive.parse.title_candidates.SectionLabels.of` on the lxml tree."""
    portlets = [clean_text(text(el, " ")) for el in select_all(root, title_candidates.PORTLET_TITLES, keys)]
    menu_items = select_all(root, title_candidates.MENUS, keys)[: title_candidates.MAX_MENU_ITEMS]
    menus = [clean_text(text(el, " ")) for el in menu_items]
    return title_candidates.SectionLabels.from_texts(crumbs, portlets, menus)


def heading_texts(root: Element, selectors: tuple[str, ...], keys: Keys | None = None) -> list[str]:
    """:func:`archive.parse.title_candidates.heading_texts` on the lxml tree."""
    out: list[str] = []
    for el in select_all(root, selectors, keys):
        found = title_candidates.decode_entities(clean_text(text(el, " ")))
        if found and found not in out:
            out.append(found)
    return out


def in_chrome(el: Element) -> bool:
    """:func:`archive.parse.title_candidates.in_chrome` on the lxml tree."""
    links = [a for a in el.iterdescendants("a") if a.get("href") is not None]
    key = title_candidates.key
    if el.tag != "h1" and links and key(text(el, " ")) == key(" ".join(text(a, " ") for a in links)):
        return True
    node = el
    while node is not None:
        if node.tag in ("nav", "aside", "footer"):
            return True
        words = " ".join([*classes(node), str(node.get("id") or "")])
        if node.tag not in ("body", "html") and title_candidates.CHROME.search(words):
            return True
        node = node.getparent()
    return False


def title(
    root: Element,
    found_metas: titles.Metas,
    family: tuple[str, ...],
    sites: titles.SiteNames,
    headline: str | None,
    labels: title_candidates.SectionLabels,
    keys: Keys | None = None,
) -> titles.Title | None:
    """:func:`archive.parse.titles.title` on the lxml tree."""
    raw_structured = [found_metas.get("og:title"), found_metas.get("twitter:title"), headline]
    structured = [title_candidates.decode_entities(clean_text(t)) for t in raw_structured if t]
    doc_title = next(root.iter("title"), None)
    doc = title_candidates.decode_entities(clean_text(text(doc_title))) if doc_title is not None else ""
    offers = titles.Offers(doc, structured, sites, labels)
    own = heading_texts(root, family, keys)
    general = [
        (title_candidates.decode_entities(clean_text(text(el, " "))), el)
        for el in select_all(root, ("h1", *titles.FALLBACKS), keys)
    ]
    return titles.choose(offers, own, general, lambda: heading_texts(root, ("h2",), keys), in_chrome)


def _hidden(el: Element) -> bool:
    return any(fields.HIDDEN_TEXT.match(word) for word in classes(el))


def breadcrumb(root: Element, keys: Keys | None = None) -> list[str]:
    """:func:`archive.parse.fields.breadcrumb` on the lxml tree."""
    for found in select_all(root, fields.BREADCRUMB, keys):
        items = [
            clean_text(text(el, " ", _hidden))
            for el in _descendants(found, _hidden)
            if el.tag in ("a", "span", "li", "strong")
        ]
        if not items:
            items = [clean_text(p) for p in re.split(r"[»>›/|→]", text(found, " ", _hidden))]
        if crumbs := fields.crumb_items(items):
            return crumbs
    return []


def _descendants(el: Element, skip: Any) -> list[Element]:
    """Elements below ``el`` in document order, without those ``skip`` names and what is in them."""
    out: list[Element] = []
    stack = list(reversed([c for c in el if is_element(c)]))
    while stack:
        node = stack.pop()
        if skip(node):
            continue
        out.append(node)
        stack.extend(reversed([c for c in node if is_element(c)]))
    return out


def tags(root: Element, keys: Keys | None = None) -> list[str]:
    """:func:`archive.parse.fields.tags` (with :func:`~archive.parse.fields.meta_tags`) on the lxml tree."""
    out: list[str] = []
    for a in select_all(root, fields.TAG_SELECTORS, keys):
        found = fields.TAG_LABEL.sub("", clean_text(text(a, " ")))
        if found and len(found) <= fields.MAX_TAG and found not in out:
            out.append(found)
    if out:
        return out
    for el in root.iter("meta"):
        if el.get("property") != "article:tag":
            continue
        value = el.get("content")
        found = clean_text(value) if isinstance(value, str) else ""
        if found and found not in out:
            out.append(found)
    return out


def category_link(root: Element, keys: Keys | None = None) -> str | None:
    """:func:`archive.parse.fields.category_link` on the lxml tree."""
    found = select_first(root, fields.CATEGORY_LINKS, keys)
    link = clean_text(text(found, " ")) if found is not None else ""
    return link if link and len(link) <= fields.MAX_TAG else None


def microdata(root: Element, now: datetime, keys: Keys | None = None) -> dict[str, when.Dated]:
    """:func:`archive.parse.when.microdata` on the lxml tree."""
    dates: dict[str, when.Dated] = {}
    for prop, field in when.MICRODATA:
        for el in select_all(root, (f"[itemprop={prop}]",), keys):
            if el.tag in ("meta", "time"):
                continue
            attribute = el.get("content") or el.get("datetime")
            value = attribute if isinstance(attribute, str) else clean_text(text(el, " "))
            if len(value) <= when.MAX_LINE and (found := parse_date(value, now=now)):
                dates[field] = (found, "meta")
                break
    return dates


def author_element(root: Element, selectors: tuple[str, ...], keys: Keys | None = None) -> str | None:
    for el in select_all(root, selectors, keys):
        if (name := author_from_element(clean_text(text(el, " ")))) is not None:
            return name
    return None


def has_form(root: Element) -> bool:
    """:func:`archive.parse.classify.has_form` on the lxml tree."""
    for field in root.iter("textarea", "input"):
        kind = field.get("type")
        typed = (
            field.tag == "textarea" or not isinstance(kind, str) or kind.lower() in ("text", "email", "tel")
        )
        if typed and has_ancestor(field, "form"):
            return True
    return False


# Boilerplate removal ------------------------------------------------------------------------------------


def measure(root: Element) -> dict[Element, dom.Size]:
    """:func:`archive.parse.dom.measure` on the lxml tree (keyed by element)."""
    sizes: dict[Element, dom.Size] = {}
    # Document order reversed: every element comes after its descendants.
    _fill(reversed([e for e in root.iter() if isinstance(e.tag, str)]), sizes)
    return sizes


def _fill(elements: Iterable[Element], sizes: dict[Element, dom.Size]) -> None:
    """Measure ``elements`` (each after its descendants) from their strings and their children's sizes."""
    size_of = sizes.__getitem__
    for el in elements:
        own = el.text
        length = len(own.strip()) if own else 0
        links_text = links = long_paragraphs = 0
        for child in el:
            if isinstance(child.tag, str):
                size = size_of(child)
                length += size[0]
                links_text += size[1]
                links += size[2]
                long_paragraphs += size[3]
            tail = child.tail
            if tail:
                length += len(tail.strip())
        tag = el.tag
        if tag == "a":
            links_text, links = length, links + 1
        elif tag == "p" and length >= dom.LONG_PARAGRAPH:
            long_paragraphs += 1
        sizes[el] = dom.Size(length, links_text, links, long_paragraphs)


def _holds_article(el: Element) -> bool:
    if el.tag in ("article", "main", "h1") or el.get("itemprop") == "articleBody":
        return True
    return any(word in _HOLDS_ARTICLE_CLASSES for word in classes(el))


def _is_boilerplate(el: Element, sizes: dict[Element, dom.Size]) -> bool:
    name = el.tag
    if name in dom.DROP_TAGS:
        if name == "form":
            size = _size(el, sizes)
            return size.text - size.links_text < dom.PAGE_FORM_TEXT
        return not (name in ("header", "footer") and has_ancestor(el, "article"))
    if name in dom.NEVER_DROP:
        return False
    words = " ".join([*classes(el), str(el.get("id") or "")])
    if not words.strip() or dom.BOILERPLATE.search(words) is None:
        return False
    if dom.COMMENTS.search(words) is not None:
        return True
    if _size(el, sizes).long_paragraphs >= dom.ARTICLE_MASS:
        return False
    return not any(_holds_article(d) for d in el.iterdescendants() if is_element(d))


def drop_boilerplate(
    root: Element, extra: tuple[str, ...] = (), keys: Keys | None = None
) -> dict[Element, dom.Size]:
    """:func:`archive.parse.dom.drop_boilerplate` on the lxml tree; returns :func:`measure` of what is
    left."""
    for el in select_all(root, extra, keys):
        if el.getparent() is not None and _attached(el, root):
            remove(el)
    # Only a form's or a boilerplate-named element's text decides: those are measured when judged (each
    # before anything in it is removed), and what is left is measured at the end.
    judged: dict[Element, dom.Size] = {}
    stack: list[Element] = [root]
    while stack:
        node = stack.pop()
        for el in [c for c in node if is_element(c) and _is_boilerplate(c, judged)]:
            remove(el)
        stack.extend(c for c in node if is_element(c))
    return measure(root)


def _size(el: Element, sizes: dict[Element, dom.Size]) -> dom.Size:
    """:func:`measure` of ``el``, reusing the measures already in ``sizes`` (and adding to them)."""
    if el not in sizes:
        _fill(reversed([e for e in el.iter() if isinstance(e.tag, str) and e not in sizes]), sizes)
    return sizes[el]


def _attached(el: Element, root: Element) -> bool:
    """``el`` is still in ``root``'s tree (an ancestor of it may have been removed already)."""
    node = el
    while node is not None:
        if node is root:
            return True
        node = node.getparent()
    return False
