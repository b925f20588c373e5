"""Real attachment files for the demo sites, generated in code: a decision as a PDF with a text layer,
the same kind of decision as a scanned (image-only) PDF, a plan as DOCX, a list of winners as XLSX.

Each is deterministic (same bytes on every run, so ETags are stable) and carries known words and
document numbers, so the tests can check what extraction and search find in them. The scanned decree
is rendered with a font that has Vietnamese glyphs (DejaVu, Debian's ``fonts-dejavu-core``) onto a
grey page with noise and a slight rotation, as a scanner would give it. The legacy Word file (TCVN3
text) and Excel file (VNI text) are committed under ``content/files/``, made once by
``make_legacy_files.py`` (no pure-Python writer of those formats exists).
"""

from __future__ import annotations

import io
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
LEGACY_DOC = Path(__file__).parent / "content" / "files" / "ke-hoach-tcvn3.doc"
LEGACY_XLS = Path(__file__).parent / "content" / "files" / "danh-sach-vni.xls"

DECISION_NUMBER = "1234/QĐ-UBND"
DECISION_PAGES: tuple[tuple[str, ...], ...] = (
    (
        "ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        f"Số: {DECISION_NUMBER}",
        "QUYẾT ĐỊNH",
        "Về việc ban hành Kế hoạch ứng dụng công nghệ thông tin",
        "trong hoạt động của cơ quan nhà nước tỉnh Lạng Sơn năm 2019",
        "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH",
        "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
        "Căn cứ Nghị định số 47/2020/NĐ-CP của Chính phủ về quản lý dữ liệu số;",
        "Theo đề nghị của Giám đốc Sở Thông tin và Truyền thông.",
    ),
    (
        "QUYẾT ĐỊNH:",
        "Điều 1. Ban hành kèm theo Quyết định này Kế hoạch ứng dụng công nghệ thông tin năm 2019.",
        "Điều 2. Sở Thông tin và Truyền thông chủ trì, phối hợp với các sở, ngành triển khai thực hiện.",
        "Điều 3. Quyết định có hiệu lực kể từ ngày ký. Kinh phí thực hiện: 2.500.000.000 đồng.",
        "KT. CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "Đoàn Thu Hà",
    ),
)
"""The text-layer decision, page by page."""

SCANNED_NUMBER = "567/QĐ-STTTT"
SCANNED_LINES: tuple[str, ...] = (
    "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    f"Số: {SCANNED_NUMBER}",
    "QUYẾT ĐỊNH",
    "Về việc khen thưởng tập thể và cá nhân",
    "có thành tích xuất sắc trong phong trào thi đua",
    "GIÁM ĐỐC SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
    "Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;",
    "Xét đề nghị của Trưởng phòng Văn phòng Sở.",
    "Điều 1. Tặng Giấy khen cho bà Nguyễn Thị Hường, phóng viên",
    "Trung tâm Thông tin huyện Lộc Bình, vì đã có thành tích xuất sắc.",
    "Điều 2. Quyết định có hiệu lực kể từ ngày ký.",
    "GIÁM ĐỐC",
    "Hoàng Văn Quyết",
)
"""The scanned decree's text, line by line (what OCR should read back)."""

