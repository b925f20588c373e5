"""Finding the parts of a news page in its DOM: boilerplate removal and the main content block.

Known CMS families are recognised by their markup (Drupal, Liferay, SharePoint, WordPress, Joomla, …);
anything else falls back to text density: the block with the most paragraph text and the fewest links.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

# Content containers of the CMS families government sites run, most specific first.
CONTENT_SELECTORS = (
    ".field-name-body",  # Drupal 7
    ".field--name-body",  # Drupal 8+
    ".journal-content-article",  # Liferay web content
    ".asset-full-content .asset-content",  # Liferay asset publisher
    "[itemprop=articleBody]",
    ".entry-content",  # WordPress
    ".item-page [itemprop=articleBody]",  # Joomla
    ".itemFullText",  # Joomla K2
    ".ms-rtestate-field",  # SharePoint
    ".article-content",
    ".news-content",
    ".noidung",
    ".content-detail",
    "article",
)

# Elements that are never content.
_DROP_TAGS = ("script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "iframe")
# class/id words of boilerplate blocks (menus, share bars, related news, counters, pagers, skip links).
_BOILERPLATE = re.compile(
    r"(^|[-_\s])(menu|nav|navbar|breadcrumbs?|share|social|sharing|bookmarks?|print|related|tin-?khac|"
    r"other-?news|comments?|footer|sidebar|pager|pagination|element-invisible|skip|tags?|rating|"
    r"view-?count|luot-?xem|toolbar|banner|advert|ads)($|[-_\s])",
    re.IGNORECASE,
)
_NEVER_DROP = frozenset({"html", "body", "main", "article"})
_BREAK = "\u2029"  # stands for <br> until blocks are split
_BLOCKS = ("p", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "td", "div", "figcaption")


def drop_boilerplate(root: Tag) -> None:
    """Remove elements that are never article content, in place."""
    for tag in root.find_all(_DROP_TAGS):
        tag.decompose()
    for tag in root.find_all(True):
        # Page-level containers carry layout classes ("one-sidebar", "page-node") that describe the
        # page, not the element: never drop them.
        if tag.decomposed or tag.attrs is None or tag.name in _NEVER_DROP:
            continue
        words = " ".join([*tag.get_attribute_list("class"), str(tag.get("id") or "")])
        if words.strip() and _BOILERPLATE.search(words):
            tag.decompose()


def _text_len(tag: Tag) -> int:
    return len(tag.get_text(" ", strip=True))


def _link_len(tag: Tag) -> int:
    return sum(len(a.get_text(" ", strip=True)) for a in tag.find_all("a"))


def find_content(soup: BeautifulSoup) -> Tag | None:
    """The element holding the article body: a known CMS container, else the densest text block."""
    for selector in CONTENT_SELECTORS:
        found = [t for t in soup.select(selector) if _text_len(t) > 0]
        if found:
            return max(found, key=_text_len)
    # Readability's idea: each substantial paragraph votes for its parent (and half for the grandparent);
    # the winner is discounted by its link density so link lists never win.
    scores: dict[int, tuple[Tag, float]] = {}
    for paragraph in soup.find_all("p"):
        length = _text_len(paragraph)
        if length < 25:
            continue
        parent = paragraph.parent
        for tag, share in ((parent, 1.0), (parent.parent if parent else None, 0.5)):
            if isinstance(tag, Tag):
                _, score = scores.get(id(tag), (tag, 0.0))
                scores[id(tag)] = (tag, score + length * share)
    best: Tag | None = None
    best_score = 0.0
    for tag, score in scores.values():
        score *= 1.0 - _link_len(tag) / max(_text_len(tag), 1)
        if score > best_score:
            best, best_score = tag, score
    return best


def block_texts(container: Tag) -> list[str]:
    """Visible text of the container split into blocks (paragraph-level elements), in document order.

    Text directly inside a ``div`` (not wrapped in ``<p>``) counts as its own block, and ``<br>``
    separates blocks (lines of a signature, paragraphs of older CMS editors).
    """
    for br in container.find_all("br"):
        br.replace_with(_BREAK)
    blocks: list[str] = []
    for element in container.find_all(_BLOCKS):
        if element.find(_BLOCKS):
            # A wrapper: only its own direct text counts here; its children are visited in turn.
            own = "".join(s for s in element.find_all(string=True, recursive=False))
            if own.strip():
                blocks.extend(own.split(_BREAK))
            continue
        blocks.extend(element.get_text("").split(_BREAK))
    if not blocks:
        blocks = container.get_text("").split(_BREAK)
    return blocks
