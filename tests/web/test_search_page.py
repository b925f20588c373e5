"""The search page over a real crawled archive: results, highlighting, filters, facets, pagination,
shareable URLs, languages and errors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.testclient import TestClient
from webarchive import WebArchive, shared_web_archive

from api.app import create_app
from api.web.render import CSP

HREF = re.compile(r'href="([^"]*)"')


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> WebArchive:
    return shared_web_archive(tmp_path_factory)


@pytest.fixture(scope="module")
def client(archive: WebArchive) -> Iterator[TestClient]:
    with TestClient(create_app(archive.home), raise_server_exceptions=False) as client:
        yield client


def hrefs(html: str) -> list[str]:
    return [unescape(h) for h in HREF.findall(html)]


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def hit_ids(html: str) -> list[str]:
    return re.findall(r'<h3><a href="/records/([0-9a-f]{16})', html)


def test_empty_query_lists_the_newest_records_with_facets(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert '<html lang="vi">' in html
    assert "Tin mới lưu trữ" in html
    assert "Kết quả 1–20 trong tổng số 27" in html
    dates = re.findall(r'<time datetime="(\d{4}-\d\d-\d\d)', html)
    assert len(dates) == 20
    assert dates == sorted(dates, reverse=True)
    for facet in ("Nguồn tin", "Cơ quan", "Địa phương", "Chuyên mục", "Năm"):
        assert f"<h3>{facet}</h3>" in html
    assert "Sở Thông tin và Truyền thông tỉnh Lạng Sơn (demo)" in html  # source names, not ids
    facets = html[html.index('<aside class="facets"') :]  # (the timeline links years too, oldest first)
    years = [query_of(h)["year"][0] for h in hrefs(facets) if "year=" in h]
    assert years == sorted(years, reverse=True)  # every year, newest first
    assert {"2010", "2025"} <= set(years)
    assert len(years) > 12


def test_every_page_sends_the_strict_policy(client: TestClient) -> None:
    response = client.get("/")
    assert response.headers["content-security-policy"] == CSP
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "frame-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    ):
        assert directive in CSP
    assert "unsafe" not in CSP
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "Accept-Language" in response.headers["vary"]
    assert "<script>" not in response.text  # no inline script, which the policy would block anyway
    assert " style=" not in response.text  # no inline style either


def test_query_without_marks_finds_and_highlights(client: TestClient, archive: WebArchive) -> None:
    html = client.get("/", params={"q": "hoi nghi giao ban"}).text
    assert hit_ids(html)[0] == archive.seed_id
    assert "Kết quả cho “hoi nghi giao ban”" in html
    assert re.search(r"<mark>Hội nghị giao ban</mark>|<mark>Hội nghị</mark>", html)
    assert 'value="hoi nghi giao ban"' in html  # the box keeps the query


def test_the_json_twin_has_the_same_parameters(client: TestClient) -> None:
    html = client.get("/", params={"q": "hoi nghi", "source": "demo-stttt", "lang": "en"}).text
    (json_url,) = [h for h in hrefs(html) if h.startswith("/api/v1/search?")]
    assert query_of(json_url) == {"q": ["hoi nghi"], "source": ["demo-stttt"]}
    page_ids = hit_ids(html)
    body = client.get(json_url).json()
    assert [hit["id"] for hit in body["hits"]] == page_ids


def test_filters_narrow_and_show_removable_chips(client: TestClient) -> None:
    everything = client.get("/", params={"q": "hoi nghi"}).text
    filtered = client.get("/", params={"q": "hoi nghi", "source": "demo-skhcn"}).text
    assert 0 < len(hit_ids(filtered)) < len(hit_ids(everything))
    assert filtered.count("Sở Khoa học và Công nghệ tỉnh Bắc Ninh (demo)</span>") == len(hit_ids(filtered))
    (chip,) = re.findall(r'<a href="([^"]*)" class="chip"', filtered)
    assert query_of(unescape(chip)) == {"q": ["hoi nghi"]}
    # The drop-down still offers the other source, with its count for this query.
    assert re.search(r'<option value="demo-stttt">[^<]*\(\d+\)</option>', filtered)
    assert '<option value="demo-skhcn" selected>' in filtered


def test_facet_links_keep_every_parameter_and_restart_paging(client: TestClient) -> None:
    html = client.get("/", params={"q": "hoi nghi", "size": "5", "offset": "5", "lang": "en"}).text
    year_links = [h for h in hrefs(html) if "year=" in h]
    assert year_links
    for link in year_links:
        params = query_of(link)
        assert params["q"] == ["hoi nghi"]
        assert params["size"] == ["5"]
        assert params["lang"] == ["en"]
        assert "offset" not in params
    year = query_of(year_links[0])["year"][0]
    narrowed = client.get(year_links[0]).text
    assert len(hit_ids(narrowed)) >= 1
    assert f'<strong aria-current="true">{year}</strong>' in narrowed


def test_date_range_filters_by_vietnamese_day(client: TestClient, archive: WebArchive) -> None:
    html = client.get("/", params={"date_from": "2010-07-05", "date_to": "2010-07-05"}).text
    assert hit_ids(html) == [archive.seed_id]
    assert 'value="2010-07-05"' in html
    assert "Từ ngày: 05/07/2010" in html  # the chips show dates the reader's way
    assert "Đến ngày: 05/07/2010" in html


def test_pagination_links_keep_all_parameters(client: TestClient) -> None:
    first = client.get("/", params={"q": "tin", "sort": "newest", "size": "5", "source": "demo-stttt"}).text
    nav = first[first.index('<nav class="pages"') :]
    (next_url,) = re.findall(r'<a href="([^"]*)" rel="next"', nav)
    params = query_of(unescape(next_url))
    assert params == {
        "q": ["tin"],
        "sort": ["newest"],
        "size": ["5"],
        "source": ["demo-stttt"],
        "offset": ["5"],
    }
    second = client.get(unescape(next_url)).text
    assert "Kết quả 6–10" in second
    assert not set(hit_ids(first)) & set(hit_ids(second))
    (prev_url,) = re.findall(r'<a href="([^"]*)" rel="prev"', second)
    assert "offset" not in query_of(unescape(prev_url))
    assert 'aria-current="page" aria-label="Trang 2"' in second


def test_empty_form_fields_redirect_to_the_clean_url(client: TestClient) -> None:
    response = client.get(
        "/?q=hoi+nghi&source=&department=&date_from=&sort=relevance", follow_redirects=False
    )
    assert response.status_code == 302
    assert response.headers["location"] == "/?q=hoi+nghi&sort=relevance"
    assert client.get("/?q=", follow_redirects=False).headers["location"] == "/"


@pytest.mark.parametrize(
    ("headers", "params", "lang"),
    [
        ({}, {}, "vi"),
        ({"Accept-Language": "en-US,en;q=0.9"}, {}, "en"),
        ({"Accept-Language": "fr, vi;q=0.3, en;q=0.6"}, {}, "en"),
        ({"Accept-Language": "vi-VN, en;q=0.8"}, {}, "vi"),
        ({"Accept-Language": "de"}, {}, "vi"),
        ({"Accept-Language": "en"}, {"lang": "vi"}, "vi"),
        ({}, {"lang": "en"}, "en"),
    ],
)
def test_language(client: TestClient, headers: dict[str, str], params: dict[str, str], lang: str) -> None:
    html = client.get("/", params=params, headers=headers).text
    assert f'<html lang="{lang}">' in html
    assert ("Search the archive" in html) == (lang == "en")


def test_an_explicit_language_is_kept_in_links_and_forms(client: TestClient) -> None:
    html = client.get("/", params={"q": "hoi nghi", "lang": "en"}).text
    internal = [h for h in hrefs(html) if h == "/" or h.startswith(("/?", "/records/", "/sources"))]
    langs = [query_of(h).get("lang") for h in internal]
    assert langs.count(["vi"]) == 1  # the language switch, which keeps the query
    assert langs.count(["en"]) == len(internal) - 1 > 10
    (switch,) = [h for h in internal if query_of(h).get("lang") == ["vi"]]
    assert query_of(switch)["q"] == ["hoi nghi"]
    assert '<input type="hidden" name="lang" value="en">' in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"size": "abc"}, "size: expected a whole number, got &#39;abc&#39;"),
        ({"size": "1000"}, "size: must be between 1 and 100"),
        ({"sourse": "x"}, "sourse: unknown parameter"),
        ({"date_from": "2020-13-01"}, "date_from: expected a date as YYYY-MM-DD"),
        ({"date_from": "2021-01-01", "date_to": "2020-01-01"}, "date_from is after date_to"),
        ({"sort": "best"}, "sort: must be one of relevance, newest, oldest"),
        ({"facets": "colour"}, "facets: expected comma-separated facets among source"),
    ],
)
def test_a_bad_parameter_is_a_400_page_with_the_form(
    client: TestClient, params: dict[str, str], message: str
) -> None:
    response = client.get("/", params=params)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert message in response.text
    assert 'role="alert"' in response.text
    assert '<form class="search"' in response.text  # the reader can fix it right there


def test_a_bad_language_is_a_400_page(client: TestClient) -> None:
    response = client.get("/", params={"lang": "fr"}, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert '<html lang="en">' in response.text
    assert "lang: must be one of vi, en" in response.text


def test_no_results_gives_tips(client: TestClient) -> None:
    html = client.get("/", params={"q": "xyzzyquux"}).text
    assert "Không tìm thấy kết quả nào." in html
    assert "Mẹo:" in html


def test_an_archive_without_an_index_is_empty_not_broken(tmp_path_factory: pytest.TempPathFactory) -> None:
    from archive.home import DataHome

    home = DataHome(tmp_path_factory.mktemp("empty")).ensure()
    with TestClient(create_app(home)) as client:
        response = client.get("/", params={"q": "hoi nghi"})
        assert response.status_code == 200
        assert "Không tìm thấy kết quả nào." in response.text
        assert client.get("/sources").status_code == 200
