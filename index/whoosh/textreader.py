"""Reading the text store of one index generation (see :mod:`index.whoosh.textstore`).

A :class:`TextReader` maps each part file and follows it as writers append (:meth:`TextReader.refresh`,
called when the searcher's commit changes). It joins the parts' vocabularies into one: a spelling has
one global id, with its exact and folded forms indexed, so a query's words become sets of ids once and
every document's tokens are compared to them with numpy. Lookups never raise for a missing entry (the
caller falls back to the record); a part that cannot be read is skipped.
"""

from __future__ import annotations

import itertools
import json
import mmap
import os
import struct
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from index.vietnamese import exact_form, folded_form
from index.whoosh.textstore import (
    CRC,
    DOC,
    ENTRY,
    EXPLICIT,
    FRAME,
    HAS_FILES,
    NARROW,
    SUFFIX,
    SUMMARY,
    SUMMARY_FIELDS,
    TRAILER,
    frames,
    store_directory,
)

__all__ = ["StoredDoc", "TextReader", "Vocabulary"]

_U32 = np.dtype("<u4")
_U16 = np.dtype("<u2")


class Vocabulary:
    """Every spelling of every part, with a global id; grows as parts are read (under the reader's
    lock); read without it (appends only)."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.spellings: list[str] = []
        self.by_exact: dict[str, list[int]] = {}
        self.by_folded: dict[str, list[int]] = {}
        self._lengths = np.zeros(1024, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.spellings)

    @property
    def lengths(self) -> NDArray[np.int64]:
        """Characters of each spelling, by id (at least ``len(self)`` long)."""
        return self._lengths

    def add(self, spelling: str) -> int:
        found = self.ids.get(spelling)
        if found is not None:
            return found
        gid = len(self.spellings)
        if gid >= len(self._lengths):
            grown = np.zeros(2 * len(self._lengths), dtype=np.int64)
            grown[:gid] = self._lengths[:gid]
            self._lengths = grown
        self._lengths[gid] = len(spelling)
        self.by_exact.setdefault(exact_form(spelling), []).append(gid)
        self.by_folded.setdefault(folded_form(spelling), []).append(gid)
        self.spellings.append(spelling)
        self.ids[spelling] = gid
        return gid

    def exact(self, form: str) -> list[int]:
        """Ids of the spellings whose exact form is ``form``."""
        return self.by_exact.get(form, [])

    def folded(self, form: str) -> list[int]:
        """Ids of the spellings whose folded form is ``form``."""
        return self.by_folded.get(form, [])


@dataclass
class _Part:
    path: Path
    inode: int
    data: Any  # mmap.mmap or b""
    pos: int
    remap: NDArray[np.int64]
    """Part-local spelling id -> global id."""


@dataclass(frozen=True, slots=True)
class StoredDoc:
    """One entry: the page text, token ids (global) and the text's token offsets; and its hit summary
    (:data:`~index.whoosh.textstore.SUMMARY_FIELDS`; None for an entry written without one, or not
    asked for)."""

    text: str
    title_ids: NDArray[np.int64]
    ids: NDArray[np.int64]
    starts: NDArray[np.int64]
    ends: NDArray[np.int64]
    has_files: bool
    summary: list[str] | None = None


@dataclass(frozen=True, slots=True)
class _Head:
    """Where one requested entry's parts are (see :meth:`TextReader.get_many`)."""

    k: int
    """Its position in the request."""
    part: _Part
    flags: int
    pos: int
    """Where its UTF-8 text starts in the part."""
    text_bytes: int
    n_title: int
    n_text: int
    local: NDArray[Any]
    """Its part-local ids, the title's then the text's (``uint16`` or ``uint32``)."""

    @property
    def offsets_at(self) -> int:
        """Where its token offsets start in the part (after its text and ids)."""
        return self.pos + self.text_bytes + self.local.itemsize * len(self.local)

    def summary(self) -> list[str] | None:
        """Its hit summary (None if it has none, or one that cannot be read)."""
        if not self.flags & SUMMARY:
            return None
        data = self.part.data
        # The payload's length is in its frame's header, just before it (DOC starts the payload).
        length, _ = FRAME.unpack_from(data, self.pos - DOC.size - FRAME.size)
        at = self.offsets_at + self.n_text * (8 if self.flags & EXPLICIT else 1)
        try:
            found = json.loads(bytes(data[at : self.pos - DOC.size + length]))
        except ValueError:
            return None
        if not isinstance(found, list) or len(found) != len(SUMMARY_FIELDS):
            return None
        return found if all(isinstance(v, str) for v in found) else None


