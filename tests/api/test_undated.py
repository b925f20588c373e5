"""Undated records added by an incremental index: every date-ordered answer still works (a segment
whose documents all lack a date has no ``ts`` column on disk)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import make_record, sample_home
from starlette.testclient import TestClient

from api.app import create_app
from archive.store import RecordStore
from deptnews.commands.index import record_entries
from index.whoosh.store import IndexWriter
from index.whoosh.sync import sync

UNDATED = make_record(90, "Thông báo lịch tiếp công dân", ["Lịch tiếp công dân của Sở trong tháng."])


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    home = sample_home(tmp_path_factory.mktemp("home"))
    store = RecordStore(home.records_dir)
    store.put(UNDATED)
    report = sync(IndexWriter(home.index_dir), record_entries(store), store.get)
    assert (report.added, report.rebuilt) == (1, False)  # incremental: a new segment of one undated doc
    with TestClient(create_app(home), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/search", {"sort": "newest"}),
        ("/api/v1/search", {"sort": "oldest"}),
        ("/api/v1/search", {}),
        ("/api/v1/search", {"q": "lịch", "sort": "newest"}),
        ("/api/v1/export", {"format": "csv"}),
        ("/api/v1/export", {"format": "jsonl", "sort": "oldest"}),
        ("/api/v1/search.atom", {}),
        ("/api/v1/timeline", {}),
    ],
)
def test_date_ordered_answers_with_an_undated_record(
    client: TestClient, path: str, params: dict[str, str]
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text[:500]


def test_undated_records_sort_after_dated_ones_newest_first_and_before_oldest_first(
    client: TestClient,
) -> None:
    newest = [h["id"] for h in client.get("/api/v1/search", params={"sort": "newest"}).json()["hits"]]
    oldest = [h["id"] for h in client.get("/api/v1/search", params={"sort": "oldest"}).json()["hits"]]
    assert len(newest) == 4
    assert newest[-1] == UNDATED.id
    assert oldest[0] == UNDATED.id
    assert newest == oldest[::-1]


def test_paging_through_the_undated_record_by_cursor(client: TestClient) -> None:
    seen: list[str] = []
    url: str | None = "/api/v1/search?sort=newest&size=1"
    while url:
        body = client.get(url).json()
        seen += [h["id"] for h in body["hits"]]
        url = body.get("next")
    assert len(seen) == 4
    assert seen[-1] == UNDATED.id