PLAN_NUMBER = "89/KH-SKHCN"
PLAN_PARAGRAPHS: tuple[str, ...] = (
    "KẾ HOẠCH",
    f"Số: {PLAN_NUMBER}",
    "Triển khai nhiệm vụ khoa học và công nghệ cấp tỉnh năm 2025",
    "I. MỤC ĐÍCH, YÊU CẦU",
    "Đẩy mạnh ứng dụng tiến bộ kỹ thuật vào sản xuất nông nghiệp vùng cao.",
    "II. NỘI DUNG",
)
PLAN_TABLE: tuple[tuple[str, ...], ...] = (
    ("STT", "Nhiệm vụ", "Đơn vị chủ trì", "Thời gian"),
    ("1", "Nhân giống hồi Lạng Sơn chất lượng cao", "Viện Nông nghiệp", "Quý II"),
    ("2", "Bảo tồn nguồn gen quýt Bắc Sơn", "Trung tâm Ứng dụng", "Quý III"),
)
PLAN_PAGE_2: tuple[str, ...] = (
    "III. TỔ CHỨC THỰC HIỆN",
    "Giao Phòng Quản lý khoa học chủ trì theo dõi, đôn đốc; đầu mối: bà Triệu Thị Huyền.",
)
"""After a hard page break (``<w:br w:type="page"/>``): page 2 of the plan."""
PLAN_PAGE_3: tuple[str, ...] = (
    "PHỤ LỤC",
    "Danh mục thiết bị phòng thí nghiệm nuôi cấy mô tế bào thực vật",
)
"""After a section break that starts a new page: page 3 of the plan."""

WINNERS: tuple[tuple[str, str, str], ...] = (
    ("Họ và tên", "Đơn vị", "Giải"),
    ("Nguyễn Văn Thắng", "Trường THPT Chu Văn An", "Giải Nhất"),
    ("Lường Thị Mai", "Trường THPT Lộc Bình", "Giải Nhì"),
    ("Hoàng Đức Vượng", "Trường THPT Cao Lộc", "Giải Ba"),
)
WINNERS_SHEETS = ("Danh sách đoạt giải", "Ghi chú")

LEGACY_NUMBER = "321/KH-SNN"
LEGACY_LINES: tuple[str, ...] = (
    "KẾ HOẠCH",
    f"Số: {LEGACY_NUMBER}",
    "Phòng, chống thiên tai và tìm kiếm cứu nạn năm 2005",
    "Sở Nông nghiệp và Phát triển nông thôn tỉnh Lạng Sơn xây dựng kế hoạch như sau:",
    "Kiểm tra các hồ chứa nước, đê điều trước mùa mưa lũ.",
    "Chuẩn bị vật tư, phương tiện cứu hộ tại các huyện Tràng Định, Bình Gia.",
)
"""The legacy Word file's text, in Unicode (the file holds it TCVN3-encoded)."""
LEGACY_ROWS: tuple[tuple[str, ...], ...] = (
    ("STT", "Họ và tên", "Xã"),
    ("1", "Vi Văn Thưởng", "Xã Tân Thành"),
    ("2", "Nông Thị Huyền", "Xã Quốc Khánh"),
)
"""The legacy Excel file's rows, in Unicode (the file holds them VNI-encoded)."""

_FIXED = datetime(2024, 3, 1, tzinfo=UTC)


def font_path(bold: bool = False) -> Path:
    """DejaVu Sans (Vietnamese glyphs); :class:`FileNotFoundError` naming the package when missing."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for directory in FONT_DIRS:
        if (directory / name).is_file():
            return directory / name
    raise FileNotFoundError(f"{name} not found: install Debian's fonts-dejavu-core")


@cache
def decision_pdf() -> bytes:
    """The decision :data:`DECISION_PAGES` as a two-page PDF with a text layer."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_creation_date(_FIXED)
    pdf.set_title("Quyết định " + DECISION_NUMBER)
    pdf.add_font("dejavu", "", str(font_path()))
    pdf.set_font("dejavu", size=12)
    for lines in DECISION_PAGES:
        pdf.add_page()
        for line in lines:
            pdf.multi_cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


