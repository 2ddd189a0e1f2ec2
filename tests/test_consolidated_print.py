"""The consolidated .docx printed through LibreOffice (Nghị định 30/2020/NĐ-CP layout): header
block, page numbers in the footer, Vietnamese number format, no unit name broken across
lines, a bounded page count for the Nghệ An seed plan with illustrative reports."""

import re
import shutil
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

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
    # Page numbers: each page's footer prints its number on a line of its own.
    for page in (1, 2, pages):
        lines = [s.strip() for s in _text(pdf, page, "-layout").splitlines() if s.strip()]
        assert lines[-1] == str(page), (page, lines[-3:])
    # No word broken across lines: every unit name reads whole once line breaks are spaces.
    flat = re.sub(r"\s+", " ", text)
    for _, name, _ in data.units:
        assert re.sub(r"\s+", " ", name) in flat, name
    # Vietnamese number format in the tables
    total = data.unit_total.total
    assert total >= 1000 and vn_number(total) in flat
    rates = {cn.line_submission_rate for _, _, cn in data.units} - {None}
    fractional = sorted(r for r in rates if r != int(r))
    assert fractional and all(vn_number(r) in flat for r in fractional)
    assert f" {fractional[0]} " not in flat  # never "8.7"
