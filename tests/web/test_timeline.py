"""The search page's timeline: interval from the span, even time axis, links that narrow the search."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

from api.web.i18n import Translator
from api.web.timeline import MAX_BARS, MAX_MONTH_BARS, choose_interval, periods, timeline_view

NS = {"svg": "http://www.w3.org/2000/svg"}


def test_the_interval_is_months_up_to_two_years_and_years_beyond() -> None:
    assert choose_interval([]) == "month"
    assert choose_interval([("2024-05", 3)]) == "month"
    assert choose_interval([("2023-01", 1), ("2024-12", 1)]) == "month"  # 24 months
    assert MAX_MONTH_BARS == 24
    assert choose_interval([("2023-01", 1), ("2025-01", 1)]) == "year"  # 25 months


def test_empty_periods_between_are_filled_so_the_axis_is_even() -> None:
    months = [("2023-11", 2), ("2024-02", 1)]
    assert periods(months, "month") == [("2023-11", 2), ("2023-12", 0), ("2024-01", 0), ("2024-02", 1)]
    assert periods([("2010-07", 1), ("2012-03", 2), ("2012-09", 3)], "year") == [
        ("2010", 1),
        ("2011", 0),
        ("2012", 5),
    ]
    assert periods([], "year") == []


def test_a_stray_date_centuries_off_does_not_draw_thousands_of_bars() -> None:
    rows = periods([("0001-01", 1), ("2024-05", 4)], "year")
    assert len(rows) == MAX_BARS
    assert rows[-1] == ("2024", 4)


def test_the_view_links_each_period_keeping_the_search() -> None:
    t = Translator("vi")
    params = {"q": "hoi nghi", "source": "demo-stttt", "offset": "20", "lang": "vi"}
    view = timeline_view(
        [("2010-07", 1), ("2012-03", 2), ("2012-09", 3)], total=7, t=t, path="/", params=params
    )
    assert view is not None
    assert view.interval == "year"
    assert [(p.key, p.count) for p in view.periods] == [("2010", 1), ("2011", 0), ("2012", 5)]
    assert view.periods[1].url is None  # nothing to narrow to
    link = view.periods[2].url
    assert link is not None
    assert parse_qs(urlsplit(link).query) == {
        "q": ["hoi nghi"],
        "source": ["demo-stttt"],
        "lang": ["vi"],
        "year": ["2012"],
    }  # the same search, this year, from its first page
    assert (view.dated, view.undated) == (6, 1)
    assert view.summary == "Kết quả có ngày đăng: 6, từ 2010 đến 2012; nhiều nhất vào 2012 (5)."
    svg = ET.fromstring(str(view.svg))
    assert [a.get("href") for a in svg.findall(".//svg:a", NS)] == [
        view.periods[0].url,
        view.periods[2].url,
    ]


def test_months_are_named_in_the_pages_language_and_link_by_month() -> None:
    months = [("2024-05", 2), ("2024-06", 1), ("2024-12", 1)]
    vi = timeline_view(months, total=4, t=Translator("vi"), path="/", params={"year": "2024"})
    en = timeline_view(months, total=4, t=Translator("en"), path="/", params={"year": "2024"})
    assert vi is not None
    assert en is not None
    assert vi.interval == en.interval == "month"
    assert len(vi.periods) == 8
    assert vi.periods[0].name == "tháng 5/2024"
    assert en.periods[0].name == "2024-05"
    assert (vi.title, en.title) == ("Số kết quả theo tháng", "Results per month")
    assert vi.periods[0].url == "/?year=2024&month=2024-05"
    labels = [
        t.text for t in ET.fromstring(str(vi.svg)).iter(f"{{{NS['svg']}}}text") if t.get("class") == "label"
    ]
    assert labels[0] == "05/2024"


def test_the_period_already_chosen_is_not_a_link_to_itself() -> None:
    # (A filter on a period normally leaves only that period or finer ones; the guard is for the rest.)
    view = timeline_view(
        [("2022-01", 1), ("2024-05", 2)], total=3, t=Translator("en"), path="/", params={"year": "2024"}
    )
    assert view is not None
    assert view.interval == "year"
    assert [p.url for p in view.periods] == ["/?year=2022", None, None]
    assert len(ET.fromstring(str(view.svg)).findall(".//svg:a", NS)) == 1


def test_one_period_or_none_is_no_chart() -> None:
    assert timeline_view([], total=3, t=Translator("vi"), path="/", params={}) is None
    assert timeline_view([("2024-05", 2)], total=2, t=Translator("vi"), path="/", params={}) is None
