"""The search page's ways out: downloads of the same search, its Atom feed (linked and discoverable) and
the timeline chart whose bars narrow the search; over a real crawled archive and index."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.testclient import TestClient
from webarchive import WebArchive, shared_web_archive

from api.app import create_app

ATOM = "{http://www.w3.org/2005/Atom}"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> WebArchive:
    return shared_web_archive(tmp_path_factory)


@pytest.fixture(scope="module")
def client(archive: WebArchive) -> Iterator[TestClient]:
    with TestClient(create_app(archive.home), raise_server_exceptions=False) as client:
        yield client


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def link_of(html: str, attribute: str) -> str:
    """The one ``href`` of the element with ``attribute`` (e.g. ``type="text/csv"``) in the page."""
    (href,) = re.findall(rf'<a href="([^"]*)" {re.escape(attribute)}', html)
    return unescape(href)


def search_ids(client: TestClient, params: dict[str, str]) -> list[str]:
    body = client.get("/api/v1/search", params={**params, "size": "100"}).json()
    assert body["total"] <= 100
    return [hit["id"] for hit in body["hits"]]


def total_of(html: str) -> int:
    match = re.search(r"trong tổng số ([\d.]+)|of ([\d,]+)", html)
    assert match is not None
    return int((match.group(1) or match.group(2)).replace(".", "").replace(",", ""))


def svg_of(html: str) -> ET.Element:
    start = html.index('<svg xmlns="http://www.w3.org/2000/svg"')
    # The SVG is XML as the serializer wrote it: it parses as it stands, entities and all.
    return ET.fromstring(html[start : html.index("</svg>", start) + len("</svg>")])


SEARCH = {"q": "hoi nghi", "source": "demo-stttt", "sort": "oldest"}


def test_download_links_export_the_same_search(client: TestClient) -> None:
    html = client.get("/", params={**SEARCH, "size": "3", "offset": "3", "lang": "en"}).text
    csv_url = link_of(html, 'type="text/csv" download')
    jsonl_url = link_of(html, 'type="application/x-ndjson" download')
    assert "CSV (for spreadsheets)" in html
    # The search's query, filters and sort; not the page's paging or language (the export takes all).
    assert query_of(csv_url) == {"format": ["csv"], **{k: [v] for k, v in SEARCH.items()}}
    assert query_of(jsonl_url) == {"format": ["jsonl"], **{k: [v] for k, v in SEARCH.items()}}
    expected = search_ids(client, SEARCH)
    assert len(expected) > 3  # more than the page shows: the download has them all

    response = client.get(csv_url)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith("\ufeff".encode())  # for spreadsheets: Excel reads it as UTF-8
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row["id"] for row in rows] == expected
    assert all(row["source"] == "demo-stttt" for row in rows)
    assert f"Download all results ({len(expected)}):" in html

    lines = client.get(jsonl_url).text.splitlines()
    assert [json.loads(line)["id"] for line in lines] == expected


def test_downloads_keep_the_date_range_and_the_vietnamese_labels(client: TestClient) -> None:
    params = {"date_from": "2019-01-01", "date_to": "2022-12-31"}
    html = client.get("/", params=params).text
    csv_url = link_of(html, 'type="text/csv" download')
    assert query_of(csv_url) == {"format": ["csv"], "date_from": ["2019-01-01"], "date_to": ["2022-12-31"]}
    assert "CSV (mở bằng bảng tính)" in html
    assert "JSONL (cho lập trình, đủ mọi trường)" in html
    rows = list(csv.DictReader(io.StringIO(client.get(csv_url).text)))
    assert len(rows) == total_of(html) > 0
    assert all("2019-01-01" <= row["published"][:10] <= "2022-12-31" for row in rows)


def test_the_feed_is_linked_and_announced_for_feed_readers(client: TestClient) -> None:
    html = client.get("/", params={**SEARCH, "size": "5", "lang": "en"}).text
    head = html[: html.index("</head>")]
    (tag,) = re.findall(r'<link rel="alternate" type="application/atom\+xml"[^>]*>', head)
    title = unescape(re.findall(r'title="([^"]*)"', tag)[0])
    assert title == "deptnews – search “hoi nghi”"
    feed_url = unescape(re.findall(r'href="([^"]*)"', tag)[0])
    assert feed_url == link_of(html, 'type="application/atom+xml" class="feed"')
    # A feed is newest first whatever the page's sort, so the sort is not passed on.
    assert query_of(feed_url) == {"q": ["hoi nghi"], "source": ["demo-stttt"]}
    assert "Follow this search (Atom feed)" in html

    response = client.get(feed_url)
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    related = [
        link.get("href", "").rsplit("/", 1)[-1]
        for entry in feed.iter(f"{ATOM}entry")
        for link in entry.iter(f"{ATOM}link")
        if link.get("rel") == "related"
    ]
    assert related == search_ids(client, {**SEARCH, "sort": "newest"})


def test_the_chart_is_in_the_html_with_a_bar_per_period(client: TestClient) -> None:
    html = client.get("/", params={"q": "hoi nghi"}).text
    svg = svg_of(html)
    assert svg.get("role") == "img"
    assert svg.findtext(f"{SVG}title") == "Số kết quả theo năm"
    years = client.get("/api/v1/timeline", params={"q": "hoi nghi", "interval": "year"}).json()["buckets"]
    links = list(svg.iter(f"{SVG}a"))
    assert [query_of(a.get("href", ""))["year"] for a in links] == [[b["period"]] for b in years]
    summary = svg.findtext(f"{SVG}desc") or ""
    assert summary.startswith(f"Kết quả có ngày đăng: {sum(b['count'] for b in years)}, từ 2010 đến 2025")
    # The same numbers and links in a table, for screen readers and the keyboard.
    table = html[html.index('<table class="chart-data">') : html.index("</table>")]
    assert table.count("<tr>") == 1 + 2025 - 2010 + 1
    assert " style=" not in html


def test_a_bar_narrows_the_search_to_its_period(client: TestClient) -> None:
    html = client.get("/", params={"q": "hoi nghi", "size": "5", "offset": "5"}).text
    bars = [
        (query_of(a.get("href", "")), a.findtext(f"{SVG}title") or "") for a in svg_of(html).iter(f"{SVG}a")
    ]
    params, title = max(bars, key=lambda bar: int(bar[1].split(": ")[1]))
    assert "offset" not in params  # back to the first page
    year, count = params["year"][0], int(title.split(": ")[1])
    narrowed = client.get("/", params={k: v[0] for k, v in params.items()}).text
    assert total_of(narrowed) == count > 1
    assert re.findall(r'<time datetime="(\d{4})', narrowed) == [year] * count
    # Narrowed to one year, the chart shows its months; each links to one month of that year.
    svg = svg_of(narrowed)
    assert svg.findtext(f"{SVG}title") == "Số kết quả theo tháng"
    months = [query_of(a.get("href", "")) for a in svg.iter(f"{SVG}a")]
    assert months
    assert all(m["year"] == [year] and m["month"][0].startswith(f"{year}-") for m in months)


def test_a_month_filter_is_shown_kept_and_not_an_error(client: TestClient, archive: WebArchive) -> None:
    # Regression: a month filter (which the timeline's bars add) made the page fail with a 500.
    response = client.get("/", params={"month": "2010-07"})
    assert response.status_code == 200
    assert re.findall(r'<h3><a href="/records/([0-9a-f]{16})', response.text) == [archive.seed_id]
    assert "Tháng: tháng 7/2010" in response.text  # the chip, in words
    assert '<input type="hidden" name="month" value="2010-07">' in response.text  # kept by the form
    english = client.get("/", params={"month": "2010-07", "lang": "en"}).text
    assert "Month: 2010-07" in english


def test_no_results_no_downloads_or_chart_but_a_feed_to_follow(client: TestClient) -> None:
    html = client.get("/", params={"q": "xyzzyquux"}).text
    assert 'type="text/csv"' not in html
    assert "<svg" not in html
    feed_url = link_of(html, 'type="application/atom+xml" class="feed"')
    assert query_of(feed_url) == {"q": ["xyzzyquux"]}  # new matches will show up there
    assert 'rel="alternate" type="application/atom+xml"' in html


def test_a_bad_search_offers_nothing_to_take_away(client: TestClient) -> None:
    response = client.get("/", params={"q": "hoi nghi", "size": "abc"})
    assert response.status_code == 400
    assert "/api/v1/export" not in response.text
    assert "/api/v1/search.atom" not in response.text
    assert "<svg" not in response.text


def test_the_chart_counts_what_the_api_timeline_counts(client: TestClient) -> None:
    html = client.get("/").text
    timeline = client.get("/api/v1/timeline", params={"interval": "year"}).json()
    assert timeline["total"] == total_of(html)  # every demo record has a date: no "undated" note
    assert "không có ngày đăng" not in html
    counts = [int((a.findtext(f"{SVG}title") or "").split(": ")[1]) for a in svg_of(html).iter(f"{SVG}a")]
    assert counts == [b["count"] for b in timeline["buckets"]]
