"""Saving what a fetch returned: every exchange to WARC first, then its state row (in that order).

A response whose payload is identical to the URL's last stored capture becomes a WARC ``revisit`` record;
a 304 is recorded in the state only. When the next check of a URL is due depends on its kind and status
(:func:`next_due`), the same rule the WARC recovery applies to captures it finds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from archive.model import CaptureRef
from archive.warc import Exchange, RevisitOf, WarcWriter, payload_digest
from scrapers.fetch import FetchResult, header
from scrapers.state import CrawlState, UrlState, parse_stamp

GONE = frozenset({404, 410})
"""Statuses that say an article was removed; they are stored so the parser can set ``removed_at``."""


def stored_status(status: int) -> bool:
    """Whether a final response with this status is written to WARC (others are failures to retry)."""
    return 200 <= status < 400 or status in GONE


def next_due(kind: str, status: int, at: datetime, recheck_after: timedelta) -> datetime | None:
    """When a URL of ``kind`` answered ``status`` at ``at`` should be fetched again (None: only when
    discovery asks for it: listings, feeds and sitemaps are re-read every run; attachments never change;
    removed articles stay removed)."""
    if kind == "article" and (200 <= status < 300 or status == 304):
        return at + recheck_after
    return None


@dataclass(frozen=True)
class Saved:
    """The outcome of saving one fetch: the final URL's capture (None for a 304) and what it was."""

    url: str
    status: int
    ref: CaptureRef | None
    outcome: str  # new | updated | unchanged | removed | not-modified | other


class Recorder:
    """Writes fetch results to WARC and the crawl state; the only place that joins the two."""

    def __init__(self, writer: WarcWriter, state: CrawlState) -> None:
        self.writer = writer
        self.state = state

    def save(self, result: FetchResult, *, source: str, kind: str, recheck_after: timedelta) -> Saved:
        """Write every hop and the final response of ``result``; returns what the final one was."""
        final_url = result.final.url
        for hop in result.exchanges[:-1]:
            ref = self.writer.write_exchange(hop)
            self.state.fetched(
                hop.url,
                source=source,
                kind=kind,
                status=hop.status,
                digest=ref.payload_digest,
                warc_file=ref.warc_file,
                warc_offset=ref.offset,
                warc_record_id=ref.warc_record_id,
                captured_at=ref.captured_at,
                alias_of=final_url,
            )
        return self._save_final(result.final, source, kind, recheck_after)

    def _save_final(self, exchange: Exchange, source: str, kind: str, recheck_after: timedelta) -> Saved:
        previous = self.state.get(exchange.url)
        original = _revisit_target(previous, exchange)
        if original is not None:
            ref = self.writer.write_revisit(exchange, original)
        else:
            ref = self.writer.write_exchange(exchange)
        self.state.fetched(
            exchange.url,
            source=source,
            kind=kind,
            status=exchange.status,
            etag=header(exchange, "etag"),
            last_modified=header(exchange, "last-modified"),
            # A revisit points at its own record but keeps the original's identity for the next revisit.
            digest=ref.payload_digest,
            warc_file=ref.warc_file if original is None else None,
            warc_offset=ref.offset if original is None else None,
            warc_record_id=ref.warc_record_id if original is None else None,
            captured_at=ref.captured_at if original is None else None,
            next_due=next_due(kind, exchange.status, self.state.now(), recheck_after),
        )
        return Saved(exchange.url, exchange.status, ref, _outcome(previous, exchange.status, original))

    def not_modified(self, url: str, *, source: str, kind: str, recheck_after: timedelta) -> Saved:
        """A 304: the stored capture is still current; only the state learns of it."""
        now = self.state.now()
        self.state.fetched(
            url, source=source, kind=kind, status=304, next_due=next_due(kind, 304, now, recheck_after)
        )
        return Saved(url, 304, None, "not-modified")

    def unsaved(self, result: FetchResult, *, source: str, kind: str, recheck_after: timedelta) -> Saved:
        """A response fetched but not kept (its body was cut at a size limit): only the state learns of
        it, with no capture."""
        status = result.status
        self.state.fetched(
            result.url,
            source=source,
            kind=kind,
            status=status,
            next_due=next_due(kind, status, self.state.now(), recheck_after),
        )
        return Saved(result.url, status, None, "other")

    def alias(self, url: str, canonical: str, *, source: str, kind: str, saved: Saved) -> None:
        """``canonical`` (rel=canonical of the page at ``url``) is the same page: known, not fetched again."""
        if canonical == url or saved.ref is None:
            return
        known = self.state.get(canonical)
        if known is not None and known.warc_file is not None:
            return
        ref = saved.ref
        self.state.fetched(
            canonical,
            source=source,
            kind=kind,
            status=saved.status,
            digest=ref.payload_digest,
            warc_file=ref.warc_file,
            warc_offset=ref.offset,
            warc_record_id=ref.warc_record_id,
            captured_at=ref.captured_at,
            alias_of=url,
        )


def _revisit_target(previous: UrlState | None, exchange: Exchange) -> RevisitOf | None:
    if (
        previous is None
        or previous.alias_of is not None  # the capture is another URL's
        or previous.digest is None
        or previous.captured_at is None
        or previous.status not in (200, 304)
        or exchange.status != 200
        or payload_digest(exchange.body) != previous.digest
    ):
        return None
    return RevisitOf(
        url=previous.url,
        captured_at=parse_stamp(previous.captured_at),
        record_id=previous.warc_record_id,
        payload_digest=previous.digest,
    )


def _outcome(previous: UrlState | None, status: int, original: RevisitOf | None) -> str:
    had_capture = previous is not None and previous.warc_file is not None and previous.alias_of is None
    if status in GONE:
        return "removed" if had_capture else "other"
    if not 200 <= status < 300:
        return "other"
    if original is not None:
        return "unchanged"
    return "updated" if had_capture else "new"
