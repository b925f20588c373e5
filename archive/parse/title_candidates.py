"""What a page offers as its title, and how to compare the offers.

A page says its title several times: ``<title>`` (with the site's and often the section's name around it),
og:title, twitter:title, the JSON-LD ``headline``, the CMS's title element and the headings around the
body. It also shows names that are not the article's: the section or portlet heading above it ("Tin tức
nổi bật", "Hot News"), which repeats a breadcrumb or menu item or sits in a portlet's title element.
:mod:`archive.parse.titles` chooses among these by agreement; this module gathers them.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from typing import Final

from bs4 import BeautifulSoup, Tag

from archive.parse.select import Index, select_all
from archive.parse.text import clean_text

SEPARATOR: Final = re.compile(r"(\s+[|\-–—:»]+\s+|\s*[|»]\s*|\s+::\s+)")
# An entity left in the text after the parser decoded the markup once: the page escaped it twice
# ("&amp;ndash;"). Only complete references are decoded; a literal "&" ("Sở TT&TT") stays.
_ENTITY: Final = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")
# Where CMSs print the title of a portlet, module, block or web part: a section's name, not an article's.
PORTLET_TITLES: Final = (
    *(".portlet-title-text", ".portlet-title", "[id$=dnnTITLE_titleLabel]", "[id$=_titleLabel]"),
    *(".module-title", ".moduletable > h3", ".block-title", ".widget-title", ".ms-webpart-titleText"),
    *(".wpthemeControlHeader h2", ".portlet-header h2"),
)
MENUS: Final = ("nav a", "[class*=menu] a", "[id*=menu] a", ".navigation a", ".nav a")
MAX_LABEL: Final = 60
MAX_MENU_ITEMS: Final = 300
# Section names departments' sites give their news portlets and menus.
_SECTION_LABEL: Final = re.compile(
    r"^(tin tức|tin tức nổi bật|tin nổi bật|tin mới|tin mới nhất|tin hoạt động|tin tức[ -–]+sự kiện|"
    r"tin tức sự kiện|tin trong tỉnh|tin trong nước|tin địa phương|tin chuyên ngành|tin tổng hợp|tin ảnh|"
    r"hoạt động của sở|hoạt động của ngành|thông báo|thông tin tuyên truyền|sự kiện|chuyên mục|"
    r"chi tiết|chi tiết tin|chi tiết tin tức|chi tiết bài viết|xem tin|nội dung|news detail|detail|"
    r"hot news|news|latest news|featured news|news and events|news & events|home|trang chủ)$",
    re.IGNORECASE,
)
# What wire and portal templates glue onto a heading: an update stamp or a byline.
WIRE_TAIL: Final = re.compile(
    r"\s*[-–—|·,(]*\s*(?:last updated|updated|cập nhật(?: lúc| ngày| lần cuối)?|đăng lúc|đăng ngày|posted|"
    r"published|by|bởi|viết bởi|đăng bởi)\b\s*:?.*$",
    re.IGNORECASE,
)


def decode_entities(text: str) -> str:
    """``text`` with entity references left by double escaping decoded ("&ndash;" → "–"), once."""
    if "&" not in text:
        return text
    return clean_text(_ENTITY.sub(lambda m: html.unescape(m.group(0)), text))


def key(text: str) -> str:
    """The comparison form of a title: case, diacritics, punctuation and spacing ignored (the runs of
    letters and digits, ``str.isalnum``, which is ``\\w`` without ``_``, of the text without its combining
    marks, one space apart)."""
    decomposed = unicodedata.normalize("NFD", clean_text(text).casefold().replace("đ", "d"))
    return " ".join(_ALNUM_RUN.findall(decomposed.translate(_NO_COMBINING)))


_ALNUM_RUN: Final = re.compile(r"[^\W_]+")
# Every character with a combining class is below U+20000 (the last, U+1E94A, in Unicode 15); the planes
# above hold ideographs, tags and private use.
_NO_COMBINING: Final = {c: None for c in range(0x20000) if unicodedata.combining(chr(c))}


def parts(title: str) -> list[str]:
    """The texts of a ``<title>`` or og:title between its separators ("A - B | C" → A, B, C)."""
    return [p.strip() for p in SEPARATOR.split(title)[0::2] if p.strip()]


def prefixes(title: str) -> set[str]:
    """Keys of every leading run of a title's parts: "A - B - C" gives A, A - B and A - B - C."""
    pieces = SEPARATOR.split(title)
    return {key("".join(pieces[: 2 * n + 1])) for n in range(len(pieces) // 2 + 1)} - {""}


class SectionLabels:
    """Names of sections on the page: breadcrumb and menu items, portlet and module titles, and the usual
    names of news sections. A heading with one of these names is the section's, not the article's."""

    def __init__(self, names: Iterable[str]) -> None:
        self._keys = {k for k in (key(n) for n in names) if k}

    @classmethod
    def of(cls, soup: BeautifulSoup, crumbs: list[str], index: Index | None = None) -> SectionLabels:
        """Read the page's section names (call before boilerplate removal: menus are removed)."""
        portlets = [clean_text(tag.get_text(" ")) for tag in select_all(soup, PORTLET_TITLES, index)]
        menus = [clean_text(tag.get_text(" ")) for tag in select_all(soup, MENUS, index)[:MAX_MENU_ITEMS]]
        return cls.from_texts(crumbs, portlets, menus)

    @classmethod
    def from_texts(cls, crumbs: list[str], portlets: list[str], menus: list[str]) -> SectionLabels:
        """The labels of a page's breadcrumb items, portlet titles and (the first) menu item texts."""
        short = [text for text in menus[:MAX_MENU_ITEMS] if len(text) <= MAX_LABEL]
        return cls([*crumbs, *portlets, *short])

    def with_keys(self, keys: Iterable[str]) -> SectionLabels:
        """These labels and more, given in their comparison form (:func:`key`)."""
        more = SectionLabels(())
        more._keys = self._keys | set(keys)
        return more

    def __contains__(self, text: object) -> bool:
        if not isinstance(text, str):
            return False
        return key(text) in self._keys or _SECTION_LABEL.match(clean_text(text)) is not None


def heading_texts(soup: BeautifulSoup, selectors: Iterable[str], index: Index | None = None) -> list[str]:
    """Texts of the elements matching ``selectors`` (best first), entities decoded, without repeats."""
    out: list[str] = []
    for tag in select_all(soup, selectors, index):
        text = decode_entities(clean_text(tag.get_text(" ")))
        if text and text not in out:
            out.append(text)
    return out


CHROME: Final = re.compile(
    r"(^|[-_\s])(sidebar|menu|nav|related|tin-?khac|tin-?lien-?quan|other-?news|footer|banner|marquee|"
    r"most-?read|doc-?nhieu|tin-?moi|latest)($|[-_\s])",
    re.IGNORECASE,
)


def in_chrome(tag: Tag) -> bool:
    """``tag`` is in the site's furniture (a sidebar, menu, related-news box, footer) or is a link to
    another page (a teaser's title): its text is not this page's headline."""
    links = tag.find_all("a", href=True)
    # A theme may link the page's own h1 to its permalink; a linked h2-h4 is another article's teaser.
    if tag.name != "h1" and links and key(tag.get_text(" ")) == key(" ".join(a.get_text(" ") for a in links)):
        return True
    for node in [tag, *tag.parents]:
        if node.name in ("nav", "aside", "footer"):
            return True
        words = " ".join(
            [*(str(c) for c in node.get_attribute_list("class") if c), str(node.get("id") or "")]
        )
        if node.name not in ("body", "html") and CHROME.search(words):
            return True
    return False
