"""Response models of the WARC file listing (``/api/v1/warcs``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from api.models import _Out


class WarcOut(_Out):
    name: str = Field(description="File name (deptnews-<UTC time>-<serial>-<pid>.warc.gz).")
    bytes: int = Field(description="Size of the file.")
    sha256: str = Field(description="SHA-256 of the file, hex (also its ETag and Repr-Digest).")
    records: int = Field(description="WARC records in the file (warcinfo, requests, responses, revisits).")
    modified: datetime = Field(description="When the file was last changed (completed), UTC.")
    url: str = Field(description="Where to download it (HTTP Range requests are supported).")


class WarcsOut(_Out):
    warcs: list[WarcOut] = Field(description="Every complete WARC file, oldest first.")
    cdx: str | None = Field(
        None, description="The merged CDXJ index of these files (pywb/OutbackCDX format), when built."
    )
