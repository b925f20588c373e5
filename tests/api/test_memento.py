"""Memento (RFC 7089) over the API: TimeGate, TimeMap and mementos, on real WARC files and a real CDXJ
index (tests/mementos.py), and the archived attachments of a record."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from urllib.parse import quote

import pytest
from mementos import GONE, NEVER, PAGE, PDF, PDF_BODY, PDF_FINAL, T1, T2, T3, V1, V2, Built, build
from pywb.utils.memento import MementoUtils
from starlette.testclient import TestClient

from api.app import create_app
from archive.cdxj import timestamp_of

BASE = "http://testserver/api/v1"
CAPTURE_CSP = "sandbox; default-src 'none'"

# RFC 6690 §2 (link-format), strictly: link-value *("," link-value), each <URI-Reference> then
# ";"-separated parameters; a quoted value has no unescaped quote. Our TimeMap puts a line break
# after each comma, which the grammar allows as whitespace only through the "," separator we split on.
_LINK_VALUE = re.compile(
    r"<(?P<uri>[!#$%&\'()*+,\-./0-9:;=?@A-Z\[\]_a-z~]+)>"
    r'(?P<params>(?:;\s?[a-z][a-z0-9!#$&+\-.^_`|~]*(?:=(?:"[^"\\]*"|[!#$&+\-.^_`|~0-9A-Za-z]+))?)*)'
)


def parse_link_format(text: str) -> list[tuple[str, dict[str, str]]]:
    """The links of an application/link-format document; fails the test on anything the grammar refuses."""
    links = []
    for value in text.strip().split(",\n"):
        match = _LINK_VALUE.fullmatch(value)
        assert match is not None, value
        params = dict(re.findall(r';\s?([a-z]+)="([^"]*)"', match["params"]))
        links.append((match["uri"], params))
    return links


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build(tmp_path_factory.mktemp("memento"))


@pytest.fixture(scope="module")
def client(built: Built) -> Iterator[TestClient]:
    with TestClient(create_app(built.home), follow_redirects=False) as test_client:
        yield test_client


def _memento_uri(url: str, at: object) -> str:
    return f"{BASE}/memento/{timestamp_of(at)}/{url}"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, T3),  # no Accept-Datetime: the latest
        ("Mon, 01 Jan 2001 00:00:00 GMT", T1),  # before the first: the first
        ("Fri, 01 Mar 2024 11:00:00 GMT", T2),  # closest
        ("Thu, 01 Feb 2024 00:00:00 GMT", T2),  # 31 days after T1, 29.5 days before T2
        ("Mon, 01 Jan 2024 01:00:00 +0100", T1),  # another zone, the same instant as T1
        ("Wed, 01 Jan 2031 00:00:00 GMT", T3),  # after the last: the last
    ],
)
def test_timegate_redirects_to_the_closest_memento(
    client: TestClient, accept: str | None, expected: object
) -> None:
    headers = {"Accept-Datetime": accept} if accept else {}
    response = client.get(f"/api/v1/timegate/{PAGE}", headers=headers)
    assert response.status_code == 302
    assert response.headers["location"] == _memento_uri(PAGE, expected)
    assert response.headers["vary"].lower() == "accept-datetime"
    links = MementoUtils.parse_links(response.headers["link"])
    assert links["original"]["url"] == PAGE
    assert links["timegate"]["url"] == f"{BASE}/timegate/{PAGE}"
    assert links["timemap"]["url"] == f"{BASE}/timemap/link/{PAGE}"
    assert links["timemap"]["type"] == "application/link-format"


def test_the_closest_is_by_distance() -> None:
    # 2024-02-01 is 31 days after T1 and 29.5 days before T2: T2 is closer.
    from api.memento import closest
    from archive.cdxj import CdxEntry

    entries = [CdxEntry("k", timestamp_of(t), PAGE, "text/html", 200, None, 1, 0, "f") for t in (T1, T2, T3)]
    when = parsedate_to_datetime("Thu, 01 Feb 2024 00:00:00 GMT")
    assert closest(entries, when).timestamp == timestamp_of(T2)
    assert closest(entries, None).timestamp == timestamp_of(T3)


def test_timegate_refuses_a_bad_accept_datetime(client: TestClient) -> None:
    response = client.get(f"/api/v1/timegate/{PAGE}", headers={"Accept-Datetime": "yesterday"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["parameter"] == "Accept-Datetime"


@pytest.mark.parametrize("path", ["timegate", "timemap/link", "memento/20240101000000"])
def test_a_url_never_archived_is_a_404_problem(client: TestClient, path: str) -> None:
    response = client.get(f"/api/v1/{path}/{NEVER}")
    assert response.status_code == 404
    assert response.json()["type"] == "/problems/not-archived"


@pytest.mark.parametrize("url", ["ftp://so.example.vn/x", "http://", "javascript:alert(1)"])
def test_a_url_that_is_no_http_url_is_a_400(client: TestClient, url: str) -> None:
    response = client.get(f"/api/v1/timegate/{url}")
    assert response.status_code == 400
    assert response.json()["parameter"] == "url"


def test_timemap_lists_every_memento(client: TestClient) -> None:
    response = client.get(f"/api/v1/timemap/link/{PAGE}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/link-format"
    links = parse_link_format(response.text)
    assert links[0] == (PAGE, {"rel": "original"})
    self_uri, self_params = links[1]
    assert self_uri == f"{BASE}/timemap/link/{PAGE}"
    assert self_params["rel"] == "self"
    assert parsedate_to_datetime(self_params["from"]) == T1
    assert parsedate_to_datetime(self_params["until"]) == T3
    assert links[2] == (f"{BASE}/timegate/{PAGE}", {"rel": "timegate"})
    mementos = links[3:]
    assert [uri for uri, _ in mementos] == [_memento_uri(PAGE, t) for t in (T1, T2, T3)]
    assert [parsedate_to_datetime(p["datetime"]) for _, p in mementos] == [T1, T2, T3]
    assert [p["rel"] for _, p in mementos] == ["first memento", "memento", "last memento"]
    # pywb reads it as a TimeMap too (it is how pywb reads remote archives' TimeMaps).
    parsed = MementoUtils.parse_links(response.text)
    assert [m["url"] for m in parsed["mementos"]] == [_memento_uri(PAGE, t) for t in (T1, T2, T3)]


def test_a_single_memento_is_first_and_last(client: TestClient) -> None:
    links = parse_link_format(client.get(f"/api/v1/timemap/link/{GONE}").text)
    assert [p["rel"] for _, p in links[3:]] == ["first last memento"]


@pytest.mark.parametrize(
    "spelled",
    [
        PAGE,
        "https://so.example.vn/tin-tuc/bai-1.html?a=1&b=2",  # same SURT key: same resource
        quote(PAGE, safe=""),  # percent-encoded as a whole
        PAGE.replace("http://", "http:/"),  # slashes merged by a proxy
        PAGE.removeprefix("http://"),  # no scheme
    ],
)
def test_the_original_url_may_be_spelled_several_ways(client: TestClient, spelled: str) -> None:
    response = client.get(f"/api/v1/timemap/link/{spelled}")
    assert response.status_code == 200, response.text
    assert len(parse_link_format(response.text)) == 3 + 3


def test_a_memento_is_the_archived_response_sandboxed(client: TestClient) -> None:
    response = client.get(_memento_uri(PAGE, T1).removeprefix("http://testserver"))
    assert response.status_code == 200
    assert response.content == V1
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-security-policy"].startswith(CAPTURE_CSP)
    assert "allow-scripts" not in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert parsedate_to_datetime(response.headers["memento-datetime"]) == T1
    links = MementoUtils.parse_links(response.headers["link"])
    assert links["original"]["url"] == PAGE
    assert links["timegate"]["url"] == f"{BASE}/timegate/{PAGE}"
    latest = client.get(_memento_uri(PAGE, T3).removeprefix("http://testserver"))
    assert latest.content == V2


def test_a_revisit_memento_serves_the_payload_it_refers_to(client: TestClient) -> None:
    response = client.get(_memento_uri(PAGE, T2).removeprefix("http://testserver"))
    assert response.status_code == 200
    assert response.content == V1
    assert parsedate_to_datetime(response.headers["memento-datetime"]) == T2


@pytest.mark.parametrize(("timestamp", "expected"), [("2024", T1), ("20240301", T2), ("20991231235959", T3)])
def test_a_memento_at_another_time_redirects_to_the_closest(
    client: TestClient, timestamp: str, expected: object
) -> None:
    response = client.get(f"/api/v1/memento/{timestamp}/{PAGE}")
    assert response.status_code == 302
    assert response.headers["location"] == _memento_uri(PAGE, expected)


@pytest.mark.parametrize("timestamp", ["2024x", "202413", "123456789012345"])
def test_a_bad_timestamp_is_a_400(client: TestClient, timestamp: str) -> None:
    response = client.get(f"/api/v1/memento/{timestamp}/{PAGE}")
    assert response.status_code == 400
    assert response.json()["parameter"] == "timestamp"


def test_a_memento_that_is_not_a_page_is_a_download(client: TestClient) -> None:
    response = client.get(_memento_uri(PDF_FINAL, T1).removeprefix("http://testserver"))
    assert response.status_code == 200
    assert response.content == PDF_BODY
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == "attachment"


def test_a_memento_of_a_redirect_keeps_its_status(client: TestClient) -> None:
    response = client.get(_memento_uri(PDF, T1).removeprefix("http://testserver"))
    assert response.status_code == 200
    assert response.headers["x-deptnews-original-status"] == "302"


# -- attachments ------------------------------------------------------------------------------------------


def test_an_attachment_is_its_archived_file_as_a_download(client: TestClient, built: Built) -> None:
    response = client.get(f"/api/v1/records/{built.record_id}/attachments/1/file")
    assert response.status_code == 200
    assert response.content == PDF_BODY  # the link answered 302; the file it led to is served
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"van-ban-moi.pdf\"; filename*=UTF-8''van-ban-moi.pdf"
    )
    assert response.headers["content-security-policy"].startswith(CAPTURE_CSP)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert parsedate_to_datetime(response.headers["memento-datetime"]) == T1


@pytest.mark.parametrize(
    ("n", "slug"), [(2, "not-archived"), (3, "not-archived"), (4, "attachment-not-found")]
)
def test_an_attachment_not_archived_is_a_404_problem(
    client: TestClient, built: Built, n: int, slug: str
) -> None:
    # 2: only a 404 was captured; 3: never captured; 4: the record has three attachments.
    response = client.get(f"/api/v1/records/{built.record_id}/attachments/{n}/file")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == f"/problems/{slug}"


def test_attachment_numbers_are_checked(client: TestClient, built: Built) -> None:
    assert client.get(f"/api/v1/records/{built.record_id}/attachments/0/file").status_code == 400
    assert client.get(f"/api/v1/records/{built.record_id}/attachments/x/file").status_code == 400
    assert client.get("/api/v1/records/0000000000000000/attachments/1/file").status_code == 404


def test_attachment_file_names_are_safe() -> None:
    from api.archived import download_name

    name = download_name("http://h.vn/files/Quy%E1%BA%BFt%20%C4%91%E1%BB%8Bnh%20%22a%22.pdf")
    exact = "Quy%E1%BA%BFt%20%C4%91%E1%BB%8Bnh%20a.pdf"  # the quotes are dropped
    assert name == f"attachment; filename=\"Quy_t __nh a.pdf\"; filename*=UTF-8''{exact}"
    assert download_name("http://h.vn/") == "attachment; filename=\"attachment\"; filename*=UTF-8''attachment"
