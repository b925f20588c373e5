"""Per-source parser health in ``/api/v1/sources`` and on the sources page: a source whose records share
one title, lack dates or have stub bodies shows it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from conftest import ICT, make_record
from starlette.testclient import TestClient

from api.app import create_app
from archive.home import DataHome
from archive.ledger import Ledger
from archive.store import RecordStore
from index.whoosh.store import IndexWriter

LONG = ["Nội dung bài viết đầy đủ về hoạt động của Sở trong tuần qua. " * 6]
DAY = datetime(2024, 5, 2, tzinfo=ICT)
RECORDS = [
    make_record(1, "Hội nghị tổng kết năm", LONG, published=DAY, source="good"),
    make_record(2, "Tập huấn chuyển đổi số", LONG, published=DAY, source="good"),
    make_record(3, "Tin tức nổi bật", LONG, published=DAY, source="broken"),
    make_record(4, "Tin tức nổi bật", ["Đoạn dẫn."], source="broken"),
    make_record(5, "Tin tức nổi bật", ["Đoạn dẫn."], source="broken"),
    make_record(6, "Lịch công tác", LONG, source="broken"),
]


def registry() -> str:
    return "".join(
        f'[[source]]\nid = "{sid}"\nname = "Sở {sid}"\ndepartment = "Sở {sid}"\njurisdiction = "Tỉnh Demo"\n'
        f'homepage = "http://{sid}.demo.vn/"\nlistings = ["http://{sid}.demo.vn/tin-tuc"]\n'
        "article_pattern = '/tin-tuc/\\d+$'\n\n"
        for sid in ("good", "broken")
    )


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    home = DataHome(tmp_path_factory.mktemp("home")).ensure()
    store = RecordStore(home.records_dir)
    for record in RECORDS:
        store.put(record)
    IndexWriter(home.index_dir).rebuild(store)
    with Ledger.open(home.records_dir) as ledger:  # two pages the pattern matched were listings
        ledger.set_not_article("http://broken.demo.vn/tin-tuc/1", "broken", "listing")
        ledger.set_not_article("http://broken.demo.vn/tin-tuc/2", "broken", "listing")
        ledger.set_not_article("http://good.demo.vn/tin-tuc/9", "good", "listing")
        ledger.set_not_article("http://good.demo.vn/tin-tuc/9", "good", None)  # an article after all
    (home.root / "sources.toml").write_text(registry(), encoding="utf-8")
    with TestClient(create_app(home), raise_server_exceptions=False) as test_client:
        yield test_client


def test_health_shares_per_source(client: TestClient) -> None:
    sources = {s["id"]: s["health"] for s in client.get("/api/v1/sources").json()["sources"]}
    good, broken = sources["good"], sources["broken"]
    assert (good["records"], good["without_date"], good["short_body"], good["shared_title"]) == (2, 0, 0, 0)
    assert (broken["records"], broken["without_date"], broken["short_body"], broken["shared_title"]) == (
        4,
        3,
        2,
        3,
    )
    assert (broken["without_date_share"], broken["short_body_share"], broken["shared_title_share"]) == (
        0.75,
        0.5,
        0.75,
    )
    assert (good["not_articles"], broken["not_articles"]) == (0, 2)
    assert client.get("/api/v1/sources/broken").json()["health"] == broken


def test_the_sources_page_marks_a_broken_source(client: TestClient) -> None:
    html = client.get("/sources", headers={"Accept-Language": "en"}).text
    assert html.count("Title shared with another record") == 2
    broken = html[html.index("<h2>Sở broken</h2>") :]
    assert '<dd class="bad">3 (75.00 %)</dd>' in broken
    good = html[html.index("<h2>Sở good</h2>") : html.index("<h2>Sở broken</h2>")]
    assert 'class="bad"' not in good
    assert "Pattern matches that are no article" in broken
