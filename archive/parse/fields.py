"""Field extractors: lead, breadcrumb and category, tags, official document numbers, language."""

from __future__ import annotations

import copy
import re
from typing import Final

from bs4 import BeautifulSoup, Tag

from archive.parse.select import Index, select_all, select_first
from archive.parse.text import clean_text

LEAD_SELECTORS: Final = (
    *(".field-name-field-sapo", ".field-name-field-summary", ".sapo", ".lead", ".summary"),
    *(".article-summary", ".asset-summary", ".mo-ta", ".tomtat", ".tom-tat", ".news-sapo", ".description"),
)
_BREADCRUMB: Final = (
    ".breadcrumb",
    ".breadcrumbs",
    "[class*=breadcrumb]",
    "[id*=breadcrumb]",
    "nav[aria-label=breadcrumb]",
    "[itemtype$='BreadcrumbList']",
    ".duong-dan",
    ".path",
)
# Text for screen readers only, inside breadcrumbs and menus: SharePoint's "Hiện đã chọn" (currently
# selected) in ``.ms-hidden``, Drupal's, Bootstrap's, WordPress's and Liferay's hidden labels.
HIDDEN_TEXT: Final = re.compile(
    r"^(ms-hidden|ms-accessible|visually-hidden|sr-only|screen-reader-text|element-invisible|"
    r"hide-accessible|helper-hidden-accessible)$"
)
BREADCRUMB: Final = _BREADCRUMB
_CRUMB_NOISE: Final = frozenset({"»", ">", "/", "›", "|", "-", "→", "»»"})
_TAG_SELECTORS: Final = (
    *(".tags a", ".field-name-field-tags a", ".field--name-field-tags a", ".tag-list a", ".itemTags a"),
    *(
        ".taglib-asset-tags-summary a",
        "a[rel=tag]",
        ".tagcloud a",
        ".keywords a",
        ".tu-khoa a",
        ".news-tags a",
    ),
    ".tag a",
    ".fa-tags ~ a",  # links after a tags icon (NukeViet's "Từ khóa:" line)
)
TAG_SELECTORS: Final = _TAG_SELECTORS
MAX_TAG: Final = 80  # characters of a tag, a breadcrumb item or a category link
# The link to the category an article is filed in, as CMSs print it beside the article: K2's "Được đăng
# trong <a>", WordPress's ``rel="category tag"`` links, Joomla's category field.
CATEGORY_LINKS: Final = (".itemCategory a", "a[rel~=category]", "dd.category-name a")
TAG_LABEL: Final = re.compile(r"^(tags?|từ khóa|từ khoá|thẻ)\s*:?\s*", re.IGNORECASE)
DOC_NUMBER: Final = re.compile(
    r"(?<![\w/])(?:\d{1,6}(?:/\d{4})?/[A-ZĐ][A-ZĐ0-9]*(?:-[A-ZĐ0-9]+)+|\d{1,3}/\d{4}/QH\d{2})(?![\w/-])"
)
_VIETNAMESE: Final = re.compile(
    r"[ăâđêôơưàảãạáằẳẵặắầẩẫậấèẻẽẹéềểễệếìỉĩịíòỏõọóồổỗộốờởỡợớùủũụúừửữựứỳỷỹỵý]", re.IGNORECASE
)
_ENGLISH: Final = re.compile(r"\b(the|and|of|to|in|is|for|with|on|that|was|by)\b", re.IGNORECASE)
_VIETNAMESE_SHARE: Final = 0.02  # of letters accented: Vietnamese text
_NAMES_ONLY_SHARE: Final = 0.1  # of letters accented: at most Vietnamese names in another language's text
_ENGLISH_SHARE: Final = 0.08  # of words that are English function words: English text
MIN_BOLD_LEAD: Final = 100
_CUT_TITLE: Final = 25


def breadcrumb(soup: BeautifulSoup, index: Index | None = None) -> list[str]:
    """Breadcrumb item texts (call before boilerplate removal)."""
    # The first breadcrumb that says something: NukeViet 4.5 prints an empty one that scripts fill in.
    for found in select_all(soup, _BREADCRUMB, index):
        if items := _crumbs(found):
            return items
    return []


