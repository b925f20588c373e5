"""The API on the PostgreSQL backend while its nodes fail: searches go on from the nodes left, /readyz
names each node, and with no node left the answer is a 503 problem, never a 500."""

from __future__ import annotations

import time
from pathlib import Path

from conftest import SAMPLE_RECORDS
from pgfixtures import PgDatabase
from starlette.testclient import TestClient

from api.app import create_app
from archive.home import DataHome
from index.backends import open_indexer


def test_searches_survive_a_replica_and_fail_as_503_when_every_node_is_down(
    pg_database: PgDatabase, tmp_path: Path
) -> None:
    cluster = pg_database.cluster
    settings = pg_database.settings()
    indexer = open_indexer(settings, tmp_path / "index")
    indexer.upsert(SAMPLE_RECORDS)
    indexer.close()
    for replica in cluster.replicas:
        cluster.wait_caught_up(replica)
    home = DataHome(tmp_path / "home").ensure()
    with TestClient(create_app(home, index=settings), raise_server_exceptions=False) as client:

        def search() -> int:
            response = client.get("/api/v1/search", params={"q": "giao ban"})
            assert response.status_code == 200, response.text
            return int(response.json()["total"])

        # Reads alternate between the replicas: two in a row that find the record cover both.
        deadline = time.monotonic() + 30
        while (search(), search()) != (2, 2):
            assert time.monotonic() < deadline, "the replicas never showed the indexed records"
            time.sleep(0.05)
        nodes = client.get("/readyz").json()["nodes"]
        assert [(n["name"], n["role"], n["ready"]) for n in nodes] == [
            ("primary", "primary", True),
            ("replica-1", "replica", True),
            ("replica-2", "replica", True),
        ]

        cluster.stop(cluster.replicas[0])
        assert [search() for _ in range(4)] == [2, 2, 2, 2]
        down = client.get("/readyz").json()["nodes"][1]
        assert down["ready"] is False
        assert down["detail"].startswith("cannot be reached: ")

        for node in cluster.nodes:
            cluster.stop(node)
        response = client.get("/api/v1/search", params={"q": "giao ban"})
        assert response.status_code == 503
        assert response.headers["retry-after"] == "5"
        assert response.json()["type"] == "/problems/not-ready"
        assert "no PostgreSQL node can serve reads" in response.json()["detail"]
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert "no PostgreSQL node can serve reads" in ready.json()["detail"]

        cluster.start(cluster.replicas[1])
        deadline = time.monotonic() + 30
        while client.get("/api/v1/search", params={"q": "giao ban"}).status_code != 200:
            assert time.monotonic() < deadline, "a restarted replica was not used again"
            time.sleep(0.1)
