"""API settings (part of the one settings object, ``deptnews.settings.Settings.api``)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, field_validator


class ApiSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    workers: int = Field(1, ge=1, le=64, description="uvicorn worker processes.")
    cors_origins: list[str] = Field(
        default_factory=list, description='Origins allowed by CORS; ["*"] for any. Empty: no CORS headers.'
    )
    rate_limit: float = Field(
        0.0, ge=0, description="Requests per second allowed per client address; 0 turns limiting off."
    )
    rate_burst: int = Field(60, ge=1, description="Requests a client may make at once before limiting.")
    forwarded_allow_ips: str = Field(
        "127.0.0.1,::1",
        description="Reverse proxies trusted to name the client in X-Forwarded-For (and the scheme in "
        "X-Forwarded-Proto): comma-separated addresses and networks (10.0.0.0/8), '*' for any, '' for "
        "none. From others these headers are ignored. As uvicorn's --forwarded-allow-ips.",
    )
    public_url: str | None = Field(
        None,
        description="The public base URL of the API (e.g. https://deptnews.example.org or "
        "https://example.org/deptnews), used for every absolute link it sends: links in JSON, the "
        "next page, feed and entry ids, the OpenAPI server. Unset: the base URL of each request.",
    )
    record_max_age: int = Field(300, ge=0, description="Cache-Control max-age of record responses, seconds.")
    search_threads: int = Field(
        4,
        ge=1,
        le=64,
        description="Threads per worker process that run searches, timelines and facets (as Datasette's "
        "num_sql_threads); more searches at once wait for one. Other requests keep Starlette's pool.",
    )
    posting_cache_mb: int = Field(
        512,
        ge=0,
        description="Decoded posting lists kept in memory per process for searches, MB (0: none; about "
        "400 MB serve a 100,000-document archive's common queries).",
    )

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        """An absolute http(s) URL without query or fragment, kept without a trailing slash; empty
        means unset."""
        if value is None or value == "":
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an absolute http(s) URL: {value!r}")
        if parts.query or parts.fragment or "?" in value or "#" in value:
            raise ValueError(f"a base URL has no query or fragment: {value!r}")
        return value.rstrip("/")

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _trusted_hosts(cls, value: str) -> str:
        """Every entry an address or a network (uvicorn would take a typo for a name that never
        matches, and quietly trust no proxy), or ``*`` alone; normalized to ``a,b``."""
        entries = [entry.strip() for entry in value.split(",") if entry.strip()]
        if entries == ["*"]:
            return "*"
        for entry in entries:
            try:
                if "/" in entry:
                    ipaddress.ip_network(entry)
                else:
                    ipaddress.ip_address(entry)
            except ValueError:
                raise ValueError(f"not an IP address or network: {entry!r}") from None
        return ",".join(entries)
