"""Where an article's dates are: structured data, meta tags, ``<time>``, a date line, the body, the URL.

Every function returns an aware datetime in Asia/Ho_Chi_Minh (see :mod:`archive.parse.dates`) and never a
date after the capture. The visible date is searched outward from the content block
(:func:`archive.parse.laround.visible`, with :func:`accept`), so the article's own date line wins over the
dates of a sidebar or the "today is …" line in a site's top bar.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Final

from bs4 import BeautifulSoup

from archive.model import DateOrigin
from archive.parse.dates import VN_TZ, find_dates, parse_date
from archive.parse.select import Index, select_all
from archive.parse.text import clean_text
from archive.parse.titles import Metas

Dated = tuple[datetime, DateOrigin]

DATE_CLASS: Final = re.compile(
    r"date|time|ngay|submitted|publish|created|post-?meta|posted|thoi-?gian", re.IGNORECASE
)
# Labels that say "this is when the page was published" (not "Thời gian: …" of an event in the text).
PUBLICATION_LABEL: Final = re.compile(
    r"^\W*(ngày đăng|ngày cập nhật|cập nhật lần cuối|cập nhật lúc|cập nhật|đăng lúc|đăng ngày|ngày xuất bản|"
    r"ngày tạo|thời gian đăng|ngày gửi|gửi lúc|gửi bởi|posted|published|updated|đăng bởi|viết bởi)"
    r"(?=\W|$)",
    re.IGNORECASE,
)
_PLACE_DATE: Final = re.compile(r"^[^\d,]{2,40},\s*ngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}\.?$", re.I)
_URL_DATE: Final = (
    re.compile(r"/(?P<y>(?:19|20)\d\d)/(?P<m>[01]?\d)/(?P<d>[0-3]?\d)/"),
    re.compile(r"/(?P<y>(?:19|20)\d\d)-(?P<m>[01]\d)-(?P<d>[0-3]\d)(?!\d)"),
    re.compile(r"(?<![\d])(?P<y>20\d\d)(?P<m>[01]\d)(?P<d>[0-3]\d)(?![\d])"),
)
MAX_LINE: Final = 160
_MAX_DATE_LINE: Final = 80
_DATELINE_START: Final = 30
MAX_CANDIDATES: Final = 300  # date elements considered (the first in page order), bounding the work
_FAR: Final = 2  # ancestor steps from the content block beyond which a capture-day date is the site's "today"

_META_PUBLISHED: Final = (
    *("article:published_time", "og:published_time", "datePublished", "pubdate", "publishdate"),
    *("publish_date", "date", "dc.date", "DC.date.issued", "dcterms.created", "dcterms.date"),
)
_META_MODIFIED: Final = (
    "article:modified_time",
    "og:updated_time",
    "dateModified",
    "lastmod",
    "dcterms.modified",
)


def structured(metas: Metas, found: list[dict[str, Any]], now: datetime) -> dict[str, Dated]:
    """Published and modified dates from JSON-LD (``found``) and meta tags (call before boilerplate
    removal: scripts and ``<head>`` hold them)."""
    dates: dict[str, Dated] = {}
    for item in found:
        for key, field in (("datePublished", "published"), ("dateModified", "modified")):
            value = item.get(key)
            if isinstance(value, str) and field not in dates and (when := parse_date(value, now=now)):
                dates[field] = (when, "json-ld")
    for field, names in (("published", _META_PUBLISHED), ("modified", _META_MODIFIED)):
        value = metas.get(*names)
        if field not in dates and value and (when := parse_date(value, now=now)):
            dates[field] = (when, "meta")
    return dates


MICRODATA: Final = (("datePublished", "published"), ("dateModified", "modified"))


def microdata(soup: BeautifulSoup, now: datetime, index: Index | None = None) -> dict[str, Dated]:
    """Published and modified dates from schema.org microdata on any element (NukeViet 4.5 prints them in
    hidden ``<span itemprop="datePublished">``): the ``content`` or ``datetime`` attribute, else the text.
    ``<meta itemprop>`` is read with the other meta tags (:func:`structured`) and ``<time itemprop>`` as
    a visible date (:func:`archive.parse.laround.visible`); call before boilerplate removal."""
    dates: dict[str, Dated] = {}
    for prop, field in MICRODATA:
        for tag in select_all(soup, (f"[itemprop={prop}]",), index):
            if tag.name in ("meta", "time"):
                continue
            attribute = tag.get("content") or tag.get("datetime")
            value = attribute if isinstance(attribute, str) else clean_text(tag.get_text(" "))
            if len(value) <= MAX_LINE and (when := parse_date(value, now=now)):
                dates[field] = (when, "meta")
                break
    return dates


def accept(when: Dated, distance: int, now: datetime) -> bool:
    """A visible date ``distance`` ancestor steps from the content block may be the article's: a site's top
    bar prints today's date, and far from the article and on the capture day it is not the article's."""
    return not (distance > _FAR and when[0].date() == now.astimezone(VN_TZ).date())


def is_date_line(text: str, now: datetime) -> bool:
    """A short labelled date ("Cập nhật lúc: 08/04/2025 17:02"), or a line that is nothing but a date
    ("09/04/2022 07:45", "(29/06/2026, 14:49)"), as templates put in the content block."""
    if len(text) > _MAX_DATE_LINE:
        return False
    if PUBLICATION_LABEL.match(text) is not None:
        return parse_date(text, now=now) is not None
    matches = find_dates(text, now=now)
    rest = text[: matches[0].start] + text[matches[0].end :] if len(matches) == 1 else "x"
    return not any(c.isalnum() for c in rest)


def dateline(paragraphs: list[str], now: datetime) -> datetime | None:
    """A date opening the article body ("Ngày 05 tháng 7 năm 2010, …") in its first two paragraphs, or
    the place-and-date line of an official document ("Hà Nội, ngày 12 tháng 3 năm 2024") near its top."""
    for paragraph in paragraphs[:2]:
        for match in find_dates(paragraph[:200], now=now):
            # "Ngày 05/7/2010, …", "TP. Hồ Chí Minh, ngày 5/7/2010 - …"; not "Quyết định số 12 ngày …".
            if match.start <= _DATELINE_START and not any(c.isdigit() for c in paragraph[: match.start]):
                return match.value
    for paragraph in paragraphs[:8]:
        if _PLACE_DATE.match(paragraph) and (when := parse_date(paragraph, now=now)):
            return when
    return None


def from_url(url: str, now: datetime) -> datetime | None:
    """A date in the URL's path ("/2023/08/15/slug", "/2023-08-15-slug", "…-20230815.html")."""
    path = url.split("?", 1)[0].split("#", 1)[0]
    for pattern in _URL_DATE:
        for match in pattern.finditer(path):
            try:
                when = datetime(int(match["y"]), int(match["m"]), int(match["d"]), tzinfo=VN_TZ)
            except ValueError:
                continue
            if when.year >= 1990 and when <= now:
                return when
    return None
