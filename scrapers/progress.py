"""Crawl progress on a terminal: one status line on stderr, redrawn in place (no dependency needed).

The crawler reports to a :class:`Progress`; :class:`NullProgress` ignores everything (cron, pipes),
:class:`TerminalProgress` draws ``\\r``-redrawn lines, at most ``rate`` times a second.
:class:`CountProgress` is the same line for a step over a known number of items (``deptnews extract``).
"""

from __future__ import annotations

import shutil
import time
from typing import Protocol, TextIO

from scrapers.report import SourceReport


class Progress(Protocol):
    def update(self, source: str, report: SourceReport, url: str | None = None) -> None: ...

    def source_done(self, source: str, report: SourceReport) -> None: ...

    def close(self) -> None: ...


class NullProgress:
    """Reports nothing."""

    def update(self, source: str, report: SourceReport, url: str | None = None) -> None:
        pass

    def source_done(self, source: str, report: SourceReport) -> None:
        pass

    def close(self) -> None:
        pass


class StatusLine:
    """One line on a terminal stream, redrawn in place (``\\r``), cut to the terminal's width."""

    def __init__(self, stream: TextIO, *, rate: float = 10.0) -> None:
        self._stream = stream
        self._interval = 1.0 / rate
        self._last_draw = float("-inf")  # the first call always draws
        self._width = 0

    def due(self) -> bool:
        """Whether enough time passed since the last drawing (at most ``rate`` drawings a second)."""
        now = time.monotonic()
        if now - self._last_draw >= self._interval:
            self._last_draw = now
            return True
        return False

    def show(self, text: str) -> None:
        columns = shutil.get_terminal_size((100, 20)).columns
        text = text[: max(10, columns - 1)]
        pad = " " * max(0, self._width - len(text))
        self._stream.write("\r" + text + pad)
        self._stream.flush()
        self._width = len(text)

    def close(self) -> None:
        if self._width:
            self._stream.write("\r" + " " * self._width + "\r")
            self._stream.flush()
            self._width = 0


class CountProgress(StatusLine):
    """``[12/40 files] 3 failed · https://…``: progress of a step over a known number of items."""

    def __init__(self, stream: TextIO, what: str = "files", *, rate: float = 10.0) -> None:
        super().__init__(stream, rate=rate)
        self._what = what

    def line(self, done: int, total: int, detail: str = "") -> str:
        return f"[{done:,}/{total:,} {self._what}] {detail}".rstrip()

    def update(self, done: int, total: int, detail: str = "") -> None:
        if done >= total or self.due():
            self.show(self.line(done, total, detail))


class TerminalProgress(StatusLine):
    """``[2/14 sources] 1,234 fetched · 56 new · 3 failed · lso-skhcn: https://…``, redrawn in place."""

    def __init__(self, stream: TextIO, total_sources: int, *, rate: float = 10.0) -> None:
        super().__init__(stream, rate=rate)
        self._total = total_sources
        self._reports: dict[str, SourceReport] = {}
        self._done = 0

    def update(self, source: str, report: SourceReport, url: str | None = None) -> None:
        self._reports[source] = report
        if self.due():
            self._draw(f"{source}: {url}" if url else source)

    def source_done(self, source: str, report: SourceReport) -> None:
        self._reports[source] = report
        self._done += 1
        self._draw(f"{source} done")

    def line(self, detail: str) -> str:
        """The status line for the current totals (exposed for tests)."""
        fetched = sum(r.fetched for r in self._reports.values())
        new = sum(r.new for r in self._reports.values())
        failed = sum(r.failed for r in self._reports.values())
        counts = f"{fetched:,} fetched · {new:,} new · {failed:,} failed"
        return f"[{self._done}/{self._total} sources] {counts} · {detail}"

    def _draw(self, detail: str) -> None:
        self.show(self.line(detail))


class CountBar(StatusLine):
    """``indexing [#######-------------]  35% 3,500/10,000 records``, redrawn in place at most ``rate``
    times a second (for work counted in items: indexing, migrating); call it as ``bar(done, total)``."""

    def __init__(self, stream: TextIO, label: str, *, unit: str = "records", rate: float = 10.0) -> None:
        super().__init__(stream, rate=rate)
        self._label = label
        self._unit = unit

    def line(self, done: int, total: int) -> str:
        """The bar for ``done`` of ``total`` (exposed for tests)."""
        share = done / total if total else 1.0
        filled = int(share * 20)
        bar = "#" * filled + "-" * (20 - filled)
        return f"{self._label} [{bar}] {share:4.0%} {done:,}/{total:,} {self._unit}"

    def __call__(self, done: int, total: int) -> None:
        if done >= total or self.due():
            self.show(self.line(done, total))
