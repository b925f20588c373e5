"""Binary files served by the demo sites, generated in code (no binary blobs in the repo).

Both generators are deterministic, so a file's ETag is stable across runs.
"""

from __future__ import annotations

import struct
import zlib


def pdf_document(text: str) -> bytes:
    """A minimal valid one-page PDF 1.4 showing ``text`` (printable ASCII only).

    Non-ASCII characters are replaced by ``?`` because the standard Helvetica font has no
    Vietnamese glyphs; the PDF exists so that attachment links resolve to a real file.
    """
    safe = "".join(c if 32 <= ord(c) < 127 else "?" for c in text)
    safe = safe.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 12 Tf 56 780 Td ({safe}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    # Each xref entry is exactly 20 bytes, including the two-character line ending.
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def png_image(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A valid truecolour PNG of ``width`` x ``height`` pixels with a simple gradient."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter type "None" for every scanline
        shade = y * 64 // max(1, height - 1)
        for _ in range(width):
            rows += bytes(min(255, c + shade) for c in rgb)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )
