"""The bell (unread count), the paginated notification list, marking as read."""

import pytest
from django.urls import reverse

from reports.models import Notification
from tests.factories import make_user, unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer():
    return make_user("cb-tb", unit("w21370-cong-an"))


def _notes(user, n):
    Notification.objects.bulk_create(
        [Notification(user=user, text=f"Thông báo số {i}", link="/bao-cao/") for i in range(n)]
    )


def test_bell_list_and_mark_as_read(client, officer, django_assert_max_num_queries):
    _notes(officer, 30)
    _notes(make_user("nguoi-khac", unit("w21370-hoi-nong-dan")), 3)
    client.force_login(officer)
    page = client.get(reverse("plans:list")).content.decode()
    assert 'id="bell-count">30<' in page
    with django_assert_max_num_queries(12):
        listing = client.get(reverse("reports:notifications"))
    assert listing.context["page"].paginator.count == 30
    assert (
        len(listing.context["page"].object_list) == 25 and "Trang 1/2" in listing.content.decode()
    )

    note = Notification.objects.filter(user=officer).first()
    response = client.post(reverse("reports:notification_read", args=[note.pk]), {"open": "1"})
    assert response.status_code == 302 and response["Location"] == "/bao-cao/"
    note.refresh_from_db()
    assert note.read_at is not None
    assert 'id="bell-count">29<' in client.get(reverse("plans:list")).content.decode()
    unread = client.get(reverse("reports:notifications") + "?chua_doc=1")
    assert unread.context["page"].paginator.count == 29

    client.post(reverse("reports:notification_read_all"))
    assert not Notification.objects.filter(user=officer, read_at__isnull=True).exists()
    assert "bell-count" not in client.get(reverse("plans:list")).content.decode()
    assert Notification.objects.filter(read_at__isnull=True).count() == 3  # others untouched


def test_cannot_touch_another_users_notification(client, officer):
    other = make_user("nguoi-khac", unit("w21370-hoi-nong-dan"))
    _notes(other, 1)
    client.force_login(officer)
    note = Notification.objects.get(user=other)
    assert client.post(reverse("reports:notification_read", args=[note.pk])).status_code == 404
    note.refresh_from_db()
    assert note.read_at is None
    assert client.get(reverse("reports:notification_read", args=[note.pk])).status_code == 405
