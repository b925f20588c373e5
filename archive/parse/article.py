"""The parser: a pure function from one capture (bytes, URL, headers) and its source to a record's content.

``parse_capture`` never fetches, never writes and never raises on bad input: anything that is not a
news article comes back as :class:`~archive.parse.result.NotArticle` with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from bs4 import BeautifulSoup, Tag

from archive.model import Content, DateOrigin
from archive.parse import dom, fields
from archive.parse.byline import split_byline
from archive.parse.result import Article, NotArticle
from archive.parse.text import clean_text, decode_html
from archive.sources import Source
from archive.urls import canonicalize_url, same_host

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_MIN_BODY_CHARS = 80
_VIETNAMESE = re.compile(r"[ăâđêôơưàảãạáằẳẵặắầẩẫậấèẻẽẹéềểễệếìỉĩịíòỏõọóồổỗộốờởỡợớùủũụúừửữựứỳỷỹỵý]", re.I)


def _header(headers: Sequence[tuple[str, str]], name: str) -> str | None:
    return next((v for k, v in headers if k.lower() == name), None)


def _canonical(soup: BeautifulSoup, url: str) -> str:
    """``<link rel=canonical>`` when it points to the same host, else the fetched URL, canonicalized."""
    link = soup.find("link", rel="canonical", href=True)
    if isinstance(link, Tag) and isinstance(link["href"], str) and link["href"].strip():
        candidate = canonicalize_url(link["href"], base=url)
        if same_host(candidate, url):
            return candidate
    return canonicalize_url(url)


def _language(text: str) -> str:
    letters = sum(c.isalpha() for c in text) or 1
    return "vi" if len(_VIETNAMESE.findall(text)) / letters > 0.02 else "und"


def parse_capture(
    body: bytes,
    url: str,
    headers: Sequence[tuple[str, str]],
    source: Source,
    *,
    captured_at: datetime,
    status: int = 200,
) -> Article | NotArticle:
    """Turn one HTTP response into an :class:`Article` or say why it is not one.

    ``captured_at`` bounds the dates accepted (nothing is published after it was captured).
    """
    if not source.is_article_url(url):
        return NotArticle("not-article-url", f"{url} does not match the source's article_pattern")
    if status != 200:
        return NotArticle("error-status", f"HTTP status {status}")
    content_type = _header(headers, "content-type")
    if content_type and not content_type.split(";")[0].strip().lower().startswith(_HTML_TYPES):
        return NotArticle("not-html", f"content type {content_type}")
    decoded = decode_html(body, content_type)
    soup = BeautifulSoup(decoded.text, "lxml")
    canonical = _canonical(soup, url)

    # Everything that lives in <head>, scripts or navigation is read before boilerplate removal.
    structured = fields.structured_dates(soup, captured_at)
    crumbs = fields.breadcrumb(soup)
    tags = fields.tags(soup)
    title = fields.title(soup)
    dom.drop_boilerplate(soup)
    container = dom.find_content(soup)
    if title is None or container is None:
        return NotArticle("empty", "no title" if title is None else "no content block found")
    visible = fields.visible_date(soup, captured_at)
    lead = fields.lead(container)
    attachments = fields.attachments(container, url)
    images = fields.images(container, url)
    # Headings repeat the title; captions belong to their images, not to the running text.
    for tag in container.select("h1, figure, figcaption, .image-caption, .caption"):
        tag.decompose()
    paragraphs = [
        p
        for p in (clean_text(b) for b in dom.block_texts(container))
        if p and p != title and not fields.is_date_line(p, captured_at)
    ]
    if lead and paragraphs and paragraphs[0] == lead:
        paragraphs = paragraphs[1:]
    byline = split_byline(paragraphs)
    text = " ".join(byline.body)
    if len(text) < _MIN_BODY_CHARS:
        return NotArticle("empty", f"body has {len(text)} characters")

    published: tuple[datetime, DateOrigin] | None = structured.get("published")
    if published is None and visible is not None:
        published = (visible, "text")
    if published is None and (opening := fields.dateline(byline.body, captured_at)) is not None:
        published = (opening, "body")
    modified = structured.get("modified")
    category = next((c for c in reversed(crumbs) if c != title and not title.startswith(c)), None)
    content = Content(
        title=title,
        lead=lead,
        body=byline.body,
        published=published[0] if published else None,
        published_from=published[1] if published else None,
        modified=modified[0] if modified else None,
        author=byline.author,
        signature=byline.signature,
        source_line=byline.source_line,
        category=category if crumbs and len(crumbs) > 1 else None,
        tags=tags,
        attachments=attachments,
        images=images,
        doc_numbers=fields.doc_numbers([title, *((lead and [lead]) or []), *byline.body]),
        language=_language(title + " " + text),
    )
    return Article(canonical_url=canonical, content=content)
