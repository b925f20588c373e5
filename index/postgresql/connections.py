"""What the PostgreSQL backend needs of its nodes: a connection to the primary for writes, one to a
node fit for reads, and each node's state. :class:`index.postgresql.nodes.Nodes` provides it (pools per
node, replicas chosen per request with fallback to the primary when one is down or lags); the backend
depends only on this protocol."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, Protocol

from psycopg import Connection

from index.backend import NodeStatus

__all__ = ["Connections"]


class Connections(Protocol):
    def writer(self) -> AbstractContextManager[Connection[Any]]:
        """A connection to the primary, for as long as the context lasts."""
        ...

    def reader(self) -> AbstractContextManager[Connection[Any]]:
        """A connection to a node that may serve reads now (a replica within the lag bound, else the
        primary), for as long as the context lasts."""
        ...

    def readiness(self) -> list[NodeStatus]:
        """Each node, checked now (never raises)."""
        ...

    def close(self) -> None: ...
