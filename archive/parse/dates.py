"""Parsing the dates Vietnamese government sites print.

:func:`find_dates` finds every date expression in a text (numeric d/m/y, "ngày 5 tháng 7 năm
2010", ISO 8601, RFC 2822, English CMS leftovers), with an adjacent time ("14:30", "14h30", "14 giờ
30 phút", before or after the date), weekday ("Thứ Hai", "Thứ 2", "Chủ nhật", "Friday") and UTC
offset ("GMT+7", "+07:00", "Z"). :func:`parse_date` returns the first one's value.

Values are aware datetimes in Asia/Ho_Chi_Minh (UTC+7), midnight when no time is given. Numeric
dates are day first, as Vietnam writes them. A date is rejected when it does not exist (31/02),
is before 1990, or is more than a day after ``now`` (the capture time).

Keywords are matched in NFC or NFD and in any case; other normalisation is the caller's (pass
:func:`archive.parse.text.clean_text` output). Spans index the text as given.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Final, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["VN_TZ", "DateMatch", "find_dates", "parse_date"]


def _load_tz() -> tzinfo:
    try:
        return ZoneInfo("Asia/Ho_Chi_Minh")
    except ZoneInfoNotFoundError:
        # No tzdata on this machine. Vietnam has kept UTC+7 without DST since 1975, so a fixed
        # offset is exact for every date we accept.
        return timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")


VN_TZ: Final[tzinfo] = _load_tz()
MIN_YEAR: Final = 1990
FUTURE_SLOP: Final = timedelta(days=1)  # sites stamp local time with a wrong zone, or vice versa


class DateMatch(NamedTuple):
    """A date expression found by :func:`find_dates`; ``text == source[start:end]``."""

    value: datetime
    start: int
    end: int
    text: str
    has_time: bool


def _kw(phrase: str) -> str:
    """Regex for a Vietnamese phrase in NFC or NFD, any run of whitespace between words."""
    parts: list[str] = []
    for ch in phrase:
        decomposed = unicodedata.normalize("NFD", ch)
        if ch == " ":
            parts.append(r"\s+")
        elif decomposed == ch:
            parts.append(re.escape(ch))
        else:
            parts.append(f"(?:{re.escape(ch)}|{re.escape(decomposed)})")
    return "".join(parts)


def _alternation(words: list[str]) -> str:
    # Longest first so "mười một" wins over "mười" and "sept" over "sep".
    return "(?:" + "|".join(_kw(w) for w in sorted(words, key=len, reverse=True)) + r")(?!\w)"


_EN_MONTHS: Final = {
    name: number
    for number, full in enumerate(
        (
            *("january", "february", "march", "april", "may", "june", "july"),
            *("august", "september", "october", "november", "december"),
        ),
        start=1,
    )
    for name in (full, full[:3])
} | {"sept": 9}
_VI_MONTHS: Final = {
    **{"giêng": 1, "một": 1, "hai": 2, "ba": 3, "tư": 4, "bốn": 4, "năm": 5, "sáu": 6},
    **{"bảy": 7, "bẩy": 7, "tám": 8, "chín": 9, "mười": 10, "mười một": 11, "mười hai": 12},
    "chạp": 12,
}
_EN_MONTH: Final = _alternation(list(_EN_MONTHS))
_VI_MONTH: Final = _alternation(list(_VI_MONTHS))
_WEEKDAY: Final = (
    _kw("thứ")
    + r"\s*(?:"
    + _alternation(["hai", "ba", "tư", "năm", "sáu", "bảy", "bẩy"])
    + r"|[2-7](?!\d))|"
    + _alternation(["chủ nhật", "cn"])
    + "|"
    + _alternation(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])
    + "|"
    + _alternation(["mon", "tue", "wed", "thu", "fri", "sat", "sun"])
)
_NGAY: Final = _kw("ngày")
_THANG: Final = _kw("tháng")
_NAM: Final = _kw("năm")
_ORDINAL: Final = r"(?:st|nd|rd|th)?"

# One row per date shape. Groups: y, m (digits) / vm (Vietnamese word) / em (English), d; ISO
# rows may carry H, M, S and an offset. Order does not matter: the leftmost, longest match wins.
_DATE_PATTERNS: Final = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        # ISO 8601 and year-first numerals: 2010-07-05, 2010-07-05T14:30:00+07:00, 2010/07/05.
        r"(?<![\d.])(?P<y>(?:19|20)\d\d)(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"
        r"(?:(?:T|\s+)(?P<H>\d{1,2}):(?P<M>\d\d)(?::(?P<S>\d\d)(?:[.,]\d+)?)?"
        r"(?P<off>Z|[+-]\d\d:?\d\d)?)?(?![\d:])",
        # Day first: 05/07/2010, 5-7-2010, 05.07.2010, 05/07/10. Not legal document numbers
        # such as 12/05/2010/NĐ-CP, hence the trailing "/" guard.
        rf"(?:{_NGAY}\s*)?(?<![\d/.\-])(?P<d>\d{{1,2}})(?P<sep>[/.\-])(?P<m>\d{{1,2}})(?P=sep)"
        r"(?P<y>\d{4}|\d\d)(?!\d|[/.\-]\d|/)",
        # ngày 05 tháng 7 năm 2010, 25 Tháng 1 2022, 25 tháng 01, 2022, 5 tháng Bảy năm 2010.
        rf"(?:{_NGAY}\s*)?(?<!\d)(?P<d>\d{{1,2}})\s*{_THANG}\s*(?:(?P<m>\d{{1,2}})|(?P<vm>{_VI_MONTH}))"
        rf"(?:\s*,?\s*{_NAM}\s*|\s*,\s*|\s+)(?P<y>\d{{4}})(?!\d)",
        # Month first, as WordPress prints "F j, Y" in Vietnamese: Tháng 7 05, 2010.
        rf"{_THANG}\s*(?:(?P<m>\d{{1,2}})|(?P<vm>{_VI_MONTH}))\s+(?P<d>\d{{1,2}})\s*,\s*"
        r"(?P<y>\d{4})(?!\d)",
        # 18 October 2019, 18 Oct. 2019, 05 Jul 2010 (RFC 2822).
        rf"(?<!\d)(?P<d>\d{{1,2}}){_ORDINAL}\s+(?:of\s+)?(?P<em>{_EN_MONTH})\.?,?\s+"
        r"(?P<y>\d{4})(?!\d)",
        # October 18, 2019.
        rf"(?<![^\W\d_])(?P<em>{_EN_MONTH})\.?\s+(?P<d>\d{{1,2}}){_ORDINAL},?\s+(?P<y>\d{{4}})(?!\d)",
    )
)

_TIME: Final = (
    r"(?<![\d:.])(?P<H>[01]?\d|2[0-3])\s*"
    r"(?::\s*(?P<M>[0-5]\d)(?::(?P<S>[0-5]\d))?"
    rf"|(?:h|{_kw('giờ')})(?:\s*(?P<M2>[0-5]\d)(?:\s*{_kw('phút')})?)?(?![^\W\d_]))(?!\d)"
    r"(?:\s*(?P<ampm>a\.?m\.?|p\.?m\.?|sa|ch)(?!\w))?"
)
_OFFSET: Final = (
    r"(?:\s*\(?\s*(?P<gmt>gmt|utc)(?:\s*(?P<gsign>[+-])\s*(?P<gh>\d{1,2})(?::?(?P<gm>\d\d))?)?"
    r"\s*\)?|(?P<z>Z)(?!\w)|\s?(?P<off>[+-]\d\d:?\d\d)(?!\d))"
)
_LEAD: Final = rf"(?:{_kw('lúc')}|{_kw('vào lúc')}|at)\s*"
_OFFSET_AFTER: Final = re.compile(_OFFSET, re.I)
_TIME_AFTER: Final = re.compile(rf"[\s,;|\-–—@(]*(?:{_LEAD})?{_TIME}(?:{_OFFSET})?", re.I)
_TIME_BEFORE: Final = re.compile(rf"{_TIME}[\s,;|\-–—]*(?:(?:{_NGAY}|{_LEAD})\s*)?\Z", re.I)
_WEEKDAY_BEFORE: Final = re.compile(rf"(?<!\w)(?:{_WEEKDAY})\.?\s*[,\-–]?\s*\Z", re.I)
_LOOKBACK: Final = 40  # characters searched before a date for its time or weekday


def _month(g: dict[str, str | None]) -> int:
    if g.get("m"):
        return int(g["m"] or 0)
    vm, em = g.get("vm"), g.get("em")
    word = " ".join(unicodedata.normalize("NFC", vm or em or "").lower().split())
    return _VI_MONTHS[word] if vm else _EN_MONTHS[word]


def _year(digits: str, now: datetime) -> int:
    year = int(digits)
    if len(digits) == 2:
        year += 2000 if 2000 + year <= now.year else 1900
    return year


def _time(m: re.Match[str]) -> tuple[int, int, int]:
    g = m.groupdict()
    hour, minute, second = int(g["H"]), int(g["M"] or g.get("M2") or 0), int(g["S"] or 0)
    ampm = (g.get("ampm") or "").lower().replace(".", "")
    if ampm in ("pm", "ch") and hour < 12:
        hour += 12
    elif ampm in ("am", "sa") and hour == 12:
        hour = 0
    return hour, minute, second


def _offset(m: re.Match[str]) -> timedelta | None:
    """The UTC offset a match states, or None (local time)."""
    g = m.groupdict()
    if g.get("z"):
        return timedelta(0)
    if g.get("gmt"):
        if not g["gsign"]:
            return timedelta(0)
        delta = timedelta(hours=int(g["gh"]), minutes=int(g["gm"] or 0))
        return -delta if g["gsign"] == "-" else delta
    if g.get("off"):
        raw = g["off"].replace(":", "")
        if raw == "Z":
            return timedelta(0)
        delta = timedelta(hours=int(raw[1:3]), minutes=int(raw[3:5]))
        return -delta if raw[0] == "-" else delta
    return None


def _aware(
    date: tuple[int, int, int], clock: tuple[int, int, int], offset: timedelta | None, now: datetime
) -> datetime | None:
    """The instant in VN_TZ, or None if it does not exist or is out of range."""
    try:
        zone = VN_TZ if offset is None else timezone(offset)
        value = datetime(*date, *clock, tzinfo=zone).astimezone(VN_TZ)
    except (ValueError, OverflowError):
        return None
    if value.year < MIN_YEAR or value > now + FUTURE_SLOP:
        return None
    return value


def _now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(VN_TZ)
    return now if now.tzinfo is not None else now.replace(tzinfo=VN_TZ)


def find_dates(text: str, *, now: datetime | None = None) -> list[DateMatch]:
    """Every valid date expression in ``text``, in order and non-overlapping.

    A match's span covers the date, an adjacent time (before or after it), a weekday before it
    and a stated UTC offset. ``now`` is the capture time (default: the current time); dates more
    than a day after it are dropped, as are impossible dates and years before 1990.
    """
    now = _now(now)
    found: list[tuple[int, int, re.Match[str], tuple[int, int, int]]] = []
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            g = m.groupdict()
            if len(m["y"]) == 2 and g.get("sep") != "/":
                continue  # 05.07.10 is more often a section number than a date
            date = (_year(m["y"], now), _month(g), int(m["d"]))
            if _aware(date, (0, 0, 0), None, now) is not None:
                found.append((m.start(), m.end(), m, date))
    found.sort(key=lambda item: (item[0], -item[1]))

    chosen = [found[0]] if found else []
    for item in found[1:]:
        if item[0] >= chosen[-1][1]:
            chosen.append(item)

    matches: list[DateMatch] = []
    prev_end = 0  # a time or weekday belongs to one date only
    for i, (start, end, m, date) in enumerate(chosen):
        limit = chosen[i + 1][0] if i + 1 < len(chosen) else len(text)
        floor = max(prev_end, start - _LOOKBACK)
        clock, offset, has_time = (0, 0, 0), None, False
        if m.groupdict().get("H"):  # ISO with its own time; "2010-07-05 07:30 GMT" states a zone
            clock, offset, has_time = _time(m), _offset(m), True
            if offset is None and (zone := _OFFSET_AFTER.match(text, end, limit)) is not None:
                offset, end = _offset(zone), zone.end()
        elif (after := _TIME_AFTER.match(text, end, limit)) is not None:
            clock, offset, has_time, end = _time(after), _offset(after), True, after.end()
        elif (before := _TIME_BEFORE.search(text, floor, start)) is not None:
            clock, has_time, start = _time(before), True, before.start()
        if (weekday := _WEEKDAY_BEFORE.search(text, floor, start)) is not None:
            start = weekday.start()
        prev_end = end
        value = _aware(date, clock, offset, now)
        if value is not None:
            matches.append(DateMatch(value, start, end, text[start:end], has_time))
    return matches


def parse_date(text: str, *, now: datetime | None = None) -> datetime | None:
    """The first date expression in ``text`` (labels around it are ignored), or None.

    Aware, in Asia/Ho_Chi_Minh; midnight when no time is given. See :func:`find_dates`.
    """
    matches = find_dates(text, now=now)
    return matches[0].value if matches else None
