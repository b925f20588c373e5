"""The bounds every extraction runs under."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """``max_pages``: pages (sheets) read per file, the rest ignored (a file claiming more than
    ``refuse_pages`` is refused as a PDF bomb); ``ocr_pages``: pages read by OCR per file;
    ``seconds``: wall-clock time per file; ``memory_mb``: address space of the worker process (and of
    each tool it runs); ``unzipped_mb``: total uncompressed size of an office file's parts (a zip bomb
    is refused before anything is inflated); ``ocr_dpi``: resolution pages are rendered at for OCR."""

    max_pages: int = 500
    refuse_pages: int = 5000
    ocr_pages: int = 50
    seconds: float = 300.0
    memory_mb: int = 1536
    unzipped_mb: int = 200
    ocr_dpi: int = 200
    max_chars: int = 5_000_000
