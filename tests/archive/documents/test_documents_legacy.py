"""The legacy Vietnamese encodings: detection and conversion, on text encoded here and public samples."""

from __future__ import annotations

import pytest

from archive.documents.legacy import decode, detect, encode, to_unicode

TEXT = (
    "Quyết định số 1234/QĐ-UBND về việc phê duyệt kế hoạch của Ủy ban nhân dân tỉnh Lạng Sơn. "
    "Những người được khen thưởng, khuyến khích: Nguyễn Văn Thắng, Lường Thị Mai, Hoàng Đức Vượng."
)


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_text_encoded_in_a_legacy_encoding_is_detected_and_converted_back(encoding: str) -> None:
    legacy = encode(TEXT, encoding)
    # Every letter is now a Latin-1 character, but for TCVN3's toned capitals (another font in TCVN3).
    assert {c for c in legacy if ord(c) > 255} <= {"Ủ"}
    assert detect(legacy) == encoding
    assert to_unicode(legacy) == (TEXT, encoding)


def test_public_samples_decode_as_documented() -> None:
    assert decode("Xin chaøo caùc baïn", "vni") == "Xin chào các bạn"
    assert decode("B¶o Th¾ng", "tcvn3") == "Bảo Thắng"
    assert decode("QuyÕt ®Þnh", "tcvn3") == "Quyết định"


@pytest.mark.parametrize(
    "text",
    [
        TEXT,
        "Café crème brûlée à la française, très élégant, naïve",
        "Der Bürgermeister hat über die Straße gesprochen, schön, Grüße aus München Köln",
        "São Paulo é a maior cidade do Brasil, não há dúvida; está lá",
    ],
)
def test_unicode_and_western_text_is_left_alone(text: str) -> None:
    assert to_unicode(text) == (text, None)
