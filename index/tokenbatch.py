"""Tokenizing many texts at once with numpy: the bulk build's tokenizer.

:func:`index.terms.tokens` scans one text with :data:`index.vietnamese.TOKEN_RE` and makes a Python
string per token (~0.25 µs a token; ~0.6 with the offsets, part ids and codes the bulk build then
derives from those strings one by one). :func:`tokenize_texts` gives the same tokens for a batch of
texts as integer ids into a :class:`TokenVocabulary`, with their offsets, making Python strings only
for spellings the vocabulary has not seen (~0.13 µs a token, everything included):

* the texts are joined with NULs between them (the scanner skips a NUL and no lookaround treats it as
  white space, so it behaves as a text's edge) and every code point is classified through a table
  made from the scanner's own character classes (word character, combining mark, clause punctuation,
  hyphen, white space, digit); a token is a maximal run of word characters and marks from its first
  word character, a clause boundary a punctuation character or a hyphen between white space: the
  scanner's rules for text without numbers;
* the scanner's number rules ("1.234,5", "1234/QĐ-UBND", "12/3/2020") differ from the run rule only
  where a digit is followed by ``. , / -`` and a word character: each such place's run of non-space
  characters is scanned again by the regex itself (``TOKEN_RE`` over that run: no match spans white
  space, and a lookbehind sees the characters before the run, so it finds what a scan of the whole
  text finds there);
* a token of at most :data:`PACKED_CHARS` characters that all have a one-byte code (ASCII letters and
  digits, Vietnamese letters in both cases, other Latin-1 letters) is named by an exact 48-bit key, its
  codes read as one integer; a batch's distinct keys come from one sort of ``key << 16 | place``
  (chunks of 65,536 tokens), several times faster than ``np.unique``'s argsort. Longer tokens and
  tokens with other characters are sliced as strings;
* a text that is not NFC goes through :func:`index.terms.tokens` whole (its tokens are NFC, its
  offsets those of the text as given); characters past the BMP are classified one by one.

Tested against :func:`index.terms.tokens` and :func:`index.vietnamese.tokenize` on generated,
handwritten and random text (tests/index/test_tokenbatch.py): same tokens, boundaries and offsets.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from index.terms import tokens
from index.vietnamese import BOUNDARY_CHARS, MARK_RANGES, TOKEN_RE

__all__ = ["PACKED_CHARS", "BatchTokens", "TokenBatch", "TokenVocabulary", "load_tables", "tokenize_texts"]

_WORD, _MARK, _PUNCT, _HYPHEN, _SPACE, _DIGIT, _SEPARATOR, _NUL = (1 << i for i in range(8))
_EDGE = _SPACE | _NUL
"""Where a run of non-space characters ends (white space, or the NUL at a text's edges)."""
PACKED_CHARS = 6
"""Longest token named by an integer key (a byte a character, 48 bits; the other 16 hold a token's
place while a batch's keys are sorted)."""
_UNPACKABLE = 255
"""The code of a word character or mark that has none of its own (a token holding it is sliced)."""
_CHUNK = 1 << 16
"""Tokens sorted together (their place in the chunk takes the key's low 16 bits)."""
_SEPARATORS = "/-.,"
"""What may follow a number's digits inside a number or a document number (see TOKEN_RE)."""
_VIETNAMESE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323\u0302\u0306\u031b")


class _Tables(NamedTuple):
    flags: NDArray[np.uint8]
    """Per BMP code point, its classes (``_WORD``, ``_MARK``, ... bits)."""
    code: NDArray[np.uint8]
    """Per BMP code point, its code in a packed key: 1-254, :data:`_UNPACKABLE`, or 0 for a
    character that is never part of a token."""
    chars: str
    """The character of each code (index 0 unused)."""


def _classes(text: str) -> list[int]:
    """The class bits of each character of ``text``, from the scanner's own patterns: a word
    character, a combining mark (when not a word character), clause punctuation, "-", white space, a
    decimal digit, a number separator, NUL."""
    found = [0] * len(text)
    patterns = (
        (re.compile(f"[{MARK_RANGES}]"), _MARK),
        (re.compile(r"[^\W_]"), _WORD),
        (re.compile(BOUNDARY_CHARS), _PUNCT),
        (re.compile(r"\s"), _SPACE),
        (re.compile(r"\d"), _DIGIT),
    )
    for pattern, bit in patterns:
        for m in pattern.finditer(text):
            i = m.start()
            found[i] = (found[i] & ~_MARK if bit == _WORD else found[i]) | bit
    for i, ch in enumerate(text):
        if ch == "-":
            found[i] |= _HYPHEN
        if ch in _SEPARATORS:
            found[i] |= _SEPARATOR
        if ch == "\0":
            found[i] |= _NUL
    return found


def _packable() -> list[str]:
    """The characters with a code of their own: ASCII letters and digits, Vietnamese letters (both
    cases), then other Latin-1 letters while codes last."""
    ascii_alnum = [chr(c) for c in range(128) if chr(c).isalnum()]
    vietnamese = [
        chr(c)
        for c in range(0x80, 0x2000)
        if (d := unicodedata.normalize("NFD", chr(c)))[0] in "aeiouyAEIOUY"
        and len(d) > 1
        and set(d[1:]) <= _VIETNAMESE_MARKS
    ]
    latin1 = [chr(c) for c in range(0xC0, 0x100) if chr(c).isalpha() and chr(c) not in vietnamese]
    return [*ascii_alnum, *vietnamese, "đ", "Đ", *latin1][: _UNPACKABLE - 1]


@cache
def _tables() -> _Tables:
    """The character tables of the BMP (about 0.1 s, once per process)."""
    size = 1 << 16
    flags = np.array(_classes("".join(map(chr, range(size)))), dtype=np.uint8)
    code = np.zeros(size, dtype=np.uint8)
    code[(flags & (_WORD | _MARK)) != 0] = _UNPACKABLE
    packable = _packable()
    code[[ord(c) for c in packable]] = np.arange(1, len(packable) + 1, dtype=np.uint8)
    return _Tables(flags, code, "\0" + "".join(packable))


def load_tables() -> None:
    """Build the character tables now (a process about to fork its workers does, so that they share
    them instead of each building its own)."""
    _tables()


class TokenVocabulary:
    """Token spellings and their ids (id 0 is "", a clause boundary), as :func:`tokenize_texts` numbers
    them. Ids are dense and stable for the vocabulary's lifetime; the caller bounds its size."""

    def __init__(self) -> None:
        self.spellings: list[str] = [""]
        self._ids: dict[str, int] = {"": 0}
        self._keys: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self.spellings)

    def id_of(self, spelling: str) -> int:
        """The id of a spelling, new or not."""
        found = self._ids.get(spelling)
        if found is None:
            found = self._ids[spelling] = len(self.spellings)
            self.spellings.append(spelling)
        return found

    def ids_of_keys(self, keys: list[int]) -> list[int]:
        """Ids of packed keys (distinct), learning unseen ones."""
        get = self._keys.get
        found: list[int | None] = list(map(get, keys))
        if None in found:
            chars = _tables().chars
            for i, key in enumerate(keys):
                if found[i] is None:
                    spelling = "".join(chars[b] for b in key.to_bytes(8, "little") if b)
                    found[i] = self._keys[key] = self.id_of(spelling)
        return found  # type: ignore[return-value]


