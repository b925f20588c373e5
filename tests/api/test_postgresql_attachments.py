"""The attachment endpoint and the record page over PostgreSQL on an API host with no text files (nor
record files): every page of each extracted attachment is read from a replica, the primary being down."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import make_record
from pgfixtures import PgDatabase
from pgsettle import settle_replicas
from starlette.testclient import TestClient
from textsfixture import LONG, page_text, with_attachments

from api.app import create_app
from archive.home import DataHome
from archive.store import RecordStore
from deptnews.cli import main


def test_attachment_texts_come_from_a_replica_without_local_files(
    pg_database: PgDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = DataHome(tmp_path / "home").ensure()
    record = with_attachments(home, 1, [LONG, 2])
    RecordStore(home.records_dir).put(make_record(2, "Tin không có tệp", ["Nội dung."]))
    argv = ["--home", str(home.root), "index", "--backend", "postgresql", "--dsn", pg_database.dsn]
    assert main(argv) == 0
    assert "2 added" in capsys.readouterr().out
    settle_replicas(pg_database.cluster, pg_database.name)
    for directory in (home.texts_dir, home.records_dir, home.index_dir):
        shutil.rmtree(directory, ignore_errors=True)  # an API host has none of them
    with TestClient(create_app(home, index=pg_database.settings()), raise_server_exceptions=False) as client:
        pg_database.cluster.stop(pg_database.cluster.primary)  # every read is a replica's
        response = client.get(f"/api/v1/records/{record.id}/attachments/1")
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["text"]["kind"], body["text"]["pages"], body["text"]["status"]) == ("pdf", LONG, "ok")
        assert [p["number"] for p in body["pages"]] == list(range(1, LONG + 1))
        assert [p["text"] for p in body["pages"]] == [page_text(1, 1, p) for p in range(1, LONG + 1)]
        assert [(p["method"], p["confidence"]) for p in body["pages"][:2]] == [
            ("ocr", 91.5),
            ("text-layer", None),
        ]
        second = client.get(f"/api/v1/records/{record.id}/attachments/2").json()
        assert [p["text"] for p in second["pages"]] == [page_text(1, 2, 1), page_text(1, 2, 2)]
        past = client.get(f"/api/v1/records/{record.id}/attachments/3")
        assert (past.status_code, past.json()["type"]) == (404, "/problems/attachment-not-found")
        page = client.get(f"/records/{record.id}")
        assert page.status_code == 200
        assert page_text(1, 1, LONG) in page.text  # the record page's toggles, from the same rows
