"""Pure Vietnamese text functions for the search index (no Whoosh here).

Vocabulary used throughout:

* *syllable*: Vietnamese is written one syllable per space-separated unit
  ("Hội nghị giao ban" is four syllables).  The index works on syllables and
  adjacent-syllable bigrams, never on dictionary words.
* *tone mark*: grave (U+0300), acute (U+0301), tilde (U+0303), hook above
  (U+0309), dot below (U+0323).  Exactly one per syllable at most.
* *vowel-quality mark*: circumflex (U+0302), breve (U+0306), horn (U+031B),
  which turn a/e/o/u into â ă ê ô ơ ư.  These change the vowel, not the tone.

Two index forms are derived from every token:

* :func:`exact_form`: lowercase, NFC, with the tone mark moved to one canonical
  vowel (:func:`normalize_tone`), so the two spelling conventions "hòa" and
  "hoà" index as the same term;
* :func:`folded_form`: lowercase with every mark removed and đ -> d
  (:func:`fold`), so "hoi nghi" typed without marks finds "Hội nghị".

Everything here is pure and cached per syllable: the hot path for an ASCII
token is one ``str.isascii`` and one ``str.lower``; non-ASCII tokens hit an
``lru_cache`` (the Vietnamese syllable inventory is only ~7,000 forms).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from typing import NamedTuple

__all__ = [
    "BOUNDARY_CHARS",
    "MARK_RANGES",
    "TOKEN_RE",
    "Token",
    "exact_form",
    "fold",
    "folded_form",
    "has_marks",
    "nfc",
    "normalize_tone",
    "tokenize",
]


# --- Character classes -------------------------------------------------------

# Combining-mark blocks.  Python's ``\w`` does not match combining marks
# (category Mn), so decomposed text ("ho" + U+0300 + "a") would otherwise be cut
# in the middle of a syllable.
MARK_RANGES = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"

_GRAVE, _ACUTE, _TILDE, _HOOK, _DOT = "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"
_TONE_MARKS = _GRAVE + _ACUTE + _TILDE + _HOOK + _DOT

# Vowels that carry a quality mark; when present they always take the tone.
_MARKED_VOWELS = frozenset("ăâêôơư")

# Characters that look like "Đ"/"đ" (U+0110/U+0111) and show up in text that
# went through legacy-encoding converters: Icelandic eth and African D.
_D_LOOKALIKES_LOWER = "ðɖ"
_D_LOOKALIKES_UPPER = "ÐƉ"

# Dash variants that appear inside document numbers ("1234/QĐ–UBND").  They
# are canonicalised to "-" in both index forms so the term does not depend on
# the author's keyboard.
_DASHES = "\u2010\u2011\u2012\u2013\u2212"

# --- Tokenizer regex ---------------------------------------------------------

_UPPER = "A-ZĐÐ"
_CODE_CHAR = "A-Za-zĐđÐð0-9"
# One part of an issuing-body code, e.g. "QĐ", "UBND", "TTg", "QH14".
_CODE_PART = f"[{_UPPER}][{_CODE_CHAR}]*+"
# The first part needs two capitals ("QĐ", "NQ") unless another part follows
# ("L-CTN"): this keeps "5/Nam" from being read as a document number.
_CODE_FIRST = f"[{_UPPER}](?:[{_UPPER}][{_CODE_CHAR}]*+|(?=[-/{_DASHES}][{_UPPER}]))"
_WORD_CHAR = rf"[^\W_]|[{MARK_RANGES}]"

_DOC_NUMBER = (
    # number, optional "/year", then "/" (or "-" as in "18-NQ/TW") and the code
    rf"\d++(?:/\d++)?+[/-]{_CODE_FIRST}"
    # further parts; backtracking over this group is allowed so that
    # "1234/QĐ-UBND-Hà" still yields "1234/QĐ-UBND"
    rf"(?:[-/{_DASHES}]{_CODE_PART})*"
    # and it must end where the word ends: "5/KHởi" is no document number
    rf"(?!{_WORD_CHAR})"
)
# "1.234.567", "3,5": digits with internal separators.  A trailing "." or ","
# is punctuation, not part of the number (the group needs a digit after it).
_NUMBER = r"\d++(?:[.,]\d++)++"
# A run of letters and digits; combining marks may follow any letter.
# (Unrolled so the common no-mark case is a single character-class run.)
_SYLLABLE = rf"[^\W_]++(?:[{MARK_RANGES}]++[^\W_]*+)*+"

# Clause boundaries: sentence and clause punctuation, brackets, quotes, line
# breaks, en/em dashes, and a hyphen standing alone between spaces
# ("Hà Nội - Hải Phòng" in headlines).  Bigrams never span these.
BOUNDARY_CHARS = r"[.,;:!?()\[\]{}\n\r\u2028\u2029\u2026\"\u201c\u201d\u00ab\u00bb\u2013\u2014|\u2022\u00b7]"
"""The characters that end a clause wherever they stand (a character class)."""
_BOUNDARY = rf"{BOUNDARY_CHARS}|(?<=\s)-(?=\s)"

TOKEN_RE = re.compile(rf" ?+(?:((?=\d)(?:{_DOC_NUMBER}|{_NUMBER})|{_SYLLABLE})|{_BOUNDARY})")
"""The tokenizer's scanner, shared with :mod:`index.analysis`.

