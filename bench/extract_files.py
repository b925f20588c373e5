"""Attachment extraction speed and OCR accuracy, on the demo's generated files (run by hand).

    .venv/bin/python bench/extract_files.py [--repeat N] [--dpi D]

Prints pages/s of the text-layer PDF (poppler's pdftotext, and pypdf when installed, for the
comparison behind the choice of poppler), pages/s of OCR (pdftoppm + Tesseract ``vie``) on the scanned
decree, and OCR character accuracy against the decree's source text: all characters, and the characters
with diacritics (the target is at least 97 %).
"""

from __future__ import annotations

import argparse
import difflib
import io
import time
import unicodedata

from archive.documents.extract import extract
from archive.documents.limits import Limits
from deptnews.demo import documents as demo


def _accuracy(expected: str, got: str) -> tuple[float, float]:
    """Share of the expected characters found in place (difflib alignment), overall and for those
    carrying a diacritic (any letter outside ASCII)."""
    want = unicodedata.normalize("NFC", " ".join(expected.split()))
    have = unicodedata.normalize("NFC", " ".join(got.split()))
    matched = [False] * len(want)
    for block in difflib.SequenceMatcher(None, want, have, autojunk=False).get_matching_blocks():
        for i in range(block.a, block.a + block.size):
            matched[i] = True
    marked = [i for i, c in enumerate(want) if c.isalpha() and not c.isascii()]
    overall = sum(matched) / len(want)
    diacritics = sum(matched[i] for i in marked) / len(marked)
    return overall, diacritics


def _long_pdf(pages: int) -> bytes:
    """The demo decision's text repeated over ``pages`` pages (a long plan or report)."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_font("dejavu", "", str(demo.font_path()))
    pdf.set_font("dejavu", size=11)
    lines = [line for page in demo.DECISION_PAGES for line in page] * 2
    for _ in range(pages):
        pdf.add_page()
        for line in lines:
            pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=20, help="text-layer runs (default 20)")
    parser.add_argument("--dpi", type=int, default=200, help="OCR rendering resolution (default 200)")
    parser.add_argument("--pages", type=int, default=100, help="pages of the text-layer PDF (default 100)")
    args = parser.parse_args()

    text_pdf = demo.decision_pdf() if args.pages <= 2 else _long_pdf(args.pages)
    started = time.perf_counter()
    for _ in range(args.repeat):
        pages = len(extract(text_pdf).pages)
    elapsed = time.perf_counter() - started
    print(
        f"text layer, pdftotext: {pages * args.repeat / elapsed:.1f} pages/s ({args.repeat} x {pages} pages)"
    )
    try:
        import pypdf  # type: ignore[import-not-found]

        started = time.perf_counter()
        for _ in range(args.repeat):
            reader = pypdf.PdfReader(io.BytesIO(text_pdf))
            sample = [p.extract_text() for p in reader.pages]
        elapsed = time.perf_counter() - started
        print(f"text layer, pypdf {pypdf.__version__}: {len(sample) * args.repeat / elapsed:.1f} pages/s")
        print(f"  pypdf page 1 starts: {sample[0][:60]!r}")
    except ImportError:
        print("text layer, pypdf: not installed (pip install pypdf to compare)")

    scanned = demo.scanned_decision_pdf()
    started = time.perf_counter()
    found = extract(scanned, limits=Limits(ocr_dpi=args.dpi))
    elapsed = time.perf_counter() - started
    print(f"OCR at {args.dpi} dpi: {len(found.pages) / elapsed:.2f} pages/s, confidence {found.confidence}")
    overall, marked = _accuracy("\n".join(demo.SCANNED_LINES), found.pages[0].text)
    print(f"OCR character accuracy: {overall:.2%} of all characters, {marked:.2%} of those with diacritics")


if __name__ == "__main__":
    main()
