"""PDF: the text layer with poppler's ``pdftotext``, page by page; pages without one are read by OCR.

Poppler was measured against pypdf on the demo decree (docs/performance.md): several times faster and
with Vietnamese diacritics placed as printed. ``pdfinfo`` gives the page count and encryption first, so a
PDF bomb (a huge page count) or an encrypted file is refused before any text is read.
"""

from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path

from archive.documents import ocr
from archive.documents.limits import Limits
from archive.documents.result import Extracted, ExtractionError, Page, sha256_of
from archive.documents.text import clean_lines
from archive.documents.tools import run

MIN_TEXT_CHARS = 20
"""A page whose text layer has fewer letters than this is taken for a scan and read by OCR."""

_PAGES = re.compile(rb"^Pages:\s+(\d+)", re.MULTILINE)
_ENCRYPTED = re.compile(rb"^Encrypted:\s+yes", re.MULTILINE)


def info(path: Path, limits: Limits) -> tuple[int, bool]:
    """The page count and whether the file is encrypted (``pdfinfo``)."""
    out = run(["pdfinfo", str(path)], timeout=min(60.0, limits.seconds))
    pages = _PAGES.search(out)
    if pages is None:
        raise ExtractionError("corrupt", "pdfinfo found no page count")
    return int(pages.group(1)), bool(_ENCRYPTED.search(out))


def extract_pdf(data: bytes, limits: Limits, *, deadline: float) -> Extracted:
    """The text of each page (up to ``limits.max_pages``), OCR for pages without a text layer (up to
    ``limits.ocr_pages``)."""
    with tempfile.TemporaryDirectory(prefix="deptnews-pdf-") as tmp:
        path = Path(tmp) / "file.pdf"
        path.write_bytes(data)
        try:
            # An encrypted file with an empty user password (print/copy restrictions only) reads; one with
            # a real password makes the tools fail, reported as ``encrypted``.
            count, _ = info(path, limits)
        except ExtractionError as exc:
            if "Incorrect password" in exc.detail or "encrypted" in exc.detail.lower():
                raise ExtractionError("encrypted", "the PDF is password-protected") from None
            raise
        if count > limits.refuse_pages:
            raise ExtractionError("too-many-pages", f"{count} pages (more than {limits.refuse_pages})")
        last = min(count, limits.max_pages)
        try:
            out = run(
                ["pdftotext", "-enc", "UTF-8", "-f", "1", "-l", str(last), str(path), "-"],
                timeout=_left(deadline),
            )
        except ExtractionError as exc:
            if "password" in exc.detail.lower():
                raise ExtractionError("encrypted", "the PDF is password-protected") from None
            raise
        texts = out.decode("utf-8", "replace").split("\f")
        pages: list[Page] = []
        ocr_done = 0
        for number in range(1, last + 1):
            text = clean_lines(texts[number - 1]) if number - 1 < len(texts) else ""
            if sum(c.isalpha() for c in text) >= MIN_TEXT_CHARS or ocr_done >= limits.ocr_pages:
                pages.append(Page(number=number, text=text, method="text-layer"))
                continue
            ocr_done += 1
            read, confidence = ocr.read_page(path, number, limits, deadline=deadline)
            pages.append(Page(number=number, text=clean_lines(read), method="ocr", confidence=confidence))
        return Extracted(kind="pdf", sha256=sha256_of(data), page_count=count, pages=pages)


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise ExtractionError("timeout", "the time allowed for the file ran out")
    return left
