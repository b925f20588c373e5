"""Interface languages of the web pages: Vietnamese by default, English on request.

The strings live in ``locales/<lang>.json`` (flat ``{"key": "text with {placeholders}"}``), loaded once.
The language of a request is ``?lang=`` when given (anything but ``vi``/``en`` is a 400), otherwise the
best supported entry of ``Accept-Language``, otherwise Vietnamese.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib.resources import files
from typing import Literal, cast
from zoneinfo import ZoneInfo

from api.params import bad_parameter

Lang = Literal["vi", "en"]
LANGS: tuple[Lang, ...] = ("vi", "en")
DEFAULT_LANG: Lang = "vi"
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@cache
def messages(lang: Lang) -> dict[str, str]:
    """The strings of one language (read once from the package)."""
    text = files("api.web").joinpath("locales", f"{lang}.json").read_text(encoding="utf-8")
    data = json.loads(text)
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ValueError(f"locales/{lang}.json must be an object of strings")
    return cast(dict[str, str], data)


def from_accept_language(header: str) -> Lang | None:
    """The supported language the client prefers most (``q`` weights honoured), or None."""
    best: tuple[float, int, Lang] | None = None
    for position, item in enumerate(header.split(",")):
        tag, _, params = item.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in LANGS:
            continue
        weight = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if weight <= 0:
            continue
        # Higher weight wins; on a tie the earlier entry does.
        candidate = (weight, -position, primary)
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    return best[2] if best else None


def negotiate(query_lang: str | None, accept_language: str | None) -> tuple[Lang, bool]:
    """(language, chosen explicitly by ``?lang=``). A ``lang`` that is not supported is a 400 problem."""
    if query_lang:
        if query_lang not in LANGS:
            raise bad_parameter("lang", f"must be one of {', '.join(LANGS)}")
        return query_lang, True
    return from_accept_language(accept_language or "") or DEFAULT_LANG, False


@dataclass(frozen=True)
class Translator:
    """Strings, numbers and dates in one language; templates call it as ``t("key", name=value)``."""

    lang: Lang

    def __call__(self, key: str, **values: object) -> str:
        text = messages(self.lang)[key]
        return text.format(**values) if values else text

    def number(self, value: int | float) -> str:
        """``1234`` as ``1.234`` (vi) or ``1,234`` (en); fractions with two decimals."""
        text = f"{value:,}" if isinstance(value, int) else f"{value:,.2f}"
        if self.lang == "vi":
            text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
        return text

    def day(self, moment: datetime | None) -> str:
        """A day in Vietnamese time: ``05/07/2010`` (vi) or ``2010-07-05`` (en); empty for None."""
        if moment is None:
            return ""
        return moment.astimezone(LOCAL_TZ).strftime(self("format.date"))

    def when(self, moment: datetime | None) -> str:
        """Day and time in Vietnamese time (``05/07/2010 08:10``); the time is left out at midnight,
        which is what a page that gave only a date yields."""
        if moment is None:
            return ""
        local = moment.astimezone(LOCAL_TZ)
        if (local.hour, local.minute, local.second) == (0, 0, 0):
            return self.day(local)
        return local.strftime(self("format.datetime"))
