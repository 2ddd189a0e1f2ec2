"""Hostile .xlsx files cost a bounded amount of CPU and memory, and get a Vietnamese answer.

Each file (built by fixtures/make_hostile_xlsx.py, never committed) goes through
read_appendix in a subprocess limited to 10 s of CPU and 1.5 GB of address space, through
the web preview (a page with the message, not a 500) and through the import_appendix
command (exit code 1 with the message, no traceback).
"""

import importlib.util
import io
import json
import os
import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import openpyxl.xml
import openpyxl.xml.functions
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from orgunits.models import OrgUnit, Profile
from plans.models import Plan
from tasks import xlsx_reader
from tasks.xlsx_reader import AppendixFileError, read_appendix
from tasks.xlsx_safety import MergeMap, merged_ranges

ROOT = Path(settings.BASE_DIR)
_spec = importlib.util.spec_from_file_location(
    "make_hostile_xlsx", ROOT / "fixtures/make_hostile_xlsx.py"
)
hostile = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hostile)

CPU_SECONDS = 10
ADDRESS_SPACE = 1536 * 1024 * 1024

UNSAFE = "XML không an toàn"
INVALID = "XML không hợp lệ"
#: file → what the reader answers: a fragment of the refusal, or the rows it reads.
EXPECTED = {
    "merged-to-the-bottom": 2,  # clipped to the rows present: read, and quickly
    "merged-beyond-the-grid": "vượt quá giới hạn của Excel (1.048.576 dòng × 16.384 cột)",
    "row-jump": "có hơn 10.000 dòng bên dưới dòng tiêu đề (kể cả dòng trống",
    "huge-sheet": "quá lớn so với một phụ lục (tối đa 20 MB; bảng 5.000 dòng",
    "many-shared-strings": "Bảng chuỗi dùng chung của tệp (xl/sharedStrings.xml) quá nhiều",
    "many-styles": "Phần “xl/styles.xml” của tệp giải nén ra",
    "external-entity": UNSAFE,
    "entity-amplification": UNSAFE,
    "null-character-reference": INVALID,
    "raw-control-character": INVALID,
}
REFUSED = [name for name, expected in EXPECTED.items() if isinstance(expected, str)]

RUNNER = textwrap.dedent(
    """
    import json, os, resource, sys, time
    resource.setrlimit(resource.RLIMIT_CPU, ({cpu}, {cpu}))
    resource.setrlimit(resource.RLIMIT_AS, ({memory}, {memory}))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    django.setup()
    from tasks.xlsx_reader import AppendixFileError, read_appendix
    start = time.process_time()
    try:
        answer = {{"rows": len(read_appendix(sys.argv[1]).rows)}}
    except AppendixFileError as exc:
        answer = {{"refused": str(exc)}}
    answer["cpu"] = time.process_time() - start
    print(json.dumps(answer))
    """
).format(cpu=CPU_SECONDS, memory=ADDRESS_SPACE)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    paths = {}
    for name, build in hostile.HOSTILE.items():
        paths[name] = folder / f"{name}.xlsx"
        paths[name].write_bytes(build())
    return paths


def _env(**extra):
    env = {**os.environ, "SECRET_KEY": os.environ.get("SECRET_KEY", "x"), **extra}
    env.setdefault("SECURE_SSL_REDIRECT", "0")
    return env


def test_the_hostile_files_are_small_and_pass_the_old_checks(files):
    assert set(files) == set(EXPECTED)
    for name, path in files.items():
        assert path.stat().st_size < settings.IMPORT_MAX_BYTES, name
    with zipfile.ZipFile(files["huge-sheet"]) as archive:
        sheet = archive.getinfo("xl/worksheets/sheet1.xml")
        total = sum(i.file_size for i in archive.infolist())
    # Under the package limit (200 MB) and the ratio limit (200:1): only the part cap stops it.
    assert 180 * 1024 * 1024 < total < xlsx_reader.MAX_UNCOMPRESSED_BYTES
    assert 20 < sheet.file_size / sheet.compress_size < xlsx_reader.MAX_COMPRESSION_RATIO


