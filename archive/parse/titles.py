"""The full title of an article: headings, og:title, JSON-LD headline and ``<title>`` minus the site name."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import Final, TypeVar

from bs4 import BeautifulSoup

from archive.parse.select import Index, select_all
from archive.parse.text import clean_text
from archive.parse.title_candidates import SEPARATOR as _SEPARATOR
from archive.parse.title_candidates import (
    WIRE_TAIL,
    SectionLabels,
    decode_entities,
    heading_texts,
    in_chrome,
    key,
    prefixes,
)

FALLBACKS: Final = (".header-title", ".article-title", ".title-news", ".news-title", "h2.title", ".title")
# Site names as departments write them: "Cổng thông tin điện tử tỉnh X", "Trang TTĐT Sở Y", "sotttt.x.gov.vn".
_SITE_LIKE: Final = re.compile(
    r"^(cổng|trang|website|portal)\s+(thông tin|ttđt|tin tức|điện tử)|^cổng ttđt|^trang chủ$|^home$"
    r"|^[\w.-]+\.vn$",
    re.IGNORECASE,
)
_TRUNCATION: Final = ".…  "
# How sites name themselves at the end of <title>, abbreviations included ("Sở TT&TT", "Bộ GD&ĐT").
_EDGE_SITE: Final = re.compile(
    r"^(sở|bộ|ubnd|ủy ban nhân dân|uỷ ban nhân dân|ban|cục|chi cục|cổng|trang|website)\b", re.I
)
_EDGE_WORDS: Final = 8
T = TypeVar("T")


class Metas:
    """The page's ``<meta>`` contents by lower-cased ``property``, ``name`` or ``itemprop`` (the first of
    each), read in one walk."""

    def __init__(self, soup: BeautifulSoup | None) -> None:
        self._values: dict[str, str] = {}
        if soup is not None:
            self._read(tag.attrs for tag in soup.find_all("meta"))

    @classmethod
    def from_attributes(cls, metas: Iterable[Mapping[str, object]]) -> Metas:
        """The metas of a page given as each ``<meta>``'s attributes, in document order."""
        found = cls(None)
        found._read(metas)
        return found

    def _read(self, metas: Iterable[Mapping[str, object]]) -> None:
        for tag in metas:
            content = tag.get("content")
            text = clean_text(content) if isinstance(content, str) else ""
            if not text:
                continue
            for attr in ("property", "name", "itemprop"):
                key = tag.get(attr)
                if isinstance(key, str) and key.strip():
                    self._values.setdefault(key.strip().lower(), text)

    def get(self, *names: str) -> str | None:
        """The first non-empty content among ``names`` (cleaned), or None."""
        return next((self._values[n.lower()] for n in names if n.lower() in self._values), None)


