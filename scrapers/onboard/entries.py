"""What a homepage declares: its feeds, the CMS it runs, and its news menu entries. Pure functions of a
parsed page (:func:`scrapers.discover.parse_html`).

Feeds are the ``<link rel="alternate">`` of type RSS or Atom, then the feed paths of the CMS family the
page names (``<meta name="generator">`` or its markup): WordPress ``/feed/``, Drupal ``/rss.xml``, Joomla's
``?format=feed&type=rss`` on a listing, NukeViet's ``/rss/``. News listings are menu entries labelled like
the news sections of Vietnamese department sites: "Tin tức", "Tin tức - Sự kiện", "Hoạt động của Sở",
"Thông báo", English "News".
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final
from urllib.parse import urlsplit, urlunsplit

import lxml.html

from archive.urls import canonicalize_url, same_host

_FEED_TYPES: Final = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")
# Menu labels of news sections, best first (compared without case, marks kept).
NEWS_LABELS: Final = (
    "tin tức - sự kiện",
    "tin tức sự kiện",
    "tin tức",
    "tin hoạt động",
    "hoạt động của sở",
    "hoạt động của bộ",
    "hoạt động của ngành",
    "tin tức hoạt động",
    "thông báo",
    "tin tức - thông báo",
    "news",
    "news & events",
)
_SPACES = re.compile(r"\s+")
_DASHES = re.compile(r"\s*[-–—]\s*")


def label_key(text: str) -> str:
    """A menu label compared: NFC, lower case, one space, dashes as " - "."""
    text = unicodedata.normalize("NFC", _SPACES.sub(" ", text).strip().lower())
    return _DASHES.sub(" - ", text)


def family(doc: lxml.html.HtmlElement) -> str | None:
    """The CMS family a page names or shows: wordpress, drupal, joomla, liferay, nukeviet, sharepoint."""
    generator = " ".join(m.get("content") or "" for m in doc.iter("meta") if m.get("name") == "generator")
    generator = generator.lower()
    for name in ("wordpress", "drupal", "joomla", "nukeviet", "sharepoint", "liferay"):
        if name in generator:
            return name
    html = lxml.html.tostring(doc, encoding="unicode")[:200_000]
    markers = {
        "wordpress": ("/wp-content/", "/wp-includes/"),
        "liferay": ("/-/asset_publisher/", "Liferay.", "/o/classic-theme/"),
        "drupal": ("/sites/default/files/", "Drupal.settings", "data-drupal-"),
        "joomla": ("/media/jui/", "/components/com_content/", "option=com_content"),
        "sharepoint": ("/_layouts/", "_spPageContextInfo"),
        "nukeviet": ("/themes/default/", "nv_base_siteurl"),
    }
    return next((name for name, signs in markers.items() if any(s in html for s in signs)), None)


def feed_links(doc: lxml.html.HtmlElement, base: str) -> list[str]:
    """The RSS/Atom feeds a page declares with ``<link rel="alternate">``, same host, page order."""
    found: dict[str, None] = {}
    for link in doc.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().strip()
        href = link.get("href")
        if "alternate" in rel and kind in _FEED_TYPES and href:
            url = canonicalize_url(href.strip(), base=base)
            if same_host(url, base):
                found[url] = None
    return list(found)


def family_feeds(name: str | None, homepage: str, listings: list[str]) -> list[str]:
    """Where a CMS family serves its feeds by default (tried only when the pages declare none)."""
    parts = urlsplit(homepage)
    root = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
    match name:
        case "wordpress":
            return [root + "/feed/"]
        case "drupal":
            return [root + "/rss.xml"]
        case "nukeviet":
            return [root + "/rss/", root + "/index.php?nv=news&op=rss"]
        case "joomla":
            return [f"{u}{'&' if '?' in u else '?'}format=feed&type=rss" for u in listings[:2]]
    return []


def news_menu(doc: lxml.html.HtmlElement, base: str) -> list[str]:
    """Same-host links labelled like a news section, the best label first, each URL once."""
    ranked: list[tuple[int, int, str]] = []
    for position, anchor in enumerate(doc.iter("a")):
        href = anchor.get("href")
        if not href or href.strip().lower().startswith(("#", "javascript:", "mailto:")):
            continue
        label = label_key(anchor.text_content() or anchor.get("title") or "")
        if label not in NEWS_LABELS:
            continue
        try:
            url = canonicalize_url(href.strip(), base=base)
        except ValueError:
            continue
        if same_host(url, base) and urlsplit(url).path not in ("", "/"):
            ranked.append((NEWS_LABELS.index(label), position, url))
    return list(dict.fromkeys(url for _, _, url in sorted(ranked)))


def same_host_links(doc: lxml.html.HtmlElement, base: str) -> list[tuple[str, str]]:
    """``(url, anchor text)`` of every same-host http(s) link, page order, each URL once."""
    found: dict[str, str] = {}
    for anchor in doc.iter("a"):
        href = anchor.get("href")
        if not href or href.strip().lower().startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        try:
            url = canonicalize_url(href.strip(), base=base)
        except ValueError:
            continue
        if urlsplit(url).scheme in ("http", "https") and same_host(url, base):
            text = _SPACES.sub(" ", anchor.text_content()).strip()
            if len(text) > len(found.get(url, "")):
                found[url] = text
            else:
                found.setdefault(url, text)
    return list(found.items())
