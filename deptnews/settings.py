"""All settings in one typed object, read once (environment ``DEPTNEWS_*``, then command-line flags).

Nested settings use ``__``: ``DEPTNEWS_CRAWL__DELAY=2`` sets ``settings.crawl.delay``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.settings import ApiSettings
from archive.documents.limits import Limits
from archive.home import DataHome
from index.settings import IndexSettings
from scrapers.settings import CrawlSettings


class ExtractSettings(BaseModel):
    """``deptnews extract``: worker processes and the bounds of each file (``DEPTNEWS_EXTRACT__…``)."""

    workers: int = Field(1, ge=1, le=64, description="Files read at once, each in its own process.")
    max_pages: int = Field(500, ge=1, description="Pages (sheets) read per file; the rest are left out.")
    refuse_pages: int = Field(5000, ge=1, description="A PDF claiming more pages is refused (a PDF bomb).")
    ocr_pages: int = Field(50, ge=0, description="Scanned pages read by OCR per file.")
    ocr_dpi: int = Field(200, ge=72, le=600, description="Resolution pages are rendered at for OCR.")
    seconds: float = Field(300.0, gt=0, description="Wall-clock seconds per file.")
    memory_mb: int = Field(1536, ge=256, description="Address space of a worker process and its tools, MB.")
    unzipped_mb: int = Field(200, ge=1, description="Uncompressed size allowed for a DOCX or XLSX, MB.")

    def limits(self) -> Limits:
        return Limits(
            max_pages=self.max_pages,
            refuse_pages=self.refuse_pages,
            ocr_pages=self.ocr_pages,
            ocr_dpi=self.ocr_dpi,
            seconds=self.seconds,
            memory_mb=self.memory_mb,
            unzipped_mb=self.unzipped_mb,
        )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DEPTNEWS_", env_nested_delimiter="__", extra="ignore")

    home: Path = Field(Path("deptnews-data"), description="The data home (see archive.home).")
    sources: Path | None = Field(None, description="Sources registry; default: <home>/sources.toml.")
    crawl: CrawlSettings = Field(default_factory=CrawlSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    extract: ExtractSettings = Field(default_factory=ExtractSettings)
    index: IndexSettings = Field(default_factory=IndexSettings)
    index_writer_timeout: float = Field(30.0, gt=0, description="Seconds to wait for the index lock.")
    index_memory_mb: int = Field(
        256,
        ge=16,
        description="Postings held while building the index, MB, shared by the writer processes; a "
        "process holding its share writes a segment (peak memory is about twice this). A PostgreSQL "
        "bulk load ends a transaction before its postings would hold more.",
    )

    @property
    def data_home(self) -> DataHome:
        return DataHome(self.home)

    @property
    def sources_file(self) -> Path:
        return self.sources if self.sources is not None else self.data_home.sources_file
