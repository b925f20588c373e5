"""Text normalisation and charset handling for captured Vietnamese pages.

Pure functions, no I/O:

* :func:`clean_text` tidies a text node for storage and search;
* :func:`decode_html` turns a response body into NFC text, choosing the charset from the BOM, the
  HTTP header, the ``<meta>`` declaration or detection, and never raises;
* :func:`looks_like_mojibake` spots UTF-8 bytes that were decoded as a single-byte charset.

Detection is self-contained (no ``charset-normalizer``/``chardet``): it only has to tell UTF-8,
windows-1258, windows-1252 and latin-1 apart, and does so by how Vietnamese the result looks.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from typing import Final, Literal, NamedTuple

__all__ = [
    "CharsetSource",
    "DecodedText",
    "clean_text",
    "decode_html",
    "looks_like_mojibake",
    "remove_control_chars",
]

CharsetSource = Literal["bom", "header", "meta", "detected", "fallback"]


class DecodedText(NamedTuple):
    """A decoded response body.

    ``text`` is NFC. ``encoding`` is Python's canonical codec name (``utf-8``, ``cp1258``,
    ``cp1252``, ``iso8859-1``, ...). ``source`` says what decided it; ``fallback`` means nothing
    validated and the text was decoded with ``errors="replace"`` (it may hold U+FFFD).
    """

    text: str
    encoding: str
    source: CharsetSource


# --- clean_text ---------------------------------------------------------------------------------

_CLEAN_TABLE: Final = str.maketrans(
    {
        # Vietnamese sites typed the Icelandic eth (and cp1252 shows cp1258's Đ byte) for Đ/đ.
        "\u00d0": "\u0110",
        "\u00f0": "\u0111",
        # Invisible: zero-width space/non-joiner/joiner, word joiner, BOM, soft hyphen.
        **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff\u00ad", None),
    }
)
_CLEAN_CHARS: Final = "\u00d0\u00f0\u200b\u200c\u200d\u2060\ufeff\u00ad"
# \s also matches the non-breaking spaces U+00A0, U+202F and U+2007, so they become " " here.
_WHITESPACE_RUN: Final = re.compile(r"\s+")
# What no text may hold: the C0 controls but tab, line feed and carriage return; DEL and the C1
# controls; lone surrogates; U+FFFE and U+FFFF. XML 1.0 cannot carry the C0 ones, surrogates and
# U+FFFE/U+FFFF at all (one of them makes a whole Atom feed malformed), and none of them is text: an
# ESC or U+0001 in a page is a typing accident or a `&#x1B;` reference the HTML parser kept.
_CONTROL: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]+")
# Those of them that \s counts as whitespace (VT, FF, the information separators U+001C-U+001F,
# NEL): clean_text turns them into a space, as a browser shows them, rather than joining two words.
_CONTROL_NOT_SPACE: Final = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]+")


def remove_control_chars(s: str) -> str:
    """``s`` without control characters and code points XML cannot carry (C0 but tab, LF and CR;
    DEL; C1; lone surrogates; U+FFFE, U+FFFF); everything else, line breaks included, as it was."""
    return _CONTROL.sub("", s)


def clean_text(s: str) -> str:
    """Return ``s`` NFC-normalised, with Ð/ð lookalikes fixed, zero-width characters, soft hyphens and
    control characters removed (see :func:`remove_control_chars`; those that are whitespace become
    a space), every run of whitespace (non-breaking spaces included) made one space, and stripped.

    Tone-mark placement ("hoà" vs "hòa") is the author's and is kept.
    """
    s = _CONTROL_NOT_SPACE.sub("", s)
    # str.translate walks every character; these are rare, so look for them first (memchr-fast).
    # Translate before NFC: removing a zero-width character can bring a base letter and its
    # combining mark together, which NFC then composes.
    if not s.isascii() and any(c in s for c in _CLEAN_CHARS):  # they are not ASCII
        s = s.translate(_CLEAN_TABLE)
    s = unicodedata.normalize("NFC", s)
    return _WHITESPACE_RUN.sub(" ", s).strip()


# --- mojibake -----------------------------------------------------------------------------------


def _decodings(lo: int, hi: int) -> str:
    chars = {
        bytes([b]).decode(enc, errors="ignore")
        for b in range(lo, hi + 1)
        for enc in ("cp1252", "cp1258", "latin-1")
    }
    return "".join(sorted(c for c in chars if c and not unicodedata.combining(c)))


# How UTF-8 continuation bytes (0x80-0xBF) look when decoded as a single-byte charset.
_CONT: Final = re.escape(_decodings(0x80, 0xBF) + "\ufffd")
_MOJIBAKE: Final = re.compile(
    # Lead bytes of 2-byte sequences that carry Vietnamese letters (C2-C6: â ô đ ă ơ ư ...; CC:
    # combining tone marks of NFD text) as cp1252/latin-1 ("Ã´") or cp1258 ("Ă´") show them.
    f"[ÂÃÄÅÆĂÌ][{_CONT}]"
    # Lead of a 3-byte sequence with its usual first continuation: "á»", "áº" (ạ..ỹ), "â€" (“ …).
    r"|[\u00e0-\u00efă][º»€\x80-\x9f\ufffd]"
    # C1 controls never occur in real text; latin-1 yields them for 0x80-0x9F.
    r"|[\x80-\x9f]"
)


def _non_ascii(text: str) -> int:
    return len(text) - len(text.encode("ascii", "ignore"))  # C speed, unlike a generator


def looks_like_mojibake(text: str) -> bool:
    """Whether ``text`` looks like UTF-8 decoded as a single-byte charset ("Sá»Ÿ", "Ä‘").

    True when at least a quarter of the non-ASCII characters belong to such sequences, so one
    stray quotation of mojibake in a real Vietnamese page does not condemn the page.
    """
    if text.isascii():
        return False
    hits = sum(m.end() - m.start() for m in _MOJIBAKE.finditer(text))
    if not hits:
        return False
    return hits * 4 >= _non_ascii(text)


# --- how Vietnamese a decoding looks ------------------------------------------------------------

_TONE_MARKS: Final = "\u0300\u0301\u0303\u0309\u0323"
_VOWELS: Final = "aăâeêioôơuưy"
_VIET_LETTERS: Final = frozenset("đĐ") | frozenset(
    unicodedata.normalize("NFC", vowel + tone)
    for vowel in _VOWELS + _VOWELS.upper()
    for tone in ("", *_TONE_MARKS)
)
_TONED: Final = frozenset(
    c for c in _VIET_LETTERS if any(t in unicodedata.normalize("NFD", c) for t in _TONE_MARKS)
)
_HARMLESS: Final = frozenset("\u00a0“”‘’–—…•·°«»©®€§×±½¼¾")
_WORD: Final = re.compile(r"[^\W\d_]+")
# Non-ASCII symbols, and C0 controls (a UTF-16 body read as single bytes is full of NULs).
_SYMBOL_OR_CONTROL: Final = re.compile(r"[^\x00-\x7f\w]|[\x00-\x08\x0b\x0e-\x1f]")
_SAMPLE: Final = 200_000  # characters scored; enough to decide, bounded cost on huge pages


def _is_vietnamese_word(word: str) -> bool:
    tones = 0
    prev_lower = False
    for c in word:
        if c.isascii():
            prev_lower = c.islower()
            continue
        # Mojibake gives non-Vietnamese letters, capitals inside words ("ThÃ", "TruyêÌn") and
        # several tone marks in one syllable ("ngýõÌi").
        if c not in _VIET_LETTERS or (prev_lower and c.isupper()):
            return False
        tones += c in _TONED
        prev_lower = c.islower()
    return tones <= 1


def _vietnamese_score(text: str) -> float:
    """In [-1, 1]: share of non-ASCII words that are Vietnamese syllables, minus junk symbols."""
    sample = text[:_SAMPLE]
    good = bad = 0
    for m in _WORD.finditer(sample):
        word = m.group()
        if not word.isascii():
            if _is_vietnamese_word(word):
                good += 1
            else:
                bad += 1
    junk = sum(1 for c in _SYMBOL_OR_CONTROL.findall(sample) if c not in _HARMLESS)
    total = good + bad + junk
    return (good - bad - junk) / total if total else 0.0


# --- charset labels -----------------------------------------------------------------------------

_LABELS: Final[dict[str, str | None]] = {
    **dict.fromkeys(("utf8", "utf-8", "unicode-1-1-utf-8", "x-unicode20utf8"), "utf-8"),
    **dict.fromkeys(("windows-1258", "cp1258", "x-cp1258", "win-1258", "cp-1258"), "cp1258"),
    # As in browsers (WHATWG), latin-1 and ASCII labels mean windows-1252.
    **dict.fromkeys(
        (
            *("windows-1252", "cp1252", "x-cp1252", "iso-8859-1", "iso8859-1", "iso_8859-1"),
            *("latin1", "latin-1", "l1", "ascii", "us-ascii", "ansi_x3.4-1968", "cp819"),
        ),
        "cp1252",
    ),
    # Font-based legacy encodings and placeholders Python cannot decode: leave it to detection.
    **dict.fromkeys(
        (*("x-user-defined", "tcvn", "tcvn3", "tcvn-3"), *("tcvn-5712", "vn3", "vni", "viscii")),
        None,
    ),
}
# Codecs Python accepts that are not charsets a web page could sensibly be in.
_REFUSED: Final = {"utf-7", "idna", "punycode", "undefined", "unicode-escape", "raw-unicode-escape"}
_WESTERN: Final = frozenset({"cp1252", "cp1258", "iso8859-1"})
_BOMS: Final = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_HEADER_CHARSET: Final = re.compile(r"""charset\s*=\s*["']?\s*([^"';,\s]+)""", re.IGNORECASE)
_META_CHARSET: Final = re.compile(
    rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([a-z0-9_.:\-]+)"""
    rb"""|<\?xml[^>]*?\bencoding\s*=\s*["']([a-z0-9_.:\-]+)""",
    re.IGNORECASE,
)
_META_WINDOW: Final = 4096


def _codec(label: str, *, from_meta: bool) -> str | None:
    """Python codec name for a charset label, or None when unknown or unusable."""
    label = label.strip().strip("\"'").lower()
    if label in _LABELS:
        return _LABELS[label]
    try:
        info = codecs.lookup(label)
    except (LookupError, ValueError):  # ValueError: a NUL in the label
        return None
    name = info.name
    if not info._is_text_encoding or name in _REFUSED:
        return None
    if from_meta and name.startswith(("utf-16", "utf-32")):
        return "utf-8"  # a page that can read its own <meta> as ASCII is not UTF-16 (WHATWG)
    return name


def _strict(body: bytes, codec: str) -> str | None:
    try:
        return unicodedata.normalize("NFC", body.decode(codec))
    except (LookupError, ValueError):  # UnicodeDecodeError is a ValueError
        return None


def _detect(body: bytes) -> tuple[str, str, float] | None:
    """Best (text, codec, score) among UTF-8 and the Western single-byte charsets.

    None when no decoding is plausible (mojibake everywhere or a negative Vietnamese score).
    """
    text = _strict(body, "utf-8")
    if text is not None:
        return text, "utf-8", 1.0  # valid UTF-8 with non-ASCII bytes is almost never an accident
    best: tuple[str, str, float] | None = None
    # cp1258 decodes to base letter + combining tone mark; _strict composes it with NFC.
    for codec in ("cp1258", "cp1252", "iso8859-1"):  # earlier wins ties: Vietnamese sites first
        text = _strict(body, codec)
        if text is None or looks_like_mojibake(text):
            continue
        score = _vietnamese_score(text)
        if score >= 0 and (best is None or score > best[2]):
            best = text, codec, score
    return best


def _declared(body: bytes, content_type: str | None) -> list[tuple[str, CharsetSource]]:
    found: list[tuple[str, CharsetSource]] = []
    if content_type and (header := _HEADER_CHARSET.search(content_type)):
        codec = _codec(header.group(1), from_meta=False)
        if codec:
            found.append((codec, "header"))
    if meta := _META_CHARSET.search(body, 0, _META_WINDOW):
        label = (meta.group(1) or meta.group(2)).decode("ascii", errors="replace")
        codec = _codec(label, from_meta=True)
        if codec:
            found.append((codec, "meta"))
    return found


def decode_html(body: bytes, content_type: str | None) -> DecodedText:
    """Decode a captured HTML body; never raises.

    Order: BOM, then the ``Content-Type`` header charset, then ``<meta charset>`` (or
    ``http-equiv`` / XML declaration) in the first 4 KB, then detection, then ``errors="replace"``.
    A declared single-byte charset is only trusted if it decodes strictly, does not produce
    mojibake, and detection does not find a more Vietnamese-looking decoding: Vietnamese sites
    often declare iso-8859-1 for UTF-8 or windows-1258 bytes. A declared UTF-8/16 that decodes
    strictly is trusted (mojibake inside valid UTF-8 is the page's own text).
    """
    for bom, codec in _BOMS:
        if body.startswith(bom):
            text = _strict(body[len(bom) :], codec)
            if text is not None:
                return DecodedText(text, codec, "bom")
            body = body[len(bom) :]
            break

    declared = _declared(body, content_type)
    detected: tuple[str, str, float] | None = None
    detection_done = False
    for codec, source in declared:
        text = _strict(body, codec)
        if text is None:
            continue
        if codec == "utf-8" or body.isascii():
            return DecodedText(text, codec, source)
        if codec.startswith("utf-"):
            # UTF-16/32 without a BOM: ASCII bytes read as UTF-16 still decode, to CJK soup.
            if "<" in text[:1024]:
                return DecodedText(text, codec, source)
            continue
        if looks_like_mojibake(text):
            continue
        if codec in _WESTERN:
            if not detection_done:
                detected, detection_done = _detect(body), True
            if detected and detected[1] != codec and detected[2] > _vietnamese_score(text):
                continue
        return DecodedText(text, codec, source)

    if not detection_done:
        detected = _detect(body)
    if detected:
        return DecodedText(detected[0], detected[1], "detected")

    # Nothing validated. Mostly-UTF-8 pages with a few stray bytes read best as UTF-8.
    codec = declared[0][0] if declared else "utf-8"
    utf8 = body.decode("utf-8", errors="replace")
    if utf8.count("\ufffd") * 10 <= _non_ascii(utf8):
        codec = "utf-8"
    try:
        text = body.decode(codec, errors="replace")
    except (LookupError, ValueError):  # defensive: _codec only returns codecs lookup() knows
        codec, text = "utf-8", utf8
    return DecodedText(unicodedata.normalize("NFC", text), codec, "fallback")
