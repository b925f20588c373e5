"""The pre-Unicode Vietnamese encodings of office files: TCVN3 (ABC, TCVN 5712:1993 VN3) and VNI.

A Word or Excel file typed with a ``.VnTime`` (TCVN3) or ``VNI-Times`` (VNI) font stores its text as
8-bit Western characters: read as Unicode, "Quyết định" shows as "QuyÕt ®Þnh" (TCVN3) or "Quyeát ñònh"
(VNI). :func:`to_unicode` detects such text and converts it; Unicode text is returned unchanged.

The tables are built from the encodings' public definitions: TCVN3 gives each lowercase toned letter
(and the seven uppercase base letters Ă Â Đ Ê Ô Ơ Ư) one byte; VNI writes a base letter followed by a
byte for its mark (circumflex, breve) and tone, with ơ/ư, đ and some i/y forms as single bytes.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

_TONES: Final = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
"""No tone, huyền, sắc, hỏi, ngã, nặng (the order of the table rows below)."""

# TCVN3 bytes per base letter, in the order of _TONES (no tone, huyền, sắc, hỏi, ngã, nặng).
_TCVN3_ROWS: Final[dict[str, tuple[int, ...]]] = {
    "a": (0x61, 0xB5, 0xB8, 0xB6, 0xB7, 0xB9),
    "ă": (0xA8, 0xBB, 0xBE, 0xBC, 0xBD, 0xC6),
    "â": (0xA9, 0xC7, 0xCA, 0xC8, 0xC9, 0xCB),
    "e": (0x65, 0xCC, 0xD0, 0xCE, 0xCF, 0xD1),
    "ê": (0xAA, 0xD2, 0xD5, 0xD3, 0xD4, 0xD6),
    "i": (0x69, 0xD7, 0xDD, 0xD8, 0xDC, 0xDE),
    "o": (0x6F, 0xDF, 0xE3, 0xE1, 0xE2, 0xE4),
    "ô": (0xAB, 0xE5, 0xE8, 0xE6, 0xE7, 0xE9),
    "ơ": (0xAC, 0xEA, 0xED, 0xEB, 0xEC, 0xEE),
    "u": (0x75, 0xEF, 0xF3, 0xF1, 0xF2, 0xF4),
    "ư": (0xAD, 0xF5, 0xF8, 0xF6, 0xF7, 0xF9),
    "y": (0x79, 0xFA, 0xFD, 0xFB, 0xFC, 0xFE),
}
_TCVN3_SINGLE: Final = {
    "đ": 0xAE,
    "Ă": 0xA1,
    "Â": 0xA2,
    "Đ": 0xA7,
    "Ê": 0xA3,
    "Ô": 0xA4,
    "Ơ": 0xA5,
    "Ư": 0xA6,
}

# VNI: the byte after a base vowel for each tone; for â/ê/ô (circumflex) and ă (breve) with a tone,
# the combined byte; ơ, ư, đ and some i/y forms are one byte of their own.
_VNI_TONE: Final = ("", "ø", "ù", "û", "õ", "ï")
_VNI_CIRCUMFLEX: Final = ("â", "à", "á", "å", "ã", "ä")
_VNI_BREVE: Final = ("ê", "è", "é", "ú", "ü", "ë")
_VNI_I: Final = ("i", "ì", "í", "æ", "ó", "ò")
_VNI_SINGLE: Final = {"ơ": "ô", "ư": "ö", "đ": "ñ"}


def _compose(base: str, tone: int) -> str:
    return unicodedata.normalize("NFC", base + _TONES[tone])


def _tcvn3_table() -> dict[str, str]:
    table = {_compose(base, t): chr(code) for base, row in _TCVN3_ROWS.items() for t, code in enumerate(row)}
    table.update({letter: chr(code) for letter, code in _TCVN3_SINGLE.items()})
    return {k: v for k, v in table.items() if k != v}


def _vni_lower() -> dict[str, str]:
    table: dict[str, str] = {}
    for t in range(6):
        for base in "aeouy":
            table[_compose(base, t)] = base + _VNI_TONE[t]
        for base, plain in (("â", "a"), ("ê", "e"), ("ô", "o")):
            table[_compose(base, t)] = plain + _VNI_CIRCUMFLEX[t]
        table[_compose("ă", t)] = "a" + _VNI_BREVE[t]
        table[_compose("ơ", t)] = "ô" + _VNI_TONE[t]
        table[_compose("ư", t)] = "ö" + _VNI_TONE[t]
        table[_compose("i", t)] = _VNI_I[t]
    table[_compose("y", 5)] = "î"
    table["đ"] = "ñ"
    return {k: v for k, v in table.items() if k != v}


def _vni_table() -> dict[str, str]:
    lower = _vni_lower()
    table = dict(lower)
    for letter, code in lower.items():
        table[letter.upper()] = code.upper()
    return table


TCVN3_ENCODE: Final = _tcvn3_table()
VNI_ENCODE: Final = _vni_table()
_TCVN3_DECODE: Final = {v: k for k, v in TCVN3_ENCODE.items()}
_VNI_DECODE: Final = {v: k for k, v in VNI_ENCODE.items()}


def _pattern(decode: dict[str, str]) -> re.Pattern[str]:
    keys = sorted(decode, key=len, reverse=True)  # two-character VNI sequences before single characters
    return re.compile("|".join(re.escape(k) for k in keys))


_TCVN3_RE: Final = _pattern(_TCVN3_DECODE)
_VNI_RE: Final = _pattern(_VNI_DECODE)


def encode(text: str, encoding: str) -> str:
    """``text`` written in the legacy ``encoding`` (``tcvn3`` or ``vni``), as its 8-bit characters read
    as Latin-1: what a converter-less reader shows. For tests and the demo's legacy file."""
    table = TCVN3_ENCODE if encoding == "tcvn3" else VNI_ENCODE
    return "".join(table.get(c, c) for c in unicodedata.normalize("NFC", text))


