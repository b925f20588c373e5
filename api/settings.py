"""API settings."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ApiSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    base_url: str | None = Field(None, description="Public URL prefix for links; default: from the request.")
