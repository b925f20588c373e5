"""The Atom feed read by a real feed reader's parser (feedparser), which sets ``bozo`` on any document
that is not well-formed XML, and by the standard library's minidom; conditional GET; the public URL in
every absolute link."""

from __future__ import annotations

import xml.dom.minidom
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import feedparser
import pytest
from conftest import SAMPLE_RECORDS, make_record
from liveserver import LiveServer
from starlette.testclient import TestClient

from api.app import create_app
from api.settings import ApiSettings
from archive.home import DataHome
from archive.store import RecordStore
from index.whoosh.store import IndexWriter

# Records stored before the parser removed control characters hold them still (until `parse --all`).
ESCAPED = make_record(
    40,
    "Thông báo \x1b[31mkhẩn\x01 về hội nghị",
    ["Đoạn có ký tự điều khiển \x1b và \x01 và \ufffe ở giữa.", "Đoạn hai."],
    lead="Tóm tắt\x1b hội nghị\x7f",
    author="Phòng\x01 Văn hóa",
)
RECORDS = [*SAMPLE_RECORDS, ESCAPED]
PUBLIC = "https://deptnews.example.org/archive"


def _home(root: DataHome) -> DataHome:
    home = root.ensure()
    store = RecordStore(home.records_dir)
    for record in RECORDS:
        store.put(record)
    IndexWriter(home.index_dir).rebuild(store)
    return home


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> DataHome:
    return _home(DataHome(tmp_path_factory.mktemp("feed")))


