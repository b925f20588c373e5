"""Per-source CSS overrides for the parser: `[source.selectors]` in sources.toml."""

from __future__ import annotations

import pytest

from archive.errors import SourcesError
from archive.sources import Selectors, parse_sources

BASE = """
[[source]]
id = "hpg-sngv"
name = "Sở Ngoại vụ thành phố Hải Phòng"
department = "Sở Ngoại vụ"
jurisdiction = "Thành phố Hải Phòng"
homepage = "https://songoaivu.haiphong.gov.vn/"
listings = ["https://songoaivu.haiphong.gov.vn/tin"]
article_pattern = '^/tin/\\d+$'
"""


def test_selectors_are_optional_and_read_from_toml() -> None:
    assert parse_sources(BASE).get("hpg-sngv").selectors == Selectors()
    registry = parse_sources(
        BASE
        + '[source.selectors]\nbody = "#ttin-noidung"\ntitle = ".ttin-ten"\n'
        + 'drop = [".gioi-thieu-so", "aside"]\n'
    )
    selectors = registry.get("hpg-sngv").selectors
    assert (selectors.body, selectors.title, selectors.date) == ("#ttin-noidung", ".ttin-ten", None)
    assert selectors.drop == [".gioi-thieu-so", "aside"]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('body = "div["', "key selectors.body: Value error, not a valid CSS selector 'div['"),
        ('drop = ["p", "::"]', "key selectors.drop: Value error, not a valid CSS selector '::'"),
        ('content = ".x"', "key selectors.content: Extra inputs are not permitted"),
    ],
)
def test_bad_selectors_are_refused_with_source_and_key(table: str, message: str) -> None:
    with pytest.raises(SourcesError) as caught:
        parse_sources(BASE + "[source.selectors]\n" + table + "\n")
    assert "source 'hpg-sngv'" in str(caught.value)
    assert message in str(caught.value)
