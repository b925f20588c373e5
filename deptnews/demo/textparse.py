"""Minimal HTML text extraction used to derive expected values from the demo content.

Deliberately independent of the project's real parser (standard library only), so the demo
fixtures cannot silently agree with a parser bug.
"""

from __future__ import annotations

from html.parser import HTMLParser


class _ParagraphCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._current: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "p":
            self._flush()
            self._current = []
        elif tag == "br" and self._current is not None:
            self._current.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "p":
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._current.append(data)

    def _flush(self) -> None:
        if self._current is not None:
            self.paragraphs.append("".join(self._current))
            self._current = None

    def close(self) -> None:
        super().close()
        self._flush()


def paragraph_texts(html: str) -> list[str]:
    """Raw text of every ``<p>`` element of ``html``, in order, entities decoded.

    Whitespace (including the non-breaking spaces editors use for indentation) is kept
    as is; callers normalise it if they want to.
    """
    collector = _ParagraphCollector()
    collector.feed(html)
    collector.close()
    return collector.paragraphs
