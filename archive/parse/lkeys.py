"""What a page's lxml tree has that selectors need, so that a selector that cannot match is not evaluated.

Most of the dozens of selectors the families, the navigation readers and the fields try on a page name a
class, an id or an attribute value the page does not use. Evaluating one (cssselect's XPath, in C) still
walks the whole tree; looking up what it needs in sets and strings read once from the page does not.
Every compound of a selector must match some element, so each compound's class, id, attribute or attribute
value (for ``=``, ``*=``, ``^=``, ``$=``: the literal must occur in some value, compared case-folded) is a
condition; a selector is skipped only when a condition fails. Read from the tree as parsed (attributes
other than ``class`` and ``id`` when first needed); removing elements later leaves these a superset, so a
skipped selector never had a match.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Final

from lxml import etree

from archive.parse.select import split_selector

Element = Any  # an lxml element (lxml ships no types)
Need = tuple[str, str, str]  # (kind: "class" | "id" | "attr" | "value", attribute name, value)

_NESTED: Final = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|\"[^\"]*\"|'[^']*'")
_ID: Final = re.compile(r"#([\w-]+)")
_CLASS: Final = re.compile(r"\.([\w-]+)")
_BRACKETS: Final = re.compile(r"\[[^\[\]]*\]")
_VALUE: Final = re.compile(
    r"^\[\s*([a-zA-Z][\w-]*)\s*[*^$]?=\s*(?:\"([^\"]+)\"|'([^']+)'|([^\s\]'\"]+))\s*\]$"
)
_NAME: Final = re.compile(r"^\[\s*([a-zA-Z][\w-]*)\s*(?:[~|^$*]?=.*)?\]$", re.DOTALL)
_CLASS_VALUES: Final = etree.XPath("//@class", smart_strings=False)
_ID_VALUES: Final = etree.XPath("//@id", smart_strings=False)


@lru_cache(maxsize=4096)
def needs(selector: str) -> tuple[tuple[Need, ...], ...]:
    """For each complex selector of the list, what every element it needs must have (possibly nothing)."""
    out: list[tuple[Need, ...]] = []
    for complex_selector in split_selector(selector, ","):
        found: list[Need] = []
        for compound in split_selector(complex_selector.strip(), " >+~"):
            bare = _NESTED.sub("", compound)  # no attribute values, :not(…) or strings
            found += [("id", "id", value) for value in _ID.findall(bare)]
            found += [("class", "class", value) for value in _CLASS.findall(bare)]
            for bracket in _BRACKETS.findall(_NESTED.sub(_keep_brackets, compound)):
                if value := _VALUE.match(bracket):
                    literal = value.group(2) or value.group(3) or value.group(4)
                    found.append(("value", value.group(1).lower(), literal.lower()))
                elif name := _NAME.match(bracket):
                    found.append(("attr", name.group(1).lower(), ""))
        out.append(tuple(found))
    return tuple(out)


def _keep_brackets(match: re.Match[str]) -> str:
    return match.group(0) if match.group(0).startswith("[") else ""


class Keys:
    """The class words, ids and (when first needed) other attributes' values of a page."""

    def __init__(self, root: Element) -> None:
        self._root = root
        classes = " ".join(_CLASS_VALUES(root))
        ids = _ID_VALUES(root)
        self._classes = set(classes.split())
        self._ids = set(ids)
        self._values: dict[str, str | None] = {"class": classes.lower(), "id": "\n".join(ids).lower()}

    def may_match(self, selector: str) -> bool:
        """False only when no element can match ``selector``."""
        return any(all(self._has(need) for need in complex_needs) for complex_needs in needs(selector))

    def _has(self, need: Need) -> bool:
        kind, name, value = need
        if kind == "class":
            return value in self._classes
        if kind == "id":
            return value in self._ids
        values = self._attribute(name)
        return values is not None and (kind == "attr" or value in values)

    def _attribute(self, name: str) -> str | None:
        """Every value of attribute ``name`` on the page, case-folded, joined; None when no element has it."""
        if name not in self._values:
            try:
                found = etree.XPath(f"//@{name}", smart_strings=False)(self._root)
            except etree.XPathError:
                return ""  # a name XPath cannot read: assume the page has it
            self._values[name] = "\n".join(found).lower() if found else None
        return self._values[name]
