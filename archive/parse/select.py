"""CSS selection that never raises and costs little however many selectors the parser tries.

Selectors come from code (the CMS families, dozens of them) and from ``sources.toml``. soupsieve matches a
selector against every element of the tree it walks, which made selection most of the parser's time. An
:class:`Index` of the page (elements by class, id, attribute name and tag, built in one walk) gives each
selector the few elements that could match it, judged from its rightmost compound selector (``.a .b`` can
only match elements of class ``b``); soupsieve then decides on those alone. Without an index, or for a
selector whose key cannot be read, the tree is walked as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Final

import soupsieve
from bs4 import Tag
from soupsieve import SelectorSyntaxError

_NESTED: Final = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|\"[^\"]*\"|'[^']*'")
_ID: Final = re.compile(r"#([\w-]+)")
_CLASS: Final = re.compile(r"\.([\w-]+)")
_ATTRIBUTE: Final = re.compile(r"\[\s*([\w:-]+)")
# [name=v], [name*="v"], [name^='v'], [name$=v] (not the |= and ~= forms): the literal v must occur.
_ATTRIBUTE_VALUE: Final = re.compile(
    r"\[\s*([\w:-]+)\s*[*^$]?=\s*(?:\"([^\"]+)\"|'([^']+)'|([^\s\]'\"]+))\s*\]"
)
_TAG: Final = re.compile(r"^([a-zA-Z][\w-]*)")

Key = tuple[str, str]  # ("id" | "class" | "attr" | "tag", value)


@lru_cache(maxsize=2048)
def selector_keys(selector: str) -> tuple[Key, ...] | None:
    """For each selector of a list, a key every element it matches must have (``("class", "b")`` for
    ``.a .b``), or the key of an ancestor it must be below (``("below class", "tags a")`` for ``.tags a``);
    None when a selector has neither (``*``, ``:not(.x)``) or cannot be read: walk the whole tree."""
    keys: list[Key] = []
    for complex_selector in split_selector(selector, ","):
        compounds = [c for c in split_selector(complex_selector.strip(), " >+~") if c.strip()]
        if not compounds:
            return None
        key = _compound_key(compounds[-1])
        whole = complex_selector.strip()
        # ".x ~ a", ".x + a": the element follows a sibling, it is not below one (keep its own key).
        after_sibling = whole[: len(whole) - len(compounds[-1])].rstrip().endswith(("+", "~"))
        if not after_sibling and (key is None or key[0] == "tag"):
            tag = key[1] if key else "*"
            above = next(
                (k for c in reversed(compounds[:-1]) if (k := _compound_key(c)) and k[0] != "tag"), None
            )
            if above is not None:
                key = (f"below {above[0]}", f"{above[1]} {tag}")
        if key is None:
            return None
        keys.append(key)
    return tuple(keys)


def _compound_key(compound: str) -> Key | None:
    """The most selective key of one compound selector: its id, a class, an attribute name, its tag."""
    plain = _NESTED.sub(lambda m: m.group(0) if m.group(0).startswith("[") else "", compound)
    if found := _ID.search(plain):
        return ("id", found.group(1))
    if found := _CLASS.search(_NESTED.sub("", plain)):
        return ("class", found.group(1))
    if found := _ATTRIBUTE_VALUE.search(plain):
        return ("value", f"{found.group(1).lower()}={found.group(2) or found.group(3) or found.group(4)}")
    if found := _ATTRIBUTE.search(plain):
        return ("attr", found.group(1).lower())
    if found := _TAG.match(plain):
        return ("tag", found.group(1).lower())
    return None


def split_selector(selector: str, separators: str) -> list[str]:
    """``selector`` split at top-level ``separators`` characters (not inside brackets or quotes)."""
    parts, depth, quote, start = [], 0, "", 0
    for i, char in enumerate(selector):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char in separators and depth == 0:
            parts.append(selector[start:i])
            start = i + 1
    parts.append(selector[start:])
    return parts


class Index:
    """Elements of a tree by class, id, attribute name and tag name, in document order (one walk).

    Built after the tree is parsed and again after boilerplate removal; elements removed since are
    skipped when looked up, so a stale index is never wrong, only slower.
    """

    def __init__(self, root: Tag) -> None:
        self.root = root
        self._by: dict[Key, list[Tag]] = {}
        self._order: dict[int, int] = {}
        self._joined: dict[str, str] = {}
        stack = [root]
        while stack:
            tag = stack.pop()
            self._order[id(tag)] = len(self._order)
            add = self._by.setdefault
            add(("tag", tag.name.lower()), []).append(tag)
            for name, value in (tag.attrs or {}).items():
                add(("attr", name.lower()), []).append(tag)
                if name == "class":
                    for word in value if isinstance(value, list) else str(value).split():
                        add(("class", word), []).append(tag)
                elif name == "id" and isinstance(value, str):
                    add(("id", value), []).append(tag)
            stack.extend(reversed([c for c in tag.contents if isinstance(c, Tag)]))

    def _lookup(self, key: Key) -> list[Tag]:
        kind, value = key
        if kind == "value":
            # Elements with the attribute, if any of them has the literal value in it (case-folded: a
            # superset of what matches, soupsieve decides).
            name, literal = value.split("=", 1)
            return self._by.get(("attr", name), []) if literal.lower() in self._values(name) else []
        if not kind.startswith("below "):
            return self._by.get(key, [])
        above, tag = value.rsplit(" ", 1)
        found: list[Tag] = []
        for ancestor in self._by.get((kind.removeprefix("below "), above), []):
            found.extend(ancestor.find_all(True if tag == "*" else tag))
        return found

    def _values(self, name: str) -> str:
        """Every value of attribute ``name`` in the tree, lower-cased, joined (cached)."""
        if name not in self._joined:
            values = (t.attrs.get(name) for t in self._by.get(("attr", name), []) if t.attrs)
            self._joined[name] = "\n".join(
                " ".join(v) if isinstance(v, list) else str(v) for v in values
            ).lower()
        return self._joined[name]

    def candidates(self, selector: str, root: Tag) -> list[Tag] | None:
        """Elements below ``root`` (not ``root`` itself, as in soupsieve) that may match ``selector``, in
        document order; None when the selector gives no key (walk the tree instead)."""
        keys = selector_keys(selector)
        if keys is None:
            return None
        found: dict[int, Tag] = {}
        for key in keys:
            for tag in self._lookup(key):
                known = id(tag) in self._order and id(tag) not in found
                if known and tag is not root and _alive_under(tag, root):
                    found[id(tag)] = tag
        return sorted(found.values(), key=lambda t: self._order[id(t)])


def _alive_under(tag: Tag, root: Tag) -> bool:
    """``tag`` is still in the tree (not decomposed or extracted) and is ``root`` or below it."""
    node: Tag | None = tag
    while node is not None:
        if "_decomposed" in node.__dict__:
            return False
        if node is root:
            return True
        node = node.__dict__.get("parent")
    return False


@lru_cache(maxsize=1024)
def _compiled(
    selectors: tuple[str, ...],
) -> tuple[soupsieve.SoupSieve | None, tuple[soupsieve.SoupSieve | None, ...]]:
    """The union of the valid ``selectors``, and each of them compiled (None where it does not parse)."""
    each: list[soupsieve.SoupSieve | None] = []
    for selector in selectors:
        try:
            each.append(soupsieve.compile(selector))
        except SelectorSyntaxError:
            each.append(None)
    valid = [s for s, c in zip(selectors, each, strict=True) if c is not None]
    return (soupsieve.compile(", ".join(valid)) if valid else None), tuple(each)


def select_grouped(root: Tag, selectors: Iterable[str], index: Index | None = None) -> list[list[Tag]]:
    """For each selector, in order, the elements under ``root`` matching it in document order; an empty
    list for a selector that does not parse. With an ``index`` of ``root``'s tree, only the elements the
    index names are matched; without one, the tree is walked once for all selectors."""
    wanted = tuple(selectors)
    union, each = _compiled(wanted)
    if index is not None:
        groups: list[list[Tag]] = []
        for selector, compiled in zip(wanted, each, strict=True):
            if compiled is None:
                groups.append([])
                continue
            candidates = index.candidates(selector, root)
            found = (
                compiled.select(root) if candidates is None else [t for t in candidates if compiled.match(t)]
            )
            groups.append(found)
        return groups
    found = union.select(root) if union is not None else []
    if len(each) == 1:
        return [found]
    return [[tag for tag in found if compiled.match(tag)] if compiled else [] for compiled in each]


def select_all(root: Tag, selectors: Iterable[str], index: Index | None = None) -> list[Tag]:
    """Elements matching any of ``selectors``, in selector order then document order, without repeats.

    A selector that does not parse matches nothing (sources.toml selectors are validated when the
    registry is loaded; this is the last line of defence).
    """
    out: list[Tag] = []
    seen: set[int] = set()
    for group in select_grouped(root, selectors, index):
        for tag in group:
            if id(tag) not in seen:
                seen.add(id(tag))
                out.append(tag)
    return out


def select_first(root: Tag, selectors: Iterable[str], index: Index | None = None) -> Tag | None:
    """The first element (in document order) matching the first selector that matches anything, or None."""
    for group in select_grouped(root, selectors, index):
        if group:
            return group[0]
    return None
