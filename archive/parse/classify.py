"""Pages that answer 200 at an article-shaped URL but are not articles: error pages, contact pages, listings.

Each check returns a human-readable detail when the page is of that kind, else None. They look at the page
after boilerplate removal, so menus and sidebars do not count; :func:`has_form` must run before it.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Final

from bs4 import BeautifulSoup, Tag

from archive.parse.dom import Size, measure, text_len
from archive.parse.listing import teaser_share, teasers
from archive.parse.text import clean_text
from archive.sources import Source

# A title that is an error message, not a headline that mentions one ("… giấy tờ không tìm thấy đâu").
_ERROR_TITLE: Final = re.compile(
    r"^\W*(404\b|lỗi\b|error\b|not found\b|page not found|access denied|truy cập bị từ chối|"
    r"không tìm thấy (trang|nội dung|bài viết|tin bài|dữ liệu|đường dẫn)|"
    r"(trang|bài viết|nội dung|tin bài|đường dẫn|liên kết) (này |bạn yêu cầu |bạn tìm )?"
    r"(không tồn tại|đã bị xóa|đã bị xoá|đã bị gỡ|không tìm thấy))",
    re.IGNORECASE,
)
_ERROR_TEXT: Final = re.compile(
    r"không tìm thấy trang|trang (bạn|quý vị) (tìm|yêu cầu|truy cập)[^.]{0,40}không tồn tại|page not found|"
    r"\b404 not found\b|\blỗi 404\b|\berror 404\b|(bài viết|nội dung|tin bài|đường dẫn|liên kết) (này )?"
    r"(không tồn tại|đã bị xóa|đã bị xoá|đã bị gỡ)",
    re.IGNORECASE,
)
_ERROR_MAX_TEXT: Final = 1500
_CONTACT_TITLE: Final = re.compile(
    r"^(thông tin )?(liên hệ|góp ý|liên hệ\s*[-–—/&]\s*góp ý|hỏi đáp|gửi ý kiến|phản ánh,? kiến nghị|"
    r"contact( us)?|lien he)\b",
    re.IGNORECASE,
)
_CONTACT_LABEL: Final = re.compile(
    r"(địa chỉ|điện thoại|đt|email|e-mail|thư điện tử|fax|hotline|đường dây nóng)\s*:", re.IGNORECASE
)
_CONTACT_MAX_TEXT: Final = 3000
_CONTACT_MAX_WORDS: Final = 8
MIN_TEASERS: Final = 5
_TEASER_SHARE: Final = 0.5
_PAGE_TEASERS: Final = 5
_PAGE_TEASER_SHARE: Final = 0.6
_PROSE_OUTSIDE_TEASERS: Final = 400
# A run of running text that makes a page an article: three paragraphs, 400 characters of non-link text.
_PROSE: Final = frozenset({"p", "blockquote", "pre"})
_PROSE_LINE: Final = 40
_RUN_PARAGRAPHS: Final = 3
_RUN_CHARS: Final = 400
_TEASER_LINK_SHARE: Final = 0.25  # of a teaser's text that is its link: a teaser, not a sentence
_LINE_LINK_SHARE: Final = 0.5  # the same for a teaser that is one paragraph
_BOX_HEADING: Final = 80


def has_form(soup: BeautifulSoup) -> bool:
    """The page has a form to write in (call before boilerplate removal: forms are removed)."""
    for field in soup.find_all(["textarea", "input"]):
        kind = field.get("type")
        typed = (
            field.name == "textarea" or not isinstance(kind, str) or kind.lower() in ("text", "email", "tel")
        )
        if typed and field.find_parent("form") is not None:
            return True
    return False


def error_page(title: str | None, root: Tag) -> str | None:
    """A "page not found" page served with status 200 (a soft 404)."""
    text = clean_text(root.get_text(" "))
    if len(text) > _ERROR_MAX_TEXT:
        return None
    if title and _ERROR_TITLE.match(title):
        return f"error page titled {title[:80]!r}"
    if (match := _ERROR_TEXT.search(text)) is not None:
        return f"error page saying {match.group(0)!r}"
    return None


def contact_page(title: str | None, root: Tag, form: bool) -> str | None:
    """A "Liên hệ" page: a contact title and a form or contact details, little else."""
    if not title or len(title.split()) > _CONTACT_MAX_WORDS or not _CONTACT_TITLE.match(title):
        return None
    text = clean_text(root.get_text(" "))
    labels = len(_CONTACT_LABEL.findall(text))
    if len(text) <= _CONTACT_MAX_TEXT and (form or labels >= 2):
        return f"contact page {title!r} ({'a form' if form else f'{labels} contact details'})"
    return None


def prose_run(root: Tag, sizes: dict[int, Size]) -> tuple[int, int]:
    """The longest run of running text below ``root``: (paragraphs, characters of non-link text) of the
    longest sequence of sibling paragraphs that no link block (a teaser title, a "read more" line)
    interrupts. An article has one; a listing's summaries are each cut off by the next teaser's link."""
    best = (0, 0)
    stack = [root]
    while stack:
        tag = stack.pop()
        count = chars = 0
        for child in tag.contents:
            if not isinstance(child, Tag):
                continue
            stack.append(child)
            size = sizes.get(id(child))
            if size is None or size.text == 0:
                continue
            prose = size.text - size.links_text
            if 2 * size.links_text >= size.text:
                count = chars = 0  # a link block ends the run
            elif child.name in _PROSE and prose >= _PROSE_LINE:
                count, chars = count + 1, chars + prose
                best = max(best, (count, chars), key=lambda run: run[1])
    return best


def drop_teasers(container: Tag, url: str, source: Source, now: datetime) -> None:
    """Remove the teasers of other articles inside the content block ("Read more", a related story's
    headline and summary set in the text): a teaser is set apart from the prose and its link is a good
    part of its text, unlike a link inside a sentence."""
    sizes = measure(container)
    boxes: dict[int, tuple[Tag, int]] = {}
    for teaser in teasers(container, url, source, now, sizes):
        element = teaser.element
        size = sizes.get(id(element))
        if element is container or element.parent is None or size is None:
            continue
        # A paragraph opening with a link is prose unless the link is most of it ("See more: <a>…</a>").
        share = _LINE_LINK_SHARE if element.name in _PROSE else _TEASER_LINK_SHARE
        if size.links_text >= share * size.text:
            box = element.parent
            if isinstance(box, Tag) and box is not container:
                boxes[id(box)] = (box, boxes.get(id(box), (box, 0))[1] + 1)
            element.decompose()
    # A box that held several teasers and is left with its heading alone ("Related news") goes too.
    for box, removed in boxes.values():
        if removed >= 2 and box.parent is not None and len(box.get_text(" ", strip=True)) <= _BOX_HEADING:
            box.decompose()


def listing(
    container: Tag, body: Tag, url: str, source: Source, now: datetime, *, own_body: bool = False
) -> str | None:
    """A listing: teasers of other articles make most of the content block's text, or the page holds many
    teasers and little text outside them (CMSs that render each teaser with the article markup). A page
    with a run of running text (:func:`prose_run`) is an article, however many teasers surround it.

    ``own_body`` says the content block is the CMS's full-article element (found by the family's or the
    source's body selector, such as Liferay's ``.asset-full-content``): when no teaser holds it or lies
    inside it, the page shows that one article, however short, and the teasers around it are related news.
    """
    sizes = measure(body)
    paragraphs, chars = prose_run(container, sizes)
    if paragraphs >= _RUN_PARAGRAPHS and chars >= _RUN_CHARS:
        return None
    inner = teasers(container, url, source, now, sizes)
    if len(inner) >= MIN_TEASERS and (share := teaser_share(container, inner)) >= _TEASER_SHARE:
        return f"listing: {len(inner)} article teasers make {share:.0%} of the content"
    page = teasers(body, url, source, now, sizes)
    if len(page) < _PAGE_TEASERS or (share := teaser_share(body, page)) < _PAGE_TEASER_SHARE:
        return None
    # Compare elements by identity: bs4 elements compare equal when their markup is equal.
    around = {id(container), *(id(p) for p in container.parents)}
    if any(id(t.element) in around for t in page):
        prose = 0  # the content block is one of the teasers
    else:
        inside = [t for t in page if any(p is container for p in t.element.parents)]
        if own_body and not inside:
            return None
        prose = text_len(container) - sum(text_len(t.element) for t in inside)
    if prose < _PROSE_OUTSIDE_TEASERS:
        return f"listing: {len(page)} article teasers make {share:.0%} of the page"
    return None
