"""Metadata of the demo department websites, loaded from the TOML files in ``content/``.

The demo sites are fixtures: the crawler, parser and end-to-end tests run against them, so
everything a test needs to know about the expected output (article URL, full title, the
title shown in ``<h1>``, publication date, author, body paragraphs) is exposed here as
frozen dataclasses.  ``SITES`` is loaded once at import time and validated: every text is
NFC, every article path matches its site's ``article_pattern`` and nothing else served by
the site (listing pages, navigation pages, attachments) does.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from importlib import resources
from typing import Any, Literal, cast

from deptnews.demo.textparse import paragraph_texts

#: Local time of every Vietnamese department site (no daylight saving time).
VN_TZ = timezone(timedelta(hours=7), "ICT")

#: A Drupal path alias or Liferay URL title: lower-case ASCII words joined by hyphens.
SLUG_RE = r"[a-z0-9]+(?:-[a-z0-9]+)*"

Cms = Literal["drupal", "liferay"]
#: How the publication date appears on the article page:
#: ``submitted``  Drupal date field, ``span.date-display-single`` "Thứ Hai, 05/07/2010 - 14:30";
#: ``rdfa``       Drupal "Gửi bởi admin lúc …" line whose span carries an RDFa ``content`` date;
#: ``body``       no date line at all, the date only appears in the body text;
#: ``ngay-dang``  Liferay "Ngày đăng: 25/01/2022 16:22" metadata line under ``h3.header-title``;
#: ``cap-nhat``   Liferay web-content template: ``h1`` + "Cập nhật lúc: …" inside the article.
DateStyle = Literal["submitted", "rdfa", "body", "ngay-dang", "cap-nhat"]
_DATE_STYLES: dict[Cms, frozenset[str]] = {
    "drupal": frozenset({"submitted", "rdfa", "body"}),
    "liferay": frozenset({"ngay-dang", "cap-nhat"}),
}


@dataclass(frozen=True, slots=True)
class Link:
    """A labelled link (navigation entry, external website link)."""

    label: str
    url: str


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file attached to an article: one of :data:`deptnews.demo.documents.FILES` when ``file`` names
    it (a real decision, plan or list), else a tiny valid PDF."""

    path: str
    name: str
    label: str
    file: str | None = None


@dataclass(frozen=True, slots=True)
class StaticPage:
    """A non-article page reachable from the navigation menu (not to be archived as news)."""

    path: str
    title: str
    body_html: str


@dataclass(frozen=True, slots=True)
class DemoArticle:
    """One news article and the values a correct parser must extract from its page.

    ``title`` is the full title (``<title>``, ``og:title``); ``display_title`` is the
    possibly truncated title shown in the page heading.  ``published`` is the publication
    date in Vietnamese local time; ``published_time`` is ``None`` when the page shows no
    time.  ``paragraphs`` are the whitespace-normalised texts of the body's ``<p>``
    elements, without the trailing signature/credit lines, which are in ``tail_lines``.
    ``modified`` is what the server sends as ``Last-Modified`` (it is *not* the
    publication date).

    Conventions a parser is expected to follow (and tests compare against):
    ``paragraphs`` contain only ``<p>`` elements, so image captions (``figcaption``), the
    Liferay in-template ``h1``/date line and attachment links are not part of them;
    ``tail_lines`` are the raw (whitespace-normalised) signature/credit/source lines;
    ``author`` is the person named in the credit line with the credit prefix ("Tin:",
    "Tin, ảnh:", "Tác giả:"), a trailing " - <unit>" and a trailing "(…)" removed, or
    the unit itself when no person is named ("Văn phòng Sở"); ``source`` is the text after
    "Nguồn:" when there is such a line.
    """

    site_id: str
    slug: str
    path: str
    title: str
    display_title: str
    published: date
    published_time: time | None
    date_style: DateStyle
    modified: datetime
    author: str
    source: str | None
    teaser: str
    body_html: str
    tail_html: str
    attachments: tuple[Attachment, ...]
    images: tuple[str, ...]
    paragraphs: tuple[str, ...]
    tail_lines: tuple[str, ...]

    @property
    def published_at(self) -> datetime | None:
        """Publication instant (Vietnamese time) when the page shows a time, else ``None``."""
        if self.published_time is None:
            return None
        return datetime.combine(self.published, self.published_time, VN_TZ)

    @property
    def shows_date_line(self) -> bool:
        """Whether the page has a date line outside the body text."""
        return self.date_style != "body"


