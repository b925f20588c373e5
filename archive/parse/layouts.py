"""The CMS families government sites run, recognised by their markup, and where each puts an article's parts.

A :class:`Layout` lists CSS selectors for the body, title, lead, date and author of one family, and the
family's own boilerplate. :func:`detect` picks the family of a page; :func:`effective` puts a source's
``[source.selectors]`` overrides in front. Families that are not recognised get :data:`GENERIC`, which has
no selectors: the text-density extractor in :mod:`archive.parse.dom` finds its body.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Final, TypeVar

from bs4 import BeautifulSoup, Tag

from archive.parse.select import Index, select_grouped
from archive.sources import Selectors

T = TypeVar("T")


@dataclass(frozen=True)
class Layout:
    """Where one CMS family puts the parts of an article page; every selector list is best first."""

    name: str
    markers: tuple[str, ...] = ()
    generator: str | None = None
    url: str | None = None
    body: tuple[str, ...] = ()
    title: tuple[str, ...] = ()
    lead: tuple[str, ...] = ()
    date: tuple[str, ...] = ()
    author: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()
    article: tuple[str, ...] = ()
    """The element holding the whole article (title, fields, body): where attachments and images are."""


DRUPAL: Final = Layout(
    article=("article.node", ".node", ".node__content"),
    name="drupal",
    generator=r"^drupal",
    markers=(
        ".field-name-body",
        ".field--name-body",
        "article.node",
        "body.page-node",
        "[data-drupal-selector]",
    ),
    body=(".field-name-body", ".field--name-body", ".node__content .field--type-text-with-summary"),
    title=(
        *("h1#page-title", "h1.page-title", "h1.page-header", "h1.node__title", ".node__title"),
        ".field--name-title",
    ),
    lead=(
        *(".field-name-field-sapo", ".field--name-field-sapo", ".field-name-field-summary"),
        *(".field--name-field-summary", ".field-name-field-tom-tat", ".field--name-field-tom-tat"),
        *(".field-name-field-mo-ta", ".field--name-field-mo-ta"),
    ),
    date=(
        *(".field-name-field-ngay-dang", ".field--name-field-ngay-dang", ".date-display-single"),
        *(".node__submitted", ".submitted", ".field--name-created"),
    ),
    # Olivero prints the node's author as "By <span class=node__author>…</span>, <time>".
    author=(
        *(".field-name-field-tac-gia", ".field--name-field-tac-gia", ".field--name-field-author"),
        ".node__author",
    ),
    drop=(".element-invisible", ".visually-hidden", "#skip-link", "ul.links.inline", ".node-links"),
)
LIFERAY_ASSET: Final = Layout(
    article=(".asset-full-content",),
    name="liferay-asset-publisher",
    markers=(".asset-full-content", ".portlet-asset-publisher .asset-content"),
    body=(
        ".asset-full-content .asset-content .journal-content-article",
        ".asset-full-content .asset-content",
    ),
    title=(
        ".asset-full-content .asset-title",
        ".asset-full-content .header-title",
        ".taglib-header .header-title",
        "h3.header-title",
        ".header-title",
        ".asset-title",
    ),
    lead=(".asset-full-content .asset-summary", ".asset-summary"),
    date=(".metadata-publish-date", ".metadata-entry.metadata-publish-date", ".asset-metadata .publish-date"),
    author=(".metadata-author", ".asset-metadata .metadata-author"),
    drop=(".taglib-social-bookmarks", ".asset-ratings", ".metadata-view-count", ".helper-hidden-accessible"),
)
LIFERAY_JOURNAL: Final = Layout(
    article=(".journal-content-article",),
    name="liferay-journal-content",
    markers=(".journal-content-article", ".portlet-journal-content"),
    body=(".journal-content-article",),
    title=(".journal-content-article h1", ".header-title", ".journal-content-article .title"),
    lead=(".journal-content-article .sapo", ".journal-content-article .summary"),
    date=(
        ".journal-content-article .date",
        ".journal-content-article .publish-date",
        ".metadata-publish-date",
    ),
    drop=(".taglib-social-bookmarks", ".helper-hidden-accessible", ".portlet-topper"),
)
SHAREPOINT: Final = Layout(
    article=(".article", ".news-page", ".detail-page"),
    name="sharepoint",
    generator=r"sharepoint",
    markers=("#s4-workspace", "#s4-bodyContainer", ".ms-rtestate-field", "[id^=ctl00_PlaceHolderMain]"),
    body=(".article-content .ms-rtestate-field", "[id$=RichHtmlField]", ".ms-rtestate-field"),
    title=(
        ".article-header h1",
        "[id*=TitleField]",
        ".article-title .ms-rtestate-field",
        ".ms-pageTitle",
        "h1",
    ),
    lead=("[id$=SummaryField]", ".article-summary", ".ms-rtestate-field.summary"),
    date=("[id$=ArticleStartDate]", ".article-date", ".ArticleDate", ".date"),
    # ArticleLeft/ArticleRight page layouts print ArticleByLine in ``.article-header .by-line``.
    author=("[id$=ByLine]", ".article-byline", ".ByLine", ".by-line"),
    drop=(
        *("#s4-ribbonrow", ".ms-hide", "#DeltaPlaceHolderLeftNavBar", ".ms-core-listMenu-horizontalBox"),
        "[id^=ctl00_PlaceHolderMain][id$=_label]",  # field controls' hidden labels ("Chú thích Hình ảnh")
    ),
)
PORTAL: Final = Layout(
    article=(".wcm-article", ".wpthemeControlBody"),
    name="java-portal",
    generator=r"websphere|webcenter|oracle portal",
    markers=(
        *(".wpthemeControl", ".ibmPortalControl", "[class*=wpthemeControlBody]", "a[href*='/wps/portal']"),
        *("a[href*='/portal/page/portal/']", "a[href*='/webcenter/portal/']", "[class^=af_]", ".PortletBody"),
    ),
    url=r"/wps/(?:portal|wcm)/|/portal/page/portal/|/webcenter/portal/|dDocName=",
    body=(".wcm-content", ".wcm-body", ".wcm-article-body", ".PortletText1", ".portlet-content-detail"),
    title=(".wcm-title", ".wcm-article-title", ".PortletHeaderText h1", ".PortletTitle"),
    lead=(".wcm-summary", ".wcm-abstract", ".PortletSummary"),
    date=(".wcm-date", ".wcm-publish-date", ".PortletDate"),
    author=(".wcm-author", ".PortletAuthor"),
    drop=(".wpthemeControlHeader", ".wpthemeSkip", ".af_menuBar", ".PortletToolbar"),
)
K2: Final = Layout(
    article=(".itemView",),
    name="joomla-k2",
    markers=("#k2Container", ".itemView", ".itemFullText"),
    body=(".itemFullText", ".itemBody"),
    title=("h2.itemTitle", ".itemTitle"),
    lead=(".itemIntroText",),
    date=(".itemDateCreated",),
    author=(".itemAuthor",),
    drop=(
        *(".itemToolbar", ".itemRatingBlock", ".itemSocialSharing", ".itemNavigation", ".itemRelated"),
        *(".itemHits", ".itemComments", ".itemAuthorBlock", ".itemBackToTop", ".itemDateModified"),
    ),
)
JOOMLA: Final = Layout(
    article=(".item-page", ".com-content-article"),
    name="joomla",
    generator=r"joomla",
    markers=(".item-page", ".com-content-article", "[itemprop=articleBody]"),
    body=(".item-page [itemprop=articleBody]", ".com-content-article__body", ".item-page"),
    title=(".item-page [itemprop=headline]", ".page-header h2", ".page-header h1", ".item-title"),
    date=("dd.published", ".published time", ".published", "dd.create"),
    author=("dd.createdby [itemprop=name]", "dd.createdby", ".createdby"),
    drop=(".pagenav", ".icons", ".article-info-term", "ul.pager", ".btn-group", ".print-icon", ".email-icon"),
)
WORDPRESS: Final = Layout(
    article=("article", ".post", ".hentry"),
    name="wordpress",
    generator=r"^wordpress",
    markers=(
        "link[href*='/wp-content/']",
        "script[src*='/wp-content/']",
        "body.single-post",
        ".entry-content",
    ),
    url=r"/\d{4}/\d{2}/(?:\d{2}/)?[^/]+/?$|[?&]p=\d+",
    body=(".entry-content", ".td-post-content", ".single-content", ".post-content", ".article-content"),
    title=("h1.entry-title", ".entry-title", ".td-post-title h1", ".single-title"),
    lead=(".entry-summary", ".td-post-sub-title", ".excerpt"),
    date=("time.entry-date.published", "time.entry-date", ".posted-on time", ".entry-date", ".td-post-date"),
    author=(
        ".byline .author .fn",
        ".author.vcard .fn",
        ".byline .author",
        ".td-post-author-name a",
        ".byline",
    ),
    drop=(".sharedaddy", ".jp-relatedposts", ".post-navigation", ".nav-links", ".screen-reader-text"),
)
# Custom CMSs built by Vietnamese vendors: articles at slug-plus-id URLs ("…-12345.html", "?ItemID=12"),
# and a handful of container names that most of them share.
SLUG_ID: Final = Layout(
    article=(".news-detail", ".detail", ".article-detail", ".post-detail"),
    name="slug-id",
    url=r"[-_/](?:\d{3,}|[a-z]?\d{4,})\.(?:html?|aspx?|php)$|[?&](?:id|itemid|newsid|articleid|nid|tinid)=\d+",
    body=(
        *(".news-detail .content", ".detail-content", ".content-detail", ".news-content", ".article-content"),
        *(".noidung", ".noi-dung", ".chitiet", ".chi-tiet", ".post-detail", ".detail-body", ".news-body"),
        "#news-bodyhtml",  # NukeViet's news module
    ),
    title=(
        ".news_column h1.title",  # NukeViet
        "#news_detail h1",
        ".detail-title",
        ".title-detail",
        ".news-title",
        ".article-title",
        ".tieude",
        ".tieu-de",
        "h1.title",
    ),
    lead=(
        ".detail-sapo",
        ".sapo",
        ".news-sapo",
        ".tomtat",
        ".tom-tat",
        ".mo-ta",
        ".article-summary",
        ".lead",
        ".hometext",  # NukeViet
    ),
    date=(".detail-time", ".news-date", ".ngay-dang", ".ngaydang", ".post-date", ".date-time", ".date"),
    author=(".detail-author", ".news-author", ".tac-gia", ".tacgia", ".author"),
)
GENERIC: Final = Layout(name="generic")

FAMILIES: Final = (DRUPAL, LIFERAY_ASSET, LIFERAY_JOURNAL, SHAREPOINT, PORTAL, K2, JOOMLA, WORDPRESS, SLUG_ID)
"""Tried in this order: K2 runs inside Joomla and asset publishers show journal articles, so the more
specific family comes first."""

# Containers many CMSs share, tried after a family's own and before text density.
COMMON_BODY: Final = (
    "[itemprop=articleBody]",
    ".article-content",
    ".news-content",
    ".content-detail",
    ".detail-content",
    ".noidung",
    "article",
)


def _generator(soup: BeautifulSoup) -> str:
    tag = soup.find("meta", attrs={"name": re.compile(r"^generator$", re.IGNORECASE)})
    content = tag.get("content") if isinstance(tag, Tag) else None
    return content.strip().lower() if isinstance(content, str) else ""


def detect(soup: BeautifulSoup, url: str, index: Index | None = None) -> Layout:
    """The family of the page: by ``<meta name=generator>``, then markup markers, then URL shape."""
    return detect_from(_generator(soup), lambda selectors: select_grouped(soup, selectors, index), url)


def detect_from(generator: str, grouped: Callable[[list[str]], list[list[T]]], url: str) -> Layout:
    """:func:`detect` from the page's generator (lower-cased) and a function that selects elements by
    each of a list of selectors, whichever tree they come from."""
    if generator:
        for layout in FAMILIES:
            if layout.generator and re.search(layout.generator, generator):
                # Joomla's generator is also on K2 pages.
                if layout is JOOMLA and grouped([", ".join(K2.markers)])[0]:
                    return K2
                return layout
    marked = [layout for layout in FAMILIES if layout.markers]
    groups = grouped([", ".join(layout.markers) for layout in marked])
    for layout, found in zip(marked, groups, strict=True):
        if found:
            return layout
    for layout in FAMILIES:
        if layout.url and re.search(layout.url, url, re.IGNORECASE):
            return layout
    return GENERIC


def effective(layout: Layout, overrides: Selectors) -> Layout:
    """``layout`` with a source's selector overrides tried first."""

    def first(value: str | None, rest: tuple[str, ...]) -> tuple[str, ...]:
        return (value, *rest) if value else rest

    return replace(
        layout,
        body=first(overrides.body, layout.body),
        title=first(overrides.title, layout.title),
        lead=first(overrides.lead, layout.lead),
        date=first(overrides.date, layout.date),
        author=first(overrides.author, layout.author),
        drop=(*overrides.drop, *layout.drop),
    )
