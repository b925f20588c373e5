"""Authors and signatures: the lines at the end of an article that say who wrote or signed it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

from bs4 import Tag

from archive.parse.dom import block_texts
from archive.parse.text import clean_text

# "Tác giả: X", "Tin, ảnh: X", "Bài và ảnh: X", "Người viết: X", "Theo X" — a labelled author line.
_AUTHOR_LABEL = re.compile(
    r"^\(?\s*(?:tác giả|tin(?:,| và)? ảnh|tin|bài(?:,| và)? ảnh|bài|ảnh|người viết|nhóm phóng viên|pv)\s*:\s*"
    r"(?P<name>[^()]+?)\s*\)?\.?$",
    re.IGNORECASE,
)
_SOURCE_LABEL = re.compile(
    r"^\(?\s*(?:nguồn(?: tin| bài)?|source)\s*:\s*(?P<source>.+?)\s*\)?\.?$", re.IGNORECASE
)
# "Nguyễn Văn A - Phòng Quản lý công nghệ": a name, then a unit.
_NAME_DASH_UNIT = re.compile(r"^(?P<name>[^-–—,(]+?)\s*[-–—,(]\s*(?P<unit>.+)$")
_SIGNATORY_TITLE = re.compile(
    r"^(KT\.|TL\.|TM\.|TUQ\.|Q\.|PHÓ |GIÁM ĐỐC|CHÁNH|TRƯỞNG|CHỦ TỊCH|BỘ TRƯỞNG|THỨ TRƯỞNG|CỤC TRƯỞNG|"
    r"VỤ TRƯỞNG|\(Đã ký\)|Đã ký|\(Ký|\[?đã ký\]?)",
    re.IGNORECASE,
)
# "(Theo Báo Lạng Sơn)": a parenthesised credit of where the article was taken from.
_THEO = re.compile(r"^\(\s*theo\s+(?P<source>[^()]{3,80}?)\s*\)\.?$", re.IGNORECASE)
# An author element's label ("Viết bởi", "Tác giả:") and placeholder accounts that are not authors.
# Labels as CMSs print them: Joomla's COM_CONTENT_WRITTEN_BY ("Viết bởi %s", "Được viết bởi %s" in vi-VN
# packs), NukeViet's "Tác giả:", WordPress themes' "Đăng bởi", "bởi", "Posted by".
_ELEMENT_LABEL = re.compile(
    r"^(được viết bởi|viết bởi|được đăng bởi|đăng bởi|người đăng|người viết|người biên tập|biên tập viên|"
    r"biên tập|tác giả|tin, ảnh|tin và ảnh|bài, ảnh|bài và ảnh|written by|posted by|published by|author|by|"
    r"bởi|bài viết|tin)\s*:?\s*",
    re.IGNORECASE,
)
# CMS accounts, not people: "admin", "Admin English", "administrator", "Quản trị viên", "Quản trị hệ
# thống", "webmaster", "Super User", and login names ("nvhung", "user_12").
_PLACEHOLDER = re.compile(
    r"^((admin|administrator|quản trị|quan tri|quantri|webmaster|super ?user|root|editor|user|guest)"
    r"(?:[\s_.-]+\w+){0,2}|biên tập viên|btv|khách)$",
    re.IGNORECASE,
)
_LOGIN: Final = re.compile(r"^[a-z][a-z0-9_.-]*$")
# A unit signing for the article when no person does: "Văn phòng Sở", "Phòng Bưu chính, Viễn thông".
_UNIT = re.compile(
    r"^(Văn phòng|Phòng|Ban|Trung tâm|Chi cục|Sở|Cục|Vụ|Tổ|Bộ|UBND|Ủy ban|Uỷ ban)\s+\S", re.UNICODE
)
_MAX_SIGNATURE_LINES = 6


def looks_like_name(text: str) -> bool:
    """A Vietnamese personal name: 2 to 5 capitalised syllables and nothing else ("Hoàng Văn Đồng")."""
    words = text.split()
    if not 2 <= len(words) <= 5:
        return False
    return all(w[:1].isupper() and (len(w) == 1 or w[1:].islower()) and w.isalpha() for w in words)


def _is_short_line(text: str) -> bool:
    """Short enough for a signature line, and not a sentence (labelled lines always qualify)."""
    if _AUTHOR_LABEL.match(text) or _SOURCE_LABEL.match(text) or _THEO.match(text):
        return True
    return len(text) <= 120 and len(text.split()) <= 16 and not text.endswith((".", ";", ":"))


@dataclass
class Byline:
    """What the end of the body says about its author; ``body`` is what remains of the paragraphs."""

    body: list[str]
    author: str | None = None
    signature: list[str] = field(default_factory=list)
    source_line: str | None = None


def _recognise(line: str) -> tuple[str, str | None] | None:
    """What a trailing line is: ("source", text), ("author", name), ("signatory", None), or None."""
    if (match := _SOURCE_LABEL.match(line) or _THEO.match(line)) is not None:
        return "source", match["source"]
    if (match := _AUTHOR_LABEL.match(line)) is not None:
        return "author", match["name"]
    if looks_like_name(line):
        return "author", line
    if (match := _NAME_DASH_UNIT.match(line)) is not None and looks_like_name(match["name"].strip()):
        return "author", match["name"].strip()
    if _SIGNATORY_TITLE.match(line) or (line.isupper() and len(line.split()) <= 10):
        return "signatory", None
    if _UNIT.match(line) and len(line.split()) <= 10:
        return "unit", line
    return None


# A byline some templates print as the content block's first line ("Đăng bởi Minh Hà", "Posted by …"):
# explicit labels only, so that an opening sentence ("Bởi vậy, …") stays body.
_LEADING_BYLINE = re.compile(
    r"^(được viết bởi|viết bởi|được đăng bởi|đăng bởi|người đăng|người viết|tác giả|written by|posted by|"
    r"published by)\s*:?\s*\S",
    re.IGNORECASE,
)
_MAX_LEADING_BYLINE = 80


def split_byline(paragraphs: list[str]) -> Byline:
    """Separate a trailing signature block, labelled author line and "Nguồn:" line from the body, and a
    labelled byline line that opens it.

    Only short lines at the very end qualify, and only from the first recognisable one (a label, a
    personal name, a signatory title): a short closing sentence of the article stays body. At the start,
    only one short line with an explicit byline label ("Đăng bởi …", "Posted by …").
    """
    leading: str | None = None
    if paragraphs and len(paragraphs[0]) <= _MAX_LEADING_BYLINE and _LEADING_BYLINE.match(paragraphs[0]):
        leading, paragraphs = author_from_element(paragraphs[0]), paragraphs[1:]
    found = _split_tail(paragraphs)
    found.author = found.author or leading
    return found


def _split_tail(paragraphs: list[str]) -> Byline:
    tail_start = len(paragraphs)
    while tail_start > 0 and len(paragraphs) - tail_start < _MAX_SIGNATURE_LINES:
        if not _is_short_line(paragraphs[tail_start - 1]):
            break
        tail_start -= 1
    kinds = [_recognise(line) for line in paragraphs[tail_start:]]
    first = next((i for i, kind in enumerate(kinds) if kind is not None), None)
    if first is None:
        return Byline(body=paragraphs)
    byline = Byline(body=paragraphs[: tail_start + first])
    unit: str | None = None
    for line, kind in zip(paragraphs[tail_start + first :], kinds[first:], strict=True):
        if kind is not None and kind[0] == "source":
            byline.source_line = kind[1]
            continue
        byline.signature.append(line)
        if kind is not None and kind[0] == "author" and byline.author is None:
            byline.author = kind[1]
        if kind is not None and kind[0] == "unit" and unit is None:
            unit = kind[1]
    # A unit is the author only when no person signed ("Hoàng Văn Đồng / Sở …" names the person).
    byline.author = byline.author or unit
    return byline


def author_from_element(text: str) -> str | None:
    """The author named by a byline element outside the body ("Viết bởi Nguyễn Văn A", "Tác giả: Thu Hà"),
    or None for an empty one or a CMS account placeholder ("admin", "Super User")."""
    name = _ELEMENT_LABEL.sub("", text.strip()).strip(" .:-|")
    # "Nguyễn Văn A - Phòng X": the person; "Thu Hà (Trung tâm Y)": the person.
    if (match := _NAME_DASH_UNIT.match(name)) is not None and looks_like_name(match["name"].strip()):
        name = match["name"].strip()
    if not name or len(name) > 80 or is_account(name):
        return None
    return name


def is_account(name: str) -> bool:
    """A CMS account's name rather than a person's: a placeholder ("admin", "Admin English", "Quản trị
    viên"), a lower-case login name ("nvhung") or anything with digits (a user id)."""
    name = name.strip()
    return bool(_PLACEHOLDER.match(name) or _LOGIN.match(name) or any(c.isdigit() for c in name))


_AFTER_SIBLINGS: Final = 4
_AFTER_LEVELS: Final = 2
_AFTER_MAX_TEXT: Final = 400
_MAX_LINE: Final = 120
# "Theo Báo Lạng Sơn" on a line of its own after the body: a credit even without brackets.
_THEO_LINE: Final = re.compile(r"^theo\s+(?P<source>[^.;:()]{3,80}?)\s*\.?$", re.IGNORECASE)


def lines_after(container: Tag) -> list[str]:
    """The labelled lines templates print right after the body, outside its element: "Nguồn: …",
    "Nguồn tin: …", "Source: …", "Theo …", "Tác giả: …" (NukeViet's author and source lines, a source
    field under a CMS's body field). Read from the next few elements after the content block and after
    its parent; returned in the forms :func:`split_byline` recognises, to be appended to the body."""
    out: list[str] = []
    node: Tag | None = container
    for _ in range(_AFTER_LEVELS):
        if node is None:
            break
        for sibling in node.find_next_siblings(True, limit=_AFTER_SIBLINGS):
            if len(clean_text(sibling.get_text(" "))) > _AFTER_MAX_TEXT:
                break  # other content: related news, comments
            for line in (clean_text(b) for b in block_texts(sibling)):
                if len(line) > _MAX_LINE or line in out:
                    continue
                if (theo := _THEO_LINE.match(line)) is not None:
                    out.append(f"(Theo {theo['source']})")
                elif _SOURCE_LABEL.match(line) or _THEO.match(line) or _AUTHOR_LABEL.match(line):
                    out.append(line)
        node = node.parent if isinstance(node.parent, Tag) else None
    return out
