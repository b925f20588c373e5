"""OCR of one PDF page: rendered to a grey image by ``pdftoppm``, read by Tesseract in Vietnamese.

Tesseract's TSV output gives each word's confidence; a page's confidence is the mean over its words.
"""

from __future__ import annotations

import contextlib
import csv
import io
import tempfile
import time
from pathlib import Path

from archive.documents.limits import Limits
from archive.documents.result import ExtractionError
from archive.documents.tools import run

LANGUAGE = "vie"


def read_page(pdf: Path, number: int, limits: Limits, *, deadline: float) -> tuple[str, float | None]:
    """The text of page ``number`` of ``pdf`` and Tesseract's mean word confidence (None: no words)."""
    with tempfile.TemporaryDirectory(prefix="deptnews-ocr-", dir=pdf.parent) as tmp:
        base = Path(tmp) / "page"
        run(
            ["pdftoppm", "-r", str(limits.ocr_dpi), "-gray", "-png", "-singlefile",
             "-f", str(number), "-l", str(number), str(pdf), str(base)],
            timeout=_left(deadline),
        )  # fmt: skip
        return read_image(base.with_suffix(".png"), deadline=deadline)


def read_image(image: Path, *, deadline: float) -> tuple[str, float | None]:
    """The text of an image file and the mean confidence of its words."""
    out = run(
        ["tesseract", str(image), "stdout", "-l", LANGUAGE, "--psm", "3", "tsv"], timeout=_left(deadline)
    )
    return text_of_tsv(out.decode("utf-8", "replace"))


def text_of_tsv(tsv: str) -> tuple[str, float | None]:
    """Lines of words from Tesseract's TSV (level 5 rows, grouped by block, paragraph and line) and the
    mean confidence of the words."""
    lines: dict[tuple[str, str, str], list[str]] = {}
    confidences: list[float] = []
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        word = (row.get("text") or "").strip()
        if row.get("level") != "5" or not word:
            continue
        key = (row["block_num"], row["par_num"], row["line_num"])
        lines.setdefault(key, []).append(word)
        with contextlib.suppress(TypeError, ValueError):
            confidences.append(float(row["conf"]))
    text = "\n".join(" ".join(words) for words in lines.values())
    mean = round(sum(confidences) / len(confidences), 1) if confidences else None
    return text, mean


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise ExtractionError("timeout", "the time allowed for the file ran out")
    return left
