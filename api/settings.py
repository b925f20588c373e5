"""API settings (part of the one settings object, ``deptnews.settings.Settings.api``)."""

from __future__ import annotations

from pydantic import BaseModel, Field


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
    record_max_age: int = Field(300, ge=0, description="Cache-Control max-age of record responses, seconds.")
    posting_cache_mb: int = Field(
        256, ge=0, description="Decoded posting lists kept in memory per process for searches, MB (0: none)."
    )