class TokenBatch(NamedTuple):
    """The tokens of a batch of texts, text after text, in order."""

    ids: NDArray[np.int64]
    """Vocabulary id of each token; 0 for a clause boundary."""
    starts: NDArray[np.int64]
    """Offset of each token (or boundary) in its text; for a text that is not NFC, of its NFC token
    in the text as given."""
    ends: NDArray[np.int64]
    bounds: NDArray[np.int64]
    """Text ``i``'s tokens are ``[bounds[i], bounds[i + 1])``."""


def tokenize_texts(texts: list[str], vocabulary: TokenVocabulary) -> TokenBatch:
    """The tokens of ``texts``: for each text, ``[vocabulary.spellings[i] for i in ids]`` is
    :func:`index.terms.tokens` of it, and for an NFC text the starts and ends of its tokens are those
    :func:`index.vietnamese.tokenize` gives."""
    whole = [i for i, text in enumerate(texts) if not unicodedata.is_normalized("NFC", text)]
    scanned = list(texts)
    for i in whole:
        scanned[i] = "\0" * len(texts[i])  # the same length: offsets stay put
    # One string: a NUL before, between and after the texts (a NUL is skipped by the scanner and no
    # lookaround rule treats it as white space, so it acts as a text's edge), and more at the end so
    # that gathers a few characters past a token stay inside the array.
    joined = "\0" + "\0".join(scanned) + "\0" * (PACKED_CHARS + 1)
    cp = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    lengths = np.fromiter(map(len, scanned), dtype=np.int64, count=len(scanned))
    text_starts = np.empty(len(texts) + 1, dtype=np.int64)
    text_starts[0] = 1
    np.cumsum(lengths + 1, out=text_starts[1:])
    text_starts[1:] += 1

    t = _tables()
    bmp = int(cp.max()) <= 0xFFFF
    index = cp if bmp else np.minimum(cp, 0xFFFF)
    flags = t.flags.take(index)
    if not bmp:
        _astral(cp, flags)
    inside = (flags & _WORD) != 0
    if (flags & _MARK).any():
        inside = _with_marks(flags)
    # Runs alternate (the first and last characters are NULs): changes are start, end, start, ...
    changes = np.flatnonzero(inside[1:] != inside[:-1]) + 1
    starts, ends = changes[0::2], changes[1::2]
    marks = np.flatnonzero((flags & _PUNCT) != 0)
    hyphens = np.flatnonzero((flags & _HYPHEN) != 0)
    if len(hyphens):
        alone = hyphens[(flags[hyphens - 1] & flags[hyphens + 1] & _SPACE) != 0]
        if len(alone):  # not punctuation, so not among the marks: a merge, no duplicates to drop
            marks = np.sort(np.concatenate([marks, alone]))
    separators = np.flatnonzero((flags & _SEPARATOR) != 0)
    places = separators[((flags[separators - 1] & _DIGIT) != 0) & ((flags[separators + 1] & _WORD) != 0)]
    extra: list[tuple[int, int, int]] = []
    """Tokens and boundaries found by the regex: (start, end, id), 0 for a boundary."""
    if len(places):
        starts, ends, marks = _rescan(
            texts, text_starts, flags, places - 1, starts, ends, marks, vocabulary, extra
        )
    codes = t.code.take(index)
    if not bmp:  # a character past the BMP has no code of its own
        codes[(cp > 0xFFFF) & ((flags & (_WORD | _MARK)) != 0)] = _UNPACKABLE
    ids = _token_ids(joined, codes, starts, ends, vocabulary)
    del cp, index, flags, inside, codes
    for i in whole:
        _scan_whole(texts[i], int(text_starts[i]), vocabulary, extra)
    # Boundaries, then the regex's finds, put in their places among the tokens (all three sorted).
    at = np.searchsorted(starts, marks)
    pos, end, ids = (np.insert(a, at, b) for a, b in ((starts, marks), (ends, marks + 1), (ids, 0)))
    if extra:
        extra.sort()
        found = np.array(extra, dtype=np.int64)
        at = np.searchsorted(pos, found[:, 0])
        pos, end, ids = (np.insert(a, at, found[:, k]) for k, a in enumerate((pos, end, ids)))
    bounds = np.searchsorted(pos, text_starts)
    owner = np.repeat(text_starts[:-1], np.diff(bounds))
    return TokenBatch(ids, pos - owner, end - owner, bounds)


