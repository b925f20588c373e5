from __future__ import annotations

from pathlib import Path

import pytest

from archive.errors import SourcesError
from archive.sources import load_sources, parse_sources

GOOD = """
[[source]]
id = "lso-stttt"
name = "Sở Thông tin và Truyền thông tỉnh Lạng Sơn"
department = "Sở Thông tin và Truyền thông"
jurisdiction = "Tỉnh Lạng Sơn"
homepage = "https://stttt.example.vn/"
listings = ["https://stttt.example.vn/tin-tuc"]
article_pattern = "^/tin-tuc/[^/?#]+$"
"""


def test_valid_registry() -> None:
    registry = parse_sources(GOOD)
    source = registry.get("lso-stttt")
    assert source.department == "Sở Thông tin và Truyền thông"
    assert source.jurisdiction_kind == "province"
    assert source.is_article_url("https://stttt.example.vn/tin-tuc/bai-viet")
    assert not source.is_article_url("https://stttt.example.vn/tin-tuc?page=2")
    assert registry.for_url("https://stttt.example.vn/tin-tuc/x") is source
    assert registry.for_url("https://other.example.vn/tin-tuc/x") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            GOOD.replace('homepage = "https://stttt.example.vn/"', 'homepage = "ftp://x"'),
            "source 'lso-stttt': key homepage",
        ),
        (
            GOOD.replace('article_pattern = "^/tin-tuc/[^/?#]+$"', 'article_pattern = "(["'),
            "key article_pattern",
        ),
        (GOOD.replace('id = "lso-stttt"', 'id = "Bad ID"'), "key id"),
        (GOOD.replace('department = "Sở Thông tin và Truyền thông"\n', ""), "key department: Field required"),
        (GOOD + 'colour = "red"\n', "key colour"),
        (GOOD + GOOD, "duplicate id 'lso-stttt'"),
        ("[[source]]\nid = 1\n", "source #1"),
        ("not toml = = =", "not valid TOML"),
        ('source = "x"', "array of tables"),
    ],
)
def test_errors_name_source_and_key(text: str, message: str) -> None:
    with pytest.raises(SourcesError, match=None) as info:
        parse_sources(text, origin="s.toml")
    assert message in str(info.value)
    assert str(info.value).startswith("s.toml: ")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourcesError, match="no such sources file"):
        load_sources(tmp_path / "nope.toml")


def test_select_unknown_source() -> None:
    with pytest.raises(SourcesError, match="unknown source 'x'"):
        parse_sources(GOOD).select(["x"])
