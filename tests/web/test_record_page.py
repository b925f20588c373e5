"""Record and diff pages: content, provenance, the sandboxed archived copy, versions, citation, JSON
links, and scraped text that tries to be HTML."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from starlette.testclient import TestClient
from webarchive import HOSTILE_URL, WebArchive, shared_web_archive

from api.app import create_app
from archive.store import RecordStore

HREF = re.compile(r'(?:href|src|action)="([^"]*)"')


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> WebArchive:
    return shared_web_archive(tmp_path_factory)


@pytest.fixture(scope="module")
def client(archive: WebArchive) -> Iterator[TestClient]:
    with TestClient(create_app(archive.home), raise_server_exceptions=False) as client:
        yield client


def test_record_page_shows_content_and_provenance(client: TestClient, archive: WebArchive) -> None:
    record = RecordStore(archive.home.records_dir).get(archive.seed_id)
    response = client.get(f"/records/{archive.seed_id}")
    assert response.status_code == 200
    html = response.text
    assert f'<h1 lang="vi">{record.title}</h1>' in html
    assert f"<title>{record.title} – deptnews</title>" in html
    assert "05/07/2010" in html
    assert 'href="/?author=Ho%C3%A0ng+V%C4%83n+%C4%90%E1%BB%93ng"' in html
    for paragraph in record.body:
        assert f"<p>{paragraph}</p>" in html
    assert f'<a href="{record.url}" rel="noopener noreferrer nofollow external">' in html
    assert "Hoàng Văn Đồng<br>Sở Thông tin và Truyền thông" in html  # the signature block


def test_document_numbers_and_author_link_to_searches(client: TestClient, archive: WebArchive) -> None:
    record = next(r for r in RecordStore(archive.home.records_dir) if r.doc_numbers and r.author)
    html = client.get(f"/records/{record.id}").text
    links = [unescape(h) for h in HREF.findall(html)]
    (number_link,) = [h for h in links if "q=" in h and "%2F" in h]
    assert f'/records/{record.id}"' in client.get(number_link).text
    (author_link,) = [h for h in links if "author=" in h]
    assert f'/records/{record.id}"' in client.get(author_link).text


def test_archived_copy_is_a_sandboxed_frame(client: TestClient, archive: WebArchive) -> None:
    html = client.get(f"/records/{archive.seed_id}").text
    (frame,) = re.findall(r"<iframe [^>]*>", html)
    assert frame.startswith(f'<iframe sandbox src="/api/v1/records/{archive.seed_id}/capture?version=1" ')
    assert 'title="Bản lưu của trang gốc, chụp lúc ' in frame
    assert "allow-" not in frame  # an empty sandbox: no scripts, no same origin, no forms, no popups
    capture = client.get(f"/api/v1/records/{archive.seed_id}/capture?version=1")
    assert capture.status_code == 200
    assert capture.headers["content-security-policy"].startswith("sandbox")


def test_citation_pins_the_version_and_gives_the_capture_date(
    client: TestClient, archive: WebArchive
) -> None:
    record = RecordStore(archive.home.records_dir).get(archive.seed_id)
    html = client.get(f"/records/{archive.seed_id}", params={"lang": "en"}).text
    (cite,) = re.findall(r'<p id="cite-text" class="cite-text">([^<]*)</p>', html)
    cite = unescape(cite)
    permalink = f"http://testserver/records/{archive.seed_id}?version=1"
    assert cite.startswith("Sở Thông tin và Truyền thông tỉnh Lạng Sơn (demo). “Bộ Thông tin")
    assert "Published 2010-07-05." in cite
    assert f"Original: {record.url}." in cite
    captured = record.capture.captured_at.astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    assert f"captured {captured:%Y-%m-%d %H:%M} (Vietnam time): {permalink}" in cite
    assert f'<a href="{permalink}" class="url">' in html
    assert client.get(permalink).status_code == 200


def test_json_links_resolve(client: TestClient, archive: WebArchive) -> None:
    html = client.get(f"/records/{archive.seed_id}").text
    section = html[html.index('<section class="json"') :]
    links = [unescape(h) for h in HREF.findall(section.split("</section>")[0])]
    assert len(links) == 4
    for link in links:
        response = client.get(link)
        assert response.status_code == 200, link
        assert response.headers["content-type"].startswith("application/json")


def test_versions_table_and_old_version(client: TestClient, archive: WebArchive) -> None:
    rid = archive.hostile_id
    current = client.get(f"/records/{rid}").text
    assert "Các phiên bản (2)" in current
    assert f'href="/records/{rid}/diff?from=1&amp;to=2"' in current
    assert f'<iframe sandbox src="/api/v1/records/{rid}/capture?version=2"' in current
    assert '<form class="compare"' in current
    old = client.get(f"/records/{rid}", params={"version": "1"}).text
    assert "Bạn đang xem phiên bản 1 trong 2 phiên bản." in old
    assert "phiên bản 1.</p>" in old  # version 1's body
    assert f'<iframe sandbox src="/api/v1/records/{rid}/capture?version=1"' in old
    assert f"/records/{rid}?version=1</a>" in old  # the citation pins the version shown


def test_diff_page(client: TestClient, archive: WebArchive) -> None:
    rid = archive.hostile_id
    response = client.get(f"/records/{rid}/diff", params={"from": "1", "to": "2"})
    assert response.status_code == 200
    html = response.text
    assert "So sánh phiên bản 1 và 2" in html
    assert '<span class="tag">Nội dung</span>' in html
    dels = re.findall(r'<div class="del">(.*?)</div>', html)
    adds = re.findall(r'<div class="add">(.*?)</div>', html)
    assert any("phiên bản 1." in line for line in dels)
    assert any("phiên bản 2." in line for line in adds)
    assert "&lt;img src=x onerror=" in html
    assert "<img" not in html
    default = client.get(f"/records/{rid}/diff").text
    assert "So sánh phiên bản 1 và 2" in default
    same = client.get(f"/records/{archive.seed_id}/diff").text
    assert "Hai phiên bản được chọn là một." in same


def test_scraped_html_is_always_text(client: TestClient, archive: WebArchive) -> None:
    w = archive.watch.url
    for url in (f"/records/{archive.hostile_id}", f"/records/{archive.hostile_id}?version=1", "/sources"):
        html = client.get(url).text
        assert "<script>fetch" not in html
        assert "<img src=x" not in html
        assert "<b onmouseover" not in html
        assert "<i>Tác giả" not in html
        assert "<em>Kiểm thử" not in html
        assert "javascript:" not in "".join(HREF.findall(html)).lower()
    html = client.get(f"/records/{archive.hostile_id}").text
    assert f"&lt;script&gt;fetch(&#39;{w}/title-script&#39;)&lt;/script&gt;" in html
    assert "Tệp &lt;b&gt;độc&lt;/b&gt;" in html  # a javascript: attachment is shown as text, not a link
    assert 'href="https://hostile.example.vn/files/quyet-dinh.pdf"' in html
    assert HOSTILE_URL in html


def test_search_snippet_is_escaped_except_marks(client: TestClient, archive: WebArchive) -> None:
    html = client.get("/", params={"q": "kiem thu bao mat"}).text
    assert f'<h3><a href="/records/{archive.hostile_id}">' in html
    (snippet,) = re.findall(r'<p class="snippet">(.*?)</p>', html, re.S)[:1]
    assert "<mark>" in snippet
    assert "&lt;script&gt;" in snippet
    assert not re.search(r"<(?!/?mark>)", snippet)  # no tag but <mark>
    assert "<script>fetch" not in html
    assert "<img src=x" not in html


@pytest.mark.parametrize(
    ("url", "status", "text"),
    [
        ("/records/0000000000000000", 404, "no record with id &#39;0000000000000000&#39;"),
        ("/records/not-an-id", 404, "Không tìm thấy"),
        ("/records/{seed}?version=9", 400, "version: must be between 1 and 1"),
        ("/records/{seed}?version=x", 400, "version: expected a whole number"),
        ("/records/{seed}?verion=1", 400, "verion: unknown parameter"),
        ("/records/{seed}/diff?from=0", 400, "from: must be between 1 and 1"),
        ("/records/{seed}/diff?to=abc", 400, "to: expected a whole number"),
        ("/records/{seed}/diff?form=1", 400, "form: unknown parameter"),
        ("/records/0000000000000000/diff", 404, "Không tìm thấy"),
    ],
)
def test_record_errors_are_html_pages(
    client: TestClient, archive: WebArchive, url: str, status: int, text: str
) -> None:
    response = client.get(url.format(seed=archive.seed_id))
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert text in response.text
    assert "Về trang tìm kiếm" in response.text
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
