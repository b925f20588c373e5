"""A source's page template, learnt from its own pages: what repeats across many of them is furniture.

Every site wraps its articles in the same template, and some of it survives any generic rule: a portlet
heading above every headline ("Tin tức nổi bật"), a disclaimer or contact line inside the content block
("Ghi rõ nguồn … khi phát hành lại thông tin từ website này"), a "Tin liên quan" heading. What repeats on
many different pages of one source is not any one article's content.

The parser reports what it *observed* on each page (:func:`observe`: its body paragraphs and headings,
before the template is applied, so what the template later removes is still counted); ingest counts each
observation once per page (per new URL) and source, in the ledger; :func:`learn` turns the counts into a
:class:`Template`: the observations made on at least :data:`FURNITURE_SHARE` of the pages, once
:data:`MIN_PAGES` pages have been seen. The parser then drops furniture paragraphs and never takes a
furniture heading for the title. The template is part of what a record's content is a function of, so a
record's ``parser_version`` names the template it was parsed with (:meth:`Template.parser_version`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from archive.parse.title_candidates import key

__all__ = [
    "EMPTY",
    "FURNITURE_SHARE",
    "MIN_PAGES",
    "Template",
    "heading_key",
    "learn",
    "observe",
    "paragraph_key",
    "relearn_at",
]

MIN_PAGES: Final = 5
"""Pages of a source seen before anything is called furniture."""
FURNITURE_SHARE: Final = 0.5
"""Share of a source's pages an observation must be made on to be furniture."""
_MIN_REPEAT: Final = 3
_MAX_HEADING: Final = 120  # characters: a longer heading is a sentence, not a label
_GROWTH: Final = 1.1  # the template is learnt again when the pages seen grew by this factor


def paragraph_key(paragraph: str) -> str:
    """The observation of a body paragraph: ``p:`` and a hash of its words, case folded (the parser's
    text is NFC already; unlike a heading's, a paragraph's marks are not folded: it is cheaper)."""
    words = " ".join(paragraph.casefold().split())
    return f"p:{hashlib.blake2b(words.encode('utf-8'), digest_size=8).hexdigest()}"


def heading_key(heading: str) -> str | None:
    """The observation of a page heading: ``h:`` and its comparison form (None for a long one)."""
    text = key(heading)
    return f"h:{text}" if text and len(heading) <= _MAX_HEADING else None


def observe(paragraphs: Iterable[str], headings: Iterable[str]) -> frozenset[str]:
    """What one page shows: its body paragraphs' and headings' observation keys."""
    found = {paragraph_key(p) for p in paragraphs if p.strip()}
    found.update(k for k in (heading_key(h) for h in headings) if k is not None)
    return frozenset(found)


@dataclass(frozen=True)
class Template:
    """The furniture of one source: observation keys (see :func:`observe`) made on most of its pages."""

    furniture: frozenset[str] = field(default_factory=frozenset)

    @property
    def version(self) -> str:
        """A short name of this furniture set ("" for none)."""
        if not self.furniture:
            return ""
        payload = json.dumps(sorted(self.furniture)).encode("utf-8")
        return hashlib.blake2b(payload, digest_size=4).hexdigest()

    def parser_version(self, parser: str) -> str:
        """The version of a content parsed by ``parser`` with this template (``2.1.0+t1a2b3c4d``)."""
        return f"{parser}+t{self.version}" if self.furniture else parser

    def is_furniture_paragraph(self, paragraph: str) -> bool:
        """A paragraph most pages show, or a furniture heading left in the content block."""
        if not self.furniture:
            return False
        return paragraph_key(paragraph) in self.furniture or heading_key(paragraph) in self.furniture

    def headings(self) -> list[str]:
        """The comparison forms of furniture headings (section and portlet names of this source)."""
        return sorted(k[2:] for k in self.furniture if k.startswith("h:"))

    def to_json(self) -> str:
        return json.dumps(sorted(self.furniture))

    @classmethod
    def from_json(cls, text: str) -> Template:
        return cls(frozenset(str(k) for k in json.loads(text)))


EMPTY: Final = Template()


def learn(pages: int, counts: Mapping[str, int]) -> Template:
    """The template of a source whose ``pages`` pages made each observation ``counts[key]`` times."""
    if pages < MIN_PAGES:
        return EMPTY
    bound = max(_MIN_REPEAT, FURNITURE_SHARE * pages)
    return Template(frozenset(k for k, n in counts.items() if n >= bound))


def relearn_at(pages_learnt: int) -> int:
    """When a template learnt at ``pages_learnt`` pages is learnt again (pages seen), so that it is
    learnt a number of times logarithmic in the source's size, not once per page."""
    if pages_learnt < MIN_PAGES:
        return pages_learnt + 1
    return max(pages_learnt + 1, int(pages_learnt * _GROWTH + 0.999))
