"""Tests for archive.parse.text: clean_text, decode_html, looks_like_mojibake."""

from __future__ import annotations

import codecs
import random
import unicodedata

import pytest

from archive.parse.text import DecodedText, clean_text, decode_html, looks_like_mojibake, remove_control_chars

SO = "Sở Thông tin và Truyền thông"
LONG = (
    "Sở Thông tin và Truyền thông thành phố Đà Nẵng tổ chức hội nghị tổng kết công tác năm, "
    "Ủy ban nhân dân tỉnh Quảng Ngãi đánh giá cao kết quả người dân được hưởng lợi."
)
TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def cp1258(text: str) -> bytes:
    """Encode as windows-1258 does it: precomposed letter where the code page has one, else the
    base letter (with its vowel mark, e.g. ơ) followed by a combining tone mark.

    Python's cp1258 encoder refuses precomposed "ở" and the NFD horn, so neither plain NFC nor NFD
    text can be encoded directly."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        # NFD orders the dot below before a circumflex ("ộ" = o, U+0323, U+0302): pick the tone.
        nfd = unicodedata.normalize("NFD", ch)
        tone = "".join(c for c in nfd if c in TONE_MARKS)
        base = unicodedata.normalize("NFC", "".join(c for c in nfd if c not in TONE_MARKS))
        out += base.encode("cp1258") + tone.encode("cp1258")
    return bytes(out)


def test_cp1258_helper_really_produces_decomposed_windows_1258() -> None:
    with pytest.raises(UnicodeEncodeError):
        unicodedata.normalize("NFC", SO).encode("cp1258")
    with pytest.raises(UnicodeEncodeError):
        unicodedata.normalize("NFD", SO).encode("cp1258")
    raw = cp1258(SO)
    assert b"\xf5\xd2" in raw  # ơ + combining hook above
    assert raw.decode("cp1258") != SO  # decomposed until NFC
    assert unicodedata.normalize("NFC", raw.decode("cp1258")) == SO


# --- clean_text ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("\u00d0à Nẵng", "Đà Nẵng"),  # Icelandic eth typed for Đ
        ("\u00f0ường", "đường"),
        ("Sở\u00a0Thông\u202ftin\u2007và", "Sở Thông tin và"),
        ("Truy\u200bền\u200c thô\u200dng\u2060\ufeff", "Truyền thông"),
        ("thông\u00adtin", "thôngtin"),
        ("  a \t\n\r  b  ", "a b"),
        ("Truye\u0302\u0300n tho\u0302ng", "Truyền thông"),  # NFD -> NFC
        ("hoà bình, hòa bình", "hoà bình, hòa bình"),  # the author's tone placement is kept
        ("e\u200b\u0301", "é"),  # removing the zero-width joiner lets NFC compose
        ("", ""),
        ("\u00a0\u200b ", ""),
    ],
)
def test_clean_text(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


def test_clean_text_is_idempotent() -> None:
    once = clean_text(" \u00d0ài\u00a0Truyền\u00adhình  \u200b ")
    assert clean_text(once) == once == "Đài Truyềnhình"


# --- looks_like_mojibake ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Sá»Ÿ",
        "Thá»\u009dng",
        "Ä‘",
        "ThÃ´ng tin",
        SO.encode().decode("cp1252", errors="replace"),
        SO.encode().decode("latin-1"),
        SO.encode().decode("cp1258", errors="replace"),
        "“quoted” it’s".encode().decode("cp1252", errors="replace"),
    ],
)
def test_mojibake_detected(text: str) -> None:
    assert looks_like_mojibake(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "plain ascii",
        SO,
        LONG,
        "và\u00a0Hà Nội…",  # à before NBSP or an ellipsis is ordinary Vietnamese
        "“Đà Nẵng” – café",
        LONG + " (lỗi: Sá»Ÿ)",  # one quoted garble does not condemn a real page
    ],
)
def test_real_text_is_not_mojibake(text: str) -> None:
    assert not looks_like_mojibake(text)


# --- decode_html --------------------------------------------------------------------------------


def html(body: str, head: str = "") -> str:
    return f"<html><head>{head}<title>{SO}</title></head><body><p>{body}</p></body></html>"


def test_utf8_header() -> None:
    body = html(LONG).encode()
    expected = DecodedText(html(LONG), "utf-8", "header")
    assert decode_html(body, "text/html; charset=UTF-8") == expected


@pytest.mark.parametrize("label", ["utf8", "UTF-8", '"utf-8"', "'Utf-8'"])
def test_charset_aliases(label: str) -> None:
    assert decode_html(html(LONG).encode(), f"text/html;charset={label}").encoding == "utf-8"


def test_windows_1258_header_is_composed_to_nfc() -> None:
    result = decode_html(cp1258(html(LONG)), "text/html; charset=windows-1258")
    assert result == DecodedText(html(LONG), "cp1258", "header")
    assert unicodedata.is_normalized("NFC", result.text)


def test_windows_1258_without_declaration_is_detected() -> None:
    assert decode_html(cp1258(html(LONG)), None) == DecodedText(html(LONG), "cp1258", "detected")


def test_windows_1258_mislabelled_utf8() -> None:
    result = decode_html(cp1258(html(LONG)), "text/html; charset=utf-8")
    assert result == DecodedText(html(LONG), "cp1258", "detected")


@pytest.mark.parametrize("label", ["iso-8859-1", "windows-1252", "latin1", "us-ascii"])
def test_windows_1258_mislabelled_western(label: str) -> None:
    result = decode_html(cp1258(html(LONG)), f"text/html; charset={label}")
    assert result == DecodedText(html(LONG), "cp1258", "detected")


@pytest.mark.parametrize("label", ["iso-8859-1", "ISO-8859-1", "windows-1252", "windows-1258"])
def test_utf8_mislabelled_single_byte(label: str) -> None:
    result = decode_html(html(LONG).encode(), f"text/html; charset={label}")
    assert result == DecodedText(html(LONG), "utf-8", "detected")


def test_meta_charset() -> None:
    page = html(LONG, head='<meta charset="windows-1258">')
    assert decode_html(cp1258(page), "text/html") == DecodedText(page, "cp1258", "meta")


def test_meta_http_equiv() -> None:
    head = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1258" />'
    page = html(LONG, head=head)
    assert decode_html(cp1258(page), None) == DecodedText(page, "cp1258", "meta")


def test_meta_beyond_4kb_is_ignored() -> None:
    page = "<!--" + "x" * 5000 + "-->" + html(LONG, head='<meta charset="windows-1258">')
    assert decode_html(cp1258(page), None).source == "detected"


def test_header_wins_over_meta() -> None:
    page = html(LONG, head='<meta charset="windows-1258">')
    assert decode_html(page.encode(), "text/html; charset=utf-8").source == "header"


def test_wrong_meta_falls_through_to_detection() -> None:
    page = html(LONG, head='<meta charset="iso-8859-1">')
    assert decode_html(page.encode(), None) == DecodedText(page, "utf-8", "detected")


def test_utf16_meta_means_utf8() -> None:
    page = html(LONG, head='<meta charset="utf-16">')
    assert decode_html(page.encode(), None) == DecodedText(page, "utf-8", "meta")


@pytest.mark.parametrize(
    ("bom", "codec", "encoding"),
    [
        (codecs.BOM_UTF8, "utf-8", "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
    ],
)
def test_bom_wins_over_header(bom: bytes, codec: str, encoding: str) -> None:
    body = bom + html(LONG).encode(codec)
    result = decode_html(body, "text/html; charset=windows-1258")
    assert result == DecodedText(html(LONG), encoding, "bom")


def test_utf16_header_without_bom() -> None:
    body = html(LONG).encode("utf-16-le")
    expected = DecodedText(html(LONG), "utf-16-le", "header")
    assert decode_html(body, "text/html; charset=utf-16le") == expected


def test_nfd_utf8_is_normalised() -> None:
    nfd = unicodedata.normalize("NFD", html(LONG))
    assert decode_html(nfd.encode(), None).text == html(LONG)


@pytest.mark.parametrize("label", ["x-user-defined", "tcvn", "VN3", "no-such-charset", "base64"])
def test_unknown_or_unusable_charsets_fall_through(label: str) -> None:
    result = decode_html(cp1258(html(LONG)), f"text/html; charset={label}")
    assert result == DecodedText(html(LONG), "cp1258", "detected")


def test_ascii_body() -> None:
    assert decode_html(b"<p>hello</p>", None) == DecodedText("<p>hello</p>", "utf-8", "detected")
    assert decode_html(b"<p>hi</p>", "text/html; charset=iso-8859-1").source == "header"


def test_empty_body() -> None:
    assert decode_html(b"", None).text == ""


def test_western_page_declared_latin1_is_kept() -> None:
    assert decode_html("Café crème".encode("cp1252"), "text/html; charset=iso-8859-1") == (
        DecodedText("Café crème", "cp1252", "header")
    )


def test_mostly_utf8_with_stray_bytes_falls_back_to_utf8() -> None:
    body = html(LONG).encode() + b"\xff\xfe tail"
    result = decode_html(body, "text/html; charset=utf-8")
    assert result.source == "fallback"
    assert result.encoding == "utf-8"
    assert result.text.startswith(html(LONG))
    assert "\ufffd" in result.text


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize(
    "content_type",
    [None, *(f"text/html; charset={c}" for c in ("utf-8", "windows-1258", "utf-16"))],
)
def test_garbage_never_raises(seed: int, content_type: str | None) -> None:
    rng = random.Random(seed)
    body = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 2000)))
    result = decode_html(body, content_type)
    assert isinstance(result.text, str)
    assert unicodedata.is_normalized("NFC", result.text)
    assert result.source in ("header", "meta", "detected", "fallback")


@pytest.mark.parametrize(
    "body",
    [
        b"\xef\xbb\xbf\xff\xfe\xfd",  # UTF-8 BOM, then invalid UTF-8
        b"\xff\xfe\x00\xd8",  # UTF-16 BOM, then a lone surrogate
        b'<meta charset="\xff\xfe">\x81\x8d',
        b"\x00" * 64,
    ],
)
def test_broken_bodies_never_raise(body: bytes) -> None:
    result = decode_html(body, "text/html; charset=\x00weird")
    assert isinstance(result.text, str)


def test_server_default_latin1_header_with_utf8_meta() -> None:
    page = html(LONG, head='<meta charset="utf-8">')
    expected = DecodedText(page, "utf-8", "meta")
    assert decode_html(page.encode(), "text/html; charset=ISO-8859-1") == expected


def test_server_default_utf8_header_with_windows_1258_meta() -> None:
    head = '<meta http-equiv="content-type" content="text/html;charset=windows-1258">'
    page = html(LONG, head=head)
    expected = DecodedText(page, "cp1258", "meta")
    assert decode_html(cp1258(page), "text/html; charset=utf-8") == expected


VIETNAMESE_LETTERS = "".join(
    unicodedata.normalize("NFC", vowel + tone)
    for vowel in "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY"
    for tone in ("", *TONE_MARKS)
)


def test_every_vietnamese_letter_survives_windows_1258() -> None:
    text = f"<p>{VIETNAMESE_LETTERS} đĐ {LONG}</p>"
    assert decode_html(cp1258(text), None) == DecodedText(text, "cp1258", "detected")


# --- control characters -------------------------------------------------------------------------

XML_ILLEGAL = [chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20))] + [
    "\ud800",
    "\udfff",
    "\ufffe",
    "\uffff",
]
C1_AND_DEL = [chr(c) for c in range(0x7F, 0xA0)]


@pytest.mark.parametrize("char", XML_ILLEGAL + C1_AND_DEL)
def test_clean_text_removes_control_characters(char: str) -> None:
    cleaned = clean_text(f"Hội{char}nghị {char} giao{char}ban")
    assert not any(c in cleaned for c in XML_ILLEGAL + C1_AND_DEL)
    # Whitespace-like controls (VT, FF, U+001C-U+001F, NEL) separate words, the others join them.
    assert cleaned in ("Hội nghị giao ban", "Hộinghị giaoban")
    assert cleaned == ("Hội nghị giao ban" if char.isspace() else "Hộinghị giaoban")


def test_clean_text_keeps_what_is_text() -> None:
    assert clean_text("Hội\tnghị\r\n giao ban ₫ € ™") == "Hội nghị giao ban ₫ € ™"


def test_remove_control_chars_keeps_line_breaks() -> None:
    assert remove_control_chars("a\x1b[31mb\x01\nc\r\td\ufffe\x85") == "a[31mb\nc\r\td"
    assert remove_control_chars("Hội nghị") == "Hội nghị"
