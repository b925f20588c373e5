"""The SVG bar chart: well-formed XML, one bar per period with results, links, accessibility, escaping."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import pytest

from api.web.chart import CHAR, HEIGHT, MIN_BAR, ChartBar, bar_chart, bar_chart_svg, label_step

NS = {"svg": "http://www.w3.org/2000/svg"}
SVG = "{http://www.w3.org/2000/svg}"


def parse(bars: list[ChartBar], **kwargs: str) -> ET.Element:
    options = {"title": "Results per year", "desc": "Dated results: 6", "id_prefix": "tl", **kwargs}
    return ET.fromstring(str(bar_chart(bars, **options)))


def years(*counts: int) -> list[ChartBar]:
    return [
        ChartBar(str(2010 + i), f"{2010 + i}: {n}", n, f"/?year={2010 + i}" if n else None)
        for i, n in enumerate(counts)
    ]


def test_the_chart_is_well_formed_svg_with_a_bar_and_a_link_per_period_with_results() -> None:
    svg = parse(years(3, 0, 1, 2))
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    links = svg.findall(".//svg:a", NS)
    assert [a.get("href") for a in links] == ["/?year=2010", "/?year=2012", "/?year=2013"]
    fills = svg.findall(".//svg:rect[@class='fill']", NS)
    assert len(fills) == 3  # the empty year keeps its slot but draws nothing
    heights = [float(r.get("height", "")) for r in fills]
    assert heights[0] == max(heights)
    assert heights[1] * 3 == pytest.approx(heights[0], abs=0.05)  # proportional to the counts (rounded)
    assert [a.findtext("svg:title", namespaces=NS) for a in links] == ["2010: 3", "2012: 1", "2013: 2"]
    # Every link's target is the whole column, so a short bar is as easy to click as a tall one.
    targets = [a.find("svg:rect[@class='target']", NS) for a in links]
    heights_of_targets = {t.get("height") if t is not None else None for t in targets}
    assert len(heights_of_targets) == 1
    assert float(heights_of_targets.pop() or 0) >= max(heights)


def test_the_chart_is_an_image_named_by_its_title_and_description() -> None:
    svg = parse(years(1, 2), title="Results per year", desc="Dated results: 3")
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "tl-title tl-desc"
    title, desc = svg[0], svg[1]
    assert (title.tag, title.get("id"), title.text) == (f"{SVG}title", "tl-title", "Results per year")
    assert (desc.tag, desc.get("id"), desc.text) == (f"{SVG}desc", "tl-desc", "Dated results: 3")
    # The bars are for the pointer; the keyboard gets the same links in the page's table.
    assert {a.get("tabindex") for a in svg.findall(".//svg:a", NS)} == {"-1"}


def test_text_from_the_query_is_escaped_by_the_serializer() -> None:
    hostile = '</title><script>alert(1)</script><a href="javascript:x">'
    bars = [ChartBar('2010"><script>', hostile, 1, '/?q="><script>alert(1)</script>&year=2010')]
    markup = str(bar_chart(bars, title=hostile, desc=hostile, id_prefix="tl"))
    assert "<script" not in markup
    svg = ET.fromstring(markup)
    assert svg.findtext("svg:title", namespaces=NS) == hostile  # read back exactly as given
    (link,) = svg.findall(".//svg:a", NS)
    assert link.get("href") == '/?q="><script>alert(1)</script>&year=2010'
    assert len(list(svg.iter(f"{SVG}script"))) == 0


def test_the_chart_has_no_inline_style_for_the_policy_to_block() -> None:
    svg = parse(years(5, 1, 0, 7))
    assert all(element.get("style") is None for element in svg.iter())
    assert "style" not in {element.tag.split("}")[-1] for element in svg.iter()}


def test_a_tiny_count_stays_visible_and_counts_are_localized() -> None:
    svg = parse(years(100_000, 1))
    fills = svg.findall(".//svg:rect[@class='fill']", NS)
    assert float(fills[1].get("height", "")) == MIN_BAR
    markup = str(bar_chart(years(1234, 2), title="t", desc="d", id_prefix="x", number=lambda n: f"{n:,}"))
    assert ">1,234</text>" in markup  # the axis writes the peak in the page's own way


def test_labels_never_overlap() -> None:
    bars = [ChartBar(f"{m:02d}/2024", "", m, None) for m in range(1, 25)]
    svg = bar_chart_svg(bars, title="t", desc="d", id_prefix="x")
    labels = [t for t in svg.iter("text") if t.get("class") == "label"]
    assert 1 < len(labels) < len(bars)
    xs = [float(t.get("x", "")) for t in labels]
    gaps = [b - a for a, b in itertools.pairwise(xs)]
    assert min(gaps) >= len("01/2024") * CHAR
    assert all(float(t.get("y", "")) < HEIGHT for t in labels)
    assert label_step(["2010"], 100.0) == 1
    assert label_step(["2010"] * 40, 5.0) > 1


def test_an_empty_chart_is_still_valid() -> None:
    svg = parse([])
    assert svg.findall(".//svg:a", NS) == []
    assert svg.get("role") == "img"
