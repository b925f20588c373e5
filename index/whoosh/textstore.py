"""The text store: what a hit needs from its page, kept beside the Whoosh index so no record is read.

A search hit's snippet used to read and validate the whole record JSON and tokenize its text again in
Python (about 1 ms per hit). The store keeps, for every document written to the index, keyed by its
``doc_hash`` (so an entry can never be taken for another version of the document):

* the page text snippets are cut from (:attr:`~index.schema.IndexDocument.page_text`), as UTF-8;
* the tokens of the title and of that text as ids into the part's vocabulary of token spellings (2 bytes
  each while the vocabulary has fewer than 65,536 spellings, else 4; what the proximity ranking and
  the snippet marks work on, with numpy);
* the tokens' offsets in the text: one byte per token, the gap since the previous token's end (a
  token's length is its spelling's), or, for a text that is not NFC or has a gap over 254 characters,
  explicit start and end offsets;
* whether the document has attachment text (only then does a snippet look at its attachments);
* the fields a hit shows (:data:`SUMMARY_FIELDS`: id, title, URL, publication time, source…), so a
  result page reads no Whoosh stored fields (a seek, a read, zlib and an unpickle per hit). Entries
  written before this carry none (no :data:`SUMMARY` flag); their hits read Whoosh's.

On disk: ``<generation>/texts/*.part``, each an append-only log of frames ``u32 length | u8 kind |
payload | u32 crc32(kind + payload)``. Kind ``V`` adds spellings to the part's vocabulary (UTF-8,
newline-separated: a token never holds a newline), kind ``D`` is a document entry (token ids are local
to its part; the summary, if any, is the payload's last part: a JSON array of strings). A bulk build
writes one part per writer process (:func:`part_name`) and seals it (:meth:`PartWriter.seal`): an ``I``
frame lists every entry's key and offset and the whole vocabulary, and a last ``T`` frame gives the
``I`` frame's offset, so a reader opens a part of 100,000 entries by reading those two frames instead of
every frame of the file. Incremental writes append to ``live.part``; entries are written before the
Whoosh commit that makes their documents visible, so a reader that sees a commit finds its entries. A
frame cut short by a crash is ignored by readers and cut off by the next writer (:class:`PartWriter`
checks the tail on opening). Entries of replaced documents stay until the next rebuild (they are never
looked up: the key is the hash of what is indexed).
"""

from __future__ import annotations

import json
import os
import struct
import unicodedata
import uuid
import zlib
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from numpy.typing import NDArray

from index.tokenbatch import BatchTokens, TokenVocabulary
from index.vietnamese import TOKEN_RE, tokenize

__all__ = [
    "DIRECTORY",
    "EXPLICIT",
    "HAS_FILES",
    "LIVE_PART",
    "SUMMARY",
    "SUMMARY_FIELDS",
    "DocHeader",
    "PartWriter",
    "frames",
    "hit_summary",
    "part_name",
    "store_directory",
    "summary_fields",
]

DIRECTORY = "texts"
LIVE_PART = "live.part"
"""The part incremental writes append to."""
SUFFIX = ".part"

FRAME = struct.Struct("<IB")  # payload length, kind
CRC = struct.Struct("<I")
DOC = struct.Struct("<16sBIII")  # doc_hash, flags, text bytes, title tokens, text tokens
ENTRY = struct.Struct("<16sQ")  # an I frame's entries: doc_hash, offset of the D frame's payload
TRAILER = struct.Struct("<Q")  # a T frame's payload: offset of the I frame
HAS_FILES = 1
EXPLICIT = 2
"""Offsets stored as explicit ``u32`` starts and ends (else one ``u8`` gap per token)."""
NARROW = 4
"""Token ids stored as ``u16`` (else ``u32``)."""
SUMMARY = 8
"""The entry ends with its hit summary (:data:`SUMMARY_FIELDS`)."""
SUMMARY_FIELDS = (
    "id",
    "title",
    "url",
    "published",
    "source",
    "department",
    "jurisdiction",
    "category",
    "author",
)
"""The index document's fields a hit shows, in the summary's order; ``published`` as ISO 8601 with its
offset, a missing field as ""."""
_OPTIONAL = ("published", "category", "author")
_MAX_GAP = 254
_MAX_FRAME = 1 << 30
_BUFFER = 1 << 20
"""Bytes a writer collects before it writes them out."""


