"""The parser against every page of the demo web: each field must equal what the site says it shows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from archive.parse.article import parse_capture
from archive.parse.result import Article
from archive.sources import Source
from deptnews.demo.server import DemoWeb
from deptnews.demo.sites import SITES, DemoArticle, DemoSite

CASES = [(site, article) for site in SITES for article in site.articles]


@pytest.fixture(scope="module")
def web() -> Iterator[DemoWeb]:
    with DemoWeb() as demo:
        yield demo


def _source(site: DemoSite, base: str) -> Source:
    return Source(
        id=f"demo-{site.id}",
        name=site.name,
        department=site.department,
        jurisdiction=site.jurisdiction,
        homepage=base + "/",
        listings=[base + site.listing_path],
        article_pattern=site.article_pattern,
    )


@pytest.mark.parametrize(("site", "article"), CASES, ids=[f"{s.id}:{a.slug[:40]}" for s, a in CASES])
def test_article_fields(web: DemoWeb, site: DemoSite, article: DemoArticle) -> None:
    base = web.base_urls[site.id]
    response = httpx.get(base + article.path)
    result = parse_capture(
        response.content,
        base + article.path,
        list(response.headers.items()),
        _source(site, base),
        captured_at=datetime.now(UTC),
    )
    assert isinstance(result, Article), result
    content = result.content
    assert content.title == article.title
    assert content.published is not None
    assert content.published.date() == article.published
    if article.published_at is not None:
        assert content.published == article.published_at
    assert content.author == article.author
    assert content.body == list(article.paragraphs)
    assert content.signature == [line for line in article.tail_lines if not line.lower().startswith("nguồn")]
    assert [a.url.rsplit("/", 1)[-1] for a in content.attachments] == [
        a.path.rsplit("/", 1)[-1] for a in article.attachments
    ]
    if article.source:
        assert content.source_line == article.source
