"""Link building, outbound link safety, page numbers, and the one piece of trusted markup."""

from __future__ import annotations

from importlib.resources import files

import pytest
from markupsafe import Markup

from api.web.links import http_url, page_numbers, with_params
from api.web.render import environment, trusted_snippet


def test_with_params_keeps_changes_and_removes() -> None:
    params = {"q": "hội nghị", "source": "a", "offset": "20", "empty": ""}
    assert with_params("/", params) == "/?q=h%E1%BB%99i+ngh%E1%BB%8B&source=a&offset=20"
    assert (
        with_params("/", params, offset=None, year=2010) == "/?q=h%E1%BB%99i+ngh%E1%BB%8B&source=a&year=2010"
    )
    assert with_params("/", params, source="b") == "/?q=h%E1%BB%99i+ngh%E1%BB%8B&source=b&offset=20"
    assert with_params("/x", {}, q="") == "/x"
    assert with_params("/", {"q": "a&b=c"}) == "/?q=a%26b%3Dc"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://so.gov.vn/a?b=1", "https://so.gov.vn/a?b=1"),
        ("  http://so.gov.vn/  ", "http://so.gov.vn/"),
        ("HTTP://SO.GOV.VN/", "HTTP://SO.GOV.VN/"),
        ("javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        (" javascript:alert(1)", None),
        ("data:text/html,<script>x</script>", None),
        ("vbscript:x", None),
        ("//evil.example/x", None),
        ("/relative", None),
        ("http:///nohost", None),
        ("http://[bad", None),
        ("", None),
        (None, None),
    ],
)
def test_only_http_links_are_links(url: str | None, expected: str | None) -> None:
    assert http_url(url) == expected


@pytest.mark.parametrize(
    ("current", "last", "expected"),
    [
        (1, 0, []),
        (1, 1, [1]),
        (1, 3, [1, 2, 3]),
        (1, 20, [1, 2, 3, None, 20]),
        (6, 20, [1, None, 4, 5, 6, 7, 8, None, 20]),
        (4, 20, [1, 2, 3, 4, 5, 6, None, 20]),
        (20, 20, [1, None, 18, 19, 20]),
        (25, 20, [1, None, 20]),
    ],
)
def test_page_numbers(current: int, last: int, expected: list[int | None]) -> None:
    assert page_numbers(current, last) == expected


def test_trusted_snippet_accepts_only_marks() -> None:
    good = "… a <mark>Hội nghị</mark> &lt;script&gt; b"
    assert trusted_snippet(good) == Markup(good)
    assert str(trusted_snippet(good)) == good
    for bad in ("<script>x</script>", "<mark onclick=x>y</mark>", "a <b>b</b>", "x > y", "<img src=x>"):
        out = trusted_snippet(bad)
        assert "<" not in str(out).replace("&lt;", "")
        assert str(out) != bad


def test_templates_autoescape_and_mark_nothing_safe() -> None:
    env = environment()
    assert env.autoescape is True
    assert env.from_string("{{ x }}").render(x="<script>") == "&lt;script&gt;"
    for entry in files("api.web").joinpath("templates").iterdir():
        text = entry.read_text(encoding="utf-8")
        assert "|safe" not in text.replace(" ", ""), entry.name
        assert "autoescape false" not in text, entry.name
        assert "<script>" not in text, entry.name  # no inline script: the policy forbids it
        assert " style=" not in text, entry.name
