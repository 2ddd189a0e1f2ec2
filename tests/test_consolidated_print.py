"""The consolidated .docx printed through LibreOffice (Nghị định 30/2020/NĐ-CP layout): header
block, page numbers at the top centre from page 2 (the appendix numbered on its own),
Vietnamese number format, no word broken across lines, a bounded page count for the Nghệ An
seed plan with illustrative reports."""

import re
import shutil
import subprocess
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from docx import Document

from plans.models import Plan
from reports.consolidate import build, to_docx, vn_number
from reports.models import ReportingPeriod
from reports.periods import ensure_periods

pytestmark = pytest.mark.django_db
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "documents"
#: Measured: 27 pages for Nghệ An's 2026 period (150 units, 3,174 lines) — see the report.
MAX_PAGES = 40
needs_soffice = pytest.mark.skipif(
    not (shutil.which("soffice") and shutil.which("pdftotext")),
    reason="LibreOffice (soffice) or poppler-utils (pdftotext) is not installed: "
    "run bin/ensure-services",
)


def test_vietnamese_number_format():
    assert vn_number(8.7) == "8,7" and vn_number(100.0) == "100,0"
    assert vn_number(3031) == "3.031" and vn_number(1234567) == "1.234.567"
    assert vn_number(0) == "0" and vn_number(None) == "—" and vn_number("x") == "x"


def _pdf(data: bytes, tmp_path: Path) -> Path:
    source = tmp_path / "bao-cao.docx"
    source.write_bytes(data)
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(
        ["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return tmp_path / "bao-cao.pdf"


def _text(pdf: Path, page: int | None = None, *layout: str) -> str:
    pages = ["-f", str(page), "-l", str(page), *layout] if page else []
    return subprocess.run(
        ["pdftotext", *pages, str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout


@needs_soffice
def test_nghe_an_report_prints_as_an_administrative_document(tmp_path):
    ensure_periods(plans=Plan.objects.filter(seed_key="na-686-kh-ubnd"))
    call_command("demo_reports", force=True, stdout=StringIO())
    period = ReportingPeriod.objects.get(plan__seed_key="na-686-kh-ubnd", kind="yearly",
                                         year=2026)  # fmt: skip
    data = build(period)
    assert len(data.units) > 100
    docx = to_docx(data)
    pdf = _pdf(docx, tmp_path)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(pdf, ARTIFACTS / "bao-cao-tong-hop-nghe-an.pdf")
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", str(pdf),
                        str(ARTIFACTS / "trang-1")], check=True)  # fmt: skip

    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert 3 <= pages <= MAX_PAGES

    first = re.sub(r"\s+", " ", _text(pdf, 1))
    for line in ("ỦY BAN NHÂN DÂN TỈNH NGHỆ AN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                 "Độc lập - Tự do - Hạnh phúc", "Số:", "/BC-", "ngày", "tháng", "năm",
                 "BÁO CÁO", "I. TỔNG HỢP THEO NHIỆM VỤ"):  # fmt: skip
        assert line in first, line
    text = _text(pdf)
    assert "Nơi nhận:" in text and "THỦ TRƯỞNG ĐƠN VỊ" in text and "PHỤ LỤC" in text
    assert "Nghệ An, ngày" in first and "/BC-UBND" in first

    # Page numbers (Nghị định 30/2020, Phụ lục I): centred in the top margin, not shown on the
    # first page; the appendix (landscape) is numbered on its own from 1, its first hidden.
    def top_line(page):
        return next(s.strip() for s in _text(pdf, page, "-layout").splitlines() if s.strip())

    starts = [n for n in range(1, pages + 1) if "CHI TIẾT TÌNH HÌNH THỰC HIỆN" in _text(pdf, n)]
    assert starts, "the appendix heading is printed"
    appendix = starts[0]
    assert 2 < appendix < pages
    assert top_line(1) == "ỦY BAN NHÂN DÂN TỈNH NGHỆ AN" or not top_line(1).isdigit()
    assert top_line(2) == "2" and top_line(appendix - 1) == str(appendix - 1)
    assert not top_line(appendix).isdigit()
    assert top_line(appendix + 1) == "2" and top_line(pages) == str(pages - appendix + 1)
    # No word broken across lines: every word of the document prints whole.
    document = Document(BytesIO(docx))
    written = [p.text for p in document.paragraphs]
    for table in document.tables:
        written += [cell.text for row in table.rows for cell in row.cells]
    printed = set(re.findall(r"\w+", text))
    broken = set(re.findall(r"\w+", " ".join(written))) - printed
    assert not broken, sorted(broken)[:20]
    flat = re.sub(r"\s+", " ", text)
    for _, name, _ in data.units:
        assert re.sub(r"\s+", " ", name) in flat, name
    # Times New Roman 13 for the body, no Word heading styles (black, not blue).
    normal = document.styles["Normal"].font
    assert normal.name == "Times New Roman" and normal.size.pt == 13
    assert not [p.style.name for p in document.paragraphs if p.style.name.startswith("Heading")]
    # Vietnamese number format in the tables
    total = data.unit_total.total
    assert total >= 1000 and vn_number(total) in flat
    rates = {cn.line_submission_rate for _, _, cn in data.units} - {None}
    fractional = sorted(r for r in rates if r != int(r))
    assert fractional and all(vn_number(r) in flat for r in fractional)
    assert f" {fractional[0]} " not in flat  # never "8.7"
