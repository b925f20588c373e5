"""What in the content block is not body text: attachment links on lines of their own, lists of links
(related news), teasers of other articles, interface lines, rules (the title and date line the template put
there are removed on the lxml tree: :func:`archive.parse.laround.drop_inside`)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Final

from bs4 import Tag

from archive.parse import dom, media, when
from archive.parse.listing import teasers
from archive.parse.text import clean_text
from archive.sources import Source

# Interface lines some templates put inside the content block: print/share/back links, counters.
_UI_LINE: Final = re.compile(
    r"^\W*(in bài( viết)?|in trang|bản in|gửi (email|bài viết|cho bạn bè)|chia sẻ|share|quay lại|trở về|"
    r"về đầu trang|lên đầu trang|đầu trang|xem thêm|tin liên quan|bài viết liên quan|các tin khác|tin khác|"
    r"các tin đã đưa|bình luận|ý kiến bạn đọc|lượt xem|số lượt xem|lượt truy cập|đánh giá|cỡ chữ|font chữ|"
    r"print|email|facebook|twitter|zalo|top)\b[^.]{0,25}$",
    re.IGNORECASE,
)
_LINK_LIST_DENSITY: Final = 0.8
_TEASER_LINK_SHARE: Final = 0.25  # of a teaser's text that is its link: a teaser, not a sentence
_LINE_LINK_SHARE: Final = 0.5  # the same for a teaser that is one paragraph
_PROSE_TEASER: Final = frozenset({"p", "blockquote", "pre"})
_BOX_HEADING: Final = 80


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


def drop_teasers(container: Tag, url: str, source: Source, now: datetime) -> None:
    """Remove the teasers of other articles inside the content block ("Read more", a related story's
    headline and summary set in the text): a teaser is set apart from the prose and its link is a good
    part of its text, unlike a link inside a sentence."""
    sizes = dom.measure(container)
    boxes: dict[int, tuple[Tag, int]] = {}
    for teaser in teasers(container, url, source, now, sizes):
        element = teaser.element
        size = sizes.get(id(element))
        if element is container or element.parent is None or size is None:
            continue
        # A paragraph opening with a link is prose unless the link is most of it ("See more: <a>…</a>").
        share = _LINE_LINK_SHARE if element.name in _PROSE_TEASER else _TEASER_LINK_SHARE
        if size.links_text >= share * size.text:
            box = element.parent
            if isinstance(box, Tag) and box is not container:
                boxes[id(box)] = (box, boxes.get(id(box), (box, 0))[1] + 1)
            element.decompose()
    # A box that held several teasers and is left with its heading alone ("Related news") goes too.
    for box, removed in boxes.values():
        if removed >= 2 and box.parent is not None and len(box.get_text(" ", strip=True)) <= _BOX_HEADING:
            box.decompose()
