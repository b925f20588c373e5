"""``deptnews extract`` on the demo sites' real attachments: texts in the records, the index and the API."""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import require_extraction_tools
from frictionless_cli import frictionless_rows, frictionless_validate
from starlette.testclient import TestClient

from api.app import create_app
from archive.documents.run import extract_attachments
from archive.home import DataHome
from archive.ledger import Ledger
from archive.model import Record
from archive.store import RecordStore
from deptnews.cli import main
from deptnews.demo import documents as demo
from deptnews.demo.server import DemoWeb
from deptnews.demo.sites import SITES
from deptnews.demo_run import demo_sources_toml


@dataclass
class Extracted:
    home: DataHome
    client: TestClient

    def record_with(self, file: str) -> tuple[Record, int]:
        """The record attaching the demo file ``file`` (a key of FILES) and its attachment number."""
        suffix = {"decision-pdf": "1234-qd-ubnd-ke-hoach-ung-dung-cntt-2019.pdf"}.get(file)
        for record in RecordStore(self.home.records_dir):
            for n, attachment in enumerate(record.attachments, start=1):
                if attachment.text is not None and attachment.text.sha256 == _sha(file):
                    return record, n
                if suffix and attachment.url.endswith(suffix):
                    return record, n
        raise AssertionError(f"no record attaches {file}")


def _attachment_urls() -> int:
    return sum(len(a.attachments) for site in SITES for a in site.articles)


def _sha(file: str) -> str:
    import hashlib

    return hashlib.sha256(demo.FILES[file][0]()).hexdigest()


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Extracted]:
    require_extraction_tools()
    home = DataHome(tmp_path_factory.mktemp("extract") / "data")
    with DemoWeb() as web:
        home.root.mkdir(parents=True)
        home.sources_file.write_text(demo_sources_toml(web.base_urls), encoding="utf-8")
        args = ["--home", str(home.root)]
        assert main([*args, "crawl"]) == 0
        assert main([*args, "parse"]) == 0

    # Interrupted after the first file: what was done stays done, the next run does the rest.
    class Stop(Exception):
        pass

    def stop(done: int, total: int, url: str) -> None:
        raise Stop

    with pytest.raises(Stop):
        extract_attachments(home, report=stop)
    with Ledger.open(home.records_dir) as ledger:
        first = [
            u
            for r in RecordStore(home.records_dir)
            for a in r.attachments
            if (u := a.url) and ledger.attachment_text(u)
        ]
    assert len(first) == 1
    assert main(["--home", str(home.root), "extract", "--workers", "2"]) == 0
    assert main(["--home", str(home.root), "index"]) == 0
    with TestClient(create_app(home)) as client:
        yield Extracted(home, client)


@pytest.mark.parametrize(
    ("file", "query", "method", "page"),
    [
        ("decision-pdf", '"Đoàn Thu Hà"', "text-layer", 2),
        ("scanned-pdf", '"Nguyễn Thị Hường"', "ocr", 1),
        ("plan-docx", '"Nhân giống hồi Lạng Sơn"', "office", 1),
        ("plan-docx", '"Triệu Thị Huyền"', "office", 2),
        ("plan-docx", '"nuôi cấy mô tế bào"', "office", 3),
        ("winners-xlsx", '"Lường Thị Mai"', "office", 1),
        ("legacy-doc", '"hồ chứa nước"', "office", 1),
        ("legacy-xls", '"Vi Văn Thưởng"', "office", 1),
    ],
)
def test_a_search_finds_the_record_through_each_kind_of_attachment(
    extracted: Extracted, file: str, query: str, method: str, page: int
) -> None:
    record, n = extracted.record_with(file)
    text = record.attachments[n - 1].text
    assert text is not None
    assert (text.status, text.method, text.sha256) == ("ok", method, _sha(file))
    assert record.versions[-1].content.attachments == record.attachments  # the latest version too
    found = extracted.client.get("/api/v1/search", params={"q": query, "in": "attachments"}).json()
    hit = next(h for h in found["hits"] if h["id"] == record.id)
    assert (hit["match"]["attachment"], hit["match"]["page"]) == (n, page)
    assert "<mark>" in hit["snippet"]
    page_only = extracted.client.get("/api/v1/search", params={"q": query, "in": "page"}).json()
    assert record.id not in [h["id"] for h in page_only["hits"]]
    field = extracted.client.get("/api/v1/search", params={"q": f"attachment:{query}"}).json()
    assert record.id in [h["id"] for h in field["hits"]]