@pytest.mark.parametrize("name", list(EXPECTED))
def test_reading_a_hostile_file_is_bounded(files, name):
    run = subprocess.run(
        [sys.executable, "-c", RUNNER, str(files[name])],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr[-2000:]  # -9 / -24: killed by the limits
    answer = json.loads(run.stdout.strip().splitlines()[-1])
    expected = EXPECTED[name]
    if isinstance(expected, int):
        assert answer == {"rows": expected, "cpu": answer["cpu"]}
    else:
        assert expected in answer["refused"]
    assert answer["cpu"] < 3, answer


def test_merged_ranges_are_clipped_and_looked_up_per_row():
    ranges = merged_ranges(b'<mergeCell ref="C3:C1048576"/>' * 100 + b'<mergeCell ref="A7:D7"/>')
    assert len(ranges) == 101
    merges = MergeMap(ranges, fill_cols={3, 4}, across_from=2, across_to=4, last_row=50)
    assert merges.tops == {(3, 3)}
    assert merges.fill_source(3, 3) is None  # the top cell keeps its own value
    assert merges.fill_source(4, 3) == merges.fill_source(50, 3) == 3
    assert merges.fill_source(51, 3) is None  # clipped to the last row read
    assert merges.fill_source(4, 4) is None
    assert merges.across(7) == 1 and merges.across(6) is None


def test_a_merged_lead_cell_still_fills_the_rows_below_it():
    sheet = hostile.sheet_xml(
        extra_rows=hostile.row_xml(5, ("3", "Nhiệm vụ thứ ba", "")),
        merges=["C4:C5"],
    )
    read = read_appendix(hostile.package(sheet), "phu-luc.xlsx")
    assert [(r.stt, r.lead) for r in read.rows] == [
        ("1", "Sở Tư pháp"),
        ("2", "Văn phòng UBND tỉnh"),
        ("3", "Văn phòng UBND tỉnh"),
    ]


def test_blank_rows_and_small_row_jumps_within_the_limit_are_read(settings):
    settings.IMPORT_MAX_ROWS = 10
    jump = hostile.row_xml(22, ("3", "Nhiệm vụ sau các dòng trống", "Sở Y tế"))
    read = read_appendix(hostile.package(hostile.sheet_xml(extra_rows=jump)), "phu-luc.xlsx")
    assert [r.stt for r in read.rows] == ["1", "2", "3"]
    assert read.skipped["blank"] == 17
    too_far = hostile.row_xml(23, ("3", "Nhiệm vụ quá xa", "Sở Y tế"))
    with pytest.raises(AppendixFileError, match="có hơn 20 dòng bên dưới dòng tiêu đề"):
        read_appendix(hostile.package(hostile.sheet_xml(extra_rows=too_far)), "phu-luc.xlsx")


def test_too_many_cells_are_refused_before_parsing(settings, monkeypatch):
    settings.IMPORT_MAX_ROWS = 10  # 20 rows × 40 cells
    wide = "".join(
        f'<row r="{r}">'
        + "".join(f'<c r="{c}{r}" s="1"/>' for c in ("E", "F", "G", "H"))
        + "</row>"
        for r in range(5, 300)
    )

    def never(*args, **kwargs):
        raise AssertionError("openpyxl must not parse a sheet with too many cells")

    monkeypatch.setattr(xlsx_reader, "load_workbook", never)
    with pytest.raises(AppendixFileError, match="có hơn 800 ô, quá nhiều so với một phụ lục"):
        read_appendix(hostile.package(hostile.sheet_xml(extra_rows=wide)), "phu-luc.xlsx")


def test_large_parts_openpyxl_never_parses_are_not_counted():
    data = hostile.package(hostile.sheet_xml())
    records = '<?xml version="1.0"?><pivotCacheRecords>' + "".join(
        f"<r><n v='{i * 7919 % 100_003}'/></r>" for i in range(300_000)
    )
    data = _replace_part(
        data, "xl/pivotCache/pivotCacheRecords1.xml", records + "</pivotCacheRecords>"
    )
    assert len(read_appendix(data, "phu-luc.xlsx").rows) == 2
    with pytest.raises(AppendixFileError, match="xl/styles2.xml"):
        read_appendix(_replace_part(data, "xl/styles2.xml", records), "phu-luc.xlsx")


def test_too_many_merged_ranges_are_refused(settings):
    settings.IMPORT_MAX_ROWS = 10
    sheet = hostile.sheet_xml(merges=[f"E{r}:F{r}" for r in range(1, 102)])
    with pytest.raises(AppendixFileError, match="hơn 100 vùng gộp ô"):
        read_appendix(hostile.package(sheet), "phu-luc.xlsx")


def test_openpyxl_parses_with_defusedxml_and_never_sees_a_dtd(monkeypatch):
    import defusedxml.ElementTree

    assert openpyxl.xml.DEFUSEDXML is True
    assert openpyxl.xml.functions.iterparse is defusedxml.ElementTree.iterparse
    # workbook.xml, relationships, styles: lxml, which leaves entities unresolved.
    node = openpyxl.xml.functions.fromstring(b'<!DOCTYPE a [<!ENTITY e "xyz">]><a>&e;</a>')
    assert node.text is None

    def never(*args, **kwargs):
        raise AssertionError("openpyxl must not parse a part with a DTD")

    monkeypatch.setattr(xlsx_reader, "load_workbook", never)
    for build in (hostile.external_entity, hostile.entity_amplification):
        with pytest.raises(AppendixFileError, match=UNSAFE):
            read_appendix(build(), "phu-luc.xlsx")
    # A DTD without any entity is refused too, in any part (here the relationships).
    doctype = (
        '<?xml version="1.0"?><!DOCTYPE Relationships>' + hostile.WORKBOOK_RELS.split("?>", 1)[1]
    )
    data = hostile.package(hostile.sheet_xml())
    data = _replace_part(data, "xl/_rels/workbook.xml.rels", doctype)
    with pytest.raises(AppendixFileError, match=UNSAFE):
        read_appendix(data, "phu-luc.xlsx")


def test_a_dtd_is_refused_in_a_part_of_any_name():
    data = hostile.package(hostile.sheet_xml())
    for name in ("xl/workbook.dat", "xl/media/image1.svg"):
        body = "\ufeff" + hostile.EXTERNAL_ENTITY_WORKBOOK  # a byte order mark first
        with pytest.raises(AppendixFileError, match=UNSAFE):
            read_appendix(_replace_part(data, name, body), "phu-luc.xlsx")
    utf16 = hostile.EXTERNAL_ENTITY_WORKBOOK.replace("UTF-8", "UTF-16").encode("utf-16")
    with pytest.raises(AppendixFileError, match=UNSAFE):
        read_appendix(_replace_part(data, "xl/workbook.xml", utf16), "phu-luc.xlsx")
    png = _replace_part(data, "xl/media/image1.png", "\x89PNG<!DOCTYPE")
    assert len(read_appendix(png, "phu-luc.xlsx").rows) == 2  # not XML: not parsed


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/workbook.xml"])
def test_a_corrupt_or_unsupported_zip_member_is_refused(part):
    data = hostile.package(hostile.sheet_xml(extra_rows=hostile.row_xml(9, ("3", "x" * 3000))))
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(part)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    middle = start + info.compress_size // 2
    garbled = (
        data[:middle] + bytes(b ^ 0x5A for b in data[middle : middle + 8]) + data[middle + 8 :]
    )
    with pytest.raises(AppendixFileError, match="hỏng"):
        read_appendix(garbled, "phu-luc.xlsx")
    # A compression method zipfile does not know (99: AES encryption), in the directory.
    method = data.rfind(part.encode()) - 46 + 10
    assert data[method - 10 : method - 6] == b"PK\x01\x02"
    unknown = data[:method] + (99).to_bytes(2, "little") + data[method + 2 :]
    with pytest.raises(AppendixFileError):
        read_appendix(unknown, "phu-luc.xlsx")


def _replace_part(data: bytes, name: str, body: str | bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in source.infolist():
            z.writestr(item, body if item.filename == name else source.read(item.filename))
        if name not in source.namelist():
            z.writestr(name, body)
    return out.getvalue()


# --- the web preview and the command ----------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", REFUSED)
def test_web_preview_answers_hostile_files_with_the_message(client, settings, tmp_path, files,
                                                            name):  # fmt: skip
    settings.MEDIA_ROOT = tmp_path / "media"
    from django.contrib.auth.models import User

    user = User.objects.create_user("can-bo-qn", password="mat-khau-dai-123")
    Profile.objects.create(user=user, unit=OrgUnit.objects.get(key="qn"))
    client.force_login(user)
    plan = Plan.objects.create(title="Dự thảo kế hoạch thử", issuer=OrgUnit.objects.get(key="qn"))
    upload = client.post(
        reverse("tasks:import_upload", args=[plan.pk]),
        {"file": SimpleUploadedFile("phu-luc.xlsx", files[name].read_bytes())},
    )
    # Refused by the checks before parsing on the upload form, or by the reader on the preview.
    page = client.get(upload["Location"], follow=True) if upload.status_code == 302 else upload
    assert page.status_code == 200
    text = page.content.decode()
    assert EXPECTED[name] in text
    assert not plan.tasks.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", REFUSED)
def test_command_answers_hostile_files_with_exit_code_1(files, name):
    database = connection.settings_dict
    url = (
        f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )
    run = subprocess.run(
        [sys.executable, "manage.py", "import_appendix", str(files[name]), "--plan",
         "17/KH-UBND", "--dry-run"],
        cwd=ROOT,
        env=_env(DATABASE_URL=url),
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert run.returncode == 1, run.stderr[-2000:]
    assert EXPECTED[name] in run.stderr
    assert "Traceback" not in run.stderr
    assert re.search(r"^CommandError: ", run.stderr, re.M)
