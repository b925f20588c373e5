"""Versions and re-parse on real WARC files: captures of the same pages over time, via `deptnews parse`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from archive.home import DataHome
from archive.ingest import ingest
from archive.model import Record, record_id
from archive.parse.result import PARSER_VERSION
from archive.sources import load_sources
from archive.store import Ledger, RecordStore
from archive.warc import Exchange, RevisitOf, WarcWriter, payload_digest
from deptnews.cli import main

HOST = "http://stttt.example.vn"
SOURCES = f"""
[[source]]
id = "ex-stttt"
name = "Sở Thông tin và Truyền thông tỉnh Mẫu"
department = "Sở Thông tin và Truyền thông"
jurisdiction = "Tỉnh Mẫu"
homepage = "{HOST}/"
listings = ["{HOST}/tin-tuc"]
article_pattern = '^/tin-tuc/[^/?#]+$|^/bai-viet\\?id=\\d+$'
"""
T0 = datetime(2024, 3, 1, 2, 0, tzinfo=UTC)
PARAGRAPHS = [
    "Sáng 28/2, Sở Thông tin và Truyền thông tổ chức hội nghị triển khai kế hoạch chuyển đổi số năm 2024 "
    "với sự tham dự của đại diện các sở, ban, ngành và Ủy ban nhân dân các huyện, thành phố.",
    "Năm 2024, tỉnh đặt mục tiêu 100% hồ sơ công việc cấp tỉnh được xử lý trên môi trường mạng, "
    "80% thủ tục hành chính đủ điều kiện được cung cấp dịch vụ công trực tuyến toàn trình.",
]


def article(
    title: str, paragraphs: list[str], *, date: str | None = "28/02/2024 09:30", views: int = 1
) -> bytes:
    """A Drupal-style article page; the view counter changes on every visit, the content does not."""
    date_line = f'<span class="date-display-single">{date}</span>' if date else ""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">
<meta name="Generator" content="Drupal 7 (http://drupal.org)"><title>{title} | Sở TT&amp;TT</title></head>
<body class="page-node"><div id="header">Sở Thông tin và Truyền thông tỉnh Mẫu</div>
<h1 id="page-title">{title}</h1><div class="node">{date_line}
<div class="field-name-body">{body}<p style="text-align:right"><strong>Minh Hà</strong></p></div>
<div class="statistics_counter">{views} lượt xem</div></div></body></html>""".encode()


def listing(items: list[tuple[str, str, str]]) -> bytes:
    rows = "".join(
        f'<div class="views-row"><a href="{path}">{title}</a> <span class="date">{date}</span></div>'
        for path, title, date in items
    )
    return f"""<html><head><meta charset="utf-8"><title>Tin tức</title></head><body>
<div class="view-content">{rows}</div></body></html>""".encode()


@dataclass
class Site:
    home: DataHome

    def write(self, *exchanges: Exchange) -> None:
        """One crawl run: a new WARC file holding ``exchanges``."""
        with WarcWriter(self.home.warc_dir) as writer:
            for exchange in exchanges:
                writer.write_exchange(exchange)

    def revisit(self, exchange: Exchange, original: Exchange) -> None:
        with WarcWriter(self.home.warc_dir) as writer:
            first = RevisitOf(original.url, original.captured_at, None, payload_digest(original.body))
            writer.write_revisit(exchange, first)

    def parse(self, *extra: str) -> int:
        return main(["--home", str(self.home.root), "parse", *extra])

    def records(self) -> dict[str, Record]:
        return {r.id: r for r in RecordStore(self.home.records_dir)}

    def record(self, path: str) -> Record:
        return RecordStore(self.home.records_dir).get(record_id(HOST + path))


def response(path: str, body: bytes = b"", *, at: timedelta, status: int = 200, **headers: str) -> Exchange:
    return Exchange(
        url=HOST + path,
        status=status,
        reason={200: "OK", 301: "Moved Permanently", 304: "Not Modified", 404: "Not Found"}.get(status, "X"),
        response_headers=[("Content-Type", "text/html; charset=utf-8"), *headers.items()],
        body=body,
        captured_at=T0 + at,
    )


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    home = DataHome(tmp_path / "data").ensure()
    home.sources_file.write_text(SOURCES, encoding="utf-8")
    return Site(home)


A = "/tin-tuc/trien-khai-chuyen-doi-so-2024"
TITLE = "Triển khai kế hoạch chuyển đổi số năm 2024"


