"""The appendix editor and the idle session (SESSION_COOKIE_AGE): the page tells its script
when to warn and under which key (plan id + version) to keep unsaved rows; "Tiếp tục làm
việc" renews the session; in a browser, the warning shows 5 minutes before expiry and the
rows kept in localStorage come back after logging in again."""

import json
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from orgunits.models import OrgUnit, Profile
from plans.models import Plan
from tasks.workflow import derive_commune_plan

PASSWORD = "mat-khau-dai-123"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screens"


def draft():
    """A draft to edit: Phước Giang's commune plan derived from Kế hoạch 17/KH-UBND."""
    source = Plan.objects.get(seed_key="qn-17-kh-ubnd")
    return derive_commune_plan(source, OrgUnit.objects.get(admin_code="21370")).plan


def pg_officer(username="pg"):
    user = User.objects.create_user(username, password=PASSWORD)
    Profile.objects.create(user=user, unit=OrgUnit.objects.get(admin_code="21370"))
    return user


@pytest.mark.django_db
def test_editor_page_carries_the_session_timing_and_draft_key(client, settings):
    settings.SESSION_COOKIE_AGE = 3600
    client.force_login(pg_officer())
    plan = draft()
    body = client.get(reverse("tasks:editor", args=[plan.pk])).content.decode()
    assert 'data-session-seconds="3600"' in body and 'data-warn-seconds="300"' in body
    assert f'data-draft-key="ct39.editor.{plan.pk}.v{plan.version}"' in body
    assert reverse("tasks:session_ping") in body
    assert "Khôi phục các dòng chưa lưu" in body and "Tiếp tục làm việc" in body
    settings.SESSION_COOKIE_AGE = 240  # a short session: warn at half of it
    body = client.get(reverse("tasks:editor", args=[plan.pk])).content.decode()
    assert 'data-warn-seconds="120"' in body


@pytest.mark.django_db
def test_session_ping_renews_a_live_session_only(client, settings):
    settings.SESSION_COOKIE_AGE = 1800
    response = client.get(reverse("tasks:session_ping"))
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]
    client.force_login(pg_officer())
    response = client.get(reverse("tasks:session_ping"))
    assert response.status_code == 200 and json.loads(response.content) == {"seconds": 1800}
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    assert client.session.get_expiry_age() == 1800


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_warning_and_restore_after_login(seeded, live_server, browser):
    pg_officer("cb-pg")
    plan = draft()
    base = live_server.url
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.clock.install()
    editor = f"{base}{reverse('tasks:editor', args=[plan.pk])}"
    page.goto(f"{base}/dang-nhap/?next={reverse('tasks:editor', args=[plan.pk])}")
    page.fill("#id_username", "cb-pg")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#editor-table")
    content = page.locator("tr.editor-row [data-field=content]").nth(1)
    wording = "Nội dung sửa trước khi phiên hết hạn"
    content.fill(wording)
    page.clock.fast_forward("55:30")
    warning = page.locator("#session-warning")
    warning.wait_for(state="visible")
    text = warning.inner_text()
    assert "Phiên làm việc sẽ hết hạn lúc" in text and "giữ tạm" in text
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "editor-session-warning.png"))
    key = f"ct39.editor.{plan.pk}.v{plan.version}"
    kept = page.evaluate(f"window.localStorage.getItem('{key}')")
    assert wording in kept

    # the session runs out on the server; saving lands on the login page
    context.clear_cookies(name="sessionid")
    page.click("#editor-submit")
    page.wait_for_selector("#id_username")
    assert "/dang-nhap/" in page.url
    page.fill("#id_username", "cb-pg")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#editor-table")
    assert page.url.startswith(editor)
    banner = page.locator("#draft-restore")
    banner.wait_for(state="visible")
    assert re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d", banner.inner_text())
    page.screenshot(path=str(ARTIFACTS / "editor-restore.png"))
    page.click("#draft-restore-yes")
    assert wording in [
        v.input_value() for v in page.locator("tr.editor-row [data-field=content]").all()
    ]
    page.click("#editor-submit")
    page.wait_for_load_state()
    plan.refresh_from_db()
    assert plan.tasks.filter(content=wording).exists()
    assert errors == []
    context.close()
