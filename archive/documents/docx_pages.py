"""DOCX text split into pages: a DOCX has no pages, but Word writes where they break.

Two kinds of marks (ECMA-376 part 1, WordprocessingML):

- ``<w:lastRenderedPageBreak/>``: where a page began when Word last laid the document out. When a
  document has any, they alone make the pages: they are the pages a reader of the file in Word saw (and
  they already include the effect of hard breaks and section breaks, which are then not counted again).
- Otherwise (a file never laid out by Word, e.g. written by a program), the breaks the author asked for:
  ``<w:br w:type="page"/>`` in a run, ``<w:pageBreakBefore/>`` on a paragraph, and a section break that
  starts a new page (the next section's ``<w:sectPr>`` of ``w:type`` ``nextPage``, ``evenPage``,
  ``oddPage`` or none, which means ``nextPage``; ``continuous`` stays on the page).

So page numbers are those Word last rendered, or the hard breaks' when it never did; a page can still
differ from a printout made with other fonts or paper. Tables are read row by row (cells joined by tabs);
a break inside a row starts the row's page.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

from lxml import etree

from archive.documents.result import ExtractionError, Page

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NEW_PAGE_SECTIONS = frozenset({"nextPage", "evenPage", "oddPage"})
_CONTAINERS = frozenset({f"{W}sdt", f"{W}sdtContent", f"{W}customXml", f"{W}smartTag"})


class _Pages:
    """Lines collected page by page."""

    def __init__(self) -> None:
        self.pages: list[list[str]] = [[]]
        self.line: list[str] = []

    def end_line(self) -> None:
        self.pages[-1].append("".join(self.line))
        self.line = []

    def new_page(self) -> None:
        if self.line:
            self.end_line()
        self.pages.append([])


def _is_on(element: etree._Element | None) -> bool:
    """A WordprocessingML on/off property: present and not ``w:val="false"``/``"0"``/``"off"``."""
    return element is not None and element.get(f"{W}val") not in ("false", "0", "off")


def _blocks(parent: etree._Element) -> Iterator[etree._Element]:
    """The paragraphs and tables of ``parent`` in order, through content controls and custom XML."""
    for child in parent:
        if child.tag in (f"{W}p", f"{W}tbl"):
            yield child
        elif child.tag in _CONTAINERS:
            yield from _blocks(child)


def _section_starts(body: etree._Element) -> list[bool]:
    """For each section break in ``body`` (a paragraph's ``w:sectPr``, in order), whether the section
    after it starts on a new page (its own ``w:sectPr``, the next one, says how it starts)."""
    sections = body.findall(f".//{W}pPr/{W}sectPr")
    final = body.find(f"{W}sectPr")
    if final is not None:
        sections.append(final)
    starts = []
    for following in sections[1:]:
        kind = following.find(f"{W}type")
        value = kind.get(f"{W}val") if kind is not None else None
        starts.append(value is None or value in NEW_PAGE_SECTIONS)
    return starts


def _runs_text(paragraph: etree._Element, out: _Pages, rendered: bool) -> None:
    """The text of ``paragraph`` into ``out``, with its page breaks."""
    for element in paragraph.iter(f"{W}t", f"{W}tab", f"{W}br", f"{W}cr", f"{W}lastRenderedPageBreak"):
        tag = element.tag
        if tag == f"{W}t":
            out.line.append(element.text or "")
        elif tag == f"{W}tab":
            parent = element.getparent()
            if parent is not None and parent.tag == f"{W}r":  # a tab character, not a tab stop
                out.line.append("\t")
        elif tag == f"{W}lastRenderedPageBreak":
            if rendered:
                out.new_page()
        elif tag == f"{W}br" and element.get(f"{W}type") == "page":
            if not rendered:
                out.new_page()
        elif tag in (f"{W}br", f"{W}cr") and element.get(f"{W}type") in (None, "textWrapping"):
            out.end_line()


def _row(row: etree._Element, rendered: bool) -> tuple[list[str], bool]:
    """The cell texts of a table row (a merged cell once) and whether a page breaks inside it."""
    cells: list[str] = []
    broke = False
    for cell in row.findall(f"{W}tc"):
        text = _Pages()
        for paragraph in cell.iter(f"{W}p"):
            _runs_text(paragraph, text, rendered)
            text.end_line()
        broke = broke or len(text.pages) > 1
        joined = " ".join(line for page in text.pages for line in page if line)
        if not cells or cells[-1] != joined:
            cells.append(joined)
    return cells, broke


def pages_of(body: etree._Element) -> list[str]:
    """The text of a document's ``w:body``, page by page (see the module's docstring)."""
    rendered = body.find(f".//{W}lastRenderedPageBreak") is not None
    starts = iter(_section_starts(body))
    out = _Pages()
    for block in _blocks(body):
        if block.tag == f"{W}tbl":
            for row in block.iter(f"{W}tr"):
                cells, broke = _row(row, rendered)
                if broke:
                    out.new_page()
                out.line.append("\t".join(cells))
                out.end_line()
            continue
        properties = block.find(f"{W}pPr")
        if not rendered and properties is not None and _is_on(properties.find(f"{W}pageBreakBefore")):
            out.new_page()
        _runs_text(block, out, rendered)
        out.end_line()
        ends_section = properties is not None and properties.find(f"{W}sectPr") is not None
        if ends_section and next(starts, True) and not rendered:
            out.new_page()
    return ["\n".join(lines) for lines in out.pages]


def docx_pages(data: bytes) -> list[Page]:
    """The pages of a DOCX file's main document (``word/document.xml``, which the caller has checked
    against zip bombs), each as an ``office`` page."""
    import docx  # imported here: only the worker needs it

    try:
        document = docx.Document(io.BytesIO(data))
        texts = pages_of(document.element.body)
    except Exception as exc:  # python-docx and lxml raise many types on a malformed file
        raise ExtractionError(
            "corrupt", f"not a readable DOCX file: {type(exc).__name__}: {exc}"[:300]
        ) from None
    return [Page(n, text, "office") for n, text in enumerate(texts, start=1)]