def _fold(text: str) -> str:
    """Case- and diacritic-insensitive form: old sites write their name without marks in ``<title>``."""
    decomposed = unicodedata.normalize("NFD", clean_text(text).casefold().replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_JURISDICTION_PREFIX: Final = re.compile(r"^(tỉnh|thành phố|tp\.?)\s+", re.IGNORECASE)


class SiteNames:
    """Knows what the site calls itself, to tell it apart from an article title."""

    def __init__(self, names: Iterable[str | None]) -> None:
        self._names = {_fold(n) for n in names if n and clean_text(n)}

    @classmethod
    def of(cls, names: Iterable[str | None], department: str, jurisdiction: str) -> SiteNames:
        """``names`` plus how a department names its site: "Sở Y tế tỉnh Lạng Sơn", "Sở Y tế Lạng Sơn"."""
        place = _JURISDICTION_PREFIX.sub("", jurisdiction)
        return cls([*names, department, f"{department} {jurisdiction}", f"{department} {place}"])

    def __contains__(self, text: object) -> bool:
        if not isinstance(text, str):
            return False
        return _fold(text) in self._names or _SITE_LIKE.search(clean_text(text)) is not None

    def _at_edge(self, text: str) -> bool:
        """A site name, or what reads like one at either end of a ``<title>``: "Sở TT&TT", "UBND tỉnh X"."""
        return text in self or (
            len(text.split()) <= _EDGE_WORDS and _EDGE_SITE.match(clean_text(text)) is not None
        )

    def remove_from(self, title: str) -> str:
        """``title`` without a site name before or after it ("Tiêu đề | Sở X" → "Tiêu đề")."""
        parts = _SEPARATOR.split(title)  # text, separator, text, …
        texts = parts[0::2]
        if len(texts) > 1 and self._at_edge(texts[-1]):
            parts = parts[:-2]
        if len(parts) > 1 and self._at_edge(parts[0]):
            parts = parts[2:]
        return "".join(parts).strip()


def _extend(heading: str, fulls: list[str]) -> str:
    """A heading cut by the theme ("… và triển", "… và triển…") becomes the full title that starts with
    it (not one that only adds " | Site name")."""
    stem = heading.rstrip(_TRUNCATION) if heading.endswith(("...", "…")) else heading
    for full in fulls:
        if len(full) > len(stem) and full.startswith(stem) and not _SEPARATOR.match(full[len(stem) :]):
            return full
    return heading


Title = tuple[str, bool]
"""A title and whether it is certain (from a heading or structured data) or only the document title."""


def strip_names(title: str, sites: SiteNames, labels: SectionLabels) -> str:
    """``title`` without the site's name and the section's names around it: "Tiêu đề - Tin tức nổi bật -
    Sở X" → "Tiêu đề". One site name goes from either end, then section names (which may hold a
    separator themselves: "quy hoạch - kế hoạch"), as long as something is left."""
    pieces = sites.remove_from(title)
    pieces_list = _SEPARATOR.split(pieces)
    changed = True
    while changed and len(pieces_list) > 1:
        changed = False
        for n in range(min(3, len(pieces_list) // 2), 0, -1):
            if is_label("".join(pieces_list[-(2 * n - 1) :]), labels):
                pieces_list, changed = pieces_list[: -(2 * n)], True
                break
            if is_label("".join(pieces_list[: 2 * n - 1]), labels):
                pieces_list, changed = pieces_list[2 * n :], True
                break
    return "".join(pieces_list).strip()


class Offers:
    """The page's title offers: ``refs`` say the title (``<title>``, og:title, twitter:title, JSON-LD
    headline, without site and section names); ``agreeing`` are the keys a heading may have to agree."""

    def __init__(self, doc: str, structured: list[str], sites: SiteNames, labels: SectionLabels) -> None:
        self.sites, self.labels, self.raw_doc = sites, labels, doc
        self.doc = strip_names(doc, sites, labels) if doc else ""
        self.structured = [t for t in (strip_names(s, sites, labels) for s in structured) if self.usable(t)]
        self.refs = [*self.structured, *([self.doc] if self.usable(self.doc) else [])]
        self.agreeing = {key(r) for r in self.refs}
        for raw in (doc, *structured):
            self.agreeing |= prefixes(raw)

    def usable(self, text: str) -> bool:
        """Not empty, not the site's name, not a section's name."""
        return bool(text) and text not in self.sites and not is_label(text, self.labels)

    def agreed(self, heading: str) -> str | None:
        """The title ``heading`` gives when another offer says the same: the heading itself, the full
        title a cut heading starts, or the heading without an update stamp or byline glued on."""
        if not self.usable(heading):
            return None
        if key(heading) in self.agreeing:
            return _extend(heading, self.refs)
        if heading.endswith(("...", "…")) and (full := _extend(heading, self.refs)) != heading:
            return full
        bare = WIRE_TAIL.sub("", heading).strip(" -–—|,")
        if bare != heading and self.usable(bare) and key(bare) in self.agreeing:
            return bare
        return None


_LABEL_WORDS: Final = 8


def is_label(text: str, labels: SectionLabels) -> bool:
    """A section's name: short, and named so by the page or one of the usual section names."""
    return len(text.split()) <= _LABEL_WORDS and text in labels


def title(
    soup: BeautifulSoup,
    metas: Metas,
    family: Iterable[str],
    sites: SiteNames,
    headline: str | None = None,
    index: Index | None = None,
    labels: SectionLabels | None = None,
) -> Title | None:
    """The full title of the article, chosen by agreement (call before boilerplate removal).

    The offers: ``<title>``, og:title, twitter:title and the JSON-LD ``headline`` (without the site's and
    section's names), the family's title elements and the page's headings. First a heading (the family's
    first) that another offer repeats — exactly, as the start of ``<title>`` ("Tiêu đề - Chuyên mục -
    Site"), completed from a longer offer when the theme cut it, or without an update stamp or byline the
    template glued on. Else, as before: the family's title element, og:title or headline, another
    heading outside the site's furniture, and last the document title (not certain:
    :func:`archive.parse.laround.near_content` may find better). A section's or portlet's name
    (``labels``) never wins while another offer stands.
    """
    labels = labels or SectionLabels([])
    raw_structured = [metas.get("og:title"), metas.get("twitter:title"), headline]
    structured = [decode_entities(clean_text(t)) for t in raw_structured if t]
    doc = decode_entities(clean_text(soup.title.get_text())) if soup.title else ""
    offers = Offers(doc, structured, sites, labels)
    own = heading_texts(soup, family, index)
    general = [
        (decode_entities(clean_text(tag.get_text(" "))), tag)
        for tag in select_all(soup, ("h1", *FALLBACKS), index)
    ]
    return choose(offers, own, general, lambda: heading_texts(soup, ("h2",), index), in_chrome)


def choose(
    offers: Offers,
    own: list[str],
    general: list[tuple[str, T]],
    h2: Callable[[], list[str]],
    chrome: Callable[[T], bool],
) -> Title | None:
    """The title among the gathered offers (see :func:`title`), whichever tree they were read from:
    ``own`` the family's headings, ``general`` the h1 and fallback headings with their elements, ``h2``
    the page's h2 texts, ``chrome`` whether an element is in the site's furniture."""
    # Any h2 may be the headline when another offer repeats it (Joomla's under a page heading h1).
    for heading in [*own, *(text for text, _ in general), *h2()]:
        if (agreed := offers.agreed(heading)) is not None:
            return agreed, True
    for heading in own:
        if offers.usable(heading):
            return _extend(heading, offers.refs), True
    if offers.structured:
        return offers.structured[0], True
    for heading, tag in general:
        if offers.usable(heading) and not chrome(tag):
            return _extend(heading, offers.refs), True
    if offers.usable(offers.doc):
        return offers.doc, False
    fallback = offers.sites.remove_from(offers.raw_doc)
    return (fallback, False) if fallback and fallback not in offers.sites else None


# The heading near the content block, for a page whose <title> is not certain (archive.parse.laround).
TITLE_CLASS: Final = re.compile(r"title|tieu-?_?de|tieude|headline|ten-?tin", re.IGNORECASE)
MIN_TITLE, MAX_TITLE = 15, 300
MAX_BOLD_TITLE = 200
MAX_NAME_WORDS = 6
FIRST_PARAGRAPH = 120
LOOK_AROUND: Final = 40  # elements searched before and inside the content block
