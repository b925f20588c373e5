"""The parser never raises and stays bounded: pathological pages, binary data, broken markup and URLs.

Property-based tests with hypothesis are in ``test_parse_properties.py``.
"""

from __future__ import annotations

import codecs
from datetime import UTC, datetime

import pytest

from archive.parse import article as article_module
from archive.parse import guard
from archive.parse.article import parse_capture
from archive.parse.listing import listing_dates
from archive.parse.result import Article, NotArticle
from archive.sources import Source

SOURCE = Source(
    id="x-sxd",
    name="Sở Xây dựng tỉnh Mẫu",
    department="Sở Xây dựng",
    jurisdiction="Tỉnh Mẫu",
    homepage="http://sxd.example.vn/",
    listings=["http://sxd.example.vn/tin-tuc"],
    article_pattern="^/tin-tuc/",
)
URL = "http://sxd.example.vn/tin-tuc/bai-viet"
NOW = datetime(2024, 5, 1, tzinfo=UTC)
PARAGRAPH = (
    "<p>Sở Xây dựng tổ chức kiểm tra công tác quản lý chất lượng công trình xây dựng trên địa bàn tỉnh, "
    "yêu cầu các chủ đầu tư khắc phục ngay những tồn tại được chỉ ra trong biên bản kiểm tra.</p>"
).encode()
HTML = [("Content-Type", "text/html; charset=utf-8")]


def parse(body: bytes, headers: list[tuple[str, str]] = HTML) -> Article | NotArticle:
    return parse_capture(body, URL, headers, SOURCE, captured_at=NOW)


def page(inner: bytes) -> bytes:
    return (
        b"<html><head><title>Ki\xe1\xbb\x83m tra ch\xe1\xba\xa5t l\xc6\xb0\xe1\xbb\xa3ng</title></head><body>"
        + inner
    )


def test_ten_thousand_levels_of_nesting_are_parsed() -> None:
    result = parse(page(b"<div>" * 10_000 + PARAGRAPH * 3 + b"</div>" * 10_000))
    assert isinstance(result, Article), result
    assert "kiểm tra công tác quản lý" in result.content.body[0]


@pytest.mark.parametrize("opener", [b"<div><span>x", b"<table><tr><td>", b"<ul><li>", b"<b><i>"])
def test_unclosed_deep_nesting_is_flattened(opener: bytes) -> None:
    result = parse(page(opener * 20_000 + PARAGRAPH * 2))
    assert isinstance(result, Article | NotArticle)
    assert not isinstance(result, NotArticle) or result.reason != "parser-error"


def test_a_50_mb_page_is_refused_at_once() -> None:
    result = parse(page(PARAGRAPH * (50 * 1024 * 1024 // len(PARAGRAPH))))
    assert isinstance(result, NotArticle)
    assert result.reason == "too-large"
    assert "bytes of markup" in result.detail


def test_a_page_bloated_by_an_inline_image_is_shrunk_and_parsed() -> None:
    image = b'<img src="data:image/png;base64,' + b"iVBORw0KGgo" * (600 * 1024) + b'">'
    body = page(PARAGRAPH * 3 + image + b"<script>" + b"var x = 1;" * 100_000 + b"</script>")
    assert len(body) > guard.MAX_HTML_BYTES
    result = parse(body)
    assert isinstance(result, Article), result


def test_too_many_elements_are_refused() -> None:
    result = parse(page(b"<a href='/tin-tuc/x'>x</a>" * (guard.MAX_TAGS + 10)))
    assert isinstance(result, NotArticle)
    assert result.reason == "too-large"
    assert "elements" in result.detail


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b"%PDF-1.7\n" + bytes(range(256)) * 50, "PDF"),
        (b"PK\x03\x04" + bytes(range(256)) * 50, "ZIP/Office"),
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "PNG"),
        (b"\xff\xd8\xff\xe0" + bytes(200), "JPEG"),
        (bytes(range(32)) * 100, "binary"),
    ],
)
def test_binary_data_labelled_html_is_not_html(body: bytes, kind: str) -> None:
    result = parse(body)
    assert isinstance(result, NotArticle)
    assert result.reason == "not-html"
    assert kind in result.detail


def test_utf16_with_a_bom_is_text_not_binary() -> None:
    text = "<html><head><title>Kiểm tra chất lượng công trình</title></head><body>" + PARAGRAPH.decode() * 2
    result = parse(codecs.BOM_UTF16_LE + text.encode("utf-16-le"), [("Content-Type", "text/html")])
    assert isinstance(result, Article), result


