"""Files and images of an article: attachments (URL, title, type) and images with their captions."""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import urljoin, urlsplit

from bs4 import Tag

from archive.fileurls import file_extension, file_names, is_download_handler
from archive.model import Attachment, Image
from archive.parse.text import clean_text

FILE_TYPES: Final = frozenset(
    {"pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp", "rtf", "zip", "rar", "7z"}
)
_MIME_TYPES: Final = {
    "application/pdf": "pdf",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}
# Link texts that say "download" rather than what the file is.
_GENERIC_LINK: Final = re.compile(
    r"^(tải về|tải xuống|download|tại đây|xem|xem tại đây|xem chi tiết|chi tiết|file đính kèm|tệp đính kèm|"
    r"đính kèm|tải file|tải tệp|\[?tải về\]?)\W*$",
    re.IGNORECASE,
)
# "Tải về 1: QD-123.pdf" (NukeViet's file list): the words before the file's own name.
_DOWNLOAD_PREFIX: Final = re.compile(r"^(tải về|tải xuống|download)(\s+\d+)?\s*:\s*(?=\S)", re.IGNORECASE)
_CAPTION_CLASS: Final = re.compile(
    r"caption|image[-_]?desc|img[-_]?desc|photo[-_]?desc|chu-?thich|desc", re.I
)
_ICON: Final = re.compile(
    r"(^|/)(icon|ico|spacer|blank|pixel|transparent|pdf|doc|docx|xls|xlsx|file|attach|print|email|rss)"
    r"[^/]*\.(gif|png|svg)$",
    re.IGNORECASE,
)
_LAZY_SRC: Final = ("data-src", "data-original", "data-lazy-src", "data-srcset", "src")
_MAX_CAPTION: Final = 300
# class words of caption, photo credit and gallery elements: what describes pictures, never body text.
_PICTURE_TEXT: Final = re.compile(
    r"(^|[-_\s])(caption|captions|credit|credits|photo-?credit|image-?credit|gallery|slideshow|chu-?thich)"
    r"($|[-_\s])",
    re.IGNORECASE,
)
_GALLERY_TEXT: Final = 3000  # characters of a gallery's captions beyond which it is a misnamed wrapper


def resolve(base: str, href: str) -> str | None:
    """``href`` made absolute against ``base``; None for a URL that cannot be parsed or is not http(s)."""
    try:
        url = urljoin(base, href.strip())
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for a port out of range
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and parts.hostname else None


def file_type(url: str, mime: str | None = None, hints: tuple[str, ...] = ()) -> str | None:
    """The attachment type of a link: its file name's extension (also in a path segment, as in Liferay's
    ``/documents/…/QD-1234.pdf/<uuid>``, or a query value such as ``?file=QD.pdf``), else its MIME type,
    else a file name in ``hints`` (the link's ``download`` or ``title`` attribute or its text: download
    handlers such as K2's ``/item/download/245_…`` and NukeViet's ``…&download=1&id=0`` have no
    extension)."""
    found = file_extension(url, FILE_TYPES)
    if found is not None:
        return found
    # A file name as the whole hint, or as a word of it ("Tải về 1 QD-123.pdf").
    for word in (w for h in hints for w in h.split()):
        stem, dot, ext = word.rpartition(".")
        if dot and stem and ext.lower() in FILE_TYPES:
            return ext.lower()
    return _MIME_TYPES.get((mime or "").split(";")[0].strip().lower())


def is_file_link(url: str, mime: str | None = None, hints: tuple[str, ...] = ()) -> bool:
    """Whether a link is to an attached file: its type is known (:func:`file_type`), or it is a CMS's
    download handler that does not say it (Liferay's ``get_file``, NukeViet's ``download=``, …; see
    :mod:`archive.fileurls`): such an attachment's type is left empty, and ``deptnews extract`` reads
    the format from the archived file."""
    return file_type(url, mime, hints) is not None or is_download_handler(url)


def _file_name(url: str) -> str | None:
    for name in file_names(url):
        if "." in name and name.rsplit(".", 1)[-1].lower() in FILE_TYPES:
            return clean_text(name) or None
    return None


def attachments(scope: Tag, base_url: str) -> list[Attachment]:
    """Files linked from the article's element ``scope`` (its body and the fields beside it)."""
    out: list[Attachment] = []
    seen: set[str] = set()
    for a in scope.find_all("a", href=True):
        href = a.get("href")
        url = resolve(base_url, href) if isinstance(href, str) else None
        mime = a.get("type")
        text = _DOWNLOAD_PREFIX.sub("", clean_text(a.get_text(" ")))
        hints = tuple(v for v in (a.get("download"), a.get("title"), text) if isinstance(v, str))
        kind = file_type(url, mime if isinstance(mime, str) else None, hints) if url else None
        if url is None or url in seen or (kind is None and not is_download_handler(url)):
            continue
        seen.add(url)
        if not text or _GENERIC_LINK.match(text):
            hint = a.get("title")
            text = clean_text(hint) if isinstance(hint, str) and hint.strip() else _file_name(url) or ""
        out.append(Attachment(url=url, title=text or None, type=kind))
    return out


