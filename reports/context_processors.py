"""The navbar's counters: the bell (unread notifications of the signed-in user) and the
"Thẩm định" entry (report lines waiting for the user's reviewing unit). Each is one query,
run only when the template uses it and at most once per request."""

from .models import Notification


def notifications(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def unread():
        return Notification.objects.filter(user=user, read_at__isnull=True).count()

    return {"unread_notifications": unread, "review_waiting": ReviewWaiting(request)}


class ReviewWaiting:
    """`review_waiting.show` — the user reviews (a reviewer with a unit, or a superuser);
    `review_waiting.count` — lines submitted and waiting for them, cached on the request."""

    def __init__(self, request):
        self.request = request

    @property
    def show(self) -> bool:
        from .access import is_reviewer

        return is_reviewer(self.request.user)

    @property
    def count(self) -> int:
        cached = getattr(self.request, "_ct39_review_waiting", None)
        if cached is None:
            cached = waiting_count(self.request.user)
            self.request._ct39_review_waiting = cached
        return cached


def waiting_count(user) -> int:
    from .access import waiting_review_count

    return waiting_review_count(user)
