"""Hostile attachment files, made in code: encrypted PDF, PDF bombs, zip bomb named .docx, corrupt file."""

from __future__ import annotations

import io
import zipfile


def _pdf(objects: list[bytes]) -> bytes:
    """A PDF of these objects (1-based numbers in order), with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def page_bomb(pages: int = 20_000) -> bytes:
    """A PDF of ``pages`` empty pages (a few hundred kilobytes): what a bomb by page count looks like
    to a reader that would render or read every page."""
    kids = b" ".join(b"%d 0 R" % (3 + i) for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
    ]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"] * pages
    return _pdf(objects)


def shared_page_tree(levels: int = 7, fanout: int = 10) -> bytes:
    """A PDF of a few hundred bytes claiming ``fanout ** levels`` pages: each node of its page tree
    lists the same child node ``fanout`` times (a reader that follows the claim never ends)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    for level in range(levels):
        number = 2 + level
        parent = b"" if level == 0 else b" /Parent %d 0 R" % (number - 1)
        kids = b" ".join([b"%d 0 R" % (number + 1)] * fanout)
        count = fanout ** (levels - level)
        objects.append(b"<< /Type /Pages%s /Kids [%s] /Count %d >>" % (parent, kids, count))
    objects.append(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] >>" % (levels + 1))
    return _pdf(objects)


def encrypted_pdf() -> bytes:
    """A PDF that opens only with a user password (fpdf2's RC4 encryption)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_encryption(owner_password="chu-so-huu", user_password="mat-khau")
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 10, "Secret decision")
    return bytes(pdf.output())


def zip_bomb_docx(inflated_mb: int = 400) -> bytes:
    """A .docx-shaped zip whose ``word/document.xml`` inflates to ``inflated_mb`` MB of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            chunk = bytes(2**20)
            for _ in range(inflated_mb):
                part.write(chunk)
    return out.getvalue()


def corrupt_pdf() -> bytes:
    """A PDF cut off after its first kilobyte-ish (a broken download)."""
    from deptnews.demo.documents import decision_pdf

    return decision_pdf()[:900]
