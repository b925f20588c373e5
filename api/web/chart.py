"""A server-rendered SVG bar chart, readable without JavaScript and allowed by the pages' strict policy.

The SVG is built with :mod:`xml.etree.ElementTree`, whose serializer escapes every text and attribute
(a query in the title cannot break out of it), and styled only by classes from ``web.css`` (the policy
allows no inline style). It is an image for assistive technology (``role="img"`` named by its
``<title>`` and ``<desc>``); the bars are links for the pointer, kept out of the tab order because the
page's data table offers the same links to the keyboard and to screen readers.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup

SVG_NS = "http://www.w3.org/2000/svg"

WIDTH = 480
HEIGHT = 170
LEFT = 36
"""Room for the count labels of the vertical axis."""
RIGHT = 6
TOP = 22
"""Room for a count above the tallest bar."""
BOTTOM = 24
"""Room for the period labels under the bars."""
FONT = 13
CHAR = 0.62 * FONT
"""A generous width of one digit or letter, to keep labels from overlapping."""
MIN_BAR = 2.0
"""A bar with any count stays visible however tall the tallest is."""
MAX_BAR = 44.0
"""A few bars stay bars, not blocks."""


@dataclass(frozen=True)
class ChartBar:
    """One bar: ``label`` under it, ``title`` as its tooltip, a link to ``url`` (None: no link)."""

    label: str
    title: str
    count: int
    url: str | None


def _n(value: float) -> str:
    """A coordinate as short text: at most two decimals, no trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _text(parent: ET.Element, x: float, y: float, text: str, cls: str, anchor: str = "middle") -> None:
    node = ET.SubElement(parent, "text", {"x": _n(x), "y": _n(y), "class": cls, "text-anchor": anchor})
    node.text = text


def label_step(labels: Sequence[str], slot: float) -> int:
    """Label every ``step``-th bar so that no two labels overlap."""
    widest = max((len(label) for label in labels), default=1) * CHAR + CHAR
    return max(1, math.ceil(widest / slot))


def bar_chart_svg(
    bars: Sequence[ChartBar],
    *,
    title: str,
    desc: str,
    id_prefix: str,
    number: Callable[[int], str] = str,
) -> ET.Element:
    """The chart as an ``<svg>`` element: ``id_prefix`` makes the ids of its title and description,
    ``number`` writes the counts (in the page's language)."""
    svg = ET.Element(
        "svg",
        {
            "xmlns": SVG_NS,
            "viewBox": f"0 0 {WIDTH} {HEIGHT}",
            "class": "chart",
            "role": "img",
            "aria-labelledby": f"{id_prefix}-title {id_prefix}-desc",
            "focusable": "false",
        },
    )
    ET.SubElement(svg, "title", {"id": f"{id_prefix}-title"}).text = title
    ET.SubElement(svg, "desc", {"id": f"{id_prefix}-desc"}).text = desc

    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    base = TOP + plot_h
    peak = max((bar.count for bar in bars), default=0) or 1
    slot = plot_w / max(len(bars), 1)
    width = min(max(slot * 0.78, 1.0), MAX_BAR)
    show_counts = all(len(number(bar.count)) * CHAR + 2 <= slot for bar in bars)

    axis = ET.SubElement(svg, "g", {"class": "axis"})
    for value, y in ((peak, TOP), (0, base)):
        ET.SubElement(axis, "line", {"x1": _n(LEFT), "x2": _n(WIDTH - RIGHT), "y1": _n(y), "y2": _n(y)})
        _text(axis, LEFT - 6, y + FONT * 0.35, number(value), "tick", "end")

    step = label_step([bar.label for bar in bars], slot)
    group = ET.SubElement(svg, "g", {"class": "bars"})
    labels = ET.SubElement(svg, "g", {"class": "labels"})
    for i, bar in enumerate(bars):
        x = LEFT + i * slot
        centre = x + slot / 2
        height = bar.count / peak * plot_h
        if bar.count:
            height = max(height, MIN_BAR)
        if bar.url is not None:
            holder = ET.SubElement(group, "a", {"href": bar.url, "class": "bar", "tabindex": "-1"})
            ET.SubElement(holder, "title").text = bar.title
            # The whole column is the target, so a short bar is as easy to click as a tall one.
            ET.SubElement(
                holder,
                "rect",
                {"class": "target", "x": _n(x), "y": _n(TOP), "width": _n(slot), "height": _n(plot_h)},
            )
        elif bar.count:
            holder = ET.SubElement(group, "g", {"class": "bar"})
            ET.SubElement(holder, "title").text = bar.title
        else:
            holder = None  # an empty period: its slot stays empty
        if holder is not None and bar.count:
            ET.SubElement(
                holder,
                "rect",
                {
                    "class": "fill",
                    "x": _n(centre - width / 2),
                    "y": _n(base - height),
                    "width": _n(width),
                    "height": _n(height),
                },
            )
        if holder is not None and bar.count and show_counts:
            _text(holder, centre, base - height - 4, number(bar.count), "count")
        if i % step == 0:
            _text(labels, centre, HEIGHT - 6, bar.label, "label")
    return svg


def bar_chart(
    bars: Sequence[ChartBar],
    *,
    title: str,
    desc: str,
    id_prefix: str,
    number: Callable[[int], str] = str,
) -> Markup:
    """The chart as markup for a template (arguments as for :func:`bar_chart_svg`)."""
    svg = bar_chart_svg(bars, title=title, desc=desc, id_prefix=id_prefix, number=number)
    # Safe: the serializer escapes every text and attribute value it writes.
    return Markup(ET.tostring(svg, encoding="unicode"))