def test_document_numbers_in_attachments_are_searchable_and_listed(extracted: Extracted) -> None:
    record, n = extracted.record_with("scanned-pdf")
    text = record.attachments[n - 1].text
    assert text is not None
    assert demo.SCANNED_NUMBER in text.doc_numbers
    found = extracted.client.get("/api/v1/search", params={"q": demo.SCANNED_NUMBER}).json()
    assert record.id in [h["id"] for h in found["hits"]]


def test_the_attachment_endpoint_gives_metadata_and_text_per_page(extracted: Extracted) -> None:
    record, n = extracted.record_with("decision-pdf")
    response = extracted.client.get(f"/api/v1/records/{record.id}/attachments/{n}")
    assert response.status_code == 200
    body = response.json()
    assert (body["text"]["kind"], body["text"]["pages"], body["text"]["method"]) == ("pdf", 2, "text-layer")
    assert [p["number"] for p in body["pages"]] == [1, 2]
    assert f"Số: {demo.DECISION_NUMBER}" in body["pages"][0]["text"]
    assert demo.DECISION_NUMBER in body["text"]["doc_numbers"]
    download = extracted.client.get(body["links"]["file"])
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.content == demo.decision_pdf()
    missing = extracted.client.get(f"/api/v1/records/{record.id}/attachments/{len(record.attachments) + 1}")
    assert (missing.status_code, missing.json()["type"]) == (404, "/problems/attachment-not-found")


