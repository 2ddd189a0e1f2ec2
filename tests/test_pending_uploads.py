"""Attachments uploaded as soon as they are chosen (issue 14): the form posts only the
signed reference, the file survives a refused post, and only the line's own officer may
upload, open or drop a pending file (reports/views_uploads.py)."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reports.models import Attachment, ProgressReport
from tests.factories import PDF, make_user, phuoc_giang, report_form, unit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"


@pytest.fixture
def lines(period, police):
    return list(
        ProgressReport.objects.filter(period=period, unit=police).order_by("task__position", "pk")
    )


def _upload(client, line, name="Biên bản họp.pdf", content=PDF):
    url = reverse("reports:pending_upload", args=[line.pk])
    return client.post(url, {"file": SimpleUploadedFile(name, content)})


def _pending():
    try:
        return default_storage.listdir("pending")[1]
    except FileNotFoundError:
        return []


def test_the_page_offers_the_upload_at_once(client, period, police, officer, lines):
    client.force_login(officer)
    body = client.get(reverse("reports:unit_report", args=[period.pk, police.pk])).content
    url = reverse("reports:pending_upload", args=[lines[0].pk])
    assert f'data-upload-url="{url}"'.encode() in body


def test_upload_then_refused_post_then_submit_posts_only_the_reference(
    client, period, police, officer, lines, django_capture_on_commit_callbacks
):
    client.force_login(officer)
    first, broken = lines[0], lines[1]
    answer = _upload(client, first)
    assert answer.status_code == 200
    data = answer.json()
    assert data["name"] == "Biên bản họp.pdf" and len(_pending()) == 1
    # the uploader may open it
    fetched = client.get(data["url"])
    assert fetched.status_code == 200 and b"".join(fetched.streaming_content) == PDF
    assert fetched["X-Content-Type-Options"] == "nosniff"

    url = reverse("reports:unit_report", args=[period.pk, police.pk])
    ref = {f"r{first.pk}-file_ref": data["ref"]}
    response = client.post(
        url, report_form(lines, "submit", **ref, **{f"r{broken.pk}-narrative": ""})
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Đã đính kèm: Biên bản họp.pdf (giữ lại)" in body and data["ref"] in body
    assert not Attachment.objects.exists() and len(_pending()) == 1

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, report_form(lines, "submit", token="t2", **ref))
    assert response.status_code == 302
    att = Attachment.objects.get()
    assert (att.report_id, att.original_name, att.uploaded_by) == (first.pk, "Biên bản họp.pdf",
                                                                   officer)  # fmt: skip
    assert _pending() == []
    assert client.get(data["url"]).status_code == 404  # used


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.exe", b"MZ\x90\x00", "không thuộc loại được nhận"),
        ("bao-cao.pdf", b"PK\x03\x04 not a pdf", "nội dung không phải PDF"),
        ("rong.pdf", b"", "rỗng"),
    ],
)
def test_refused_files_are_said_in_vietnamese_and_not_stored(
    client, officer, lines, name, content, message
):
    client.force_login(officer)
    answer = _upload(client, lines[0], name, content)
    assert answer.status_code == 400 and message in answer.json()["error"]
    assert _pending() == []


def test_size_limit(client, officer, lines, settings):
    settings.REPORT_ATTACHMENT_MAX_BYTES = 10
    client.force_login(officer)
    answer = _upload(client, lines[0])
    assert answer.status_code == 400 and "vượt giới hạn" in answer.json()["error"]


def test_another_units_user_can_neither_attach_nor_fetch_nor_drop(client, officer, lines):
    client.force_login(officer)
    data = _upload(client, lines[0]).json()
    drop = reverse("reports:pending_drop", args=[lines[0].pk])

    # The commune's own officer reads the police's reports but does not fill them.
    commune = make_user("canbo-xa", phuoc_giang())
    # An officer of another unit of the province reads none of them.
    other = make_user("canbo-so", unit("qn-tai-chinh"))
    # A second officer of the same unit: the pending file is the first one's.
    colleague = make_user("canbo-congan-2", lines[0].unit)
    for user, upload_status in ((commune, 403), (other, 404), (colleague, 200)):
        client.force_login(user)
        answer = _upload(client, lines[0])
        assert answer.status_code == upload_status
        if upload_status == 403:
            assert "Chỉ cán bộ của đơn vị được giao" in answer.json()["error"]
        assert client.get(data["url"]).status_code == 404
        assert client.post(drop, {"ref": data["ref"]}).status_code == 404
    assert default_storage.exists(_ref_path(data["ref"]))

    # The uploader drops it.
    client.force_login(officer)
    assert client.post(drop, {"ref": data["ref"]}).json() == {"ok": True}
    assert not default_storage.exists(_ref_path(data["ref"]))


def _ref_path(ref):
    from django.core import signing

    from reports.uploads import PENDING_SALT

    return signing.loads(ref, salt=PENDING_SALT)["p"]


def test_no_upload_to_a_submitted_line(client, officer, lines):
    line = lines[0]
    ProgressReport.objects.filter(pk=line.pk).update(state=ProgressReport.State.SUBMITTED)
    client.force_login(officer)
    answer = _upload(client, line)
    assert answer.status_code == 403 and "đã nộp" in answer.json()["error"]


def test_upload_needs_login_and_post(client, officer, lines):
    url = reverse("reports:pending_upload", args=[lines[0].pk])
    assert client.post(url).status_code == 302  # to the login page
    client.force_login(officer)
    assert client.get(url).status_code == 405
    assert client.post(url).json() == {"error": "Chưa chọn tệp nào để tải lên."}
