"""What in the content block is not body text: the title and date line when the template put them there,
attachment links on lines of their own, lists of links (related news), interface lines, rules."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Final

from bs4 import Tag
from bs4.element import NavigableString

from archive.parse import dom, media, when
from archive.parse.text import clean_text

# Interface lines some templates put inside the content block: print/share/back links, counters.
_UI_LINE: Final = re.compile(
    r"^\W*(in bài( viết)?|in trang|bản in|gửi (email|bài viết|cho bạn bè)|chia sẻ|share|quay lại|trở về|"
    r"về đầu trang|lên đầu trang|đầu trang|xem thêm|tin liên quan|bài viết liên quan|các tin khác|tin khác|"
    r"các tin đã đưa|bình luận|ý kiến bạn đọc|lượt xem|số lượt xem|lượt truy cập|đánh giá|cỡ chữ|font chữ|"
    r"print|email|facebook|twitter|zalo|top)\b[^.]{0,25}$",
    re.IGNORECASE,
)
_LINK_LIST_DENSITY: Final = 0.8


def drop_inside(container: Tag, tag: Tag) -> None:
    """Remove ``tag`` (a title or a date line) when it is inside the content block and not part of a
    sentence: a date inside a sentence of the body ("Ngày <span>12/3</span>, Sở …") stays."""
    if tag is container or tag.parent is None or not any(p is container for p in tag.parents):
        return
    node = tag
    while node.name not in dom.BLOCKS and isinstance(node.parent, Tag) and node.parent is not container:
        if any(isinstance(s, NavigableString) and s.strip() for s in node.parent.contents if s is not node):
            return
        node = node.parent
    tag.decompose()


def drop_attachment_blocks(container: Tag, base: str) -> None:
    """Remove blocks that are nothing but a link to an attachment: the file is in ``attachments``."""
    for a in container.find_all("a", href=True):
        href = a.get("href")
        url = media.resolve(base, href) if isinstance(href, str) else None
        if url is None or not media.is_file_link(url) or a.parent is None:
            continue
        block = a
        while (
            isinstance(block.parent, Tag) and block.parent is not container and block.name not in dom.BLOCKS
        ):
            block = block.parent
        if block.name in dom.BLOCKS and clean_text(block.get_text(" ")) == clean_text(a.get_text(" ")):
            block.decompose()


def drop_link_lists(container: Tag) -> None:
    """Remove lists of links inside the content block ("Tin liên quan", "Các tin khác")."""
    sizes = dom.measure(container)
    for element in container.find_all(["ul", "ol", "table", "div"]):
        size = sizes.get(id(element))
        if element.parent is None or size is None or size.links < 3:
            continue
        if size.links_text >= _LINK_LIST_DENSITY * max(size.text, 1):
            element.decompose()


def is_body(paragraph: str, title: str, lead: str | None, now: datetime) -> bool:
    """Not a repeat of the title or lead, a date line, an interface line or a rule ("--------")."""
    return (
        any(c.isalnum() for c in paragraph)
        and paragraph not in (title, lead)
        and not when.is_date_line(paragraph, now)
        and not _UI_LINE.match(paragraph)
    )
