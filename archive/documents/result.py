"""What extracting one file gives: its pages' text, how it was read, and why it could not be."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Literal

from archive.errors import ArchiveError

Method = Literal["text-layer", "ocr", "mixed", "office"]
"""How the text was read: a PDF's text layer, OCR of its rendered pages, both (some pages each), or an
office format's own structure (DOCX, XLSX, DOC, XLS)."""

EXTRACTOR_VERSION = "1.1.0"
"""Bump when extraction changes what it makes of a file: stored texts of older versions are redone.
1.1.0: DOCX split into pages (Word's rendered page breaks, else its hard page and section breaks)."""


class ExtractionError(ArchiveError):
    """A file whose text cannot be extracted; ``reason`` is a short stable code (``encrypted``,
    ``too-many-pages``, ``timeout``, ``memory``, ``zip-bomb``, ``corrupt``, ``unsupported``,
    ``tool-missing``), the message says more."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.detail = message


@dataclass(frozen=True)
class Page:
    """One page of a PDF or DOC, one sheet of a workbook, or the whole of a DOCX (``number`` 1)."""

    number: int
    text: str
    method: Literal["text-layer", "ocr", "office"]
    label: str | None = None
    """A sheet's name."""
    confidence: float | None = None
    """Tesseract's mean word confidence (0–100) for an OCR page."""


@dataclass(frozen=True)
class Extracted:
    """The text of one file: ``kind`` (``pdf``, ``docx``, ``xlsx``, ``doc``, ``xls``), its pages in order,
    ``page_count`` (the file's own count; may exceed ``len(pages)`` when limits cut it), ``sha256`` of
    the bytes, and ``encoding`` when a legacy Vietnamese encoding was converted (``tcvn3``, ``vni``)."""

    kind: str
    sha256: str
    page_count: int
    pages: list[Page] = field(default_factory=list)
    encoding: str | None = None
    version: str = EXTRACTOR_VERSION

    @property
    def method(self) -> Method:
        methods = {p.method for p in self.pages if p.text} or {p.method for p in self.pages} or {"office"}
        if len(methods) > 1:
            return "mixed"
        only = methods.pop()
        return "office" if only == "office" else "ocr" if only == "ocr" else "text-layer"

    @property
    def confidence(self) -> float | None:
        """Mean OCR confidence over the OCR pages, weighted by their text length (None without OCR)."""
        scored = [(p.confidence, len(p.text)) for p in self.pages if p.confidence is not None]
        total = sum(n for _, n in scored)
        if not scored:
            return None
        if not total:
            return round(sum(c for c, _ in scored) / len(scored), 1)
        return round(sum(c * n for c, n in scored) / total, 1)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "sha256": self.sha256,
            "page_count": self.page_count,
            "method": self.method,
            "confidence": self.confidence,
            "encoding": self.encoding,
            "version": self.version,
            "pages": [
                {
                    "number": p.number,
                    "label": p.label,
                    "method": p.method,
                    "confidence": p.confidence,
                    "text": p.text,
                }
                for p in self.pages
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Extracted:
        return cls(
            kind=str(data["kind"]),
            sha256=str(data["sha256"]),
            page_count=int(data["page_count"]),
            encoding=data.get("encoding"),
            version=str(data.get("version", "")),
            pages=[
                Page(
                    number=int(p["number"]),
                    text=str(p["text"]),
                    method=p["method"],
                    label=p.get("label"),
                    confidence=p.get("confidence"),
                )
                for p in data["pages"]
            ],
        )


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