Each match is either a token (group 1 is set; ``m.lastindex == 1``) or a clause
boundary (no group set; ``m.lastindex is None``).  Everything else (spaces,
"/", "-" inside a word, "_", "'", stray marks, symbols) is skipped silently:
it separates tokens but does not break a clause.  Use the group's span
(``m.span(1)``), not the match's: a match may begin with the space before
its token.

The pattern finds what ``({_DOC_NUMBER}|{_NUMBER}|{_SYLLABLE})|{_BOUNDARY}``
finds (tested), about a quarter faster: a match may take one space before
its token, so the scanner does not fail and restart on the space that
precedes most words, and a number's alternatives are tried only at a digit.
At most one space is taken: a longer run of skipped characters, if nothing
matched after it, would be scanned again from each of its positions.
"""


class Token(NamedTuple):
    """One token: NFC text plus ``[start, end)`` offsets into the input string."""

    text: str
    start: int
    end: int


def nfc(text: str) -> str:
    """Return ``text`` in Unicode normalization form C (composed)."""
    return unicodedata.normalize("NFC", text)


def tokenize(text: str) -> Iterator[Token]:
    """Split ``text`` into syllable tokens.

    A token is, first match wins at each position:

    * an official document number, kept whole and as written:
      "1234/QĐ-UBND", "15/2020/NĐ-CP", "01/2025/TT-BKHCN", "18-NQ/TW",
      "12/2019/L-CTN" (digits, optional "/year", "/" or "-", then an
      issuing-body code of capital-led parts joined by "-" or "/", ending at a
      word boundary);
    * a number with internal "." or "," separators, kept whole: "1.234.567",
      "3,5";
    * otherwise a maximal run of letters, digits and combining marks:
      "Hội", "ở", "2010", "H5N1", "10km".

    Dates such as "05/7/2010" are split into "05", "7", "2010" (adjacent, so a
    phrase query still matches them and a search for "2010" finds them).

    Offsets are into ``text`` exactly as passed.  Input may be NFC or
    decomposed: token text is always NFC (normalized per token, so offsets stay
    valid for the original string and can be used for highlighting).  Clause
    punctuation is not reported here; see :data:`TOKEN_RE` and the Whoosh
    tokenizer in :mod:`index.analysis` for that.
    """
    composed = unicodedata.is_normalized("NFC", text)
    for m in TOKEN_RE.finditer(text):
        if m.lastindex is None:
            continue
        word = m.group(1)
        if not composed:
            word = unicodedata.normalize("NFC", word)
        start, end = m.span(1)
        yield Token(word, start, end)


# --- Tone normalization ------------------------------------------------------

_STRIP_TONES = str.maketrans("", "", _TONE_MARKS)
_TONE_RE = re.compile(f"[{_TONE_MARKS}]")
# Lowercase canonicalisation applied before tone placement (the text is
# lowercased first, so only lowercase lookalikes need mapping).
_CANON_LOWER = str.maketrans(
    {
        **dict.fromkeys(_D_LOOKALIKES_LOWER, "đ"),
        **dict.fromkeys(_DASHES, "-"),
    }
)
# initial consonants, vowel nucleus, final consonants (after tones are removed
# and the rest recomposed, so every vowel is a single code point).  Anything
# else (English words with accents, numbers, codes) is not a Vietnamese
# syllable and keeps its marks where they are.
_SYLLABLE_PARTS_RE = re.compile(r"([b-df-hj-np-tv-xzđ]*)([aăâeêioôơuưy]+)([b-df-hj-np-tv-xzđ]*)")

# Per-process caches.  64k entries comfortably hold the Vietnamese syllable
# inventory in its case variants plus names and loanwords; numbers and other
# ASCII tokens never reach the caches.
_CACHE_SIZE = 1 << 16


def _tone_index(vowels: str, final: str) -> int:
    """Index in ``vowels`` (the nucleus, without qu/gi glides) of the tone vowel.

    The "old style" (kiểu cũ) rule, as in most dictionaries and news sites:

    1. a vowel with a quality mark (ă â ê ô ơ ư) takes the tone; in "ươ" the
       second one (người, rượu, thuở, khuyến, chuyện);
    2. otherwise, in a closed syllable, the last vowel (hoàn, huỳnh, toán);
    3. otherwise, open syllables: a single vowel takes it; of two vowels the
       first (hòa, khỏe, thủy, múa, mái); of three the middle (ngoài, khuỷu).

    The "new style" would differ only in open "oa", "oe", "uy" (hoà, khoẻ,
    thuỷ); both spellings normalize to the old style.
    """
    for i in range(len(vowels) - 1, -1, -1):
        if vowels[i] in _MARKED_VOWELS:
            return i
    if final:
        return len(vowels) - 1
    if len(vowels) <= 2:
        return 0
    return 1


@lru_cache(maxsize=_CACHE_SIZE)
def normalize_tone(syllable: str) -> str:
    """Return ``syllable`` lowercased, NFC, with its tone mark on the canonical vowel.

    "hoà" and "hòa" both give "hòa"; "thuý" -> "thúy"; "qủa" -> "quả";
    "gía" -> "giá"; "thủơ" -> "thuở".  The placement rule is the "old style"
    described in :func:`_tone_index`; "qu" and "gi" before another vowel are
    treated as consonants ("quả" carries the tone on "a", "giữa" on "ư").

    Syllables without a tone mark, with several tone marks, or that are not
    shaped like a Vietnamese syllable (numbers, document numbers, foreign words
    such as "café") are returned lowercased and NFC with marks left where they
    are.  In every case the lookalikes "ð"/"ɖ" become "đ" and dash variants
    (U+2010-2013, U+2212) become "-", so "1234/QÐ–UBND" and "1234/QĐ-UBND"
    give the same term.  Cached per distinct input.
    """
    lower = syllable.lower()
    if lower.isascii():
        return lower
    decomposed = unicodedata.normalize("NFD", lower.translate(_CANON_LOWER))
    tones = _TONE_RE.findall(decomposed)
    if len(tones) != 1:
        return unicodedata.normalize("NFC", decomposed)
    toneless = unicodedata.normalize("NFC", decomposed.translate(_STRIP_TONES))
    parts = _SYLLABLE_PARTS_RE.fullmatch(toneless)
    if parts is None:
        return unicodedata.normalize("NFC", decomposed)
    tone = tones[0]
    initial, vowels, final = parts.groups()
    # "qu" and "gi" followed by another vowel: the u / i is part of the
    # consonant, so "qủa" and "gía" are the misplacements of "quả" and "giá".
    if len(vowels) > 1 and (
        (vowels[0] == "u" and initial.endswith("q")) or (vowels[0] == "i" and initial == "g")
    ):
        initial, vowels = initial + vowels[0], vowels[1:]
    i = _tone_index(vowels, final)
    toned = unicodedata.normalize("NFC", vowels[i] + tone)
    return f"{initial}{vowels[:i]}{toned}{vowels[i + 1 :]}{final}"


# --- Folding -----------------------------------------------------------------


def _mark_codepoints() -> list[int]:
    """Every code point in the combining-mark blocks of ``MARK_RANGES``."""
    bounds = [(0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF)]
    bounds.append((0xFE20, 0xFE2F))
    return [cp for lo, hi in bounds for cp in range(lo, hi + 1)]


_FOLD_TABLE: dict[int, str | None] = {
    **dict.fromkeys(_mark_codepoints()),
    **{ord(c): "d" for c in "đ" + _D_LOOKALIKES_LOWER},
    **{ord(c): "D" for c in "Đ" + _D_LOOKALIKES_UPPER},
    **{ord(c): "-" for c in _DASHES},
}
_HAS_MARK_RE = re.compile(f"[{MARK_RANGES}đĐ{_D_LOOKALIKES_LOWER}{_D_LOOKALIKES_UPPER}]")
# Syllable-sized inputs are cached; whole texts are folded directly so they do
# not evict syllables from the cache.
_CACHE_MAX_LEN = 32


def _fold(text: str) -> str:
    folded = unicodedata.normalize("NFD", text).translate(_FOLD_TABLE)
    # Recompose what was decomposed but not removed (e.g. Hangul syllables).
    return unicodedata.normalize("NFC", folded)


_fold_cached = lru_cache(maxsize=_CACHE_SIZE)(_fold)


def fold(text: str) -> str:
    """Remove every diacritic from ``text``; case is preserved.

    Tone and vowel-quality marks (and any other combining mark) are dropped,
    "đ"/"Đ" become "d"/"D" (NFD does not decompose them), and so do their
    lookalikes "ð"/"Ð" (U+00F0/U+00D0) and "ɖ"/"Ɖ".  Dash variants become "-".
    ``fold("Hội nghị Đà Nẵng") == "Hoi nghi Da Nang"``.  Lowercasing is the
    caller's choice: use :func:`folded_form` for the index term.  Works on any
    text; syllable-sized inputs are cached.
    """
    if text.isascii():
        return text
    if len(text) <= _CACHE_MAX_LEN:
        return _fold_cached(text)
    return _fold(text)


def has_marks(syllable: str) -> bool:
    """Return True if ``syllable`` carries any diacritic or "đ" (or a lookalike).

    For word tokens this is ``folded_form(s) != s.lower()``.  The query side
    uses it: a syllable typed without marks is matched against the folded
    field, one typed with marks against the exact field.
    """
    if syllable.isascii():
        return False
    return _HAS_MARK_RE.search(unicodedata.normalize("NFD", syllable)) is not None


def exact_form(text: str) -> str:
    """The term the exact field indexes: lowercase + :func:`normalize_tone`."""
    return text.lower() if text.isascii() else normalize_tone(text)


@lru_cache(maxsize=_CACHE_SIZE)
def folded_form(text: str) -> str:
    """The term the folded field indexes: lowercase + :func:`fold`.  Cached.

    (The Whoosh filter handles ASCII tokens itself, so numbers and English
    words do not churn the cache.)
    """
    lower = text.lower()
    return lower if lower.isascii() else _fold(lower)
