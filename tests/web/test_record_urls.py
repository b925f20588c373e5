"""The record page shows the other URLs an article was merged from, and marks a repost."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import make_record
from starlette.testclient import TestClient

from api.app import create_app
from archive.home import DataHome
from archive.store import RecordStore
from index.whoosh.store import IndexWriter

ORIGINAL = make_record(1, "Hội nghị chuyển đổi số", ["Nội dung."]).model_copy(
    update={"also_at": ["http://demo.vn/tin-tuc/1-ban-sao", "javascript:alert(1)"]}
)
REPOST = make_record(2, "Hội nghị chuyển đổi số", ["Nội dung."], source="other").model_copy(
    update={"repost_of": ORIGINAL.id}
)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    home = DataHome(tmp_path_factory.mktemp("home")).ensure()
    store = RecordStore(home.records_dir)
    for record in (ORIGINAL, REPOST):
        store.put(record)
    IndexWriter(home.index_dir).rebuild(store)
    with TestClient(create_app(home), raise_server_exceptions=False) as test_client:
        yield test_client


def test_other_urls_are_listed_and_only_http_ones_linked(client: TestClient) -> None:
    html = client.get(f"/records/{ORIGINAL.id}", headers={"Accept-Language": "en"}).text
    assert "Also published at" in html
    assert '<a href="http://demo.vn/tin-tuc/1-ban-sao"' in html
    assert 'href="javascript:' not in html
    assert "published this article first" not in html


def test_a_repost_links_to_the_original(client: TestClient) -> None:
    html = client.get(f"/records/{REPOST.id}", headers={"Accept-Language": "en"}).text
    assert "Another department published this article first" in html
    assert f'href="/records/{ORIGINAL.id}' in html
    assert client.get("/api/v1/records/" + REPOST.id).json()["repost_of"] == ORIGINAL.id
