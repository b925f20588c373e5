"""The sources registry: which department sites to crawl and how, read from a TOML file.

Format (one ``[[source]]`` table per site)::

    [[source]]
    id = "lso-stttt"                       # short, stable, [a-z0-9-]
    name = "Sở Thông tin và Truyền thông tỉnh Lạng Sơn"
    department = "Sở Thông tin và Truyền thông"
    jurisdiction = "Tỉnh Lạng Sơn"
    jurisdiction_kind = "province"         # or "ministry"
    homepage = "https://stttt.langson.gov.vn/"
    listings = ["https://stttt.langson.gov.vn/tin-tuc"]
    article_pattern = "^/tin-tuc/[^/?#]+$" # regex, re.search on the URL's path + query
    max_pages = 50                         # listing pages followed per listing (optional)
    delay = 1.0                            # seconds between requests to this host (optional)
    verified = false                       # set by hand once `deptnews sources check` passed

A file that cannot be read gets a :class:`~archive.errors.SourcesError` naming the source and the key.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from archive.errors import SourcesError
from archive.urls import same_host


class Source(BaseModel):
    """One department news site."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    name: str = Field(min_length=1)
    department: str = Field(min_length=1, description="Department name as it calls itself.")
    jurisdiction: str = Field(min_length=1, description="Province or 'Trung ương' for ministries.")
    jurisdiction_kind: Literal["province", "ministry"] = "province"
    homepage: str
    listings: list[str] = Field(min_length=1, description="News listing URLs (entry points).")
    article_pattern: str = Field(description="Regex (re.search) on path+query of article URLs.")
    max_pages: int = Field(20, ge=1, le=10_000, description="Listing pages followed per listing.")
    delay: float | None = Field(None, ge=0, description="Per-host delay override, seconds.")
    verified: bool = False

    @field_validator("homepage", "listings")
    @classmethod
    def _http_urls(cls, value: str | list[str]) -> str | list[str]:
        for url in [value] if isinstance(value, str) else value:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"not an http(s) URL: {url!r}")
        return value

    @field_validator("article_pattern")
    @classmethod
    def _regex(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
        return value

    def is_article_url(self, url: str) -> bool:
        """True when ``url``'s path (+ query) matches this source's article pattern."""
        parts = urlsplit(url)
        target = parts.path + ("?" + parts.query if parts.query else "")
        return re.search(self.article_pattern, target) is not None


class Registry(BaseModel):
    """All sources, by id, in file order."""

    sources: dict[str, Source]

    def get(self, source_id: str) -> Source:
        try:
            return self.sources[source_id]
        except KeyError:
            known = ", ".join(self.sources) or "none"
            raise SourcesError(f"unknown source {source_id!r} (known: {known})") from None

    def for_url(self, url: str) -> Source | None:
        """The source a URL belongs to: same host as its homepage or a listing, article pattern first."""
        on_host = [
            s for s in self.sources.values() if any(same_host(url, u) for u in (s.homepage, *s.listings))
        ]
        return next((s for s in on_host if s.is_article_url(url)), on_host[0] if on_host else None)

    def select(self, ids: Iterable[str]) -> list[Source]:
        """The named sources (all when ``ids`` is empty); unknown ids raise SourcesError."""
        wanted = list(ids)
        return [self.get(i) for i in wanted] if wanted else list(self.sources.values())


def parse_sources(text: str, origin: str = "sources.toml") -> Registry:
    """Parse registry TOML; errors name the file, the source (by id or position) and the key."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SourcesError(f"{origin}: not valid TOML: {exc}") from None
    unknown = set(data) - {"source"}
    if unknown:
        raise SourcesError(f"{origin}: unknown top-level key(s): {', '.join(sorted(unknown))}")
    tables = data.get("source", [])
    if not isinstance(tables, list):
        raise SourcesError(f"{origin}: 'source' must be an array of tables ([[source]])")
    sources: dict[str, Source] = {}
    for position, table in enumerate(tables, start=1):
        label = f"source #{position}"
        if isinstance(table, dict) and isinstance(table.get("id"), str):
            label = f"source {table['id']!r}"
        try:
            source = Source.model_validate(table)
        except ValidationError as exc:
            problems = "; ".join(
                f"key {'.'.join(str(p) for p in err['loc']) or '?'}: {err['msg']}" for err in exc.errors()
            )
            raise SourcesError(f"{origin}: {label}: {problems}") from None
        if source.id in sources:
            raise SourcesError(f"{origin}: {label}: key id: duplicate id {source.id!r}")
        sources[source.id] = source
    return Registry(sources=sources)


def load_sources(path: Path) -> Registry:
    """Read and validate a registry file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourcesError(f"{path}: no such sources file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SourcesError(f"{path}: cannot read: {exc}") from None
    return parse_sources(text, origin=str(path))
