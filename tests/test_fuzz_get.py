"""Every page answers hostile query strings with a clean 200/3xx/4xx, never a 500.

Every URL pattern of the site (django.urls.get_resolver, path arguments filled with seed
ids) × the GET parameters the views read × hostile values, as a provincial admin and a
superuser. Each request gives every parameter a different hostile value, rotating, so that
every (parameter, value) pair is tried on every page in len(HOSTILE) requests.
"""

import pytest
from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from orgunits.models import Profile
from plans.models import Plan
from reports.models import ProgressReport
from tasks.workflow import create_revision
from tests.factories import issue_phuoc_giang, make_user, unit

pytestmark = pytest.mark.django_db

HOSTILE = ["²", "abc", "-1", "99999999999999999999", "\x00", "%00", "not-a-uuid", "'",
           "<script>"]  # fmt: skip
# Every query parameter a view of the site reads (grep GET.get / GET[ / filters_from_request).
PARAMS = ["nam", "ke_hoach", "muc", "loai", "tinh_trang", "vai_tro", "sap_xep", "trang",
          "trang_dv", "trang_bang", "trang_ky", "trang_thai", "ky", "chua_doc", "don_vi", "q",
          "tinh", "ten", "token", "action", "timeframe", "version", "line", "next"]  # fmt: skip
# Admin changelists: search, ordering, page, and the filters of the registered admins.
ADMIN_PARAMS = ["q", "o", "p", "year", "month", "day", "kind__exact", "status__exact",
                "is_active__exact", "profile__role__exact", "plan__id__exact",
                "tree_id__exact", "created_at__gte", "_to_field", "e"]  # fmt: skip