@pytest.mark.parametrize(
    "markup",
    [
        b'<link rel="canonical" href="http://[::1">',
        b'<base href="http://sxd.example.vn:99999/">',
        b'<a href="http://[broken/file.pdf">t\xe1\xba\xa3i</a><img src="http://x:0x/">',
        b'<script type="application/ld+json">' + b"[" * 100_000 + b"</script>",
        b'<script type="application/ld+json">{"datePublished": 12, "author": [null, {"name": 3}]}</script>',
        b'<meta property="og:title" content=""><time datetime="9999-99-99">',
        b"<p>" + b"\x00\x01\x02" * 10 + b"</p>",
        b"<html><html><body><body><title>x</title></body>",
    ],
)
def test_broken_markup_never_raises(markup: bytes) -> None:
    result = parse(page(markup + PARAGRAPH * 2))
    assert not isinstance(result, NotArticle) or result.reason != "parser-error", result


def test_a_recursion_error_degrades_to_a_flatter_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    real = article_module.guard.flatten
    depths: list[int] = []

    def shallow_only(soup: object, max_depth: int = guard.MAX_DEPTH) -> int:
        depths.append(max_depth)
        if max_depth > 100:
            raise RecursionError("simulated")
        return real(soup, max_depth)  # type: ignore[arg-type]

    monkeypatch.setattr(article_module.guard, "flatten", shallow_only)
    result = parse(page(PARAGRAPH * 3))
    assert isinstance(result, Article)
    assert depths == [guard.MAX_DEPTH, 64]


def test_recursion_twice_and_bugs_become_parser_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    def recurse(*args: object, **kwargs: object) -> None:
        raise RecursionError("simulated")

    monkeypatch.setattr(article_module.lblock, "locate", recurse)
    result = parse(page(PARAGRAPH))
    assert isinstance(result, NotArticle)
    assert (result.reason, result.detail) == ("parser-error", "the page is nested too deeply to parse")

    def bug(*args: object, **kwargs: object) -> None:
        raise KeyError("oops")

    monkeypatch.setattr(article_module.lblock, "locate", bug)
    result = parse(page(PARAGRAPH))
    assert isinstance(result, NotArticle)
    assert result.reason == "parser-error"
    assert "KeyError" in result.detail


def test_listing_dates_never_raise_on_garbage() -> None:
    assert listing_dates(bytes(range(256)) * 10, URL, HTML, SOURCE, captured_at=NOW) == {}
    assert listing_dates(b"<a href='http://[x'>1/1/2020</a>", URL, HTML, SOURCE, captured_at=NOW) == {}
    assert listing_dates(b"x", URL, [("Content-Type", "application/pdf")], SOURCE, captured_at=NOW) == {}


def test_guard_helpers() -> None:
    assert guard.sniff_binary(b"  <!DOCTYPE html>") is None
    assert guard.sniff_binary(b"") is None
    assert guard.shrink(b"<p>short</p>") == b"<p>short</p>"
    big = b"<script>" + b"x" * guard.MAX_HTML_BYTES + b"</script><p>kept</p>"
    assert guard.shrink(big) == b" <p>kept</p>"
    assert guard.too_large(b"<p>" * 10) is None


def test_control_characters_never_reach_the_record() -> None:
    title = "Ki&#x1B;ểm tra&#1; chất lượng".encode()
    # The HTML parser keeps a reference to ESC or U+0001 as the character; a record must not hold it
    # (one such character makes every Atom feed and XML export of it malformed).
    body = (
        b"<html><head><title>"
        + title
        + b"</title></head><body><h1>"
        + title
        + b"</h1>"
        + PARAGRAPH.replace(b"ki\xe1\xbb\x83m tra", b"ki\xe1\xbb\x83m\x1b tra&#x1B;&#xFFFF;\x01")
        + PARAGRAPH
        + b"</body></html>"
    )
    result = parse(body)
    assert isinstance(result, Article), result
    content = result.content
    texts = [content.title, content.lead or "", *content.body]
    assert content.title == "Kiểm tra chất lượng"
    assert any("kiểm tra công tác" in p for p in content.body), content.body
    bad = {chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0))}
    assert not any(c in bad | {"\ufffe", "\uffff"} for text in texts for c in text)