def test_versions_last_seen_removal_and_identical_rebuild(site: Site) -> None:
    first = response(A, article(TITLE, PARAGRAPHS, views=10), at=timedelta(days=0))
    site.write(first)
    assert site.parse() == 0
    v1 = site.record(A)
    assert [v.n for v in v1.versions] == [1]
    assert v1.parser_version == PARSER_VERSION
    assert v1.extractor == "drupal"
    assert v1.published == datetime(2024, 2, 28, 9, 30, tzinfo=v1.published.tzinfo) if v1.published else False

    # Re-crawl, same content (only the view counter moved): last_seen only.
    site.write(response(A, article(TITLE, PARAGRAPHS, views=57), at=timedelta(days=3)))
    assert site.parse() == 0
    same = site.record(A)
    assert len(same.versions) == 1
    assert same.last_seen == T0 + timedelta(days=3)
    assert same.first_seen == T0
    assert same.capture == v1.capture

    # The department edits the article: a new version with its own capture; the first is kept.
    edited = [*PARAGRAPHS, "Sở sẽ tổ chức sơ kết việc thực hiện kế hoạch vào tháng 7 năm 2024."]
    changed = response(A, article(TITLE + " (cập nhật)", edited, views=80), at=timedelta(days=5))
    site.write(changed)
    assert site.parse() == 0
    v2 = site.record(A)
    assert [v.n for v in v2.versions] == [1, 2]
    assert v2.versions[0] == same.versions[0]
    assert v2.title == TITLE + " (cập nhật)"
    assert v2.body[-1].startswith("Sở sẽ tổ chức sơ kết")
    assert v2.capture == v2.versions[1].capture != v2.versions[0].capture
    assert v2.capture.captured_at == T0 + timedelta(days=5)
    assert v2.content_hash == v2.versions[1].content_hash != v2.versions[0].content_hash

    # A revisit record (identical payload) and a 304 Not Modified: last_seen only.
    site.revisit(response(A, changed.body, at=timedelta(days=7)), changed)
    site.write(response(A, at=timedelta(days=8), status=304))
    assert site.parse() == 0
    seen = site.record(A)
    assert len(seen.versions) == 2
    assert seen.last_seen == T0 + timedelta(days=8)
    assert seen.removed_at is None

    # Then the page is gone.
    site.write(response(A, b"<h1>Not Found</h1>", at=timedelta(days=9), status=404))
    assert site.parse() == 0
    gone = site.record(A)
    assert gone.removed_at == T0 + timedelta(days=9)
    assert gone.removed_reason == "http-404"
    assert len(gone.versions) == 2

    # `parse` again reads nothing new; `parse --all` rebuilds the very same records from the WARC files.
    incremental = {rid: r.model_dump_json() for rid, r in site.records().items()}
    with Ledger.open(site.home.records_dir) as ledger:
        assert all(ledger.has_file(p) for p in site.home.warc_dir.iterdir())
    assert site.parse() == 0
    assert site.parse("--all") == 0
    assert {rid: r.model_dump_json() for rid, r in site.records().items()} == incremental


def test_a_page_that_comes_back_is_no_longer_removed(site: Site) -> None:
    site.write(response(A, article(TITLE, PARAGRAPHS), at=timedelta(days=0)))
    site.write(response(A, b"", at=timedelta(days=1), status=404))
    site.write(response(A, article(TITLE, PARAGRAPHS), at=timedelta(days=2)))
    assert site.parse() == 0
    record = site.record(A)
    assert record.removed_at is None
    assert record.removed_reason is None
    assert len(record.versions) == 1
    assert record.last_seen == T0 + timedelta(days=2)


def test_redirect_away_and_soft_404_remove_but_a_move_does_not(site: Site) -> None:
    b, c, d = "/tin-tuc/bai-b", "/tin-tuc/bai-c", "/tin-tuc/bai-d"
    site.write(
        response(b, article("Bài viết B về chuyển đổi số", PARAGRAPHS), at=timedelta(0)),
        response(c, article("Bài viết C về chuyển đổi số", PARAGRAPHS), at=timedelta(0)),
        response(d, article("Bài viết D về chuyển đổi số", PARAGRAPHS), at=timedelta(0)),
    )
    soft_404 = "<html><body><h1>Lỗi</h1><p>Trang bạn yêu cầu không tồn tại.</p></body></html>".encode()
    site.write(
        response(b, at=timedelta(days=1), status=301, Location="/"),
        response(c, soft_404, at=timedelta(days=1)),
        response(d, at=timedelta(days=1), status=301, Location="/tin-tuc/bai-d-moi"),
    )
    assert site.parse() == 0
    assert site.record(b).removed_reason == "redirected-away"
    assert site.record(c).removed_reason == "error-page"
    assert site.record(c).removed_at == T0 + timedelta(days=1)
    assert site.record(d).removed_at is None


