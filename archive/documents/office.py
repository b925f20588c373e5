"""Office formats: DOCX and XLSX (their XML, via python-docx and openpyxl), DOC and XLS (Debian's
``catdoc`` and its ``xls2csv``), with legacy TCVN3/VNI text converted to Unicode.

A DOCX or XLSX is a zip file: its parts' declared sizes are checked before anything is inflated, so a
zip bomb is refused (``zip-bomb``) rather than filling memory.
"""

from __future__ import annotations

import csv
import io
import tempfile
import time
import zipfile
from pathlib import Path

from archive.documents.docx_pages import docx_pages
from archive.documents.legacy import decode, to_unicode
from archive.documents.limits import Limits
from archive.documents.result import Extracted, ExtractionError, Page, sha256_of
from archive.documents.text import clean_lines
from archive.documents.tools import run

MAX_RATIO = 200
"""A part inflating to more than this many times its compressed size (and past 1 MB) is a zip bomb."""


def check_zip(data: bytes, limits: Limits) -> zipfile.ZipFile:
    """The zip file in ``data``; ``zip-bomb`` when its parts declare more than ``limits.unzipped_mb`` in
    all or one inflates suspiciously, ``corrupt`` when it is no zip file."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ExtractionError("corrupt", f"not a readable zip file: {exc}") from None
    total = sum(m.file_size for m in members)
    if total > limits.unzipped_mb * 2**20:
        raise ExtractionError("zip-bomb", f"its parts inflate to {total:,} bytes")
    for member in members:
        if member.file_size > 2**20 and member.file_size > MAX_RATIO * max(1, member.compress_size):
            raise ExtractionError("zip-bomb", f"{member.filename} inflates {member.file_size:,} bytes")
    return archive


def _legacy(pages: list[Page]) -> tuple[list[Page], str | None]:
    """Pages converted from a legacy Vietnamese encoding when the whole text is in one, then cleaned
    (in this order: cleaning drops U+00AD, the letter "ư" of TCVN3)."""
    _, found = to_unicode("\n".join(p.text for p in pages))
    converted = [
        Page(
            p.number, clean_lines(decode(p.text, found) if found else p.text), p.method, p.label, p.confidence
        )
        for p in pages
    ]
    return converted, found


def extract_docx(data: bytes, limits: Limits) -> Extracted:
    """Paragraphs and table rows (cells joined by tabs) in document order, split into the pages Word
    last rendered, or at its hard page and section breaks (:mod:`archive.documents.docx_pages`)."""
    check_zip(data, limits)
    pages = docx_pages(data)
    count = len(pages)
    pages, encoding = _legacy(pages[: limits.max_pages])
    pages = [p for p in pages if p.text] or pages[:1]
    return Extracted(kind="docx", sha256=sha256_of(data), page_count=count, pages=pages, encoding=encoding)


def extract_xlsx(data: bytes, limits: Limits) -> Extracted:
    """Each sheet's rows (non-empty cells joined by tabs) as one page, labelled with the sheet's name."""
    import openpyxl

    check_zip(data, limits)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        pages: list[Page] = []
        for number, sheet in enumerate(book.worksheets[: limits.max_pages], start=1):
            rows = []
            for row in sheet.iter_rows(values_only=True):
                cells = [str(v) for v in row if v is not None and str(v).strip()]
                if cells:
                    rows.append("\t".join(cells))
            pages.append(Page(number, "\n".join(rows), "office", label=sheet.title))
        count = len(book.worksheets)
        book.close()
    except ExtractionError:
        raise
    except Exception as exc:  # openpyxl raises many types on a malformed file
        raise ExtractionError(
            "corrupt", f"not a readable XLSX file: {type(exc).__name__}: {exc}"[:300]
        ) from None
    pages, encoding = _legacy(pages)
    return Extracted(kind="xlsx", sha256=sha256_of(data), page_count=count, pages=pages, encoding=encoding)


def _catdoc_home(tmp: Path) -> dict[str, str]:
    """An environment whose ``~/.catdocrc`` points catdoc and xls2csv at empty character maps: their
    default maps drop the soft hyphen U+00AD, which is the letter "ư" in a TCVN3-encoded file."""
    maps = tmp / "maps"
    maps.mkdir()
    for name in ("ascii.specchars", "ascii.replchars"):
        (maps / name).write_text("", encoding="ascii")
    (tmp / ".catdocrc").write_text(f"map_path = {maps}\n", encoding="ascii")
    return {"HOME": str(tmp)}


def extract_doc(data: bytes, limits: Limits, *, deadline: float) -> Extracted:
    """A Word 97–2003 file's text with ``catdoc`` (UTF-8, no wrapping), split into pages at its page
    breaks. (``antiword`` drops the byte 0xAD, "ư" in TCVN3, so catdoc is used.)"""
    with tempfile.TemporaryDirectory(prefix="deptnews-doc-") as tmp:
        path = Path(tmp) / "file.doc"
        path.write_bytes(data)
        out = run(
            ["catdoc", "-d", "utf-8", "-w", str(path)], timeout=_left(deadline), env=_catdoc_home(Path(tmp))
        )
    parts = out.decode("utf-8", "replace").split("\f")
    pages = [Page(n, t, "office") for n, t in enumerate(parts[: limits.max_pages], start=1)]
    pages, encoding = _legacy(pages)
    pages = [p for p in pages if p.text] or pages[:1]
    return Extracted(
        kind="doc", sha256=sha256_of(data), page_count=len(parts), pages=pages, encoding=encoding
    )


def extract_xls(data: bytes, limits: Limits, *, deadline: float) -> Extracted:
    """An Excel 97–2003 workbook's sheets with ``xls2csv`` (UTF-8), one page per sheet."""
    with tempfile.TemporaryDirectory(prefix="deptnews-xls-") as tmp:
        path = Path(tmp) / "file.xls"
        path.write_bytes(data)
        out = run(
            ["xls2csv", "-d", "utf-8", "-c", ",", "-q", "2", str(path)],
            timeout=_left(deadline),
            env=_catdoc_home(Path(tmp)),
        )
    sheets = out.decode("utf-8", "replace").split("\f")
    if sheets and not sheets[-1].strip():
        sheets.pop()
    pages: list[Page] = []
    for number, sheet in enumerate(sheets[: limits.max_pages], start=1):
        rows = ["\t".join(c for c in row if c.strip()) for row in csv.reader(io.StringIO(sheet))]
        pages.append(Page(number, "\n".join(r for r in rows if r), "office"))
    pages, encoding = _legacy(pages)
    return Extracted(
        kind="xls", sha256=sha256_of(data), page_count=len(sheets), pages=pages, encoding=encoding
    )


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise ExtractionError("timeout", "the time allowed for the file ran out")
    return left
