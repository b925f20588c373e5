"""Interface strings and language negotiation."""

from __future__ import annotations

import re
import string
import typing
from datetime import UTC, datetime

import pytest

from api.problems import Problem
from api.web.i18n import LANGS, Translator, from_accept_language, messages, negotiate
from archive.model import Content, DateOrigin
from index.schema import FACET_FIELDS


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_language_has_the_same_keys_and_placeholders() -> None:
    vi, en = messages("vi"), messages("en")
    assert set(vi) == set(en)
    for key in vi:
        assert placeholders(vi[key]) == placeholders(en[key]), key
        assert vi[key].strip(), key
        assert en[key].strip(), key


def test_every_key_used_by_the_templates_exists() -> None:
    from importlib.resources import files

    used: set[str] = set()
    prefixes: set[str] = set()
    for entry in files("api.web").joinpath("templates").iterdir():
        text = entry.read_text(encoding="utf-8")
        used |= set(re.findall(r"""\bt\(["']([a-z0-9_.-]*[a-z0-9])["']""", text))
        prefixes |= set(re.findall(r"""\bt\(["']([a-z0-9_.-]+\.)["'] ~""", text))
    assert len(used) > 50
    assert used <= set(messages("vi")), used - set(messages("vi"))
    assert prefixes == {"facet.", "sort.", "field.", "origin."}


def test_labels_cover_every_field_facet_and_date_origin() -> None:
    keys = set(messages("vi"))
    assert {f"field.{name}" for name in Content.model_fields} <= keys
    assert {f"facet.{name}" for name in FACET_FIELDS} <= keys
    assert {f"origin.{origin}" for origin in typing.get_args(DateOrigin)} <= keys


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("", None),
        ("en", "en"),
        ("en-GB,en;q=0.9", "en"),
        ("vi-VN,vi;q=0.9,en;q=0.8", "vi"),
        ("fr-FR, en;q=0.5, vi;q=0.4", "en"),
        ("vi;q=0.1, en;q=0.2", "en"),
        ("en;q=0.5, vi;q=0.5", "en"),  # a tie goes to the earlier entry
        ("en;q=0, vi;q=0.1", "vi"),
        ("en;q=abc", None),
        ("de, fr", None),
        ("*", None),
    ],
)
def test_accept_language(header: str, expected: str | None) -> None:
    assert from_accept_language(header) == expected


def test_negotiate() -> None:
    assert negotiate(None, None) == ("vi", False)
    assert negotiate("", "en") == ("en", False)
    assert negotiate("vi", "en") == ("vi", True)
    with pytest.raises(Problem) as caught:
        negotiate("EN", None)
    assert caught.value.status == 400
    assert caught.value.extra["parameter"] == "lang"


def test_numbers_and_dates() -> None:
    vi, en = Translator("vi"), Translator("en")
    assert vi.number(1234567) == "1.234.567"
    assert en.number(1234567) == "1,234,567"
    assert vi.number(12.5) == "12,50"
    moment = datetime(2010, 7, 4, 17, 30, tzinfo=UTC)  # 00:30 on 5 July in Vietnam
    assert vi.day(moment) == "05/07/2010"
    assert en.day(moment) == "2010-07-05"
    assert vi.when(moment) == "05/07/2010 00:30"
    assert vi.when(datetime(2010, 7, 4, 17, 0, tzinfo=UTC)) == "05/07/2010"  # midnight: a date only
    assert vi.when(None) == vi.day(None) == ""


def test_translator_formats_and_fails_loudly() -> None:
    assert Translator("en")("search.page_n", n=3) == "Page 3"
    with pytest.raises(KeyError):
        Translator("vi")("no.such.key")
    assert set(LANGS) == {"vi", "en"}