def decode(text: str, encoding: str) -> str:
    """The Unicode text of ``text`` read in the legacy ``encoding`` (``tcvn3`` or ``vni``)."""
    if encoding == "tcvn3":
        return _TCVN3_RE.sub(lambda m: _TCVN3_DECODE[m.group(0)], text)
    return _VNI_RE.sub(lambda m: _VNI_DECODE[m.group(0)], text)


_VIETNAMESE_ONLY: Final = re.compile("[ăđĩũơưĂĐĨŨƠƯ\u1ea0-\u1ef9]")
"""Vietnamese letters outside Latin-1: no legacy-encoded text shows them."""
_LATIN1_HIGH: Final = re.compile("[\u00a1-\u00ff]")
_WORD: Final = re.compile(r"[^\s\d.,;:!?()\"'/\\-]+")


_NUCLEI: Final = (
    "iêu",
    "yêu",
    "uyê",
    "uôi",
    "ươi",
    "ươu",
    "oai",
    "oay",
    "oao",
    "oeo",
    "uây",
    "uya",
    "uyu",
    "ai",
    "ao",
    "au",
    "ay",
    "âu",
    "ây",
    "eo",
    "êu",
    "ia",
    "iê",
    "iu",
    "oa",
    "oă",
    "oe",
    "oi",
    "ôi",
    "ơi",
    "oo",
    "ua",
    "uâ",
    "uê",
    "ui",
    "uô",
    "uơ",
    "ưa",
    "ưi",
    "ươ",
    "ưu",
    "uy",
    "yê",
    "a",
    "ă",
    "â",
    "e",
    "ê",
    "i",
    "o",
    "ô",
    "ơ",
    "u",
    "ư",
    "y",
)
"""Vowel nuclei of Vietnamese syllables, longest first."""
_SYLLABLE: Final = re.compile(
    f"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnpqrstvx])?(?:{'|'.join(_NUCLEI)})(?:ch|ng|nh|[cmnpt])?"
)


def _syllable(word: str) -> bool:
    """Whether ``word`` has the shape of a Vietnamese syllable (onset, vowel nucleus, coda; one tone)."""
    bare = unicodedata.normalize("NFD", word.lower())
    tones = sum(bare.count(t) for t in _TONES[1:])
    bare = unicodedata.normalize("NFC", "".join(c for c in bare if c not in _TONES[1:]))
    return tones <= 1 and _SYLLABLE.fullmatch(bare) is not None


def _score(text: str) -> int:
    """Words with a letter beyond ASCII that are Vietnamese syllables, less those that are not."""
    score = 0
    for word in _WORD.findall(text):
        if not word.isascii():
            score += 1 if _syllable(word) else -1
    return score


def detect(text: str) -> str | None:
    """``tcvn3`` or ``vni`` when ``text`` reads as Vietnamese once converted from it (and did not
    before), else None."""
    sample = text[:100_000]
    if len(_LATIN1_HIGH.findall(sample)) < 3 or len(_VIETNAMESE_ONLY.findall(sample)) > len(sample) // 50:
        return None
    before = _score(sample)
    best, best_score = None, before
    for name in ("tcvn3", "vni"):
        after = _score(decode(sample, name))
        if after > best_score:
            best, best_score = name, after
    # Most words of real Vietnamese text carry a mark, and each is a syllable once converted; a Western
    # text converted by mistake gains a few at most.
    words = len(_WORD.findall(sample))
    return best if best is not None and best_score >= max(3, words // 4) else None


def to_unicode(text: str) -> tuple[str, str | None]:
    """``text`` converted from the legacy encoding it was detected in, and that encoding's name; the
    text unchanged and None when it is not in one."""
    found = detect(text)
    return (decode(text, found), found) if found else (text, None)
