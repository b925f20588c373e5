"""The parser: a pure function from one capture (bytes, URL, headers) and its source to a record's content.

``parse_capture`` never fetches, never writes and never raises: anything that is not a news article comes
back as :class:`~archive.parse.result.NotArticle` with the reason. The steps, in order: guards (status,
content type, binary data, size), decoding (:mod:`~archive.parse.text`), the CMS family
(:mod:`~archive.parse.layouts`), what lives in ``<head>``, scripts and navigation (title, structured dates,
breadcrumb, tags, author elements), boilerplate removal and the content block (:mod:`~archive.parse.dom`),
the not-an-article checks (:mod:`~archive.parse.classify`), then the body's fields.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from bs4 import Tag

from archive.model import Content, DateOrigin
from archive.parse import (
    classify,
    dom,
    fields,
    guard,
    jsonld,
    laround,
    layouts,
    lblock,
    ltree,
    media,
    page,
    tidy,
    title_candidates,
    titles,
    when,
)
from archive.parse import template as template_of
from archive.parse.byline import author_from_element, is_account, lines_after, looks_like_name, split_byline
from archive.parse.ltree import Element
from archive.parse.result import Article, NotArticle
from archive.parse.template import EMPTY, Template
from archive.parse.text import clean_text, decode_html
from archive.sources import Source
from archive.urls import canonicalize_url, same_host

log = logging.getLogger(__name__)

_HTML_TYPES: Final = ("text/html", "application/xhtml+xml")
_MIN_BODY_CHARS: Final = 80
_FALLBACK_DEPTH: Final = 64
_DATE_ELEMENT: Final = 80  # characters of a date element that is a date line
_HEADINGS: Final = ("h1", "h2", "h3")


def _header(headers: Sequence[tuple[str, str]], name: str) -> str | None:
    return next((v for k, v in headers if k.lower() == name), None)


def _canonical(root: Element, url: str) -> str:
    """``<link rel=canonical>`` when it points to the same host, else the fetched URL, canonicalized."""
    link = page.find(root, "link", rel="canonical", href=True)
    href = link.get("href") if link is not None else None
    if isinstance(href, str) and (candidate := media.resolve(url, href)) is not None:
        candidate = canonicalize_url(candidate)
        if same_host(candidate, url):
            return candidate
    return canonicalize_url(url)


def _site_names(metas: titles.Metas, source: Source) -> titles.SiteNames:
    plain_name = re.sub(r"\s*\([^)]*\)\s*$", "", source.name)
    names = [metas.get("og:site_name", "application-name"), source.name, plain_name]
    return titles.SiteNames.of(names, source.department, source.jurisdiction)


def _base_url(root: Element, url: str) -> str:
    """What relative links resolve against: ``<base href>`` when it is a valid URL, else the page URL."""
    base = page.find(root, "base", href=True)
    href = base.get("href") if base is not None else None
    return (media.resolve(url, href) if isinstance(href, str) else None) or url


def _published(
    structured: dict[str, when.Dated],
    visible: when.Dated | None,
    body: list[str],
    url: str,
    listing_date: datetime | None,
    now: datetime,
) -> when.Dated | None:
    """Best source first: JSON-LD, meta, a visible date (``<time>`` or a date line), the body's opening,
    the URL, the listing page."""
    if "published" in structured:
        return structured["published"]
    if visible is not None:
        return visible
    candidates: list[tuple[datetime | None, DateOrigin]] = [
        (when.dateline(body, now), "body"),
        (when.from_url(url, now), "url"),
        (listing_date if listing_date is not None and listing_date <= now else None, "listing"),
    ]
    return next(((value, origin) for value, origin in candidates if value is not None), None)


def parse_capture(
    body: bytes,
    url: str,
    headers: Sequence[tuple[str, str]],
    source: Source,
    *,
    captured_at: datetime,
    status: int = 200,
    listing_date: datetime | None = None,
    template: Template = EMPTY,
) -> Article | NotArticle:
    """Turn one HTTP response into an :class:`Article` or say why it is not one; never raises.

    ``captured_at`` bounds the dates accepted (nothing is published after it was captured).
    ``listing_date`` is the date a listing page showed beside this article, used when the page itself
    shows none. ``template`` is what was learnt from the source's other pages (:mod:`.template`).
    """
    args = (body, url, headers, source, captured_at, status, listing_date, template)
    try:
        try:
            return _parse(*args, guard.MAX_DEPTH)
        except RecursionError:
            # Some library walk recursed on a deep tree: try again with the tree flattened further.
            return _parse(*args, _FALLBACK_DEPTH)
    except RecursionError:
        return NotArticle("parser-error", "the page is nested too deeply to parse")
    except Exception as exc:  # the parser must not stop an ingest run; the capture stays in the WARC
        log.exception("parser failed on %s", url)
        return NotArticle("parser-error", f"{type(exc).__name__}: {exc}")


@dataclass(frozen=True)
class _Head:
    """What is read before boilerplate removal: ``<head>``, scripts, navigation and the page's furniture."""

    title: titles.Title | None
    headings: list[str]
    sites: titles.SiteNames
    labels: title_candidates.SectionLabels
    structured: dict[str, when.Dated]
    crumbs: list[str]
    tags: list[str]
    section: str | None
    category_link: str | None
    author_element: str | None
    structured_author: str | None
    meta_author: str | None
    form: bool


