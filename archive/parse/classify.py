"""Pages that answer 200 at an article-shaped URL but are not articles: error pages, contact pages, listings.

Each check returns a human-readable detail when the page is of that kind, else None. They look at the page
after boilerplate removal, so menus and sidebars do not count: the error and contact checks at its text, the
listing check at its lxml tree (:mod:`archive.parse.lteasers`); forms are looked for before boilerplate
removal takes them (:func:`archive.parse.page.has_form`, whose BeautifulSoup reference :func:`has_form` is).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Final

from bs4 import BeautifulSoup

from archive.parse.dom import Size
from archive.parse.lteasers import teaser_share, teasers
from archive.parse.ltree import Element, is_element, stripped_len
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


def error_page(title: str | None, text: str) -> str | None:
    """A "page not found" page served with status 200 (a soft 404); ``text`` is the page's visible text
    after boilerplate removal (:func:`~archive.parse.text.clean_text`)."""
    if len(text) > _ERROR_MAX_TEXT:
        return None
    if title and _ERROR_TITLE.match(title):
        return f"error page titled {title[:80]!r}"
    if (match := _ERROR_TEXT.search(text)) is not None:
        return f"error page saying {match.group(0)!r}"
    return None


def contact_page(title: str | None, text: str, form: bool) -> str | None:
    """A "Liên hệ" page: a contact title and a form or contact details, little else (``text`` as for
    :func:`error_page`)."""
    if not title or len(title.split()) > _CONTACT_MAX_WORDS or not _CONTACT_TITLE.match(title):
        return None
    labels = len(_CONTACT_LABEL.findall(text))
    if len(text) <= _CONTACT_MAX_TEXT and (form or labels >= 2):
        return f"contact page {title!r} ({'a form' if form else f'{labels} contact details'})"
    return None


def prose_run(root: Element, sizes: dict[Element, Size]) -> tuple[int, int]:
    """The longest run of running text below ``root``: (paragraphs, characters of non-link text) of the
    longest sequence of sibling paragraphs that no link block (a teaser title, a "read more" line)
    interrupts. An article has one; a listing's summaries are each cut off by the next teaser's link.
    ``sizes`` is :func:`archive.parse.page.measure` of ``root`` or of an ancestor."""
    best = (0, 0)
    stack = [root]
    while stack:
        el = stack.pop()
        count = chars = 0
        for child in el:
            if not is_element(child):
                continue
            stack.append(child)
            size = sizes.get(child)
            if size is None or size.text == 0:
                continue
            prose = size.text - size.links_text
            if 2 * size.links_text >= size.text:
                count = chars = 0  # a link block ends the run
            elif child.tag in _PROSE and prose >= _PROSE_LINE:
                count, chars = count + 1, chars + prose
                best = max(best, (count, chars), key=lambda run: run[1])
    return best


def listing(
    container: Element,
    body: Element,
    url: str,
    source: Source,
    now: datetime,
    sizes: dict[Element, Size],
    *,
    own_body: bool = False,
) -> str | None:
    """A listing: teasers of other articles make most of the content block's text, or the page holds many
    teasers and little text outside them (CMSs that render each teaser with the article markup). A page
    with a run of running text (:func:`prose_run`) is an article, however many teasers surround it.

    ``own_body`` says the content block is the CMS's full-article element (found by the family's or the
    source's body selector, such as Liferay's ``.asset-full-content``): when no teaser holds it or lies
    inside it, the page shows that one article, however short, and the teasers around it are related news.
    ``sizes`` is :func:`archive.parse.page.measure` of ``body`` or of an ancestor.
    """
    paragraphs, chars = prose_run(container, sizes)
    if paragraphs >= _RUN_PARAGRAPHS and chars >= _RUN_CHARS:
        return None
    inner = teasers(container, url, source, now, sizes)
    if len(inner) >= MIN_TEASERS and (share := teaser_share(container, inner)) >= _TEASER_SHARE:
        return f"listing: {len(inner)} article teasers make {share:.0%} of the content"
    page = teasers(body, url, source, now, sizes)
    if len(page) < _PAGE_TEASERS or (share := teaser_share(body, page)) < _PAGE_TEASER_SHARE:
        return None
    around = {container, *container.iterancestors()}
    if any(t.element in around for t in page):
        prose = 0  # the content block is one of the teasers
    else:
        inside = [t for t in page if container in set(t.element.iterancestors())]
        if own_body and not inside:
            return None
        prose = stripped_len(container) - sum(stripped_len(t.element) for t in inside)
    if prose < _PROSE_OUTSIDE_TEASERS:
        return f"listing: {len(page)} article teasers make {share:.0%} of the page"
    return None