def store_directory(generation: Path) -> Path:
    return generation / DIRECTORY


def part_name() -> str:
    """A fresh name for the part of one bulk writer process."""
    return f"b-{os.getpid()}-{uuid.uuid4().hex[:12]}{SUFFIX}"


@dataclass(frozen=True)
class DocHeader:
    doc_hash: bytes
    flags: int
    text_bytes: int
    title_tokens: int
    text_tokens: int


def frames(data: Any, start: int = 0) -> Iterator[tuple[int, int, int, int]]:
    """``(kind, payload start, payload end, frame end)`` of each complete, intact frame of ``data``
    (bytes or an mmap) from ``start``, stopping at the first that is cut short or damaged."""
    size = len(data)
    pos = start
    while pos + FRAME.size <= size:
        length, kind = FRAME.unpack_from(data, pos)
        body = pos + FRAME.size
        end = body + length + CRC.size
        if length > _MAX_FRAME or end > size:
            return
        (crc,) = CRC.unpack_from(data, body + length)
        if zlib.crc32(data[pos + 4 : body + length]) != crc:
            return
        yield kind, body, body + length, end
        pos = end


def _frame(kind: bytes, payload: bytes) -> bytes:
    head = FRAME.pack(len(payload), kind[0])
    return head + payload + CRC.pack(zlib.crc32(head[4:] + payload))


class PartWriter:
    """Appends entries to the part ``directory/name`` (created if missing). One writer per part at a
    time: bulk parts belong to one process, ``live.part`` to the holder of the index's write lock."""

    def __init__(self, directory: Path, name: str) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / name
        self._vocab: dict[str, int] = {}
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._new: list[str] = []
        self._keys: list[bytes] = []
        self._vocabulary: TokenVocabulary | None = None
        self._part_of = np.zeros(0, dtype=np.int64)
        """The part's id of each id of ``_vocabulary`` (-1: not looked up yet; see :meth:`batch_ids`)."""
        end = 0
        if self.path.exists():
            data = self.path.read_bytes()
            for kind, lo, hi, frame_end in frames(data):
                if kind == ord("V"):
                    for spelling in data[lo:hi].decode("utf-8").split("\n"):
                        self._vocab[spelling] = len(self._vocab)
                end = frame_end
        self._file: BinaryIO = open(self.path, "r+b" if self.path.exists() else "w+b")  # noqa: SIM115
        self._file.truncate(end)  # what a killed writer left half-written
        self._file.seek(end)
        self._end = end
        """Where the next frame starts."""

    def ids(self, tokens: list[str]) -> list[int]:
        """The part's ids of these spellings, adding new ones to the vocabulary."""
        vocab = self._vocab
        ids: list[int | None] = list(map(vocab.get, tokens))
        if None in ids:  # new spellings (the common case looks up in C)
            for i, spelling in enumerate(tokens):
                if ids[i] is None:
                    found = vocab.get(spelling)
                    if found is None:
                        found = vocab[spelling] = len(vocab)
                        self._new.append(spelling)
                    ids[i] = found
        return ids  # type: ignore[return-value]

    def batch_ids(self, ids: NDArray[np.int64], vocabulary: TokenVocabulary) -> NDArray[np.int64]:
        """:meth:`ids` of spellings given as ``vocabulary`` ids."""
        if self._vocabulary is not vocabulary:
            self._vocabulary, self._part_of = vocabulary, np.zeros(0, dtype=np.int64)
        if len(self._part_of) < len(vocabulary):
            grown = np.full(max(len(vocabulary), 2 * len(self._part_of)), -1, dtype=np.int64)
            grown[: len(self._part_of)] = self._part_of
            self._part_of = grown
        found = self._part_of[ids]
        unseen = np.flatnonzero(found < 0)
        if len(unseen):
            new = np.unique(ids[unseen])
            self._part_of[new] = self.ids([vocabulary.spellings[i] for i in new.tolist()])
            found = self._part_of[ids]
        return found

    def add(self, doc: dict[str, Any], tokens: BatchTokens | None = None) -> None:
        """Add the entry of an index document; nothing for one without ``page_text`` or ``doc_hash``.
        ``tokens``: the tokens of its title and page parts, from a batch."""
        text = getattr(doc, "page_text", None)
        doc_hash = doc.get("doc_hash")
        if text is None or not isinstance(doc_hash, bytes) or len(doc_hash) != 16:
            return
        spellings, entry = encode_entry(
            self,
            doc_hash,
            str(doc.get("title") or ""),
            text,
            bool(doc.get("files")),
            getattr(doc, "tokens_of", None),
            getattr(doc, "page_parts", ()),
            summary=hit_summary(doc),
            batch=tokens,
        )
        self._keys.append(ENTRY.pack(doc_hash, self._end + len(spellings) + FRAME.size))
        self._append(spellings + entry)

    def _append(self, frames: bytes) -> None:
        self._pending.append(frames)
        self._pending_bytes += len(frames)
        self._end += len(frames)
        if self._pending_bytes >= _BUFFER:
            self.flush()

    def flush(self, *, sync: bool = False) -> None:
        """Write what is pending (``sync``: and make it durable)."""
        if self._pending:
            self._file.write(b"".join(self._pending))
            self._pending, self._pending_bytes = [], 0
        self._file.flush()
        if sync:
            os.fsync(self._file.fileno())

    def seal(self) -> None:
        """Write the part's index (``I`` and ``T`` frames), then :meth:`close` it; for a part nothing
        will be appended to (a bulk part)."""
        start = self._end
        vocabulary = "\n".join(self._vocab).encode("utf-8")  # ids are insertion order
        self._append(_frame(b"I", struct.pack("<I", len(self._keys)) + b"".join(self._keys) + vocabulary))
        self._append(_frame(b"T", TRAILER.pack(start)))
        self.close()

    def close(self) -> None:
        """Write what is pending, durably, and close the part."""
        try:
            self.flush(sync=True)
        finally:
            self._file.close()

    def abandon(self) -> None:
        """Close without writing what is pending."""
        self._pending = []
        self._file.close()

    def vocabulary_frame(self) -> bytes:
        """The frame of the spellings added since the last call (b"" if none)."""
        if not self._new:
            return b""
        new, self._new = self._new, []
        return _frame(b"V", "\n".join(new).encode("utf-8"))