def test_a_second_run_reads_nothing_again(extracted: Extracted, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--home", str(extracted.home.root), "extract"]) == 0
    out = capsys.readouterr().out
    assert "read 0 " in out
    assert f"already done {_attachment_urls()}" in out


def test_the_record_page_shows_each_attachment_text_behind_a_toggle(extracted: Extracted) -> None:
    record, n = extracted.record_with("decision-pdf")
    page = extracted.client.get(f"/records/{record.id}")
    assert page.status_code == 200
    html = page.text
    assert f'id="att-{n}-p-2"' in html
    details = html[html.index('<details class="attachment-text">') : html.index("</details>")]
    assert "Đoàn Thu Hà" in details
    assert "<script" not in details
    found = extracted.client.get("/", params={"q": '"Đoàn Thu Hà"', "in": "attachments"})
    assert f"/records/{record.id}#att-{n}-p-2" in found.text


def test_the_cli_search_limits_to_page_or_attachments_and_says_where_it_matched(
    extracted: Extracted, capsys: pytest.CaptureFixture[str]
) -> None:
    record, n = extracted.record_with("decision-pdf")
    home = ["--home", str(extracted.home.root)]
    assert main([*home, "search", '"Đoàn Thu Hà"', "--in", "attachments"]) == 0
    out = capsys.readouterr().out
    assert f"(id {record.id})" in out
    title = record.attachments[n - 1].title
    assert f"attachment {n} ({title}), page 2: " in out
    assert "»Đoàn Thu Hà«" in out
    assert main([*home, "search", '"Đoàn Thu Hà"', "--in", "page"]) == 0
    out = capsys.readouterr().out
    assert record.id not in out
    assert out.startswith("0 result(s)")
    assert main([*home, "search", '"Đoàn Thu Hà"', "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)["hits"]
    assert next(h for h in hits if h["id"] == record.id)["match"] == {"attachment": n, "page": 2}
    # A word of the page's own text: found in the page, not in the attachments, and said to be the page's.
    word = f'"{record.title}"'
    assert main([*home, "search", word, "--in", "page"]) == 0
    out = capsys.readouterr().out
    assert f"(id {record.id})" in out
    assert "     page: " in out
    with pytest.raises(SystemExit) as usage:
        main([*home, "search", word, "--in", "nowhere"])
    assert usage.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_attachment_numbers_join_the_record_s_doc_numbers_without_a_new_version(extracted: Extracted) -> None:
    record, _ = extracted.record_with("scanned-pdf")
    number = demo.SCANNED_NUMBER
    # Stored: the page's own numbers, one version, its hash still that of its content.
    assert number not in record.doc_numbers
    assert len(record.versions) == 1
    assert (
        record.versions[-1].content.compute_hash() == record.content_hash == record.versions[-1].content_hash
    )
    served = extracted.client.get(f"/api/v1/records/{record.id}").json()
    assert served["doc_numbers"] == [*record.doc_numbers, number]
    assert served["content_hash"] == record.content_hash
    assert len(served["versions"]) == 1
    assert number not in served["versions"][0]["content"]["doc_numbers"]
    # The doc_number filter: any case, through the API and the command line.
    for value in (number, number.lower(), number.replace("-", " - ")):
        found = extracted.client.get("/api/v1/search", params={"doc_number": value}).json()
        assert [h["id"] for h in found["hits"]] == [record.id], value
    other = extracted.client.get("/api/v1/search", params={"doc_number": "999/QĐ-STTTT"}).json()
    assert other["total"] == 0
    # Exports: JSON Lines and CSV give the joined list.
    jsonl = extracted.client.get("/api/v1/export", params={"format": "jsonl", "doc_number": number})
    rows = [json.loads(line) for line in jsonl.text.splitlines()]
    assert [(r["id"], r["doc_numbers"]) for r in rows] == [(record.id, served["doc_numbers"])]
    table = extracted.client.get("/api/v1/export", params={"format": "csv", "doc_number": number})
    cells = list(csv.DictReader(io.StringIO(table.text.lstrip("\ufeff"), newline="")))
    assert [(c["id"], c["doc_numbers"].split("\n")) for c in cells] == [(record.id, served["doc_numbers"])]


def test_the_cli_filters_by_an_attachment_s_document_number(
    extracted: Extracted, capsys: pytest.CaptureFixture[str]
) -> None:
    record, _ = extracted.record_with("decision-pdf")
    home = ["--home", str(extracted.home.root)]
    assert main([*home, "search", "--filter", f"doc_number={demo.DECISION_NUMBER.lower()}", "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)["hits"]
    assert record.id in [h["id"] for h in hits]


def test_a_dump_read_by_frictionless_has_the_attachment_numbers(extracted: Extracted, tmp_path: Path) -> None:
    record, _ = extracted.record_with("scanned-pdf")
    assert main(["--home", str(extracted.home.root), "dump"]) == 0
    descriptor = max((extracted.home.root / "dumps").glob("deptnews-*/datapackage.json"))
    report = frictionless_validate(descriptor)
    assert report["valid"], report
    rows = frictionless_rows(descriptor, "records")
    row = next(r for r in rows if r["id"] == record.id)
    assert row["doc_numbers"].split("\n") == [*record.doc_numbers, demo.SCANNED_NUMBER]
    source = next(p for p in descriptor.parent.glob("records-*.jsonl.gz") if record.source in p.name)
    with gzip.open(source, "rt", encoding="utf-8") as lines:
        dumped = next(r for r in map(json.loads, lines) if r["id"] == record.id)
    assert demo.SCANNED_NUMBER in dumped["doc_numbers"]
    assert demo.SCANNED_NUMBER not in dumped["versions"][-1]["content"]["doc_numbers"]


def test_liferay_document_links_are_crawled_extracted_and_found(extracted: Extracted) -> None:
    """The Liferay demo links its files as Liferay does: the document library's
    ``/documents/<group>/<folder>/<title.docx>/<uuid>?version=…`` and the ``get_file`` servlet, whose
    URL says nothing of the file (its response does)."""
    liferay = {r.id: r for r in RecordStore(extracted.home.records_dir) if r.source.endswith("skhcn")}
    links = [(r, n, a) for r in liferay.values() for n, a in enumerate(r.attachments, start=1)]
    library = [(r, n, a) for r, n, a in links if "/documents/10181/" in a.url]
    servlet = [(r, n, a) for r, n, a in links if "/c/document_library/get_file?" in a.url]
    assert len(library) == len(servlet) == 1
    record, n, attachment = library[0]
    assert "?version=1.0&t=" in attachment.url
    assert attachment.type == "docx"
    assert attachment.text is not None
    assert (attachment.text.status, attachment.text.kind, attachment.text.pages) == ("ok", "docx", 3)
    found = extracted.client.get("/api/v1/search", params={"q": '"Triệu Thị Huyền"', "in": "attachments"})
    hit = next(h for h in found.json()["hits"] if h["id"] == record.id)
    assert (hit["match"]["attachment"], hit["match"]["page"]) == (n, 2)

    record, n, attachment = servlet[0]
    assert (attachment.title, attachment.type) == (None, None)  # the page says nothing of the file
    assert attachment.text is not None
    assert (attachment.text.status, attachment.text.kind) == ("ok", "xlsx")  # read from its bytes
    served = extracted.client.get(f"/api/v1/records/{record.id}").json()
    assert served["attachments"][n - 1]["type"] == "xlsx"  # as served: the format it was read as
    found = extracted.client.get("/api/v1/search", params={"q": '"Lường Thị Mai"', "in": "attachments"})
    assert record.id in [h["id"] for h in found.json()["hits"]]
    download = extracted.client.get(f"/api/v1/records/{record.id}/attachments/{n}/file")
    assert download.content == demo.winners_xlsx()
    assert download.headers["content-type"].startswith("application/vnd.openxmlformats")
