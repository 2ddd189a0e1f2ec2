"""Request hygiene shared by every view."""

from django.http import HttpResponse, QueryDict

from orgunits.text import xml_safe

from .query import positive_int


class StripControlCharactersMiddleware:
    """Drop the characters XML (and PostgreSQL: NUL) cannot hold from every query-string
    value, so that `?q=%00` or a control character in a filter never reaches the database
    or a generated file. Form bodies are cleaned where they are read (reports, editor,
    import), so that views keep their own upload limits."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.GET
        if any(xml_safe(k) != k or any(xml_safe(v) != v for v in vs) for k, vs in query.lists()):
            clean = QueryDict(mutable=True)
            for key, values in query.lists():
                clean.setlist(xml_safe(key), [xml_safe(v) for v in values])
            clean._mutable = False
            request.GET = clean
        return self.get_response(request)


def upload_limit(max_bytes: int):
    """Let a view accept a form body up to `max_bytes` instead of Django's
    DATA_UPLOAD_MAX_MEMORY_SIZE (the appendix editor posts its whole table at once).
    Honoured by UploadLimitMiddleware; put it outermost."""

    def mark(view):
        view.upload_limit = max_bytes
        return view

    return mark


class UploadLimitMiddleware:
    """For views marked with `upload_limit`: refuse a larger form body with a Vietnamese 413
    (Django answers a bare 400), and read a smaller one here, before the CSRF check parses
    it under the global limit. Must come before CsrfViewMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        limit = getattr(view_func, "upload_limit", None)
        if limit is None or request.method != "POST":
            return None
        length = positive_int(request.META.get("CONTENT_LENGTH") or "0")
        if length is None or length > limit:
            return HttpResponse(
                f"Dữ liệu gửi lên quá lớn (giới hạn {limit // (1024 * 1024)} MB): hãy chia "
                "bảng thành nhiều lần lưu, hoặc rút gọn các ô quá dài.",
                status=413,
                content_type="text/plain; charset=utf-8",
            )
        if request.content_type == "application/x-www-form-urlencoded":
            # HttpRequest.body enforces the global limit only when it reads the stream
            # itself: read it here, within this view's limit.
            request._body = request.read()
        return None
