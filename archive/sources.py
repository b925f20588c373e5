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
    verified = false                       # set by hand once `deptnews sources check --probe` passed

Optional crawl settings (defaults in brackets)::

    feeds = ["https://…/rss"]              # RSS/Atom feeds listing new articles [none]
    sitemaps = ["https://…/sitemap.xml"]   # sitemaps or sitemap indexes, gzip or not [none]
    include = ['^/tin-tuc/']               # regexes; an article URL must match one of them [all]
    exclude = ['/print/', '[?&]print=']    # regexes; an article URL matching one is skipped [none]
    concurrency = 1                        # requests in flight to this host at once [1]
    insecure_tls = false                   # accept broken certificate chains (logged) [false]
    recheck_after = "7d"                   # re-check known articles this often: s/m/h/d/w [crawl setting]
    stop_after_known_pages = 2             # stop paging after N pages of known articles [crawl setting]
    attachments = true                     # fetch PDF/DOC/XLS files linked from articles [true]
    max_attachment_bytes = 52428800        # size limit of one attachment [crawl setting]
    attachment_hosts = ["vanban.x.gov.vn"] # other hosts attachments may be fetched from [none]
    enabled = true                         # false: kept for the record, not crawled by default [true]
    notes = "…"                            # free text: mergers, quirks [none]
    [source.selectors]                     # parser CSS overrides: title, body, lead, date, author,
    body = "div.noi-dung-chinh"            # drop = [...] (boilerplate to remove) [built-in extractors]

A file that cannot be read gets a :class:`~archive.errors.SourcesError` naming the source and the key.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from archive.errors import SourcesError
from archive.urls import same_host

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)?\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(value: object) -> timedelta:
    """A duration from seconds (a number) or a string with a unit: ``"90s"``, ``"30m"``, ``"12h"``, ``"7d"``.

    A :class:`~datetime.timedelta` is returned unchanged; anything else raises ``ValueError``.
    """
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError(f"not a duration: {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (match := _DURATION.match(value)):
        seconds = float(match.group(1)) * _UNIT_SECONDS[(match.group(2) or "s").lower()]
    else:
        raise ValueError(f"not a duration (use seconds or e.g. '12h', '7d'): {value!r}")
    if seconds <= 0:
        raise ValueError(f"a duration must be positive: {value!r}")
    return timedelta(seconds=seconds)


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
"""A positive duration field: seconds or a string with a unit (``"7d"``); see :func:`parse_duration`."""


class Selectors(BaseModel):
    """Per-source CSS selector overrides for the parser (``[source.selectors]``), for the rare site whose
    layout the built-in extractors get wrong. Each selector is tried before the built-in ones; ``drop``
    lists elements removed as boilerplate before extraction."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str | None = None
    body: str | None = None
    lead: str | None = None
    date: str | None = None
    author: str | None = None
    drop: list[str] = Field(default_factory=list)

    @field_validator("title", "body", "lead", "date", "author", "drop")
    @classmethod
    def _css(cls, value: str | list[str] | None) -> str | list[str] | None:
        import soupsieve  # the parser's CSS engine (a beautifulsoup4 dependency)

        for selector in [] if value is None else [value] if isinstance(value, str) else value:
            try:
                soupsieve.compile(selector)
            except soupsieve.SelectorSyntaxError as exc:
                raise ValueError(
                    f"not a valid CSS selector {selector!r}: {str(exc).splitlines()[0]}"
                ) from None
        return value


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
    feeds: list[str] = Field(default_factory=list, description="RSS/Atom feed URLs.")
    sitemaps: list[str] = Field(default_factory=list, description="Sitemap or sitemap index URLs.")
    include: list[str] = Field(default_factory=list, description="Regexes; article URLs must match one.")
    exclude: list[str] = Field(default_factory=list, description="Regexes; matching article URLs skipped.")
    concurrency: int = Field(1, ge=1, le=8, description="Requests in flight to this host at once.")
    insecure_tls: bool = Field(False, description="Accept invalid TLS certificates (a warning is logged).")
    recheck_after: Duration | None = Field(None, description="Re-check known articles this often.")
    stop_after_known_pages: int | None = Field(
        None, ge=1, le=1000, description="Stop paging a listing after N pages of known articles only."
    )
    attachments: bool = Field(True, description="Fetch PDF/DOC/DOCX/XLS/XLSX files linked from articles.")
    max_attachment_bytes: int | None = Field(None, gt=0, description="Size limit of one attachment.")
    attachment_hosts: list[str] = Field(
        default_factory=list, description="Other host names attachments may be fetched from."
    )
    enabled: bool = Field(True, description="False: kept in the registry, crawled only when named.")
    notes: str | None = Field(None, description="Free text: mergers, renamed sites, quirks.")
    selectors: Selectors = Field(default_factory=Selectors, description="Parser CSS overrides.")

    @field_validator("homepage", "listings", "feeds", "sitemaps")
    @classmethod
    def _http_urls(cls, value: str | list[str]) -> str | list[str]:
        for url in [value] if isinstance(value, str) else value:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"not an http(s) URL: {url!r}")
        return value

    @field_validator("article_pattern", "include", "exclude")
    @classmethod
    def _regex(cls, value: str | list[str]) -> str | list[str]:
        for pattern in [value] if isinstance(value, str) else value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression {pattern!r}: {exc}") from None
        return value

    @field_validator("attachment_hosts")
    @classmethod
    def _hosts(cls, value: list[str]) -> list[str]:
        for host in value:
            if not re.fullmatch(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d+)?", host):
                raise ValueError(f"not a lower-case host name: {host!r}")
        return value

    def is_article_url(self, url: str) -> bool:
        """True when ``url``'s path (+ query) matches this source's article pattern."""
        return re.search(self.article_pattern, _target(url)) is not None

    def wants(self, url: str) -> bool:
        """True when ``url`` passes the include/exclude patterns (path + query, ``re.search``)."""
        target = _target(url)
        if self.include and not any(re.search(p, target) for p in self.include):
            return False
        return not any(re.search(p, target) for p in self.exclude)


def _target(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


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
