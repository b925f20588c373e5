"""All settings in one typed object, read once (environment ``DEPTNEWS_*``, then command-line flags).

Nested settings use ``__``: ``DEPTNEWS_CRAWL__DELAY=2`` sets ``settings.crawl.delay``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.settings import ApiSettings
from archive.home import DataHome
from index.settings import IndexSettings
from scrapers.settings import CrawlSettings


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DEPTNEWS_", env_nested_delimiter="__", extra="ignore")

    home: Path = Field(Path("deptnews-data"), description="The data home (see archive.home).")
    sources: Path | None = Field(None, description="Sources registry; default: <home>/sources.toml.")
    crawl: CrawlSettings = Field(default_factory=CrawlSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    index: IndexSettings = Field(default_factory=IndexSettings)
    index_writer_timeout: float = Field(30.0, gt=0, description="Seconds to wait for the index lock.")
    index_memory_mb: int = Field(
        256,
        ge=16,
        description="Postings held per process while building the index before a segment is written, MB "
        "(peak memory is about twice this).",
    )

    @property
    def data_home(self) -> DataHome:
        return DataHome(self.home)

    @property
    def sources_file(self) -> Path:
        return self.sources if self.sources is not None else self.data_home.sources_file
