"""Request hygiene shared by every view."""

from django.http import QueryDict

from orgunits.text import xml_safe


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