def _read_head(
    root: Element,
    layout: layouts.Layout,
    source: Source,
    now: datetime,
    template: Template,
    keys: ltree.Keys,
) -> _Head:
    """Read what boilerplate removal would take away (call it first), on the page's lxml tree."""
    found = page.jsonld_items(root)
    metas = page.metas(root)
    sites = _site_names(metas, source)
    headline = jsonld.first(found, "headline", articles_only=True)
    crumbs = page.breadcrumb(root, keys)
    # Headings the source shows on most of its pages are its section names too.
    labels = page.section_labels(root, crumbs, keys).with_keys(template.headings())
    return _Head(
        title=page.title(root, metas, layout.title, sites, headline, labels, keys),
        headings=page.heading_texts(root, (*layout.title, *_HEADINGS), keys),
        sites=sites,
        labels=labels,
        structured={**page.microdata(root, now, keys), **when.structured(metas, found, now)},
        crumbs=crumbs,
        tags=page.tags(root, keys),
        section=metas.get("article:section") or jsonld.first(found, "articleSection", articles_only=True),
        category_link=page.category_link(root, keys),
        author_element=page.author_element(root, layout.author, keys),
        structured_author=jsonld.first(found, "author", articles_only=True),
        meta_author=metas.get("author", "article:author"),
        form=page.has_form(root),
    )


def _guard(
    body: bytes, url: str, headers: Sequence[tuple[str, str]], source: Source, status: int
) -> str | NotArticle:
    """The checks made before parsing; the body to parse's content type, or why it is not an article."""
    if not source.is_article_url(url) and not source.is_article_url(canonicalize_url(url)):
        return NotArticle("not-article-url", f"{url} does not match the source's article_pattern")
    if status != 200:
        return NotArticle("error-status", f"HTTP status {status}")
    content_type = _header(headers, "content-type") or ""
    if content_type and not content_type.split(";")[0].strip().lower().startswith(_HTML_TYPES):
        return NotArticle("not-html", f"content type {content_type}")
    if (kind := guard.sniff_binary(body)) is not None:
        return NotArticle("not-html", f"{kind} data labelled {content_type or 'as nothing'}")
    return content_type


