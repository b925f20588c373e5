"""The API over the PostgreSQL backend: a data home migrated with ``deptnews index --backend postgresql
--dsn …`` (resumable, with its progress bar), then served with no record files at all: searches,
records with their versions, exports and readiness come from a real primary and its two replicas."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SAMPLE_RECORDS as RECORDS
from conftest import sample_home
from pgfixtures import PgDatabase
from pgsettle import settle_replicas
from starlette.testclient import TestClient

from api.app import create_app
from deptnews.cli import main
from index.settings import IndexSettings


@pytest.fixture
def client(
    pg_database: PgDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> Iterator[TestClient]:
    home = sample_home(tmp_path / "home")
    argv = ["--home", str(home.root), "index", "--backend", "postgresql", "--dsn", pg_database.dsn]
    assert main([*argv, "--progress"]) == 0
    out, err = capsys.readouterr()
    assert "3 added" in out
    assert "indexing" in err  # the progress bar
    assert main(argv) == 0
    assert "3 unchanged" in capsys.readouterr().out
    settle_replicas(pg_database.cluster, pg_database.name)
    shutil.rmtree(home.records_dir)  # an API host needs no record files
    shutil.rmtree(home.index_dir, ignore_errors=True)
    with TestClient(create_app(home, index=pg_database.settings()), raise_server_exceptions=False) as test:
        yield test


def test_searches_records_exports_and_readiness_come_from_postgresql(client: TestClient) -> None:
    found = client.get("/api/v1/search", params={"q": "hoi nghi giao ban", "facets": "source"})
    assert found.status_code == 200
    body = found.json()
    assert body["hits"][0]["id"] == RECORDS[0].id
    assert "<mark>" in body["hits"][0]["snippet"]
    assert body["facets"]["source"]["values"] == [{"value": "demo", "count": 2}]
    record = client.get(f"/api/v1/records/{RECORDS[0].id}")
    assert record.status_code == 200
    assert record.json()["title"] == RECORDS[0].title
    assert len(record.json()["versions"]) == len(RECORDS[0].versions)
    assert client.get("/api/v1/records/0000000000000000").status_code == 404
    export = client.get("/api/v1/export", params={"format": "jsonl"})
    assert sorted(json.loads(line)["id"] for line in export.text.splitlines()) == sorted(
        r.id for r in RECORDS
    )
    ready = client.get("/readyz").json()
    assert [(n["name"], n["ready"]) for n in ready["nodes"]] == [
        ("primary", True),
        ("replica-1", True),
        ("replica-2", True),
    ]
    assert (ready["records"], ready["indexed"]) == (3, 3)
    assert client.get("/healthz").json()["records"] == 3


def test_a_database_that_cannot_be_reached_is_a_503_not_a_500(tmp_path: Path) -> None:
    home = sample_home(tmp_path / "home")
    settings = IndexSettings(backend="postgresql", dsn="postgresql://postgres@127.0.0.1:1/x")
    with TestClient(create_app(home, index=settings), raise_server_exceptions=False) as client:
        response = client.get("/api/v1/search", params={"q": "hoi nghi"})
        assert response.status_code == 503
        assert response.json()["type"] == "/problems/not-ready"
        assert "primary" in response.json()["detail"]
        assert "127.0.0.1" not in response.json()["detail"]  # internal addresses stay in the log
        assert response.headers["retry-after"] == "5"
        assert client.get(f"/api/v1/records/{RECORDS[0].id}").status_code == 503
        assert client.get(f"/api/v1/records/{RECORDS[0].id}/attachments/1").status_code == 503
        ready = client.get("/readyz")
        assert ready.status_code == 503
