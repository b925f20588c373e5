"""Learning a source's template from its own pages (archive.parse.template, the ledger, ingest): what
repeats on most pages of a source is furniture, records are refreshed when it is learnt, and an
incremental parse converges to the same records as ``parse --all``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from archive.home import DataHome
from archive.model import Record
from archive.parse.template import EMPTY, MIN_PAGES, Template, heading_key, learn, observe, relearn_at
from archive.store import Ledger, RecordStore
from archive.warc import Exchange, WarcWriter
from deptnews.cli import main

HOST = "http://sonv.mau.gov.vn"
SOURCES = f"""
[[source]]
id = "sonv"
name = "Sở Nội vụ tỉnh Mẫu"
department = "Sở Nội vụ"
jurisdiction = "Tỉnh Mẫu"
homepage = "{HOST}/"
listings = ["{HOST}/tin-tuc"]
article_pattern = '^/tin-tuc/[a-z0-9-]+$'
"""
T0 = datetime(2024, 3, 1, 2, 0, tzinfo=UTC)
PORTLET = "Chuyên mục hoạt động của Sở"
DISCLAIMER = "Ghi rõ nguồn Cổng thông tin Sở Nội vụ khi phát hành lại thông tin từ website này."
TOPICS = [
    ("Tập huấn nghiệp vụ văn thư lưu trữ", "cán bộ văn thư của các cơ quan, đơn vị trên địa bàn tỉnh"),
    ("Thi tuyển công chức năm 2024", "thí sinh dự thi vào các vị trí việc làm tại các sở, ngành"),
    ("Sắp xếp đơn vị hành chính cấp xã", "phương án sắp xếp các xã, phường, thị trấn giai đoạn mới"),
    ("Khen thưởng tập thể có thành tích", "các tập thể có thành tích xuất sắc trong phong trào thi đua"),
    ("Cải cách hành chính quý một", "kết quả thực hiện nhiệm vụ cải cách hành chính của tỉnh"),
    ("Bồi dưỡng kiến thức quản lý nhà nước", "học viên là chuyên viên chính của các cơ quan hành chính"),
    ("Hội nghị công tác tôn giáo", "tình hình hoạt động tôn giáo và công tác quản lý nhà nước"),
    ("Kiểm tra công tác thanh niên", "việc thực hiện Luật Thanh niên tại các huyện và thành phố"),
]


def page(title: str, topic: str) -> bytes:
    """A page of a home-made portal: a generic layout whose portlet heading is no known section name."""
    body = "".join(
        f"<p>Ngày {n + 2}/3, Sở Nội vụ tổ chức hoạt động về {title.lower()} với sự tham gia của {topic}, "
        f"nội dung phần {n + 1} được trình bày chi tiết.</p>"
        for n in range(3)
    )
    return f"""<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Sở Nội vụ</title></head>
<body><div id="wrap"><div class="col-main"><h2 class="box-head">{PORTLET}</h2>
<div class="news-item"><h3>{title}</h3>{body}<p><em>{DISCLAIMER}</em></p></div></div></div>
</body></html>""".encode()


def exchange(n: int) -> Exchange:
    title, topic = TOPICS[n]
    return Exchange(
        url=f"{HOST}/tin-tuc/bai-{n}",
        status=200,
        reason="OK",
        response_headers=[("Content-Type", "text/html; charset=utf-8")],
        body=page(title, topic),
        captured_at=T0 + timedelta(hours=n),
    )


@pytest.fixture
def home(tmp_path: Path) -> DataHome:
    home = DataHome(tmp_path / "data").ensure()
    home.sources_file.write_text(SOURCES, encoding="utf-8")
    return home


def records(home: DataHome) -> dict[str, Record]:
    return {r.id: r for r in RecordStore(home.records_dir)}


def test_learnt_furniture_is_left_out_of_every_record(home: DataHome) -> None:
    with WarcWriter(home.warc_dir) as writer:
        for n in range(len(TOPICS)):
            writer.write_exchange(exchange(n))
    assert main(["--home", str(home.root), "parse"]) == 0
    found = records(home).values()
    assert sorted(r.title for r in found) == sorted(t for t, _ in TOPICS)
    assert all(DISCLAIMER not in r.body for r in found)
    assert all(len(r.body) == 3 for r in found)
    assert all(r.parser_version.endswith(f"+t{template_of(home).version}") for r in found)
    assert heading_key(PORTLET) in template_of(home).furniture


def template_of(home: DataHome) -> Template:
    with Ledger.open(home.records_dir) as ledger:
        return ledger.template("sonv")


def test_incremental_runs_converge_to_the_full_rebuild(home: DataHome) -> None:
    for n in range(len(TOPICS)):  # one crawl, one WARC file and one parse per page
        with WarcWriter(home.warc_dir) as writer:
            writer.write_exchange(exchange(n))
        assert main(["--home", str(home.root), "parse"]) == 0
        if n < MIN_PAGES - 1:  # nothing can be told yet: the disclaimer is still in the text
            assert any(DISCLAIMER in r.body for r in records(home).values())
    incremental = {rid: r.model_dump_json() for rid, r in records(home).items()}
    assert all(DISCLAIMER not in r.body for r in records(home).values())
    assert main(["--home", str(home.root), "parse", "--all"]) == 0
    assert {rid: r.model_dump_json() for rid, r in records(home).items()} == incremental


def test_without_enough_pages_nothing_is_furniture() -> None:
    seen = observe(["Một đoạn văn."], [PORTLET])
    assert learn(MIN_PAGES - 1, dict.fromkeys(seen, MIN_PAGES - 1)) == EMPTY
    learnt = learn(10, {heading_key(PORTLET) or "": 6, "p:rare": 4})
    assert learnt.furniture == {heading_key(PORTLET)}
    assert learnt.parser_version("2.1.0") == f"2.1.0+t{learnt.version}"
    assert EMPTY.parser_version("2.1.0") == "2.1.0"


def test_the_template_is_learnt_a_logarithmic_number_of_times() -> None:
    points, pages = [], 0
    while pages < 100_000:
        pages = relearn_at(pages)
        points.append(pages)
    assert len(points) < 130