def _tokens(
    text: str, tokens_of: Callable[[str], list[str]] | None = None, parts: tuple[str, ...] = ()
) -> tuple[list[str], bytes]:
    """The tokens of ``text`` (as :func:`~index.vietnamese.tokenize` gives them) and their offsets: one
    gap byte per token, or, for a text that is not NFC or has a gap over :data:`_MAX_GAP`, explicit
    ``u32`` starts then ends (8 bytes per token: the caller tells the two apart by length).

    ``parts``: the texts ``text`` joins with newlines, whose tokens ``tokens_of`` gives (the index
    document's cache, shared with the index builder); a newline ends a clause, so they are the
    text's tokens."""
    if unicodedata.is_normalized("NFC", text):
        # The scanner's tokens in C; then each token's start by searching from the previous end (the
        # text between two tokens holds no word character, and a token starts with one).
        if tokens_of is not None and parts and "\n".join(parts) == text:
            tokens = [t for part in parts for t in tokens_of(part) if t]
        else:
            tokens = [t for t in TOKEN_RE.findall(text) if t]
        gaps = bytearray(len(tokens))
        find, pos = text.find, 0
        for i, token in enumerate(tokens):
            start = find(token, pos)
            if start - pos > _MAX_GAP:
                break
            gaps[i] = start - pos
            pos = start + len(token)
        else:
            return tokens, bytes(gaps)
    spans = list(tokenize(text))
    starts, ends = array("I", [t.start for t in spans]), array("I", [t.end for t in spans])
    return [t.text for t in spans], starts.tobytes() + ends.tobytes()


def hit_summary(doc: dict[str, Any]) -> list[str]:
    """The hit summary of an index document: its :data:`SUMMARY_FIELDS` as strings."""
    found: list[str] = []
    for name in SUMMARY_FIELDS:
        value = doc.get(name)
        found.append(
            "" if value is None else value.isoformat() if hasattr(value, "isoformat") else str(value)
        )
    return found


