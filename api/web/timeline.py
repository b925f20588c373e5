"""The timeline of a search on the search page: how many results were published per month or per year,
as a bar chart whose bars narrow the search to their period, and the same numbers as a table.

The counts come from the index's timeline (the one ``/api/v1/timeline`` serves), always per month; the
interval is chosen from their span, as a reader would choose the API's ``interval``: months when the
results span at most :data:`MAX_MONTH_BARS` months, otherwise years. Periods without results between
the first and the last are shown as empty bars, so the time axis is even. Undated results are not
counted (the page says how many).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from markupsafe import Markup
from starlette.requests import Request

from api.problems import Problem
from api.routes.common import context
from api.routes.search import OUTDATED
from api.web.chart import ChartBar, bar_chart
from api.web.i18n import Translator
from api.web.links import with_params
from index.errors import IndexMissing, IndexOutdated, QueryError
from index.request import SearchRequest

Interval = Literal["month", "year"]
MAX_MONTH_BARS = 24
"""Up to two years of results are shown month by month; a longer span year by year."""
MAX_BARS = 120
"""The most bars drawn (the latest periods): a stray date centuries off must not draw thousands."""


@dataclass(frozen=True)
class Period:
    key: str
    """``YYYY`` or ``YYYY-MM``: the value of the ``year`` or ``month`` filter that narrows to it."""
    name: str
    count: int
    url: str | None
    """The search narrowed to this period; None when it has no results or the search is narrowed to it
    already."""


@dataclass(frozen=True)
class TimelineView:
    interval: Interval
    periods: list[Period]
    dated: int
    """Results counted in the bars."""
    undated: int
    """Results without a publication date (not in any bar)."""
    title: str
    summary: str
    svg: Markup


def _month_number(period: str) -> int:
    year, month = period.split("-")
    return int(year) * 12 + int(month) - 1


def _month_key(number: int) -> str:
    return f"{number // 12:04d}-{number % 12 + 1:02d}"


def choose_interval(months: Sequence[tuple[str, int]]) -> Interval:
    """``month`` when the (sorted) monthly counts span at most :data:`MAX_MONTH_BARS` months."""
    if not months:
        return "month"
    span = _month_number(months[-1][0]) - _month_number(months[0][0]) + 1
    return "month" if span <= MAX_MONTH_BARS else "year"


def periods(months: Sequence[tuple[str, int]], interval: Interval) -> list[tuple[str, int]]:
    """The counts per period from the first to the last with results, empty periods included (the latest
    :data:`MAX_BARS` of them). ``months``: ``(YYYY-MM, count)`` sorted by month."""
    if not months:
        return []
    if interval == "month":
        counts = Counter({_month_number(key): n for key, n in months})
        keys = [_month_key(k) for k in range(min(counts), max(counts) + 1)]
        by_key = {_month_key(k): n for k, n in counts.items()}
    else:
        years: Counter[int] = Counter()
        for key, n in months:
            years[int(key[:4])] += n
        keys = [f"{year:04d}" for year in range(min(years), max(years) + 1)]
        by_key = {f"{year:04d}": n for year, n in years.items()}
    return [(key, by_key.get(key, 0)) for key in keys[-MAX_BARS:]]


async def month_counts(request: Request, search_req: SearchRequest) -> list[tuple[str, int]]:
    """``(YYYY-MM, count)`` of the search's results, by month; empty when there is no index yet."""
    try:
        ctx = context(request)
        return await ctx.in_search_thread(ctx.search.timeline, search_req, "month")
    except (IndexMissing, QueryError):
        # No index yet, or a query the search itself already refused: no timeline to draw.
        return []
    except IndexOutdated:
        raise Problem(503, "index-outdated", "Index needs a rebuild", OUTDATED) from None


def timeline_view(
    months: Sequence[tuple[str, int]],
    *,
    total: int,
    t: Translator,
    path: str,
    params: Mapping[str, str],
) -> TimelineView | None:
    """The chart and table of ``months`` (as :func:`month_counts` gives them) for a search of ``total``
    results at ``path`` with ``params``; None when the dated results fall in one period (nothing to
    compare; the result count says it all) or none."""
    interval = choose_interval(months)
    rows = periods(months, interval)
    if len(rows) < 2:
        return None

    def name(key: str, *, short: bool = False) -> str:
        if interval == "year":
            return key
        year, month = key.split("-")
        return t("chart.month_short" if short else "chart.month", year=year, month=int(month))

    shown = [
        Period(
            key=key,
            name=name(key),
            count=n,
            # No link for an empty period, nor for the one the search is already narrowed to.
            url=with_params(path, params, **{interval: key, "offset": None})
            if n and params.get(interval) != key
            else None,
        )
        for key, n in rows
    ]
    dated = sum(p.count for p in shown)
    peak = max(shown, key=lambda p: p.count)
    title = t(f"chart.title_{interval}")
    summary = t(
        "chart.summary",
        total=t.number(dated),
        first=shown[0].name,
        last=shown[-1].name,
        peak=peak.name,
        peak_count=t.number(peak.count),
    )
    bars = [
        ChartBar(
            label=name(p.key, short=True),
            title=t("chart.bar", period=p.name, count=t.number(p.count)),
            count=p.count,
            url=p.url,
        )
        for p in shown
    ]
    svg = bar_chart(bars, title=title, desc=summary, id_prefix="timeline", number=t.number)
    return TimelineView(
        interval=interval,
        periods=shown,
        dated=dated,
        undated=max(total - sum(n for _, n in months), 0),
        title=title,
        summary=summary,
        svg=svg,
    )