def _crumbs(found: Tag) -> list[str]:
    """The items of one breadcrumb element, without its screen-reader-only text."""
    crumb = found
    if found.find(class_=HIDDEN_TEXT) is not None:
        crumb = copy.copy(found)  # the page itself keeps its hidden text
        for hidden in crumb.find_all(class_=HIDDEN_TEXT):
            hidden.decompose()
    items = [clean_text(a.get_text(" ")) for a in crumb.find_all(["a", "span", "li", "strong"])]
    if not items:
        items = [clean_text(p) for p in re.split(r"[»>›/|→]", crumb.get_text(" "))]
    return crumb_items(items)


def crumb_items(items: list[str]) -> list[str]:
    """A breadcrumb's item texts without separators, repeats and overlong items."""
    seen: list[str] = []
    for item in items:
        item = item.strip(" »>›/|→")
        if item and len(item) <= MAX_TAG and item not in seen and item not in _CRUMB_NOISE:
            seen.append(item)
    return seen


def category_link(soup: BeautifulSoup, index: Index | None = None) -> str | None:
    """The text of the article's category link (call before boilerplate removal), or None."""
    found = select_first(soup, CATEGORY_LINKS, index)
    text = clean_text(found.get_text(" ")) if found is not None else ""
    return text if text and len(text) <= MAX_TAG else None


def category(crumbs: list[str], title: str, section: str | None, link: str | None = None) -> str | None:
    """The section an article is filed under: the last breadcrumb item that is not the title itself (a
    lone "Trang chủ" is not a category), else the ``article:section``/JSON-LD ``articleSection``, else
    the category link printed with the article (:func:`category_link`)."""
    if len(crumbs) > 1:
        for crumb in reversed(crumbs[1:]):
            stem = crumb.rstrip(".… ")
            # The last crumb is often the title itself, whole or cut ("Thông báo kết quả tuyển…").
            if crumb != title and not (len(stem) >= _CUT_TITLE and title.startswith(stem)):
                return crumb
    return section or link


def tags(soup: BeautifulSoup, meta_tags: list[str], index: Index | None = None) -> list[str]:
    """Tag links of the article (call before boilerplate removal), else ``article:tag`` metas."""
    out: list[str] = []
    for a in select_all(soup, _TAG_SELECTORS, index):
        text = TAG_LABEL.sub("", clean_text(a.get_text(" ")))
        if text and len(text) <= MAX_TAG and text not in out:
            out.append(text)
    return out or meta_tags


def meta_tags(soup: BeautifulSoup) -> list[str]:
    out: list[str] = []
    for tag in soup.find_all("meta", attrs={"property": "article:tag"}):
        value = tag.get("content")
        text = clean_text(value) if isinstance(value, str) else ""
        if text and text not in out:
            out.append(text)
    return out


def doc_numbers(paragraphs: list[str]) -> list[str]:
    """Official document numbers mentioned ("1234/QĐ-UBND", "15/2023/NĐ-CP", "59/2020/QH14")."""
    out: list[str] = []
    for paragraph in paragraphs:
        for match in DOC_NUMBER.findall(paragraph):
            if match not in out:
                out.append(match)
    return out


def language(text: str) -> str:
    """``vi`` for Vietnamese text, ``en`` for English, ``und`` when it cannot tell."""
    letters = sum(map(str.isalpha, text)) or 1
    words = len(text.split()) or 1
    vietnamese = len(_VIETNAMESE.findall(text)) / letters
    english = len(_ENGLISH.findall(text)) / words
    # English pages of ministries name Vietnamese people and places ("Trần Anh Tuấn", "Thừa Thiên Huế"): a
    # few accented letters among dense English function words, where Vietnamese prose accents about a
    # quarter of its letters.
    if english > _ENGLISH_SHARE and vietnamese < _NAMES_ONLY_SHARE:
        return "en"
    if vietnamese > _VIETNAMESE_SHARE:
        return "vi"
    return "en" if english > _ENGLISH_SHARE else "und"
