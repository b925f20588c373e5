"""DOCX split into pages at Word's page marks, on files written with python-docx."""

from __future__ import annotations

import io
from collections.abc import Callable

import docx
from docx.document import Document
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.text.paragraph import Paragraph

from archive.documents.extract import extract
from archive.documents.limits import Limits
from deptnews.demo import documents as demo


def _docx(build: Callable[[Document], None]) -> bytes:
    document = docx.Document()
    build(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _rendered_break(paragraph: Paragraph) -> None:
    """Mark ``paragraph`` as starting a page, as Word does when it saves a laid-out document: a
    ``<w:lastRenderedPageBreak/>`` at the start of its first run."""
    run = paragraph.runs[0] if paragraph.runs else paragraph.add_run()
    run._r.insert(0, OxmlElement("w:lastRenderedPageBreak"))


def _texts(data: bytes, limits: Limits | None = None) -> list[tuple[int, list[str]]]:
    found = extract(data, name="x.docx", limits=limits)
    return [(p.number, p.text.splitlines()) for p in found.pages]


def test_the_demo_plan_has_three_pages_at_its_hard_and_section_breaks() -> None:
    found = extract(demo.plan_docx())
    assert (found.kind, found.page_count) == ("docx", 3)
    pages = {p.number: p.text.splitlines() for p in found.pages}
    assert pages[1][:2] == ["KẾ HOẠCH", f"Số: {demo.PLAN_NUMBER}"]
    assert "1 Nhân giống hồi Lạng Sơn chất lượng cao Viện Nông nghiệp Quý II" in pages[1]
    assert pages[2] == list(demo.PLAN_PAGE_2)
    assert pages[3] == list(demo.PLAN_PAGE_3)


def test_a_page_break_inside_a_paragraph_splits_its_text() -> None:
    def build(document: Document) -> None:
        paragraph = document.add_paragraph("trước ngắt trang")
        paragraph.add_run().add_break(WD_BREAK.PAGE)
        paragraph.add_run("sau ngắt trang")
        line = document.add_paragraph("dòng một")
        line.add_run().add_break(WD_BREAK.LINE)
        line.add_run("dòng hai")

    assert _texts(_docx(build)) == [
        (1, ["trước ngắt trang"]),
        (2, ["sau ngắt trang", "dòng một", "dòng hai"]),
    ]


def test_page_break_before_and_continuous_sections() -> None:
    def build(document: Document) -> None:
        document.add_paragraph("một")
        document.add_section(WD_SECTION.CONTINUOUS)  # the next section stays on the page
        document.add_paragraph("vẫn trang một")
        document.add_paragraph("hai").paragraph_format.page_break_before = True
        document.add_section(WD_SECTION.ODD_PAGE)
        document.add_paragraph("ba")

    assert _texts(_docx(build)) == [(1, ["một", "vẫn trang một"]), (2, ["hai"]), (3, ["ba"])]


def test_word_s_rendered_breaks_win_and_hard_breaks_are_not_counted_twice() -> None:
    def build(document: Document) -> None:
        document.add_paragraph("Trang một, dòng dài được Word dàn sang trang sau")
        _rendered_break(document.add_paragraph("Trang hai (Word dàn trang)"))
        hard = document.add_paragraph("cuối trang hai")
        hard.add_run().add_break(WD_BREAK.PAGE)
        _rendered_break(document.add_paragraph("Trang ba"))  # Word marks the page the hard break began

    assert _texts(_docx(build)) == [
        (1, ["Trang một, dòng dài được Word dàn sang trang sau"]),
        (2, ["Trang hai (Word dàn trang)", "cuối trang hai"]),
        (3, ["Trang ba"]),
    ]


def test_a_break_inside_a_table_row_puts_the_row_on_the_next_page() -> None:
    def build(document: Document) -> None:
        document.add_paragraph("Danh sách")
        table = document.add_table(rows=2, cols=2)
        table.cell(0, 0).text, table.cell(0, 1).text = "1", "Lò Văn Páo"
        table.cell(1, 0).text = "2"
        _rendered_break(table.cell(1, 1).paragraphs[0])
        table.cell(1, 1).paragraphs[0].add_run("Hà Thị Sinh")

    assert _texts(_docx(build)) == [(1, ["Danh sách", "1 Lò Văn Páo"]), (2, ["2 Hà Thị Sinh"])]


def test_pages_past_the_limit_are_counted_not_read() -> None:
    def build(document: Document) -> None:
        for n in range(1, 5):
            paragraph = document.add_paragraph(f"trang {n}")
            if n < 4:
                paragraph.add_run().add_break(WD_BREAK.PAGE)

    found = extract(_docx(build), limits=Limits(max_pages=2))
    assert found.page_count == 4
    assert [(p.number, p.text) for p in found.pages] == [(1, "trang 1"), (2, "trang 2")]


def test_paragraphs_in_content_controls_are_read() -> None:
    def build(document: Document) -> None:
        document.add_paragraph("trước")
        inner = document.add_paragraph("trong ô nội dung")
        sdt, content = OxmlElement("w:sdt"), OxmlElement("w:sdtContent")
        inner._p.addprevious(sdt)
        sdt.append(content)
        content.append(inner._p)
        document.add_paragraph("sau")

    assert _texts(_docx(build)) == [(1, ["trước", "trong ô nội dung", "sau"])]