def _source(img: Tag) -> str | None:
    for attr in _LAZY_SRC:
        value = img.get(attr)
        if isinstance(value, str) and value.strip() and not value.strip().startswith("data:"):
            return value.strip().split()[0]
    return None


def _small(img: Tag) -> bool:
    """An icon: tiny by its attributes, or classed or filed as one."""
    classes = " ".join(str(c) for c in img.get_attribute_list("class") if c).lower()
    if "icon" in classes or "/icons/" in str(img.get("src") or "").lower():
        return True
    for attr in ("width", "height"):
        value = img.get(attr)
        if isinstance(value, str) and value.strip().isdigit() and int(value.strip()) <= 40:
            return True
    return False


def _is_italic(tag: Tag) -> bool:
    style = tag.get("style")
    return tag.name in ("em", "i") or (isinstance(style, str) and "italic" in style.lower())


def _italic_only(tag: Tag) -> bool:
    """Every piece of text of ``tag`` is italic (the editor's way of writing a caption)."""
    strings = [s for s in tag.find_all(string=True) if s.strip()]
    for string in strings:
        parent = string.parent
        while parent is not None and parent is not tag and not _is_italic(parent):
            parent = parent.parent
        if parent is None or (parent is tag and not _is_italic(tag)):
            return False
    return bool(strings)


def _caption_after(img: Tag) -> Tag | None:
    """An italic or caption-classed element right after ``img`` in the same parent (after a ``<br>``)."""
    for node in img.next_siblings:
        if isinstance(node, Tag):
            if node.name == "br":
                continue
            classes = " ".join(str(c) for c in node.get_attribute_list("class") if c)
            if (_is_italic(node) or _CAPTION_CLASS.search(classes)) and clean_text(node.get_text(" ")):
                return node
            return None
        if str(node).strip():
            return None
    return None


def _caption(img: Tag) -> Tag | None:
    """The element captioning ``img``: a figcaption, a caption-classed element or table cell right after
    it, an italic line after the image in its paragraph, or an italic paragraph right after it."""
    figure = img.find_parent("figure")
    if figure is not None and (cap := figure.find("figcaption")) is not None:
        return cap
    # WordPress's wp-caption, SharePoint publishing layouts' captioned-image (image and caption fields).
    wrapper = img.find_parent(class_=re.compile(r"wp-caption|captioned-image|image-wrap|img-wrap|photo"))
    if wrapper is not None and (cap := wrapper.find(class_=_CAPTION_CLASS)) is not None:
        return cap
    if (after_img := _caption_after(img)) is not None:
        return after_img
    # CKEditor's image table: the image in one row, its caption in the next; the table holds nothing else.
    row = img.find_parent("tr")
    table = row.find_parent("table") if row is not None else None
    if row is not None and table is not None and len(clean_text(table.get_text(" "))) <= _MAX_CAPTION:
        after = row.find_next_sibling("tr")
        if isinstance(after, Tag) and clean_text(after.get_text(" ")):
            return after
    # An image alone in its paragraph may be captioned by the paragraph after it.
    holder = img.parent
    while isinstance(holder, Tag) and holder.name in ("a", "span", "strong", "b", "font", "em", "i"):
        holder = holder.parent
    if (
        not isinstance(holder, Tag)
        or holder.name not in ("p", "div", "center")
        or clean_text(holder.get_text())
    ):
        return None
    following = holder.find_next_sibling()
    if not isinstance(following, Tag) or following.find("img") is not None:
        return None
    text = clean_text(following.get_text(" "))
    if not 0 < len(text) <= _MAX_CAPTION:
        return None
    classes = " ".join(str(c) for c in following.get_attribute_list("class") if c)
    if _CAPTION_CLASS.search(classes) or _italic_only(following):
        return following
    return None


def images(container: Tag, base_url: str) -> tuple[list[Image], list[Tag]]:
    """The article's images with captions, and the caption elements (to be left out of the body)."""
    out: list[Image] = []
    captions: list[Tag] = []
    seen: set[str] = set()
    for img in container.find_all("img"):
        src = _source(img)
        url = resolve(base_url, src) if src else None
        if url is None or url in seen or _small(img) or _ICON.search(urlsplit(url).path):
            continue
        seen.add(url)
        cap = _caption(img)
        caption = clean_text(cap.get_text(" ")) or None if cap is not None else None
        if cap is not None:
            captions.append(cap)
        out.append(Image(url=url, caption=caption))
    return out, captions


def drop_picture_text(container: Tag) -> None:
    """Remove captions, photo credits and galleries left in the body after :func:`images` took the
    captions it could tie to an image (a gallery's slides, a caption beside a lazy-loaded picture): text
    about pictures is never body text. An element so named that holds much text is a misnamed wrapper and
    stays."""
    for tag in container.find_all(True):
        if tag.parent is None or tag is container or not tag.attrs:
            continue
        words = " ".join([*(str(c) for c in tag.get_attribute_list("class") if c), str(tag.get("id") or "")])
        if not words.strip() or (match := _PICTURE_TEXT.search(words)) is None:
            continue
        limit = _GALLERY_TEXT if match.group(2).lower() in ("gallery", "slideshow") else _MAX_CAPTION
        if len(tag.get_text(" ", strip=True)) <= limit:
            tag.decompose()
