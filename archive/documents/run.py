"""The ``deptnews extract`` step: read the text of every archived attachment the records link to.

Resumable and incremental: what each attachment URL gave is kept in the ledger
(:meth:`~archive.ledger.Ledger.set_attachment_text`, committed per file) and the texts in
:class:`~archive.documents.store.TextStore` (by content hash, so a file is read once however many
articles link it). A run extracts the URLs never tried, those whose file changed or whose text an older
extractor made, and those that failed fewer than ``max_attempts`` times in a row; a run killed midway
loses at most the files being read. Files are read by up to ``workers`` bounded child processes
(:func:`~archive.documents.worker.extract_bounded`); a failure is recorded with its reason and never
stops the run.

Then :func:`archive.documents.link.link_records` updates the records in place (the command holds the
parse lock only for that short update, so parse and index are never blocked by OCR).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, as_completed, wait
from dataclasses import dataclass, field
from email.message import EmailMessage

from archive.cdxindex import CdxIndex
from archive.documents.limits import Limits
from archive.documents.locate import latest_capture
from archive.documents.result import EXTRACTOR_VERSION, Extracted, ExtractionError, sha256_of
from archive.documents.store import TextStore
from archive.documents.worker import extract_bounded
from archive.errors import ArchiveError
from archive.fileurls import file_names
from archive.home import DataHome
from archive.ledger import Ledger
from archive.model import Attachment, AttachmentText
from archive.parse.fields import doc_numbers
from archive.store import RecordStore

log = logging.getLogger(__name__)

_KINDS = frozenset({"pdf", "docx", "xlsx", "doc", "xls"})
MAX_ATTEMPTS = 3
"""A file that failed this many runs in a row is not tried again (until the extractor changes)."""


@dataclass
class ExtractStats:
    """What a run did: attachment URLs seen, files extracted, texts reused (same bytes), failures by
    reason, URLs not archived, URLs skipped after too many failures, records updated."""

    urls: int = 0
    extracted: int = 0
    reused: int = 0
    known: int = 0
    failed: Counter[str] = field(default_factory=Counter)
    not_archived: int = 0
    given_up: int = 0
    records_updated: int = 0
    pages: int = 0
    ocr_pages: int = 0


Report = Callable[[int, int, str], None]
"""Progress: (files done, files to do, the URL just done)."""


def summary(extracted: Extracted, path: str) -> AttachmentText:
    """The record-side summary of an extracted file stored at ``path``."""
    return AttachmentText(
        status="ok",
        sha256=extracted.sha256,
        path=path,
        kind=extracted.kind,
        method=extracted.method,
        pages=extracted.page_count,
        confidence=extracted.confidence,
        encoding=extracted.encoding,
        doc_numbers=doc_numbers([p.text for p in extracted.pages]),
        extractor_version=extracted.version,
    )


def failure(exc: ExtractionError, sha256: str | None) -> AttachmentText:
    return AttachmentText(
        status="failed",
        reason=exc.reason,
        detail=exc.detail[:500],
        sha256=sha256,
        extractor_version=EXTRACTOR_VERSION,
    )


def attachment_urls(store: RecordStore) -> dict[str, str]:
    """Every attachment URL the records link to, with a file name for it (first seen)."""
    found: dict[str, str] = {}
    for record in store:
        for attachment in record.attachments:
            found.setdefault(attachment.url, _name(attachment))
    return found


def _name(attachment: Attachment) -> str:
    """A file name for the link: one the URL holds (anywhere: Liferay's ``/documents/…/x.docx/<uuid>``),
    else the link's title."""
    for name in file_names(attachment.url):
        if name.rpartition(".")[2].lower() in _KINDS:
            return name
    return attachment.title or ""


def _served_name(headers: list[tuple[str, str]], fallback: str) -> str:
    """The file name the response gave (``Content-Disposition``, RFC 6266, ``filename*`` first), else
    ``fallback``: what a download handler's URL does not say, its response does."""
    value = next((v for k, v in headers if k.lower() == "content-disposition"), None)
    if value is None:
        return fallback
    message = EmailMessage()
    try:
        message["Content-Disposition"] = value
        name = message.get_filename()
    except (ValueError, TypeError, IndexError):
        return fallback
    return name.replace("\\", "/").rsplit("/", 1)[-1] if name else fallback


def _settled(ledger: Ledger, texts: TextStore, home: DataHome, url: str, retry: bool) -> str | None:
    """Why ``url`` needs no work this run (``known``, ``given-up``), None when it does."""
    state = ledger.attachment_text(url)
    if state is None:
        return None
    text, attempts = state
    if text.extractor_version != EXTRACTOR_VERSION:
        return None
    if text.status == "ok":
        return "known" if text.path and (home.root / text.path).is_file() else None
    if text.reason in ("not-archived", "tool-missing"):
        return None  # the crawl may have fetched it since; the tool may be installed now
    return "given-up" if not retry or attempts >= MAX_ATTEMPTS else None


def extract_attachments(
    home: DataHome,
    *,
    limits: Limits | None = None,
    workers: int = 1,
    retry: bool = True,
    report: Report | None = None,
) -> ExtractStats:
    """Extract what needs extracting (see the module's docstring) and record it in the ledger.
    Does not touch the records: :func:`link_records` does (under the parse lock). The caller holds the
    extract lock: files a killed run left half-written in the text store are removed first."""
    limits = limits or Limits()
    stats = ExtractStats()
    store = RecordStore(home.records_dir)
    texts = TextStore(home.texts_dir)
    workdir = texts.clear_partial()  # what a killed run left half-written: never read, made again
    cdx = CdxIndex(home.cdx_dir, home.warc_dir)
    home.records_dir.mkdir(parents=True, exist_ok=True)
    with Ledger.open(home.records_dir) as ledger:
        urls = attachment_urls(store)
        stats.urls = len(urls)
        todo: list[tuple[str, str]] = []
        for url, name in urls.items():
            settled = _settled(ledger, texts, home, url, retry)
            if settled == "known":
                stats.known += 1
            elif settled == "given-up":
                stats.given_up += 1
            else:
                todo.append((url, name))
        progress = _Progress(len(todo), report)
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            running: dict[Future[Extracted], tuple[str, str | None]] = {}
            for url, sha, name, result in _prepare(todo, cdx, home, texts, stats):
                if isinstance(result, AttachmentText):
                    ledger.set_attachment_text(url, result)
                    progress.done(url)
                    continue
                submitted = pool.submit(extract_bounded, result, name=name, limits=limits, workdir=workdir)
                running[submitted] = (url, sha)
                while len(running) >= 2 * max(1, workers):  # bounded: at most this many files in memory
                    finished, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in finished:
                        job = running.pop(future)
                        _finish(future, job, ledger, texts, stats)
                        progress.done(job[0])
            for future in as_completed(list(running)):
                job = running.pop(future)
                _finish(future, job, ledger, texts, stats)
                progress.done(job[0])
    return stats


class _Progress:
    def __init__(self, total: int, report: Report | None) -> None:
        self.total, self.count, self.report = total, 0, report

    def done(self, url: str) -> None:
        self.count += 1
        if self.report is not None:
            self.report(self.count, self.total, url)


def _finish(
    future: Future[Extracted],
    job: tuple[str, str | None],
    ledger: Ledger,
    texts: TextStore,
    stats: ExtractStats,
) -> None:
    url, sha = job
    try:
        extracted = future.result()
    except ExtractionError as exc:
        stats.failed[exc.reason] += 1
        log.warning("extract %s: %s", url, exc, extra={"event": "extract-failed"})
        ledger.set_attachment_text(url, failure(exc, sha))
        return
    stats.extracted += 1
    stats.pages += len(extracted.pages)
    stats.ocr_pages += sum(p.method == "ocr" for p in extracted.pages)
    ledger.set_attachment_text(url, summary(extracted, texts.put(extracted)))


def _prepare(
    todo: list[tuple[str, str]], cdx: CdxIndex, home: DataHome, texts: TextStore, stats: ExtractStats
) -> Iterator[tuple[str, str | None, str, AttachmentText | bytes]]:
    """Per URL to do: an :class:`AttachmentText` settled without a worker (not archived, unreadable,
    or a text already stored for the same bytes), or the bytes to extract with a file name for them
    (the response's, else the link's)."""
    for url, name in todo:
        try:
            capture = latest_capture(cdx.path, home.warc_dir, url)
        except ArchiveError as exc:
            stats.failed["unreadable"] += 1
            yield url, None, name, failure(ExtractionError("unreadable", str(exc)), None)
            continue
        if capture is None:
            stats.not_archived += 1
            yield (
                url,
                None,
                name,
                failure(ExtractionError("not-archived", "no successful capture in the archive"), None),
            )
            continue
        if capture.truncated:
            stats.failed["too-large"] += 1
            yield (
                url,
                None,
                name,
                failure(ExtractionError("too-large", "the archived file is too large to read"), None),
            )
            continue
        sha = sha256_of(capture.body)
        stored = texts.current(sha)
        if stored is not None:
            stats.reused += 1
            yield url, sha, name, summary(stored, texts.relative(sha))
            continue
        yield url, sha, _served_name(capture.headers, name), capture.body
