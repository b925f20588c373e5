"""Which index backend runs, and where (``DEPTNEWS_INDEX__…`` in the environment).

``backend``: ``whoosh`` (the default: an index directory in the data home) or ``postgresql``; ``dsn``:
the primary (writes, and reads when no replica can serve them); ``read_dsns``: the streaming replicas
reads are spread over, comma-separated; ``max_replica_lag``: seconds a replica may be behind the primary
before reads leave it for another node.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_settings import NoDecode

__all__ = ["Backend", "IndexSettings"]

Backend = Literal["whoosh", "postgresql"]


class IndexSettings(BaseModel):
    backend: Backend = Field("whoosh", description="whoosh (embedded, one machine) or postgresql.")
    dsn: str | None = Field(
        None, description="PostgreSQL primary, e.g. postgresql://deptnews@db1/deptnews (backend postgresql)."
    )
    read_dsns: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="PostgreSQL streaming replicas for reads, comma-separated."
    )
    max_replica_lag: float = Field(
        5.0, ge=0, description="Seconds a replica may lag the primary before reads fall back to another node."
    )
    pool_size: int = Field(8, ge=1, le=256, description="PostgreSQL connections kept per node and process.")

    @field_validator("read_dsns", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _dsn_for_postgresql(self) -> IndexSettings:
        if self.backend == "postgresql" and not self.dsn:
            raise ValueError("backend postgresql needs a dsn (DEPTNEWS_INDEX__DSN=postgresql://…)")
        return self
