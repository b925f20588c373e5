"""Tests for archive.parse.dates: parse_date and find_dates."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfoNotFoundError

import pytest

import archive.parse.dates as dates_module
from archive.parse.dates import VN_TZ, DateMatch, find_dates, parse_date

NOW = datetime(2026, 7, 1, 12, 0, tzinfo=VN_TZ)  # the capture time
PLUS7 = timedelta(hours=7)


def vn(year: int, month: int, day: int, hour: int = 0, minute: int = 0, sec: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, sec, tzinfo=VN_TZ)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ngày 05 tháng 7 năm 2010", vn(2010, 7, 5)),
        ("ngày 5/7/2010", vn(2010, 7, 5)),
        ("Thứ Hai, 05/07/2010 - 14:30", vn(2010, 7, 5, 14, 30)),
        ("Thứ hai, 05/07/2010, 14:30 (GMT+7)", vn(2010, 7, 5, 14, 30)),
        ("05/07/2010 14:30", vn(2010, 7, 5, 14, 30)),
        ("05-07-2010", vn(2010, 7, 5)),
        ("05.07.2010", vn(2010, 7, 5)),
        ("14h30 ngày 5/7/2010", vn(2010, 7, 5, 14, 30)),
        ("14 giờ 30 phút, ngày 5/7/2010", vn(2010, 7, 5, 14, 30)),
        ("Cập nhật lúc 14:30 05/07/2010", vn(2010, 7, 5, 14, 30)),
        ("Cập nhật: 05/07/2010 14:30", vn(2010, 7, 5, 14, 30)),
        ("Ngày đăng: 25/01/2022 16:22", vn(2022, 1, 25, 16, 22)),
        ("(29/06/2026, 14:49)", vn(2026, 6, 29, 14, 49)),
        ("25 Tháng 1 2022 16:22", vn(2022, 1, 25, 16, 22)),
        ("25 tháng 01, 2022", vn(2022, 1, 25)),
        ("Hà Nội, ngày 05 tháng 7 năm 2010", vn(2010, 7, 5)),
        ("Tháng 7 05, 2010", vn(2010, 7, 5)),
        ("Tháng Bảy 5, 2010", vn(2010, 7, 5)),
        ("ngày 5 tháng Mười Hai năm 2010", vn(2010, 12, 5)),
        ("ngày 1 tháng Giêng năm 2011", vn(2011, 1, 1)),
        ("18 October 2019", vn(2019, 10, 18)),
        ("October 18, 2019", vn(2019, 10, 18)),
        ("Friday, 18 October 2019 - 10:15", vn(2019, 10, 18, 10, 15)),
        ("18 Oct 2019", vn(2019, 10, 18)),
        ("Sept. 3, 2019", vn(2019, 9, 3)),
        ("2010-07-05", vn(2010, 7, 5)),
        ("2010/07/05", vn(2010, 7, 5)),
        ("2010-07-05T14:30:00+07:00", vn(2010, 7, 5, 14, 30)),
        ("2010-07-05T07:30:00Z", vn(2010, 7, 5, 14, 30)),
        ("2010-07-05T07:30:00.000Z", vn(2010, 7, 5, 14, 30)),
        ("2010-07-05T14:30:00.123+0700", vn(2010, 7, 5, 14, 30)),
        ("2010-07-05T09:30:00+09:00", vn(2010, 7, 5, 7, 30)),
        ("2010-07-05 14:30:00", vn(2010, 7, 5, 14, 30)),
        ("2010-07-05 07:30:00 GMT", vn(2010, 7, 5, 14, 30)),
        ("2010-07-05 14:30 +07:00", vn(2010, 7, 5, 14, 30)),
        ("Mon, 05 Jul 2010 07:30:00 GMT", vn(2010, 7, 5, 14, 30)),
        ("Mon, 05 Jul 2010 07:30:00 +0000", vn(2010, 7, 5, 14, 30)),
        ("05/07/10", vn(2010, 7, 5)),
        ("05/07/99", vn(1999, 7, 5)),
        ("Thứ 2, 05/07/2010", vn(2010, 7, 5)),
        ("THỨ HAI, 05/07/2010 08:05:09", vn(2010, 7, 5, 8, 5, 9)),
        ("Chủ nhật, 04/07/2010 2:30 PM", vn(2010, 7, 4, 14, 30)),
        ("04/07/2010 12:10 SA", vn(2010, 7, 4, 0, 10)),
        ("05/07/2010 lúc 9h", vn(2010, 7, 5, 9)),
        ("05/07/2010 14:30 GMT+0", vn(2010, 7, 5, 21, 30)),
        ("05/07/2010 14:30 UTC", vn(2010, 7, 5, 21, 30)),
    ],
)
def test_parse_date(text: str, expected: datetime) -> None:
    value = parse_date(text, now=NOW)
    assert value == expected
    assert value is not None
    assert value.utcoffset() == PLUS7
    assert (value.hour, value.minute, value.second) == (
        expected.hour,
        expected.minute,
        expected.second,
    )


def test_nfd_keywords_are_matched() -> None:
    nfd = unicodedata.normalize("NFD", "Thứ Hai, ngày 05 tháng Bảy năm 2010")
    assert parse_date(nfd, now=NOW) == vn(2010, 7, 5)
    match = find_dates(nfd, now=NOW)[0]
    assert (match.start, match.end) == (0, len(nfd))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "không có ngày",
        "31/02/2010",  # does not exist
        "29/02/2011",
        "32/01/2010",
        "05/13/2010",  # day first: month 13
        "05/07/1989",  # before 1990
        "ngày 5 tháng 7 năm 1975",
        "05/07/2027",  # after the capture year
        "03/07/2026",  # two days after the capture
        "05.07.10",  # two-digit years only with slashes
        "Nghị định 12/05/2010/NĐ-CP",  # a legal document number, not a date
        "Thông tư số 15/2010/TT-BTC",
        "v1.2.3 12:30",
    ],
)
def test_rejected(text: str) -> None:
    assert parse_date(text, now=NOW) is None


def test_timezone_slop_of_one_day_is_allowed() -> None:
    assert parse_date("02/07/2026", now=NOW) == vn(2026, 7, 2)
    assert parse_date("02/07/2026 11:00", now=NOW) == vn(2026, 7, 2, 11)
    assert parse_date("02/07/2026 13:00", now=NOW) is None


def test_a_future_time_drops_the_whole_date() -> None:
    assert find_dates("Tin 02/07/2026 23:00", now=NOW) == []


def test_now_defaults_to_the_current_time() -> None:
    today = datetime.now(VN_TZ)
    assert parse_date(today.strftime("%d/%m/%Y")) == vn(today.year, today.month, today.day)
    assert parse_date(f"05/07/{today.year + 1}") is None


def test_naive_now_is_vietnamese_local_time() -> None:
    assert parse_date("01/07/2026 20:00", now=datetime(2026, 7, 1)) == vn(2026, 7, 1, 20)


def test_utc_now_is_accepted() -> None:
    now = datetime(2026, 7, 1, 5, 0, tzinfo=UTC)
    assert parse_date("01/07/2026 12:00", now=now) == vn(2026, 7, 1, 12)


def test_find_dates_spans() -> None:
    text = (
        "Hà Nội, ngày 05 tháng 7 năm 2010. Theo Quyết định 12/QĐ-UBND ngày 3/2/2010 và "
        "Thông tư 15/2010/TT-BTC, từ 14h30 ngày 6/7/2010 đến Thứ Hai, 12/07/2010 - 08:00 (GMT+7)."
    )
    matches = find_dates(text, now=NOW)
    assert [m.text for m in matches] == [
        "ngày 05 tháng 7 năm 2010",
        "ngày 3/2/2010",
        "14h30 ngày 6/7/2010",
        "Thứ Hai, 12/07/2010 - 08:00 (GMT+7)",
    ]
    for m in matches:
        assert text[m.start : m.end] == m.text
    assert [m.value for m in matches] == [
        vn(2010, 7, 5),
        vn(2010, 2, 3),
        vn(2010, 7, 6, 14, 30),
        vn(2010, 7, 12, 8),
    ]
    assert [m.has_time for m in matches] == [False, False, True, True]


def test_find_dates_returns_date_matches() -> None:
    assert find_dates("Cập nhật: 05/07/2010 14:30", now=NOW) == [
        DateMatch(vn(2010, 7, 5, 14, 30), 10, 26, "05/07/2010 14:30", True)
    ]


def test_a_time_belongs_to_one_date_only() -> None:
    matches = find_dates("05/07/2010 14:30 06/07/2010", now=NOW)
    assert [(m.text, m.has_time) for m in matches] == [
        ("05/07/2010 14:30", True),
        ("06/07/2010", False),
    ]


def test_invalid_candidates_do_not_hide_later_dates() -> None:
    matches = find_dates("31/02/2010, 01/03/2010 và 05/07/2030", now=NOW)
    assert [m.text for m in matches] == ["01/03/2010"]


def test_parse_date_takes_the_first_date() -> None:
    assert parse_date("Đăng 05/07/2010, sửa 06/07/2010", now=NOW) == vn(2010, 7, 5)


def test_fixed_offset_fallback_without_tzdata(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(key: str) -> None:
        raise ZoneInfoNotFoundError(key)

    monkeypatch.setattr(dates_module, "ZoneInfo", missing)
    tz = dates_module._load_tz()
    assert tz == timezone(PLUS7, "Asia/Ho_Chi_Minh")
    assert datetime(2010, 7, 5, 14, 30, tzinfo=tz) == vn(2010, 7, 5, 14, 30)
    assert datetime(2010, 7, 5, tzinfo=tz).isoformat() == "2010-07-05T00:00:00+07:00"