def _patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            yield from _patterns(p, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            ns = resolver.namespace
            yield prefix + str(p.pattern), (f"{ns}:{p.name}" if ns else p.name)


@pytest.fixture
def site():
    plan = issue_phuoc_giang(today=timezone.localdate())
    period = plan.reporting_periods.order_by("-cutoff").first()
    report = ProgressReport.objects.filter(period=period).first()
    draft = Plan.objects.filter(status=Plan.Status.DRAFT).first()
    if draft is None:  # every seed plan is issued: draft a revision of Kế hoạch 17/KH-UBND
        draft = create_revision(Plan.objects.get(seed_key="qn-17-kh-ubnd")).plan
    return {
        "plan": plan,
        "draft": draft,
        "period": period,
        "report": report,
        "task": report.task,
        "unit": report.unit,
        "province": unit("qn"),
    }


def _args(name: str, route: str, s) -> dict | None:
    """Path arguments for a URL, from the seed objects; None to skip it."""
    kwargs = {}
    for part in route.split("<")[1:]:
        spec = part.split(">")[0]
        key = spec.split(":")[-1]
        if key in ("token", "uidb64"):
            kwargs[key] = "0" * 32
        elif key == "fmt":
            kwargs[key] = "xlsx"
        elif key == "table":
            kwargs[key] = "don-vi"
        elif key in ("period_pk",):
            kwargs[key] = s["period"].pk
        elif key == "unit_pk":
            kwargs[key] = s["province"].pk if "dashboard" in name else s["unit"].pk
        elif key in ("plan_pk",):
            kwargs[key] = s["plan"].pk
        elif key == "task_pk":
            kwargs[key] = s["task"].pk
        elif key == "pk":
            if name.startswith("plans:"):
                kwargs[key] = s["draft"].pk
            elif name in ("tasks:task", "tasks:task_history"):
                kwargs[key] = s["task"].pk
            elif name.startswith("tasks:"):
                kwargs[key] = s["plan"].pk
            elif name.startswith("reports:") and "ky/" in route:
                kwargs[key] = s["period"].pk
            elif name.startswith("reports:"):
                kwargs[key] = s["report"].pk
            else:
                kwargs[key] = 1
        elif spec.startswith("path:") or key in ("app_label", "model_name", "object_id", "url"):
            return None  # admin internals: changelists are tried below
        else:
            kwargs[key] = "1"
    return kwargs


def _site_urls(s) -> list[str]:
    urls = []
    for route, name in _patterns():
        if not name or route.startswith("admin/") or name == "logout":
            continue
        kwargs = _args(name, route, s)
        if kwargs is not None:
            urls.append(reverse(name, kwargs=kwargs))
    return urls


def _queries(params: list[str], rotations: int):
    for shift in range(rotations):
        yield {p: HOSTILE[(i + shift) % len(HOSTILE)] for i, p in enumerate(params)}


def _admin_changelists() -> list[str]:
    from django.contrib import admin

    urls = []
    for m in admin.site._registry:
        try:
            urls.append(reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist"))
        except NoReverseMatch:  # registered after the URLconf was built (e.g. in a test)
            continue
    return urls


def _check(client, urls, params, rotations):
    failures = []
    for url in urls:
        for query in _queries(params, rotations):
            response = client.get(url, query)
            if response.status_code >= 500:
                failures.append((url, query))
                break
    return failures


def test_no_page_answers_500_to_hostile_query_strings(client, site):
    urls = _site_urls(site)
    assert len(urls) > 40 and any("/theo-doi/" in u for u in urls)
    superuser = get_user_model().objects.create_superuser("sieu-fuzz", "s@example.vn", "x-1")
    province_admin = make_user("qt-fuzz", site["province"], Profile.Role.PROVINCE_ADMIN)
    province_admin.is_staff = True
    province_admin.save()
    failures = []
    for user, rotations in ((superuser, len(HOSTILE)), (province_admin, 3)):
        client.force_login(user)
        failures += _check(client, urls, PARAMS, rotations)
        failures += _check(client, _admin_changelists(), ADMIN_PARAMS, 3)
    assert failures == [], "\n".join(f"{u} {q}" for u, q in failures)


@pytest.mark.parametrize(
    "value, expected",
    [("42", 42), ("0", 0), ("²", None), ("٣", None), ("abc", None), ("-1", None), ("", None),
     (None, None), ("1e3", None), (" 7", None), ("99999999999999999999", None), (12, 12),
     (True, None), (3.0, None)],
)  # fmt: skip
def test_positive_int_accepts_only_short_ascii_digits(value, expected):
    from config.query import positive_int

    assert positive_int(value) == expected


def test_targeted_values_from_the_probe(client, site):
    from tasks.models import Task

    province_admin = make_user("qt-probe", site["province"], Profile.Role.PROVINCE_ADMIN)
    client.force_login(province_admin)
    assert client.get("/don-vi/tim/", {"don_vi": "abc"}).status_code == 404
    # a section of another plan chosen with this plan
    client.force_login(make_user("cn-probe", unit("qn-nhcsxh"), Profile.Role.REVIEWER))
    other = Task.objects.exclude(plan=site["plan"]).filter(kind=Task.Kind.SECTION).first()
    board = reverse("dashboards:dashboard", args=[site["province"].pk])
    query = {"ke_hoach": site["plan"].pk, "muc": other.pk}
    overdue = reverse("dashboards:dashboard_overdue", args=[site["province"].pk])
    tables = ("bang", "don-vi", "phan-cong", "qua-han", "ky")
    exports = [reverse("dashboards:dashboard_xlsx", args=[site["province"].pk, t]) for t in tables]
    for url in (board, overdue, *exports):
        for q in (query, {"muc": other.pk}, {"ke_hoach": other.plan_id, "muc": other.pk}):
            assert client.get(url, q).status_code in (200, 404), (url, q)
    # POSTed numbers and tokens
    officer = make_user("canbo-probe", site["unit"])
    client.force_login(officer)
    url = reverse("reports:unit_report", args=[site["period"].pk, site["unit"].pk])
    r = site["report"]
    response = client.post(url, {"action": "save", "token": "t", "line": ["²", str(r.pk)],
                                 f"r{r.pk}-version": "²", f"r{r.pk}-status": "in_progress",
                                 f"r{r.pk}-narrative": "x"})  # fmt: skip
    assert response.status_code < 500
    response = client.post(reverse("plans:create"), {"submission_token": "not-a-uuid"})
    assert response.status_code < 500


def test_alias_import_confirms_only_the_file_this_user_uploaded(client, tmp_path):
    import os
    import tempfile

    from django.core.files.uploadedfile import SimpleUploadedFile

    from orgunits.models import UnitAlias

    client.force_login(get_user_model().objects.create_superuser("sieu-alias", "a@b.vn", "x-1"))
    process = reverse("admin:orgunits_unitalias_process_import")
    # a file planted in the temp directory, and a path out of it: never opened
    with tempfile.NamedTemporaryFile("w", delete=False, suffix=".csv") as planted:
        planted.write("id,name,unit,group\n,Tên cài cắm,qn,\n")
    try:
        for name in ("../../etc/passwd", os.path.basename(planted.name)):
            response = client.post(process, {"import_file_name": name, "format": "0",
                                             "original_file_name": "a.csv"})  # fmt: skip
            assert response.status_code == 400, name
        assert not UnitAlias.objects.filter(name="Tên cài cắm").exists()
    finally:
        os.remove(planted.name)

    # the ordinary upload → confirm still works, once
    from orgunits.admin import UnitAliasAdmin

    formats = [f().get_title() for f in UnitAliasAdmin(UnitAlias, None).get_import_formats()]
    csv = SimpleUploadedFile("bi-danh.csv", "id,name,unit,group\n,UBND Q.Ngãi,qn,\n".encode())
    page = client.post(reverse("admin:orgunits_unitalias_import"),
                       {"import_file": csv, "format": formats.index("csv")})  # fmt: skip
    assert page.status_code == 200
    initial = page.context["confirm_form"].initial
    data = {**initial, "format": initial["format"]}
    assert client.post(process, data).status_code == 302
    assert UnitAlias.objects.filter(name="UBND Q.Ngãi").exists()
    assert client.post(process, data).status_code == 400  # used
