"""The dispatcher: which format a file is (by its magic bytes, the name as a hint), and its text."""

from __future__ import annotations

import io
import time
import zipfile

from archive.documents.limits import Limits
from archive.documents.office import extract_doc, extract_docx, extract_xls, extract_xlsx
from archive.documents.pdf import extract_pdf
from archive.documents.result import Extracted, ExtractionError

KINDS = ("pdf", "docx", "xlsx", "doc", "xls")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sniff(data: bytes, name: str = "") -> str | None:
    """``pdf``, ``docx``, ``xlsx``, ``doc`` or ``xls`` from the bytes (an OLE file is told apart by its
    streams, a zip file by its parts), or None when it is none of them."""
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return _by_name(name, ("docx", "xlsx"))
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        return _by_name(name, ("docx", "xlsx"))
    if data.startswith(_OLE):
        if "WordDocument".encode("utf-16-le") in data:
            return "doc"
        if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
            return "xls"
        return _by_name(name, ("doc", "xls"))
    return None


def _by_name(name: str, kinds: tuple[str, ...]) -> str | None:
    suffix = name.lower().rsplit(".", 1)[-1] if "." in name else ""
    return suffix if suffix in kinds else None


def extract(data: bytes, *, name: str = "", limits: Limits | None = None) -> Extracted:
    """The text of the file ``data`` (``name``: its file name, a hint for ambiguous bytes), within
    ``limits``' pages and seconds (memory is bounded by the worker process,
    :mod:`archive.documents.worker`); :class:`ExtractionError` with a reason when it cannot be read."""
    limits = limits or Limits()
    deadline = time.monotonic() + limits.seconds
    kind = sniff(data, name)
    if kind is None:
        raise ExtractionError("unsupported", "not a PDF, DOCX, XLSX, DOC or XLS file")
    if kind == "pdf":
        result = extract_pdf(data, limits, deadline=deadline)
    elif kind == "docx":
        result = extract_docx(data, limits)
    elif kind == "xlsx":
        result = extract_xlsx(data, limits)
    elif kind == "doc":
        result = extract_doc(data, limits, deadline=deadline)
    else:
        result = extract_xls(data, limits, deadline=deadline)
    if sum(len(p.text) for p in result.pages) > limits.max_chars:
        raise ExtractionError("too-much-text", f"more than {limits.max_chars:,} characters")
    return result
