"""Checking a data home's archive against its invariants, read-only, and the few safe repairs.

* :mod:`archive.verify.warcs` reads every WARC file to its end, gzip member by gzip member, verifying
  block and payload digests, and maps where each capture starts;
* :mod:`archive.verify.records` checks every record file and that each version's capture is in its
  WARC file at the stated offset with the stated record id and digest;
* :mod:`archive.verify.ledger` checks the ingest ledger against the WARC files and the records, and that
  every article capture of an ingested file has its record;
* :mod:`archive.verify.repair` holds the repairs: quarantining unreadable record files, re-deriving
  records and ledger from the WARC files. Raw captures are never modified.

Every check reports :class:`Finding` objects; a finding is a *problem* (an invariant is broken) or a
*notice* (worth knowing, nothing is wrong: a WARC file not parsed yet, a crawl writing one).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Finding"]


@dataclass(frozen=True)
class Finding:
    """One thing a check found. ``code`` is stable (for scripts); ``subject`` names the file or record."""

    check: str
    code: str
    subject: str
    detail: str
    problem: bool = True
