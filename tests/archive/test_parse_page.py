"""The page-wide reading on lxml (archive.parse.page, archive.parse.ltree) against its BeautifulSoup
counterparts, on every saved page of the quality gate: the same elements selected, the same texts, the
same fields read, and the same page left after boilerplate removal."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag

from archive.parse import (
    classify,
    dom,
    fields,
    guard,
    jsonld,
    layouts,
    lblock,
    ltree,
    page,
    title_candidates,
    titles,
    when,
)
from archive.parse.select import select_grouped
from archive.parse.text import decode_html
from archive.parse.title_candidates import SectionLabels

PAGES = sorted((Path(__file__).parent / "pages").glob("*.html"))
NOW = datetime(2030, 1, 1, tzinfo=UTC)


def _all_selectors() -> list[str]:
    found: list[str] = []
    for layout in layouts.FAMILIES:
        found += [*layout.markers, *layout.body, *layout.title, *layout.lead, *layout.date, *layout.author]
        found += [*layout.drop, *layout.article]
    found += [*layouts.COMMON_BODY, *fields.LEAD_SELECTORS, *fields.TAG_SELECTORS, *fields.BREADCRUMB]
    found += [*title_candidates.PORTLET_TITLES, *title_candidates.MENUS, *fields.CATEGORY_LINKS]
    found += ["[itemprop=datePublished]", "div > p", "p + p", "td ~ td", "*", ":not(.x)", "[class|=field]"]
    return found


def _trees(path: Path) -> tuple[BeautifulSoup, ltree.Element]:
    markup = decode_html(path.read_bytes(), None).text
    soup = BeautifulSoup(markup, "lxml")
    guard.flatten(soup)
    tree = ltree.parse(markup)
    assert tree is not None
    return soup, tree


def _positions_bs4(soup: BeautifulSoup) -> dict[int, int]:
    return {id(tag): n for n, tag in enumerate(soup.find_all(True))}


def _positions_lxml(tree: ltree.Element) -> dict[ltree.Element, int]:
    return {el: n for n, el in enumerate(e for e in tree.iter() if ltree.is_element(e))}


def test_there_are_saved_pages() -> None:
    assert len(PAGES) > 20


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_lxml_selects_exactly_what_soupsieve_selects(path: Path) -> None:
    soup, tree = _trees(path)
    selectors = [s for s in _all_selectors() if ltree.select_grouped(tree, [s]) or select_grouped(soup, [s])]
    where_bs4, where_lxml = _positions_bs4(soup), _positions_lxml(tree)
    keys = ltree.Keys(tree)
    expected = [[where_bs4[id(t)] for t in group] for group in select_grouped(soup, selectors)]
    for with_keys in (None, keys):
        found = [
            [where_lxml[el] for el in group] for group in ltree.select_grouped(tree, selectors, with_keys)
        ]
        assert found == expected


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_the_page_is_read_as_beautifulsoup_reads_it(path: Path) -> None:
    soup, tree = _trees(path)
    keys = ltree.Keys(tree)
    url = "https://so.example.vn/tin-tuc/bai-viet-12345.html"
    assert page.detect(tree, url, keys) == layouts.detect(soup, url)
    assert page.jsonld_items(tree) == jsonld.items(soup)
    crumbs = fields.breadcrumb(soup)
    assert page.breadcrumb(tree, keys) == crumbs
    assert page.tags(tree, keys) == fields.tags(soup, fields.meta_tags(soup))
    assert page.category_link(tree, keys) == fields.category_link(soup)
    assert page.microdata(tree, NOW, keys) == when.microdata(soup, NOW)
    assert page.has_form(tree) == classify.has_form(soup)
    headings = (*layouts.SLUG_ID.title, "h1", "h2", "h3")
    assert page.heading_texts(tree, headings, keys) == title_candidates.heading_texts(soup, headings)
    labels = SectionLabels.of(soup, crumbs)
    assert page.section_labels(tree, crumbs, keys)._keys == labels._keys
    metas = titles.Metas(soup)
    assert page.metas(tree)._values == metas._values
    sites = titles.SiteNames.of([metas.get("og:site_name")], "Sở Y tế", "tỉnh Lạng Sơn")
    for family in ((), layouts.LIFERAY_ASSET.title, layouts.JOOMLA.title):
        assert page.title(tree, page.metas(tree), family, sites, None, labels, keys) == titles.title(
            soup, metas, family, sites, None, None, labels
        )


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_boilerplate_removal_leaves_the_same_page(path: Path) -> None:
    soup, tree = _trees(path)
    drop = (*layouts.DRUPAL.drop, *layouts.SHAREPOINT.drop, *layouts.JOOMLA.drop)
    dom.drop_boilerplate(soup, drop)
    sizes = page.drop_boilerplate(tree, drop, ltree.Keys(tree))
    fresh = page.measure(tree)  # what it returns is the measure of what is left
    assert {el: sizes[el] for el in fresh} == fresh
    left = BeautifulSoup(ltree.serialize(tree), "lxml")
    assert [t.name for t in left.find_all(True)] == [t.name for t in soup.find_all(True)]
    # Whitespace may be one string or two where an element was removed; BeautifulSoup collapses it.
    assert left.get_text(" ").split() == soup.get_text(" ").split()
    assert dom.measure(left)[id(left)] == dom.measure(soup)[id(soup)]
    assert _texts(left) == _texts(soup)


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_the_article_part_is_handed_to_beautifulsoup_as_it_is_on_lxml(path: Path) -> None:
    _, tree = _trees(path)
    keys = ltree.Keys(tree)
    layout = page.detect(tree, "http://example.vn/tin/1", keys)
    page.drop_boilerplate(tree, layout.drop, keys)
    located = lblock.locate(tree, layout, None, keys, lblock.measure(tree))
    if located is None:
        return
    block = located[0]
    article = lblock.article_root(tree, block, layout, keys)
    expected = [
        [el.tag for el in part.iter() if ltree.is_element(el)] + ltree.text(part, " ").split()
        for part in (block, block.getparent(), article)
        if part is not None
    ]
    soup, container, found = lblock.soup_of(tree, block, article)
    assert container.find_parent("[document]") is soup
    parts = [container, container.parent, found]
    assert [
        [t.name for t in [part, *part.find_all(True)]] + part.get_text(" ").split()
        for part in parts
        if isinstance(part, Tag)
    ] == expected
    assert not soup.find_all(attrs={"data-deptnews-container": True})
    assert not soup.find_all(attrs={"data-deptnews-article": True})


def _texts(soup: BeautifulSoup) -> list[str]:
    return [s.strip() for s in soup.find_all(string=True) if s.strip()]


def test_text_leaves_out_scripts_styles_and_templates_as_get_text_does() -> None:
    markup = "<div id=d>a<script>s()</script>b<template><p>t</p></template><!-- c -->d"
    markup += "<ruby>r<rt>x</rt></ruby></div>"
    tree = ltree.parse(markup)
    div = tree.find(".//div")
    tag = BeautifulSoup(markup, "lxml").find(id="d")
    assert isinstance(tag, Tag)
    assert ltree.text(div, "|") == tag.get_text("|")
    assert ltree.text(div.find("script")) == "s()"


def test_a_removed_element_keeps_the_text_around_it_apart() -> None:
    tree = ltree.parse("<p>Hà Nội<span class=share>chia sẻ</span>ngày 5/3<b>x</b> </p>")
    paragraph = tree.find(".//p")
    ltree.remove(paragraph.find("span"))
    ltree.remove(paragraph.find("b"))
    assert ltree.text(paragraph, " ") == "Hà Nội ngày 5/3 "


def test_a_page_deeper_than_libxml2_builds_keeps_its_text() -> None:
    deep = "<div>" * 5_000 + "<p>đoạn văn ở rất sâu</p>" + "</div>" * 5_000
    tree = ltree.parse(deep)
    assert "đoạn văn ở rất sâu" in ltree.text(tree)
    assert max(len(list(el.iterancestors())) for el in tree.iter()) < guard.MAX_DEPTH


def test_keys_skip_only_selectors_that_cannot_match() -> None:
    tree = ltree.parse(
        '<div class="Menu-top" id="ctl00_x"><a href="/WPS/portal/x" itemprop="url">x</a></div>'
        '<span class="date"></span>'
    )
    assert tree is not None
    may = ltree.Keys(tree).may_match
    # Every compound's class, id, attribute and value must be on the page; values compare case-folded.
    matching = ["[class*=menu] a", "a[href*='/wps/portal']", "[itemprop]", "div > a", "*", ":not(.x)"]
    matching += ["a[href$='.PDF' i]", ".Menu-top a, .x", ".date ~ a", "#ctl00_x a[itemprop=url]"]
    assert [s for s in matching if not may(s)] == []
    hopeless = ["[itemprop=datePublished]", ".fa-tags ~ a", "[data-x]", ".Menu-top .x", "#ctl00_y a"]
    hopeless += ["[class^=af_], .x"]
    assert [s for s in hopeless if may(s)] == []


def test_markup_carrying_the_marker_attributes_is_not_taken_for_the_block() -> None:
    tree = ltree.parse(
        '<body><div class="gp"><div data-deptnews-container="x" data-deptnews-article><p>Tin khác</p></div>'
        '<article><div id="c"><p>Nội dung bài viết.</p></div></article></div></body>'
    )
    assert tree is not None
    block = next(el for el in tree.iter("div") if el.get("id") == "c")
    soup, container, found = lblock.soup_of(tree, block, next(tree.iter("article")))
    assert soup.find(class_="gp") is not None  # the marked decoys are in the part handed on
    assert container.get("id") == "c"
    assert found is not None
    assert found.name == "article"