@dataclass(frozen=True, slots=True)
class DemoSite:
    """One demo department website.

    ``article_pattern`` is a regular expression meant for ``re.search`` against a URL's
    path plus query (``/tin-tuc/abc?x=1``); it matches article pages only.  ``articles``
    are ordered newest first, which is also the order of the news listing.
    """

    id: str
    name: str
    display_name: str
    slogan: str
    department: str
    jurisdiction: str
    jurisdiction_kind: str
    cms: Cms
    home_path: str
    listing_path: str
    article_prefix: str
    article_pattern: str
    page_size: int
    portlet_instance: str
    address: str
    email: str
    logo_path: str
    links: tuple[Link, ...]
    pages: tuple[StaticPage, ...]
    articles: tuple[DemoArticle, ...]

    def is_article_url(self, path_and_query: str) -> bool:
        """Whether ``path_and_query`` (no scheme or host) is an article page URL."""
        return re.search(self.article_pattern, path_and_query) is not None

    def article(self, path: str) -> DemoArticle | None:
        """The article served at ``path`` (query string excluded), if any."""
        return next((a for a in self.articles if a.path == path), None)

    @property
    def page_count(self) -> int:
        """Number of news listing pages."""
        return max(1, -(-len(self.articles) // self.page_size))


def _str(table: Mapping[str, Any], key: str, default: str | None = None) -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        raise ValueError(f"demo content: {key!r} must be a string, got {value!r}")
    if not unicodedata.is_normalized("NFC", value):
        raise ValueError(f"demo content: {key!r} is not NFC: {value[:60]!r}")
    return value


def _article(site_id: str, prefix: str, cms: Cms, raw: Mapping[str, Any]) -> DemoArticle:
    slug = _str(raw, "slug")
    published = raw["published"]
    published_time = raw.get("time")
    if type(published) is not date or not (published_time is None or type(published_time) is time):
        raise ValueError(f"demo content: bad date/time for {slug}")
    style = _str(raw, "date_style")
    if style not in _DATE_STYLES[cms]:
        raise ValueError(f"demo content: date_style {style!r} is not valid for {cms}")
    if style != "body" and published_time is None:
        raise ValueError(f"demo content: {slug} shows a date line and needs a time")
    modified = raw.get("modified")
    if modified is None:
        modified = datetime.combine(published, published_time or time(8, 0), VN_TZ)
    if not isinstance(modified, datetime) or modified.tzinfo is None:
        raise ValueError(f"demo content: modified of {slug} must be an offset date-time")
    body = _str(raw, "body")
    tail = _str(raw, "tail", "")
    paragraphs = tuple(" ".join(p.split()) for p in paragraph_texts(body))
    title = _str(raw, "title")
    return DemoArticle(
        site_id=site_id,
        slug=slug,
        path=prefix + slug,
        title=title,
        display_title=_str(raw, "display_title", title),
        published=published,
        published_time=published_time,
        date_style=cast(DateStyle, style),  # checked against _DATE_STYLES above
        modified=modified,
        author=_str(raw, "author"),
        source=_str(raw, "source") if "source" in raw else None,
        teaser=_str(raw, "teaser") if "teaser" in raw else _teaser(paragraphs[0]),
        body_html=body,
        tail_html=tail,
        attachments=tuple(
            Attachment(_str(a, "path"), _str(a, "name"), _str(a, "label"), a.get("file"))
            for a in raw.get("attachments", ())
        ),
        images=tuple(_str({"image": i}, "image") for i in raw.get("images", ())),
        paragraphs=tuple(p for p in paragraphs if p),
        tail_lines=tuple(t for t in (" ".join(p.split()) for p in paragraph_texts(tail)) if t),
    )


def _teaser(text: str, limit: int = 220) -> str:
    """Trim ``text`` at a word boundary like Drupal's ``text_summary`` does."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _load_site(filename: str) -> DemoSite:
    raw = tomllib.loads(resources.files(__package__).joinpath("content", filename).read_text("utf-8"))
    meta = raw["site"]
    cms: Cms = meta["cms"]
    listing = _str(meta, "listing_path")
    instance = _str(meta, "portlet_instance", "")
    prefix = f"{listing}/" if cms == "drupal" else f"{listing}/-/asset_publisher/{instance}/content/"
    site_id = _str(meta, "id")
    articles = sorted(
        (_article(site_id, prefix, cms, a) for a in raw["articles"]),
        key=lambda a: (a.published, a.published_time or time()),
        reverse=True,
    )
    site = DemoSite(
        id=site_id,
        name=_str(meta, "name"),
        display_name=_str(meta, "display_name"),
        slogan=_str(meta, "slogan"),
        department=_str(meta, "department"),
        jurisdiction=_str(meta, "jurisdiction"),
        jurisdiction_kind=_str(meta, "jurisdiction_kind"),
        cms=cms,
        home_path=_str(meta, "home_path"),
        listing_path=listing,
        article_prefix=prefix,
        article_pattern=_article_pattern(prefix),
        page_size=int(meta["page_size"]),
        portlet_instance=instance,
        address=_str(meta, "address"),
        email=_str(meta, "email"),
        logo_path=_str(meta, "logo_path"),
        links=tuple(Link(_str(x, "label"), _str(x, "url")) for x in raw.get("links", ())),
        pages=tuple(StaticPage(_str(p, "path"), _str(p, "title"), _str(p, "body")) for p in raw["pages"]),
        articles=tuple(articles),
    )
    _check(site)
    return site


def _article_pattern(prefix: str) -> str:
    """``^<prefix><slug>`` followed by the end or a query string.

    The prefix is kept literal instead of ``re.escape``-d because the pattern is also
    written into human-edited source registries; it must not need escaping.
    """
    if not re.fullmatch(r"[A-Za-z0-9/_-]+", prefix):
        raise ValueError(f"demo content: article prefix {prefix!r} needs regex escaping")
    return "^" + prefix + SLUG_RE + r"(?:\?|$)"


def _check(site: DemoSite) -> None:
    """Fail loudly at import if the content contradicts the documented invariants."""
    paths = [a.path for a in site.articles]
    if len(set(paths)) != len(paths) or len(paths) < 12:
        raise ValueError(f"demo site {site.id}: needs >= 12 articles with unique paths")
    for article in site.articles:
        if not site.is_article_url(article.path) or not re.fullmatch(SLUG_RE, article.slug):
            raise ValueError(f"demo site {site.id}: bad article path {article.path}")
    others = [site.home_path, site.listing_path, site.logo_path]
    others += [p.path for p in site.pages]
    others += [x.path for a in site.articles for x in a.attachments] + [
        i for a in site.articles for i in a.images
    ]
    for path in others:
        if site.is_article_url(path):
            raise ValueError(f"demo site {site.id}: article_pattern matches {path}")


def get_site(site_id: str) -> DemoSite:
    """The demo site with id ``site_id`` (``KeyError`` if there is none)."""
    for site in SITES:
        if site.id == site_id:
            return site
    raise KeyError(site_id)


SITES: tuple[DemoSite, ...] = (_load_site("stttt.toml"), _load_site("skhcn.toml"))

#: The article that reproduces the page deptnews was created from.
SEED_SITE_ID = "stttt"
SEED_ARTICLE_PATH = (
    "/tin-tuc/bo-thong-tin-va-truyen-thong-to-chuc-hoi-nghi-giao-ban-truc-tuyen-so-ket-6-thang-dau-nam-2010"
)
