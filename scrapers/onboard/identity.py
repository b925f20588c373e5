"""Who a site belongs to: department, jurisdiction and name read from its homepage, and a registry id.

The department's name is looked for, in order, in ``og:site_name``, the header's site name, the
``<title>`` (split at ``|``, `` - ``, ``::``) and the footer: the first text naming a *Sở …* or *Bộ …* (or
a *Ban*, *Văn phòng*, *Thanh tra*) gives the department, and what follows "tỉnh" or "thành phố" the
jurisdiction. A ministry (*Bộ …*) is of the jurisdiction "Trung ương". Names written in capitals
("SỞ TÀI CHÍNH TỈNH LẠNG SƠN") are given ordinary capitals.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

import lxml.html

_BODY: Final = re.compile(r"\b(Sở|Bộ|Ban|Văn phòng|Thanh tra)\s+\S.*$", re.IGNORECASE)
_PLACE: Final = re.compile(r"\s+(tỉnh|thành phố|tp\.?)\s+(.+)$", re.IGNORECASE)
_SEPARATORS: Final = re.compile(r"\s+[|–—:»·]+\s+|\s+-\s+|::")
_STOP: Final = re.compile(r"\s*(?:[|,;(–—]|\s-\s|\bđịa chỉ\b|\bđiện thoại\b|\bemail\b).*$", re.IGNORECASE)
_MAX_WORDS: Final = 14
_HOST_NOISE: Final = frozenset({"www", "gov", "vn", "com", "org", "net", "edu", "portal"})


@dataclass(frozen=True)
class Identity:
    """What a site says it is; any part may be missing."""

    department: str | None
    jurisdiction: str | None
    kind: str  # "province" or "ministry"

    @property
    def name(self) -> str | None:
        if self.department is None:
            return None
        if self.kind == "ministry" or not self.jurisdiction:
            return self.department
        return f"{self.department} {self.jurisdiction[:1].lower()}{self.jurisdiction[1:]}"


def _texts(doc: lxml.html.HtmlElement) -> Iterator[str]:
    for meta in doc.iter("meta"):
        if meta.get("property") == "og:site_name" and meta.get("content"):
            yield str(meta.get("content"))
    for element in doc.iter():
        if not isinstance(element.tag, str):
            continue
        marks = f"{element.get('id') or ''} {element.get('class') or ''}".lower()
        if element.tag in ("header",) or any(
            m in marks for m in ("site-name", "sitename", "site-title", "logo", "banner")
        ):
            yield from (" ".join(chunk.split()) for chunk in element.itertext() if chunk.strip())
    title = doc.find(".//title")
    if title is not None and title.text_content():
        yield from _SEPARATORS.split(" ".join(title.text_content().split()))
    for element in doc.iter():
        if not isinstance(element.tag, str):
            continue
        marks = f"{element.get('id') or ''} {element.get('class') or ''}".lower()
        if element.tag == "footer" or "footer" in marks:
            yield from (" ".join(chunk.split()) for chunk in element.itertext() if chunk.strip())


def _capitals(text: str) -> str:
    """A name in capitals written as names are: "SỞ TÀI CHÍNH TỈNH LẠNG SƠN" → "Sở Tài chính tỉnh Lạng
    Sơn" (the department's words capitalised after its first word and after "và"; the place's all)."""
    if text != text.upper():
        return text
    place = _PLACE.search(text)
    words = (text[: place.start()] if place else text).lower().split()
    out = [w.capitalize() if i < 2 or words[i - 1] == "và" else w for i, w in enumerate(words)]
    if place is not None:
        out += [place.group(1).lower(), *(w.capitalize() for w in place.group(2).split())]
    return " ".join(out)


def read_identity(doc: lxml.html.HtmlElement) -> Identity:
    """The department and jurisdiction the page names (see the module's documentation)."""
    fallback: Identity | None = None
    for text in _texts(doc):
        match = _BODY.search(unicodedata.normalize("NFC", text))
        if match is None:
            continue
        named = _capitals(_STOP.sub("", match.group(0)).strip())
        if not named or len(named.split()) > _MAX_WORDS:
            continue
        place = _PLACE.search(named)
        if named.lower().startswith("bộ"):
            return Identity(named, "Trung ương", "ministry")
        if place is None:
            fallback = fallback or Identity(named, None, "province")
            continue
        word = "Thành phố" if place.group(1).lower().startswith(("thành", "tp")) else "Tỉnh"
        return Identity(named[: place.start()].strip(), f"{word} {place.group(2).strip()}", "province")
    return fallback or Identity(None, None, "province")


def fold(text: str) -> str:
    """Lower-case ASCII: marks removed, đ as d."""
    text = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def source_id(homepage: str, department: str | None, taken: Collection[str]) -> str:
    """A registry id: the host's distinctive labels, province first (``stttt.langson.gov.vn`` →
    ``langson-stttt``), or for an address without a name the department's initials and the port;
    suffixed with ``-2``, ``-3``… when taken."""
    parts = urlsplit(homepage)
    host = parts.hostname or ""
    labels = [x for x in host.split(".") if x and x not in _HOST_NOISE]
    if not labels or all(x.isdigit() for x in labels) or host == "localhost":
        words = [w for w in fold(department or "site").split() if w not in ("va", "&")]
        labels = ["".join(w[0] for w in words if w[0].isalnum()) or "site", str(parts.port or "")]
    else:
        labels = list(reversed(labels))
    base = re.sub(r"[^a-z0-9]+", "-", "-".join(fold(x) for x in labels if x)).strip("-")[:56] or "site"
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate
