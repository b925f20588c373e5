"""Make the demo's two legacy office files once: ``content/files/ke-hoach-tcvn3.doc`` (a Word 97 file
whose text is TCVN3-encoded, as an office typing with the ``.VnTime`` font saved it) and
``content/files/danh-sach-vni.xls`` (an Excel 97 workbook typed in VNI), what
:mod:`archive.documents.legacy` converts.

No well-kept pure-Python writer of the Word 97 or Excel 97 binary formats exists, so the files are
converted by LibreOffice (Debian's ``libreoffice-writer-nogui`` and ``libreoffice-calc-nogui``; AbiWord
3 writes RTF under a .doc name) and committed (a few kilobytes each); the demo serves the committed
bytes. Run again only to change the text:
``python -m deptnews.demo.make_legacy_files`` (with LibreOffice installed).
"""

from __future__ import annotations

import html
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl

from archive.documents.legacy import encode
from deptnews.demo.documents import LEGACY_DOC, LEGACY_LINES, LEGACY_ROWS, LEGACY_XLS


def _convert(source: Path, target: Path, filter_name: str, tmp: str) -> None:
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp}/profile", "--headless",
         "--convert-to", f"{target.suffix[1:]}:{filter_name}", "--outdir", tmp, str(source)],
        check=True,
        timeout=300,
    )  # fmt: skip


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        body = "".join(f"<p>{html.escape(encode(line, 'tcvn3'))}</p>" for line in LEGACY_LINES)
        page = Path(tmp) / "ke-hoach.html"
        page.write_text(f'<html><head><meta charset="utf-8"></head><body>{body}</body></html>', "utf-8")
        _convert(page, Path(tmp) / "ke-hoach.doc", "MS Word 97", tmp)
        LEGACY_DOC.write_bytes((Path(tmp) / "ke-hoach.doc").read_bytes())
        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        for row in LEGACY_ROWS:
            sheet.append([encode(cell, "vni") for cell in row])
        book.save(Path(tmp) / "danh-sach.xlsx")
        _convert(Path(tmp) / "danh-sach.xlsx", Path(tmp) / "danh-sach.xls", "MS Excel 97", tmp)
        LEGACY_XLS.write_bytes((Path(tmp) / "danh-sach.xls").read_bytes())
    for path in (LEGACY_DOC, LEGACY_XLS):
        print(f"wrote {path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