class TextReader:
    """The text store of the generation directory ``generation``."""

    def __init__(self, generation: Path) -> None:
        self.directory = store_directory(generation)
        self.vocabulary = Vocabulary()
        self._parts: dict[str, _Part] = {}
        self._entries: dict[bytes, tuple[_Part, int]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def refresh(self) -> None:
        """Read what writers appended since the last call (new parts, longer parts)."""
        with self._lock:
            try:
                names = sorted(n for n in os.listdir(self.directory) if n.endswith(SUFFIX))
            except OSError:
                return
            for name in names:
                try:
                    self._follow(name)
                except OSError:
                    continue

    def _follow(self, name: str) -> None:
        path = self.directory / name
        st = os.stat(path)
        part = self._parts.get(name)
        if part is not None and part.inode != st.st_ino:
            raise OSError(f"{path} was replaced")  # parts are only appended to
        if part is not None and st.st_size <= len(part.data):
            return
        if st.st_size == 0:
            return
        with open(path, "rb") as fh:
            data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        if part is None:
            part = self._parts[name] = _Part(path, st.st_ino, data, 0, np.zeros(0, dtype=np.int64))
            if self._sealed(part):
                return
        else:
            part.data = data  # earlier maps stay valid for entries already handed out
        vocabulary = self.vocabulary
        for kind, lo, hi, end in frames(data, part.pos):
            if kind == ord("V"):
                added = [vocabulary.add(s) for s in bytes(data[lo:hi]).decode("utf-8").split("\n")]
                part.remap = np.concatenate([part.remap, np.array(added, dtype=np.int64)])
            elif kind == ord("D"):
                self._entries[bytes(data[lo : lo + 16])] = (part, lo)
            part.pos = end

    def _sealed(self, part: _Part) -> bool:
        """Read a sealed part from its index frame (see :meth:`PartWriter.seal`); False if it has none."""
        data = part.data
        tail = len(data) - (FRAME.size + TRAILER.size + CRC.size)
        if tail < 0:
            return False
        last = list(frames(data, tail))
        if len(last) != 1 or last[0][0] != ord("T") or last[0][3] != len(data):
            return False
        (start,) = TRAILER.unpack_from(data, last[0][1])
        found = list(itertools.islice(frames(data, start), 1))
        if not found or found[0][0] != ord("I") or found[0][3] != tail:
            return False
        _, lo, hi, _ = found[0]
        (count,) = struct.unpack_from("<I", data, lo)
        table = lo + 4
        words = bytes(data[table + count * ENTRY.size : hi]).decode("utf-8")
        spellings = words.split("\n") if words else []
        part.remap = np.array([self.vocabulary.add(s) for s in spellings], dtype=np.int64)
        entries = self._entries
        for doc_hash, offset in ENTRY.iter_unpack(data[table : table + count * ENTRY.size]):
            entries[doc_hash] = (part, offset)
        part.pos = len(data)
        return True

    def get(self, doc_hash: bytes, *, text: bool = True) -> StoredDoc | None:
        """The entry of the document indexed with ``doc_hash`` (None if the store has none);
        ``text=False`` leaves the text and offsets out (for ranking)."""
        return self.get_many([doc_hash], text=text)[0]

    def get_many(
        self, doc_hashes: Sequence[bytes | None], *, text: bool = True, summary: bool = False
    ) -> list[StoredDoc | None]:
        """:meth:`get` of each of ``doc_hashes`` (None for ``None`` or a hash without an entry), with
        their hit summaries if ``summary``.

        The entries' global token ids and offsets are computed together (one id look-up per part,
        one cumulative sum for all offsets): a page's twenty entries cost a few numpy calls instead
        of a dozen each. The arrays handed out are views of shared ones; nothing writes to them."""
        found: list[StoredDoc | None] = [None] * len(doc_hashes)
        heads: list[_Head] = []
        entries = self._entries
        for k, doc_hash in enumerate(doc_hashes):
            entry = entries.get(doc_hash) if doc_hash is not None else None
            if entry is None:
                continue
            part, lo = entry
            data = part.data
            _, flags, text_bytes, n_title, n_text = DOC.unpack_from(data, lo)
            pos = lo + DOC.size
            width = _U16 if flags & NARROW else _U32
            ids_at = pos + text_bytes
            local = np.frombuffer(data, dtype=width, count=n_title + n_text, offset=ids_at)  # title's, text's
            heads.append(_Head(k, part, flags, pos, text_bytes, n_title, n_text, local))
        if not heads:
            return found
        ids = self._global_ids(heads)
        starts, ends = self._offsets(heads, ids) if text else ({}, {})
        empty = np.zeros(0, dtype=np.int64)
        for head in heads:
            title_ids = ids[head.k][: head.n_title]
            data = head.part.data
            found[head.k] = StoredDoc(
                text=bytes(data[head.pos : head.pos + head.text_bytes]).decode("utf-8") if text else "",
                title_ids=title_ids,
                ids=ids[head.k][head.n_title :],
                starts=starts.get(head.k, empty),
                ends=ends.get(head.k, empty),
                has_files=bool(head.flags & HAS_FILES),
                summary=head.summary() if summary else None,
            )
        return found

    @staticmethod
    def _global_ids(heads: list[_Head]) -> dict[int, NDArray[np.int64]]:
        """Each entry's global ids (title's then text's), by its position in the request."""
        groups: dict[int, list[_Head]] = {}
        for head in heads:
            groups.setdefault(id(head.part), []).append(head)
        ids: dict[int, NDArray[np.int64]] = {}
        for members in groups.values():
            local = np.concatenate([head.local for head in members])
            gathered = members[0].part.remap[local]
            at = 0
            for head in members:
                ids[head.k] = gathered[at : at + len(head.local)]
                at += len(head.local)
        return ids

    def _offsets(
        self, heads: list[_Head], ids: dict[int, NDArray[np.int64]]
    ) -> tuple[dict[int, NDArray[np.int64]], dict[int, NDArray[np.int64]]]:
        """Each entry's token starts and ends in its text (entries without tokens have none)."""
        starts: dict[int, NDArray[np.int64]] = {}
        ends: dict[int, NDArray[np.int64]] = {}
        gapped: list[_Head] = []
        for head in heads:
            if not head.n_text:
                continue
            if head.flags & EXPLICIT:
                data, n, at = head.part.data, head.n_text, head.offsets_at
                starts[head.k] = np.frombuffer(data, dtype=_U32, count=n, offset=at).astype(np.int64)
                ends[head.k] = np.frombuffer(data, dtype=_U32, count=n, offset=at + 4 * n).astype(np.int64)
            else:
                gapped.append(head)
        if gapped:
            # Each token ends where the one before it ends plus its gap and its length: one sum over
            # the entries laid end to end, less the sum where each entry begins.
            gaps = np.concatenate(
                [
                    np.frombuffer(h.part.data, dtype=np.uint8, count=h.n_text, offset=h.offsets_at)
                    for h in gapped
                ]
            )
            lengths = self.vocabulary.lengths[np.concatenate([ids[h.k][h.n_title :] for h in gapped])]
            sizes = np.array([h.n_text for h in gapped], dtype=np.int64)
            total = np.cumsum(gaps + lengths)
            firsts = np.cumsum(sizes) - sizes
            before = np.concatenate(([0], total))[firsts]
            all_ends = total - np.repeat(before, sizes)
            all_starts = all_ends - lengths
            for head, first, size in zip(gapped, firsts.tolist(), sizes.tolist(), strict=True):
                starts[head.k] = all_starts[first : first + size]
                ends[head.k] = all_ends[first : first + size]
        return starts, ends

    def close(self) -> None:
        with self._lock:
            self._parts.clear()
            self._entries.clear()