@cache
def scanned_decision_pdf(dpi: int = 150) -> bytes:
    """:data:`SCANNED_LINES` rendered to a one-page grey image (noise, a 0.4° tilt), saved as an
    image-only PDF: no text layer, only OCR reads it."""
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    width, height = int(8.27 * dpi), int(11.69 * dpi)
    page = Image.new("L", (width, height), 250)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(str(font_path()), size=int(dpi * 0.17))
    y = int(dpi * 0.8)
    for line in SCANNED_LINES:
        draw.text((int(dpi * 0.8), y), line, font=font, fill=20)
        y += int(dpi * 0.3)
    rng = random.Random(16)
    pixels = page.load()
    assert pixels is not None
    for _ in range(width * height // 150):  # speckles, as a photocopy has
        x, yy = rng.randrange(width), rng.randrange(height)
        pixels[x, yy] = rng.choice((120, 180, 230))
    page = page.rotate(0.4, resample=Image.Resampling.BICUBIC, fillcolor=250, expand=False)
    page = page.filter(ImageFilter.GaussianBlur(0.4))
    out = io.BytesIO()
    stamp = time.gmtime(_FIXED.timestamp())
    page.save(out, format="PDF", resolution=float(dpi), creationDate=stamp, modDate=stamp)
    return out.getvalue()


@cache
def plan_docx() -> bytes:
    """The plan :data:`PLAN_PARAGRAPHS` with the task table :data:`PLAN_TABLE`, then a hard page break
    and :data:`PLAN_PAGE_2`, then a new-page section with :data:`PLAN_PAGE_3`, as DOCX (three pages;
    never laid out by Word, so it has no rendered page breaks)."""
    import docx
    from docx.enum.section import WD_SECTION
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    document.core_properties.created = _FIXED.replace(tzinfo=None)
    document.core_properties.modified = _FIXED.replace(tzinfo=None)
    for paragraph in PLAN_PARAGRAPHS:
        document.add_paragraph(paragraph)
    table = document.add_table(rows=0, cols=len(PLAN_TABLE[0]))
    for row in PLAN_TABLE:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = text
    heading = document.add_paragraph()
    heading.add_run().add_break(WD_BREAK.PAGE)
    heading.add_run(PLAN_PAGE_2[0])
    for line in PLAN_PAGE_2[1:]:
        document.add_paragraph(line)
    document.add_section(WD_SECTION.NEW_PAGE)
    for line in PLAN_PAGE_3:
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return _fixed_zip_times(out.getvalue())


@cache
def winners_xlsx() -> bytes:
    """The list of winners :data:`WINNERS` on a first sheet, a note on a second, as XLSX."""
    import openpyxl

    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    first.title = WINNERS_SHEETS[0]
    for row in WINNERS:
        first.append(list(row))
    second = book.create_sheet(WINNERS_SHEETS[1])
    second.append(["Danh sách kèm theo Quyết định số 45/QĐ-SKHCN ngày 10/3/2024"])
    book.properties.created = _FIXED.replace(tzinfo=None)
    book.properties.modified = _FIXED.replace(tzinfo=None)
    out = io.BytesIO()
    book.save(out)
    return _fixed_zip_times(out.getvalue())


def legacy_doc() -> bytes:
    """The committed Word 97 file whose text is in TCVN3 (see ``make_legacy_files.py``)."""
    return LEGACY_DOC.read_bytes()


def legacy_xls() -> bytes:
    """The committed Excel 97 workbook whose text is in VNI (see ``make_legacy_files.py``)."""
    return LEGACY_XLS.read_bytes()


FILES: dict[str, tuple[Callable[[], bytes], str]] = {
    "decision-pdf": (decision_pdf, "application/pdf"),
    "scanned-pdf": (scanned_decision_pdf, "application/pdf"),
    "plan-docx": (plan_docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "winners-xlsx": (winners_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "legacy-doc": (legacy_doc, "application/msword"),
    "legacy-xls": (legacy_xls, "application/vnd.ms-excel"),
}
"""The files a demo article can attach (``file = "…"`` in its ``[[articles.attachments]]``), with
their content types."""


def _fixed_zip_times(data: bytes) -> bytes:
    """The zip file ``data`` rewritten with every part dated 2024-03-01 (deterministic bytes)."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2024, 3, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()