def summary_fields(values: list[str]) -> dict[str, Any]:
    """The fields of a hit summary (see :func:`hit_summary`) as Whoosh's stored fields give them: a
    missing ``published``, ``category`` or ``author`` is left out (:func:`index.schema.make_document`
    sets them only when there is one), ``published`` is a datetime. ValueError for a summary that does
    not have one string per :data:`SUMMARY_FIELDS` or a ``published`` that is not ISO 8601."""
    if len(values) != len(SUMMARY_FIELDS):
        raise ValueError(f"a hit summary has {len(SUMMARY_FIELDS)} fields, not {len(values)}")
    fields: dict[str, Any] = dict(zip(SUMMARY_FIELDS, values, strict=True))
    for name in _OPTIONAL:
        if not fields[name]:
            del fields[name]
    if "published" in fields:
        fields["published"] = datetime.fromisoformat(fields["published"])
    return fields


def encode_entry(
    writer: PartWriter,
    doc_hash: bytes,
    title: str,
    text: str,
    has_files: bool,
    tokens_of: Callable[[str], list[str]] | None = None,
    parts: tuple[str, ...] = (),
    *,
    summary: list[str] | None = None,
    batch: BatchTokens | None = None,
) -> tuple[bytes, bytes]:
    """The frames of one document: its new spellings (b"" if none) and its entry (``tokens_of`` and
    ``parts``: see :func:`_tokens`; ``summary``: its hit summary, see :func:`hit_summary`;
    ``batch``: the tokens of ``title`` and ``parts``, from a batch, used when ``parts`` make an NFC
    ``text``)."""
    ids: Any
    if batch is not None and parts and "\n".join(parts) == text and unicodedata.is_normalized("NFC", text):
        ntitle, ids, offsets = _batch_ids(writer, batch, title, parts)
    else:
        if tokens_of is not None and unicodedata.is_normalized("NFC", title):
            title_tokens = [t for t in tokens_of(title) if t]
        else:
            title_tokens = [t.text for t in tokenize(title)]
        tokens, offsets = _tokens(text, tokens_of, parts)
        ntitle, ids = len(title_tokens), writer.ids(title_tokens + tokens)
    flags = HAS_FILES if has_files else 0
    narrow = (max(ids, default=0) if isinstance(ids, list) else int(ids.max(initial=0))) < 1 << 16
    if narrow:
        flags |= NARROW
    if isinstance(ids, list):
        all_ids = array("H" if narrow else "I", ids).tobytes()
    else:
        all_ids = ids.astype(np.uint16 if narrow else np.uint32).tobytes()
    width = 2 if narrow else 4
    ntext = len(ids) - ntitle
    if len(offsets) != ntext:
        flags |= EXPLICIT
    tail = b""
    if summary is not None:
        flags |= SUMMARY
        tail = json.dumps(summary, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    raw = text.encode("utf-8")
    payload = b"".join(
        [
            DOC.pack(doc_hash, flags, len(raw), ntitle, ntext),
            raw,
            all_ids[: ntitle * width],
            all_ids[ntitle * width :],
            offsets,
            tail,
        ]
    )
    return writer.vocabulary_frame(), _frame(b"D", payload)


def _batch_ids(
    writer: PartWriter, batch: BatchTokens, title: str, parts: tuple[str, ...]
) -> tuple[int, NDArray[np.int64], bytes]:
    """The title's token count, the part's ids of the title's then the text's tokens, and the text's
    offsets (as :func:`_tokens` encodes them), from a batch's tokens of the title and of the parts
    the (NFC) text joins with newlines."""
    title_ids = batch.of(title)[0]
    pieces, starts, ends = [title_ids[title_ids != 0]], [], []
    offset = 0
    for part in parts:
        ids, lo, hi = batch.of(part)
        keep = ids != 0
        pieces.append(ids[keep])
        starts.append(lo[keep] + offset)
        ends.append(hi[keep] + offset)
        offset += len(part) + 1
    start, end = np.concatenate(starts), np.concatenate(ends)
    gaps = start - np.concatenate(([0], end[:-1]))
    if not len(gaps) or int(gaps.max()) <= _MAX_GAP:
        offsets = gaps.astype(np.uint8).tobytes()
    else:
        offsets = start.astype(np.uint32).tobytes() + end.astype(np.uint32).tobytes()
    return len(pieces[0]), writer.batch_ids(np.concatenate(pieces), batch.vocabulary), offsets
