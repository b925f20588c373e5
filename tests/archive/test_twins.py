"""One article, one record: the same article under other URLs of a source is merged into one record
that keeps every URL; another source's copy is a repost, kept but not indexed (archive.twins, ingest)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from archive.home import DataHome
from archive.model import Attachment, Content, Record, record_id
from archive.store import RecordStore
from archive.twins import same_article, title_key
from archive.warc import Exchange, WarcWriter
from deptnews.cli import main
from index.whoosh.service import SearchRequest, SearchService

T0 = datetime(2024, 3, 1, 2, 0, tzinfo=UTC)
SO = "http://stttt.mau.gov.vn"
TINH = "http://mau.gov.vn"
SOURCES = "".join(
    f"""
[[source]]
id = "{sid}"
name = "{name}"
department = "{name}"
jurisdiction = "Tỉnh Mẫu"
homepage = "{host}/"
listings = ["{host}/tin-tuc"]
article_pattern = '^/tin-tuc/[^/?#]+$|^/web/guest/-/asset_publisher/\\w+/content/[\\w-]+$'
"""
    for sid, name, host in (
        ("so", "Sở Thông tin và Truyền thông", SO),
        ("tinh", "Ủy ban nhân dân tỉnh", TINH),
    )
)
TITLE = "Hội nghị triển khai kế hoạch chuyển đổi số năm 2024"
BODY = [
    "Sáng 28/2, Sở Thông tin và Truyền thông tổ chức hội nghị triển khai kế hoạch chuyển đổi số năm 2024 "
    "với sự tham dự của đại diện các sở, ban, ngành và Ủy ban nhân dân các huyện, thành phố.",
    "Năm 2024, tỉnh đặt mục tiêu 100% hồ sơ công việc cấp tỉnh được xử lý trên môi trường mạng, 80% thủ "
    "tục hành chính đủ điều kiện được cung cấp dịch vụ công trực tuyến toàn trình.",
]


def liferay_page(title: str, body: list[str], *, related: str = "") -> bytes:
    """A Liferay 6.2 asset publisher full-content view."""
    paragraphs = "".join(f"<p>{p}</p>" for p in body)
    return f"""<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{title} - Tin tức</title>