def _parse(
    body: bytes,
    url: str,
    headers: Sequence[tuple[str, str]],
    source: Source,
    now: datetime,
    status: int,
    listing_date: datetime | None,
    template: Template,
    max_depth: int,
) -> Article | NotArticle:
    content_type = _guard(body, url, headers, source, status)
    if isinstance(content_type, NotArticle):
        return content_type
    body = guard.shrink(body)
    if (detail := guard.too_large(body)) is not None:
        return NotArticle("too-large", detail)
    decoded = decode_html(body, content_type or None)
    # The whole page on lxml: what <head>, scripts and navigation say, then boilerplate removal; what is
    # left goes to BeautifulSoup for the content block (see archive.parse.ltree for why).
    tree = ltree.parse(decoded.text, max_depth)
    if tree is None:
        return NotArticle("empty", "no content block found")
    canonical = _canonical(tree, url)
    base = _base_url(tree, url)
    keys = ltree.Keys(tree)
    layout = layouts.effective(page.detect(tree, url, keys), source.selectors)
    head = _read_head(tree, layout, source, now, template, keys)
    # What is left of the page stays on lxml to find the content block and tell a listing, an error or
    # a contact page; BeautifulSoup gets the article's part of the page only (see lblock.soup_of).
    sizes = page.drop_boilerplate(tree, layout.drop, keys)
    located = lblock.locate(tree, layout, source.selectors.body, keys, sizes)
    root = next(tree.iter("body"), None)
    root = tree if root is None else root
    weak_title = head.title[0] if head.title else None
    shown = clean_text(ltree.text(root, " "))
    if (detail := classify.error_page(weak_title, shown)) is not None:
        return NotArticle("error-page", detail)
    # A content block found by the family's or the source's body selector is the page's own article.
    own_body = located is not None and located[1] not in ("common", "generic")
    block = located[0] if located else root
    if (detail := classify.listing(block, root, url, source, now, sizes, own_body=own_body)) is not None:
        return NotArticle("listing", detail)
    if (detail := classify.contact_page(weak_title, shown, head.form)) is not None:
        return NotArticle("contact", detail)
    if located is None:
        return NotArticle("empty", "no content block found")
    block, extractor = located
    title = head.title[0] if head.title and head.title[1] else None
    if (
        title is None
        and (near := laround.near_content(tree, block, head.sites, weak_title, head.labels)) is not None
    ):
        title = near[0]
        laround.drop_inside(block, near[1])
    title = title or weak_title
    if title is None:
        return NotArticle("empty", "no title")

    visible = laround.visible(tree, block, layout.date, now, keys)
    if visible is not None and len(clean_text(ltree.text(visible[1], " "))) <= _DATE_ELEMENT:
        laround.drop_inside(block, visible[1])  # the date line, when the template put it in the content
    lead = laround.lead(tree, block, layout.lead, keys)
    soup, container, article = lblock.soup_of(tree, block, lblock.article_root(tree, block, layout, keys))
    guard.flatten(soup, max_depth)  # already bounded; keeps the guarantee on the tree read from here
    scope = article or (container.parent if isinstance(container.parent, Tag) else container)
    attachments = media.attachments(scope, base)
    images, captions = media.images(article or container, base)
    tidy.drop_attachment_blocks(container, base)
    media.drop_picture_text(container)
    tidy.drop_teasers(container, url, source, now)
    # Headings repeat the title; captions belong to their images; link lists are related news.
    for tag in [*captions, *container.select("h1, figure, figcaption")]:
        if tag.parent is not None:
            tag.decompose()
    tidy.drop_link_lists(container)
    paragraphs = [
        p for p in (clean_text(b) for b in dom.block_texts(container)) if tidy.is_body(p, title, lead, now)
    ]
    observed = template_of.observe(paragraphs, head.headings)
    paragraphs = [p for p in paragraphs if not template.is_furniture_paragraph(p)]
    # A source or author line the template prints after the body element belongs to the byline too.
    byline = split_byline(paragraphs + [line for line in lines_after(container) if line not in paragraphs])
    text = " ".join(byline.body)
    if len(text) < _MIN_BODY_CHARS:
        return NotArticle("empty", f"body has {len(text)} characters")

    published = _published(head.structured, visible and visible[0], byline.body, url, listing_date, now)
    modified = head.structured.get("modified")
    content = Content(
        title=title,
        lead=lead,
        body=byline.body,
        published=published[0] if published else None,
        published_from=published[1] if published else None,
        modified=modified[0] if modified else None,
        author=_author(byline.author, head),
        signature=byline.signature,
        source_line=byline.source_line,
        category=fields.category(head.crumbs, title, head.section, head.category_link),
        tags=head.tags,
        attachments=attachments,
        images=images,
        doc_numbers=fields.doc_numbers([title, *([lead] if lead else []), *byline.body]),
        language=fields.language(title + " " + text),
    )
    return Article(
        canonical_url=canonical,
        content=content,
        extractor=extractor,
        encoding=decoded.encoding,
        observed=observed,
    )


def _author(byline: str | None, head: _Head) -> str | None:
    """The body's own byline or signature, else the page's author element, JSON-LD, ``<meta name=author>``;
    never a CMS account ("admin", "Admin English")."""
    if byline is not None and is_account(byline):
        byline = None
    if byline or head.author_element:
        return byline or head.author_element
    if head.structured_author and (name := author_from_element(head.structured_author)):
        return name
    if head.meta_author and looks_like_name(head.meta_author):
        return author_from_element(head.meta_author)
    return None
