"""Field extractors: each takes the parsed page (and hints) and returns one field of the record."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Tag

from archive.model import Attachment, DateOrigin, Image
from archive.parse.dates import find_dates, parse_date
from archive.parse.text import clean_text

_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—:»]+\s+")
_TITLE_FALLBACKS = (".header-title", ".article-title", ".title-news", ".news-title", "h2.title", ".title")
LEAD_SELECTORS = (
    ".field-name-field-sapo",
    ".field-name-field-summary",
    ".sapo",
    ".lead",
    ".summary",
    ".article-summary",
    ".asset-summary",
    ".mo-ta",
    ".tomtat",
)
_ATTACHMENT_TYPES = ("pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "zip", "rar")
DOC_NUMBER = re.compile(
    r"(?<![\w/])\d{1,6}(?:/\d{4})?/[A-ZĐ][A-ZĐ0-9]*(?:-[A-ZĐ0-9]+)+(?![\w/-])",
)
_DATE_CLASS = re.compile(r"date|time|ngay|submitted|publish|created|post-?meta|posted", re.IGNORECASE)
_DATE_LABEL = re.compile(
    r"(ngày đăng|ngày cập nhật|cập nhật|đăng lúc|đăng ngày|ngày xuất bản|thời gian|posted|published)",
    re.IGNORECASE,
)


def _meta(soup: BeautifulSoup, *names: str) -> str | None:
    for name in names:
        tag = soup.find("meta", attrs={"property": name}) or soup.find("meta", attrs={"name": name})
        if isinstance(tag, Tag):
            value = tag.get("content")
            if isinstance(value, str) and value.strip():
                return clean_text(value)
    return None


def title(soup: BeautifulSoup) -> str | None:
    """The full title of the article.

    Candidates: ``h1`` elements and CMS title elements (Liferay's ``.header-title``, …) in page order,
    og:title, and ``<title>`` minus the site name. Many themes cut long headings and many put the site
    name in an ``h1``: a heading that starts the og:title or document title yields that longer title;
    otherwise og:title wins; otherwise the first heading that is not the site name.
    """
    og = _meta(soup, "og:title", "twitter:title")
    doc_title = clean_text(soup.title.get_text()) if soup.title else ""
    parts = [p for p in _TITLE_SEPARATORS.split(doc_title) if p] if doc_title else []
    fulls = [c for c in (og, parts[0] if len(parts) > 1 else None) if c]
    site_names = set(parts[1:])
    headings: list[str] = []
    for tag in soup.select(", ".join(("h1", *_TITLE_FALLBACKS))):
        text = clean_text(tag.get_text(" "))
        if text and text not in headings:
            headings.append(text)
    for heading in headings:
        for full in fulls:
            if full.startswith(heading.rstrip(".… ")):
                return full
    if og:
        return og
    for heading in headings:
        if heading not in site_names:
            return heading
    return fulls[0] if fulls else (doc_title or None)


def _json_ld(soup: BeautifulSoup) -> Iterator[dict[str, Any]]:
    for script in soup.find_all("script", attrs={"type": "application/ld+json"}):
        try:
            data = json.loads(script.get_text())
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                stack.extend(v for k, v in item.items() if k == "@graph")
                yield item


def structured_dates(soup: BeautifulSoup, now: datetime) -> dict[str, tuple[datetime, DateOrigin]]:
    """Published and modified dates from JSON-LD, meta tags and ``<time>`` elements (call before
    boilerplate removal: the ``<script>`` and ``<head>`` hold them)."""
    found: dict[str, tuple[datetime, DateOrigin]] = {}
    for item in _json_ld(soup):
        for key, field in (("datePublished", "published"), ("dateModified", "modified")):
            value = item.get(key)
            if isinstance(value, str) and field not in found and (when := parse_date(value, now=now)):
                found[field] = (when, "json-ld")
    metas = {
        "published": (
            "article:published_time",
            "pubdate",
            "publishdate",
            "date",
            "dc.date",
            "DC.date.issued",
        ),
        "modified": ("article:modified_time", "og:updated_time", "lastmod"),
    }
    for field, names in metas.items():
        value = _meta(soup, *names)
        if field not in found and value and (when := parse_date(value, now=now)):
            found[field] = (when, "meta")
    if "published" not in found:
        for tag in soup.find_all("time"):
            value = tag.get("datetime") or tag.get_text(" ")
            if isinstance(value, str) and (when := parse_date(value, now=now)):
                found["published"] = (when, "time")
                break
    return found


def visible_date(root: Tag, now: datetime) -> datetime | None:
    """A date line outside the body: an element whose class names a date, or a labelled line."""
    for tag in root.find_all(True, class_=_DATE_CLASS):
        text = clean_text(tag.get_text(" "))
        if len(text) <= 120 and (when := parse_date(text, now=now)):
            return when
    for string in root.find_all(string=_DATE_LABEL):
        text = clean_text(str(string.parent.get_text(" ") if string.parent else string))
        if len(text) <= 160 and (when := parse_date(text, now=now)):
            return when
    return None


def is_date_line(text: str, now: datetime) -> bool:
    """A short labelled date ("Cập nhật lúc: 08/04/2025 17:02") that some templates put in the body."""
    return len(text) <= 80 and _DATE_LABEL.match(text) is not None and parse_date(text, now=now) is not None


def dateline(paragraphs: list[str], now: datetime) -> datetime | None:
    """A date opening the article body ("Ngày 05 tháng 7 năm 2010, …"): the first 200 characters."""
    for paragraph in paragraphs[:2]:
        for match in find_dates(paragraph[:200], now=now):
            if match.start <= 80:
                return match.value
    return None


def lead(container: Tag) -> str | None:
    """The sapo/lead, searched in the content block and up to three ancestors, then removed from the
    page so that it is not repeated in the body."""
    scopes: list[Tag] = [container, *container.parents][:4]
    for selector in LEAD_SELECTORS:
        for scope in scopes:
            found = scope.select_one(selector)
            if found is None:
                continue
            text = clean_text(found.get_text(" "))
            found.decompose()
            if text:
                return text
    return None


def breadcrumb(soup: BeautifulSoup) -> list[str]:
    """Breadcrumb item texts (call before boilerplate removal)."""
    crumb = soup.select_one(".breadcrumb, .breadcrumbs, [class*=breadcrumb], nav[aria-label=breadcrumb]")
    if not crumb:
        return []
    items = [clean_text(a.get_text(" ")) for a in crumb.find_all(["a", "span", "li"], recursive=True)]
    seen: list[str] = []
    for item in items:
        if item and item not in seen and item not in ("»", ">", "/", "›"):
            seen.append(item)
    return seen


def tags(soup: BeautifulSoup) -> list[str]:
    found = soup.select(".tags a, .field-name-field-tags a, .tag-list a, .taglib-asset-tags-summary a")
    out: list[str] = []
    for a in found:
        text = clean_text(a.get_text(" "))
        if text and text not in out:
            out.append(text)
    return out


def _file_type(url: str) -> str | None:
    path = urlsplit(url).path.lower()
    ext = path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ""
    return ext if ext in _ATTACHMENT_TYPES else None


def attachments(container: Tag, base_url: str) -> list[Attachment]:
    """Files linked from the article: its content block and the article element around it (CMSs put
    "File đính kèm" fields beside the body), never the rest of the page."""
    scope = container.find_parent("article") or container.parent or container
    out: list[Attachment] = []
    seen: set[str] = set()
    for a in scope.find_all("a", href=True):
        href = a["href"]
        if not isinstance(href, str):
            continue
        url = urljoin(base_url, href.strip())
        kind = _file_type(url)
        if kind and url not in seen:
            seen.add(url)
            out.append(Attachment(url=url, title=clean_text(a.get_text(" ")) or None, type=kind))
    return out


def images(container: Tag, base_url: str) -> list[Image]:
    out: list[Image] = []
    for img in container.find_all("img", src=True):
        src = img["src"]
        if not isinstance(src, str) or src.startswith("data:"):
            continue
        caption: str | None = None
        figure = img.find_parent("figure")
        if figure and (cap := figure.find("figcaption")):
            caption = clean_text(cap.get_text(" ")) or None
        else:
            holder = img.find_parent(["p", "div", "td"])
            sibling = holder.find_next_sibling() if holder else None
            if isinstance(sibling, Tag) and sibling.get("class") and "caption" in " ".join(sibling["class"]):
                caption = clean_text(sibling.get_text(" ")) or None
        out.append(Image(url=urljoin(base_url, src.strip()), caption=caption))
    return out


def doc_numbers(paragraphs: list[str]) -> list[str]:
    out: list[str] = []
    for paragraph in paragraphs:
        for match in DOC_NUMBER.findall(paragraph):
            if match not in out:
                out.append(match)
    return out