</head><body><div class="portlet-asset-publisher"><div class="asset-full-content">
<h3 class="header-title"><span>{title}</span></h3>
<div class="asset-content"><div class="journal-content-article">
<p class="date">28/02/2024</p>{paragraphs}</div></div>{related}</div></div></body></html>""".encode()


def exchange(url: str, body: bytes, at: timedelta) -> Exchange:
    return Exchange(
        url=url,
        status=200,
        reason="OK",
        response_headers=[("Content-Type", "text/html; charset=utf-8")],
        body=body,
        captured_at=T0 + at,
    )


@pytest.fixture
def home(tmp_path: Path) -> DataHome:
    home = DataHome(tmp_path / "data").ensure()
    home.sources_file.write_text(SOURCES, encoding="utf-8")
    return home


def crawl(home: DataHome, *exchanges: Exchange) -> None:
    with WarcWriter(home.warc_dir) as writer:
        for item in exchanges:
            writer.write_exchange(item)


def records(home: DataHome) -> dict[str, Record]:
    return {r.id: r for r in RecordStore(home.records_dir)}


ARTICLE = f"{SO}/web/guest/-/asset_publisher/Ab1c/content/hoi-nghi-chuyen-doi-so"
SECOND_ASSET = f"{SO}/web/guest/-/asset_publisher/Zz9q/content/hoi-nghi-chuyen-doi-so-2"
PRINT_VIEW = f"{ARTICLE}/pop_up?_101_INSTANCE_Ab1c_viewMode=print"
RELATED = '<div class="related"><h4>Tin liên quan</h4><a href="/tin-tuc/a">Tin khác một</a></div>'


def test_one_article_under_three_urls_is_one_record_with_every_url(home: DataHome) -> None:
    crawl(
        home,
        exchange(ARTICLE, liferay_page(TITLE, BODY, related=RELATED), timedelta(0)),
        exchange(PRINT_VIEW, liferay_page(TITLE, BODY), timedelta(minutes=1)),
        exchange(SECOND_ASSET, liferay_page(TITLE.upper(), BODY), timedelta(minutes=2)),
    )
    assert main(["--home", str(home.root), "parse"]) == 0
    found = records(home)
    assert list(found) == [record_id(ARTICLE)]
    record = found[record_id(ARTICLE)]
    assert record.url == ARTICLE
    assert record.also_at == [SECOND_ASSET]  # the print view's URL already was the article's
    assert len(record.versions) == 1
    assert record.last_seen == T0 + timedelta(minutes=2)
    incremental = {rid: r.model_dump_json() for rid, r in found.items()}
    assert main(["--home", str(home.root), "parse", "--all"]) == 0
    assert {rid: r.model_dump_json() for rid, r in records(home).items()} == incremental


def test_another_source_repost_is_kept_but_searched_once(home: DataHome) -> None:
    repost = f"{TINH}/tin-tuc/hoi-nghi-chuyen-doi-so"
    crawl(home, exchange(ARTICLE, liferay_page(TITLE, BODY), timedelta(0)))
    assert main(["--home", str(home.root), "parse"]) == 0
    assert main(["--home", str(home.root), "index"]) == 0
    crawl(home, exchange(repost, liferay_page(TITLE, BODY), timedelta(days=1)))
    assert main(["--home", str(home.root), "parse"]) == 0
    assert main(["--home", str(home.root), "index"]) == 0
    found = records(home)
    assert set(found) == {record_id(ARTICLE), record_id(repost)}
    assert found[record_id(repost)].repost_of == record_id(ARTICLE)
    assert found[record_id(ARTICLE)].repost_of is None
    service = SearchService(home.index_dir, lambda rid: None)
    try:
        hits = service.search(SearchRequest(q="chuyển đổi số")).hits
    finally:
        service.close()
    assert [h.id for h in hits] == [record_id(ARTICLE)]


def test_same_title_different_article_stays_apart(home: DataHome) -> None:
    # A weekly "Lịch công tác" has one title and a new text every week.
    week1 = ["Thứ Hai: Giám đốc Sở họp giao ban với các phòng chuyên môn tại trụ sở Sở vào buổi sáng."]
    week2 = ["Thứ Ba: Phó Giám đốc Sở đi kiểm tra cơ sở hạ tầng viễn thông tại huyện Bình Gia cả ngày."]
    crawl(
        home,
        exchange(
            f"{SO}/tin-tuc/lich-cong-tac-tuan-1", liferay_page("Lịch công tác tuần", week1), timedelta(0)
        ),
        exchange(
            f"{SO}/tin-tuc/lich-cong-tac-tuan-2", liferay_page("Lịch công tác tuần", week2), timedelta(1)
        ),
    )
    assert main(["--home", str(home.root), "parse"]) == 0
    assert all(not r.also_at for r in records(home).values())
    assert len(records(home)) == 2


def content(title: str, body: list[str], **kw: object) -> Content:
    return Content(title=title, body=body, **kw)  # type: ignore[arg-type]


def test_same_article_rules() -> None:
    long_text = [" ".join(f"từ{i}" for i in range(60))]
    assert same_article(content(TITLE, long_text), content(f"  {TITLE.upper()}.", long_text))
    # a print view without the last sentence is still the same article
    assert same_article(content(TITLE, long_text), content(TITLE, [" ".join(f"từ{i}" for i in range(56))]))
    assert not same_article(content(TITLE, long_text), content("Một tiêu đề khác", long_text))
    # a standfirst alone is not the article
    assert not same_article(
        content(TITLE, long_text), content(TITLE, [" ".join(f"từ{i}" for i in range(20))])
    )
    day = datetime(2024, 2, 28, tzinfo=UTC)
    assert not same_article(
        content(TITLE, long_text, published=day), content(TITLE, long_text, published=day + timedelta(days=7))
    )
    files = [Attachment(url=f"{SO}/lich.pdf")]
    assert same_article(content(TITLE, [], attachments=files), content(TITLE, [], attachments=files))
    assert not same_article(content(TITLE, []), content(TITLE, []))
    assert title_key("Hội  nghị – “chuyển đổi số”") == title_key("hội nghị chuyển đổi số")
