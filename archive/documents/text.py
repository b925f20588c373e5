"""Extracted text cleaned like page text, line by line (kept: a decision's articles, a list's rows)."""

from __future__ import annotations

from archive.parse.text import clean_text


def clean_lines(text: str) -> str:
    """Each line of ``text`` through :func:`~archive.parse.text.clean_text` (NFC, lookalikes fixed,
    invisible characters dropped, spaces collapsed); empty lines dropped."""
    lines = (clean_text(line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line)