def _astral(cp: NDArray[np.uint32], flags: NDArray[np.uint8]) -> None:
    """Classify the characters past the BMP (the tables cover the BMP; these are rare)."""
    where = np.flatnonzero(cp > 0xFFFF)
    distinct, inverse = np.unique(cp[where], return_inverse=True)
    classes = _classes("".join(map(chr, distinct.tolist())))
    flags[where] = np.array(classes, dtype=np.uint8)[inverse]


def _with_marks(flags: NDArray[np.uint8]) -> NDArray[np.bool_]:
    """Where tokens are when marks occur: a mark belongs to a token only after a word character of
    the same run of word characters and marks."""
    word = (flags & _WORD).astype(np.bool_)
    run = (flags & (_WORD | _MARK)).astype(np.bool_)
    where = np.arange(len(flags))
    last_word = np.maximum.accumulate(np.where(word, where, -1))
    last_break = np.maximum.accumulate(np.where(run, -1, where))
    return run & (last_word > last_break)


def _rescan(
    texts: list[str],
    text_starts: NDArray[np.int64],
    flags: NDArray[np.uint8],
    places: NDArray[np.int64],
    starts: NDArray[np.int64],
    ends: NDArray[np.int64],
    marks: NDArray[np.int64],
    vocabulary: TokenVocabulary,
    extra: list[tuple[int, int, int]],
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Scan the runs of non-space characters holding ``places`` with the regex: drop the tokens and
    boundaries the tables found there, add what the regex finds to ``extra``."""
    edges = np.flatnonzero((flags & _EDGE) != 0)
    lo = np.unique(edges[np.searchsorted(edges, places) - 1] + 1)
    hi = edges[np.searchsorted(edges, lo)]

    def outside(found: NDArray[np.int64]) -> NDArray[np.bool_]:
        run = np.searchsorted(lo, found, side="right") - 1
        return ~((run >= 0) & (found < hi[np.maximum(run, 0)]))

    keep = outside(starts)
    starts, ends, marks = starts[keep], ends[keep], marks[outside(marks)]
    owners = np.searchsorted(text_starts, lo, side="right") - 1
    id_of = vocabulary.id_of
    for a, b, i in zip(lo.tolist(), hi.tolist(), owners.tolist(), strict=True):
        base = int(text_starts[i])
        for m in TOKEN_RE.finditer(texts[i], a - base, b - base):
            if m.lastindex is None:
                extra.append((base + m.end() - 1, base + m.end(), 0))
            else:
                s, e = m.span(1)
                extra.append((base + s, base + e, id_of(m.group(1))))
    return starts, ends, marks


def _scan_whole(text: str, base: int, vocabulary: TokenVocabulary, extra: list[tuple[int, int, int]]) -> None:
    """A text that is not NFC, through :func:`index.terms.tokens` (NFC tokens) and the regex's
    offsets in the text as given."""
    spans = [(m.end() - 1, m.end()) if m.lastindex is None else m.span(1) for m in TOKEN_RE.finditer(text)]
    for token, (s, e) in zip(tokens(text), spans, strict=True):
        extra.append((base + s, base + e, vocabulary.id_of(token)))


def _token_ids(
    joined: str,
    codes: NDArray[np.uint8],
    starts: NDArray[np.int64],
    ends: NDArray[np.int64],
    vocabulary: TokenVocabulary,
) -> NDArray[np.int64]:
    """Vocabulary ids of the tokens ``[starts, ends)`` of ``joined``, whose characters' codes are
    ``codes`` (padded with at least 7 zeros)."""
    ids = np.empty(len(starts), dtype=np.int64)
    if not len(starts):
        return ids
    lengths = ends - starts
    # A token's key: its first 8 codes read as one little-endian integer (an unaligned view of the
    # code bytes), cut to its length; a longer token, or one holding an unpackable character, is
    # sliced instead.
    words = np.ndarray((len(codes) - 7,), dtype="<u8", buffer=codes, strides=(1,))
    masks = np.array([(1 << (8 * n)) - 1 for n in range(PACKED_CHARS + 1)], dtype=np.uint64)
    short = lengths <= PACKED_CHARS
    keys = words[starts] & masks[np.where(short, lengths, 0)]
    odd = np.flatnonzero(codes == _UNPACKABLE)
    if len(odd):
        holder = np.searchsorted(starts, odd, side="right") - 1
        inside = (holder >= 0) & (odd < ends[holder])
        short[holder[inside]] = False
    fast = np.flatnonzero(short)
    keys = keys[fast]
    # Distinct keys with the place of each token among them: sorting key << 16 | place within chunks
    # of 2**16 tokens (a sort of plain integers, several times faster than an argsort).
    inverse = np.empty(len(fast), dtype=np.int64)
    distinct: list[NDArray[np.uint64]] = []
    offset = 0
    for lo in range(0, len(fast), _CHUNK):
        part = keys[lo : lo + _CHUNK]
        packed = np.sort((part << np.uint64(16)) | np.arange(len(part), dtype=np.uint64))
        sorted_keys = packed >> np.uint64(16)
        new = np.empty(len(part), dtype=np.bool_)
        new[:1] = True
        np.not_equal(sorted_keys[1:], sorted_keys[:-1], out=new[1:])
        inverse[lo + (packed & np.uint64(_CHUNK - 1)).astype(np.int64)] = np.cumsum(new) - 1 + offset
        distinct.append(sorted_keys[new])
        offset += len(distinct[-1])
    found = vocabulary.ids_of_keys(np.concatenate(distinct).tolist()) if distinct else []
    ids[fast] = np.array(found, dtype=np.int64)[inverse]
    slow = np.flatnonzero(~short)
    if len(slow):
        id_of = vocabulary.id_of
        ids[slow] = [
            id_of(joined[s:e]) for s, e in zip(starts[slow].tolist(), ends[slow].tolist(), strict=True)
        ]
    return ids


class BatchTokens:
    """The tokens of a batch of texts, looked up by text (:meth:`of`); texts not given up front are
    tokenized when asked for."""

    def __init__(self, texts: Iterable[str], vocabulary: TokenVocabulary) -> None:
        self.vocabulary = vocabulary
        self._where: dict[str, int] = {}
        for text in texts:
            self._where.setdefault(text, len(self._where))
        self._batch = tokenize_texts(list(self._where), vocabulary)

    def of(self, text: str) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
        """The ids, starts and ends of ``text``'s tokens (see :class:`TokenBatch`)."""
        i = self._where.get(text)
        if i is None:
            one = tokenize_texts([text], self.vocabulary)
            return one.ids, one.starts, one.ends
        lo, hi = self._batch.bounds[i], self._batch.bounds[i + 1]
        return self._batch.ids[lo:hi], self._batch.starts[lo:hi], self._batch.ends[lo:hi]