def test_listing_dates_and_aliases(site: Site) -> None:
    undated = "/tin-tuc/bai-khong-ngay"
    friendly = "/tin-tuc/ten-bai-than-thien"
    aliased = article("Bài có đường dẫn rút gọn", PARAGRAPHS).replace(
        b"<head>", f'<head><link rel="canonical" href="{HOST}{friendly}">'.encode()
    )
    site.write(
        response(
            "/tin-tuc", listing([(undated, "Bài không ghi ngày đăng", "(12/02/2024)")]), at=timedelta(0)
        ),
        response(undated, article("Bài không ghi ngày đăng", PARAGRAPHS, date=None), at=timedelta(0)),
        response("/bai-viet?id=77", aliased, at=timedelta(0)),
    )
    site.write(response("/bai-viet?id=77", at=timedelta(days=2), status=410))
    assert site.parse() == 0
    dated = site.record(undated)
    assert dated.published is not None
    assert dated.published.date().isoformat() == "2024-02-12"
    assert dated.published_from == "listing"
    moved = site.record(friendly)
    assert moved.url == HOST + friendly
    assert moved.capture.url == HOST + "/bai-viet?id=77"
    assert moved.removed_reason == "http-410"


def test_a_parser_upgrade_alone_adds_no_version(site: Site) -> None:
    site.write(response(A, article(TITLE, PARAGRAPHS), at=timedelta(0)))
    assert site.parse() == 0
    store = RecordStore(site.home.records_dir)
    record = site.record(A)
    # As an older parser would have stored it: other content, other version.
    old = record.versions[0].content.model_copy(update={"title": "Triển khai kế hoạch"})
    version = record.versions[0].model_copy(
        update={"content": old, "content_hash": old.compute_hash(), "parser_version": "0.9.0"}
    )
    store.put(
        record.model_copy(update={"versions": [version], "parser_version": "0.9.0", "title": old.title})
    )
    site.write(response(A, article(TITLE, PARAGRAPHS), at=timedelta(days=4)))
    assert site.parse() == 0
    upgraded = site.record(A)
    assert len(upgraded.versions) == 1
    assert upgraded.parser_version == PARSER_VERSION
    assert upgraded.title == TITLE
    assert upgraded.last_seen == T0 + timedelta(days=4)


def test_an_unreadable_warc_file_fails_the_rebuild_and_loses_nothing(site: Site) -> None:
    site.write(response(A, article(TITLE, PARAGRAPHS), at=timedelta(0)))
    assert site.parse() == 0
    before = {rid: r.model_dump_json() for rid, r in site.records().items()}
    (site.home.warc_dir / "zz-broken.warc.gz").write_bytes(b"\x1f\x8b\x08 not a gzip member")
    assert site.parse("--all") == 1
    assert {rid: r.model_dump_json() for rid, r in site.records().items()} == before
    assert not site.home.records_dir.with_name("records.rebuild").exists()


def test_ingest_counts_files_read_and_skipped(site: Site) -> None:
    site.write(response(A, article(TITLE, PARAGRAPHS), at=timedelta(0)))
    registry = load_sources(site.home.sources_file)
    first = ingest(site.home, registry)
    assert (first.files, first.files_known, first.changes["new"]) == (1, 0, 1)
    site.write(response("/tin-tuc", listing([]), at=timedelta(days=1)))
    second = ingest(site.home, registry)
    assert (second.files, second.files_known) == (1, 1)
    assert second.skipped["not-article-url"] == 1
    rebuilt = ingest(site.home, registry, rebuild=True)
    assert (rebuilt.files, rebuilt.files_known, rebuilt.changes["new"]) == (2, 0, 1)


def test_parse_show_prints_one_page_and_writes_nothing(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    site.write(response(A, article(TITLE, PARAGRAPHS), at=timedelta(0)))
    assert site.parse("--show", HOST + A) == 0
    out = capsys.readouterr().out
    assert '"extractor": "drupal"' in out
    assert TITLE in out
    assert not site.records()
    page = site.home.root / "saved.html"
    page.write_bytes(article("Một trang đã lưu về chuyển đổi số", PARAGRAPHS))
    assert site.parse("--show", HOST + "/tin-tuc/da-luu", "--file", str(page)) == 0
    assert "Một trang đã lưu" in capsys.readouterr().out
    assert site.parse("--show", HOST + "/tin-tuc") == 1  # no capture of it
    assert site.parse("--file", str(page)) == 2