@pytest.fixture(scope="module")
def client(home: DataHome) -> Iterator[TestClient]:
    with TestClient(create_app(home), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def public(home: DataHome) -> Iterator[TestClient]:
    app = create_app(home, settings=ApiSettings(public_url=PUBLIC + "/"))
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def parse_feed(body: bytes) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    xml.dom.minidom.parseString(body)  # and a strict XML parser agrees
    return parsed


def test_a_record_with_control_characters_leaves_the_feed_well_formed(client: TestClient) -> None:
    response = client.get("/api/v1/search.atom")
    assert response.status_code == 200
    parsed = parse_feed(response.content)
    assert parsed.version == "atom10"
    titles = [e.title for e in parsed.entries]
    assert titles[-1] == "Thông báo [31mkhẩn về hội nghị"
    (entry,) = [e for e in parsed.entries if e.title.startswith("Thông báo")]
    assert entry.summary == "Tóm tắt hội nghị"
    assert entry.author == "Phòng Văn hóa"
    assert entry.id == f"http://testserver/api/v1/records/{ESCAPED.id}#v1"
    assert [link.href for link in entry.links] == [
        ESCAPED.url,
        f"http://testserver/api/v1/records/{ESCAPED.id}",
    ]
    assert len(parsed.entries) == len(RECORDS)


@pytest.mark.parametrize("q", ["\x1b hội nghị", "hội\x01nghị", "x\x1b", "\ufffe\x00x", '<b>&"\x1b'])
def test_a_query_with_control_characters_leaves_the_feed_well_formed(client: TestClient, q: str) -> None:
    response = client.get("/api/v1/search.atom", params={"q": q})
    assert response.status_code == 200, response.text
    parsed = parse_feed(response.content)
    assert parsed.feed.title.startswith("deptnews: ")
    assert "\x1b" not in parsed.feed.title


def test_feed_and_entries_carry_their_language(client: TestClient) -> None:
    parsed = parse_feed(client.get("/api/v1/search.atom").content)
    assert parsed.feed.title_detail.language == "vi"
    assert {e.title_detail.language for e in parsed.entries} == {"vi"}


def test_feed_answers_conditional_requests(client: TestClient) -> None:
    first = client.get("/api/v1/search.atom", params={"q": "hội nghị"})
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert modified == format_datetime(datetime(2024, 1, 1, tzinfo=UTC), usegmt=True)  # newest entry
    assert first.headers["cache-control"].startswith("public")
    again = client.get("/api/v1/search.atom", params={"q": "hội nghị"}, headers={"If-None-Match": etag})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
    since = client.get(
        "/api/v1/search.atom", params={"q": "hội nghị"}, headers={"If-Modified-Since": modified}
    )
    assert since.status_code == 304
    earlier = format_datetime(datetime(2024, 1, 1, tzinfo=UTC) - timedelta(seconds=1), usegmt=True)
    stale = client.get(
        "/api/v1/search.atom", params={"q": "hội nghị"}, headers={"If-Modified-Since": earlier}
    )
    assert stale.status_code == 200
    # If-None-Match decides when both are sent (RFC 9110 13.2.2); another query is another feed.
    both = {"If-None-Match": '"other"', "If-Modified-Since": modified}
    assert client.get("/api/v1/search.atom", params={"q": "hội nghị"}, headers=both).status_code == 200
    assert client.get("/api/v1/search.atom", headers={"If-None-Match": etag}).status_code == 200
    bad_date = client.get("/api/v1/search.atom", headers={"If-Modified-Since": "yesterday"})
    assert bad_date.status_code == 200


def test_feedparser_polls_over_http_with_the_validators(home: DataHome) -> None:
    # What a polling reader does: fetch, keep the ETag and the date, send them back, get a 304.
    with LiveServer(create_app(home)) as server:
        url = f"{server.url}/api/v1/search.atom?q=h%E1%BB%99i+ngh%E1%BB%8B"
        first = feedparser.parse(url)
        assert (first.status, first.bozo) == (200, False)
        assert first.etag
        assert first.modified
        ids = {e.id for e in first.entries}
        assert f"{server.url}/api/v1/records/{ESCAPED.id}#v1" in ids
        assert ids <= {f"{server.url}/api/v1/records/{r.id}#v1" for r in RECORDS}
        assert feedparser.parse(url, etag=first.etag).status == 304
        assert feedparser.parse(url, modified=first.modified).status == 304


def test_the_public_url_makes_feed_and_entry_ids(public: TestClient) -> None:
    parsed = parse_feed(public.get("/api/v1/search.atom", params={"q": "hội nghị"}).content)
    assert parsed.feed.id == f"{PUBLIC}/api/v1/search.atom?q=h%E1%BB%99i+ngh%E1%BB%8B"
    assert parsed.feed.links[0].href == parsed.feed.id
    assert all(e.id.startswith(f"{PUBLIC}/api/v1/records/") for e in parsed.entries)
    assert {link.href for e in parsed.entries for link in e.links if link.rel == "related"} <= {
        f"{PUBLIC}/api/v1/records/{r.id}" for r in RECORDS
    }


def test_the_public_url_makes_every_absolute_link_in_json(public: TestClient) -> None:
    search = public.get("/api/v1/search", params={"size": 1, "sort": "newest"})
    body = search.json()
    assert body["hits"][0]["links"]["self"] == f"{PUBLIC}/api/v1/records/{body['hits'][0]['id']}"
    assert body["next"].startswith(f"{PUBLIC}/api/v1/search?")
    assert search.headers["link"] == f'<{body["next"]}>; rel="next"'
    offset = public.get("/api/v1/search", params={"size": 1, "offset": 1}).json()
    assert offset["next"].startswith(f"{PUBLIC}/api/v1/search?")
    versions = public.get(f"/api/v1/records/{RECORDS[0].id}/versions").json()
    assert versions["versions"][0]["links"] == {
        "self": f"{PUBLIC}/api/v1/records/{RECORDS[0].id}/versions/1",
        "capture": f"{PUBLIC}/api/v1/records/{RECORDS[0].id}/capture?version=1",
    }
    problem = public.get("/problems/not-found").json()
    assert problem["url"] == f"{PUBLIC}/problems/not-found"
    assert public.get("/openapi.json").json()["servers"] == [{"url": PUBLIC}]


def test_without_a_public_url_links_follow_the_request(client: TestClient) -> None:
    hit = client.get("/api/v1/search", params={"size": 1}).json()["hits"][0]
    assert hit["links"]["self"] == f"http://testserver/api/v1/records/{hit['id']}"
    behind = client.get("/api/v1/search", params={"size": 1}, headers={"Host": "archive.example:8080"})
    assert behind.json()["hits"][0]["links"]["self"].startswith("http://archive.example:8080/api/v1/")


@pytest.mark.parametrize(
    "value",
    ["ftp://x.example", "deptnews.example.org", "https://x.example/?a=1", "https://x.example/#f", "/a"],
)
def test_a_public_url_must_be_an_absolute_http_base(value: str) -> None:
    with pytest.raises(ValueError, match="URL"):
        ApiSettings(public_url=value)


def test_the_public_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from deptnews.settings import Settings

    monkeypatch.setenv("DEPTNEWS_API__PUBLIC_URL", "https://deptnews.example.org/")
    assert Settings().api.public_url == "https://deptnews.example.org"
    monkeypatch.setenv("DEPTNEWS_API__PUBLIC_URL", "")
    assert Settings().api.public_url is None
