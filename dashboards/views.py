"""Dashboards (Bảng theo dõi): short views; the figures live in figures.py, who sees what in
access.py, the exports in export.py. Every page checks the scope on the server (404 outside
it): the views read the request (`filters_from_request`) and turn `OutOfScope` into 404."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from config import export_jobs, query
from config.progress import Ticker
from config.query import positive_int
from orgunits.access import actor_for
from orgunits.models import OrgUnit
from reports.models import ReportingPeriod
from reports.timeliness import Submission, Timeliness
from tasks.models import Task

from . import access, export, indicators
from . import figures as dash

LIST_SIZE = 25
UNIT_PAGE = 50


def _no_step(done: int, total: int) -> None:
    """Progress of a build in the request: nobody is watching."""


class KnownCount:
    """A queryset whose count is already known (the dashboard figures): no COUNT query."""

    def __init__(self, qs, count: int):
        self.qs, self._count = qs, count

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, key):
        return self.qs[key]


def filters_from_request(get, today) -> dash.Filters:
    """The dashboard's filters from the query string (Vietnamese parameter names)."""
    status = get.get("tinh_trang", "")
    role = get.get("vai_tro", "")
    kind = get.get("loai", "")
    return dash.Filters(
        year=query.year(get.get("nam")) or today.year,
        plan=positive_int(get.get("ke_hoach")),
        section=positive_int(get.get("muc")),
        kind=kind if kind in OrgUnit.Kind.values else "",
        status=status if status in dash.STATUS_LABELS else "",
        role=role if role in dash.ROLE_LABELS else "",
        sort=get.get("sap_xep", "qua_han"),
    )


def outside_scope_is_404(view):
    """A unit, plan or section outside what the user sees answers 404 (never 403: its
    existence is not told)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except access.OutOfScope:
            raise Http404 from None

    return wrapped


@login_required
@outside_scope_is_404
def dashboard_home(request):
    actor = actor_for(request.user)
    if access.sees_every_province(actor):
        return redirect("dashboards:dashboard_national")
    if actor.unit is None:
        messages.info(request, "Tài khoản chưa gắn với đơn vị nên chưa có bảng theo dõi.")
        return redirect("plans:list")
    unit = access.home_unit(actor)
    url = reverse("dashboards:dashboard", args=[unit.pk])
    return redirect(f"{url}?{request.GET.urlencode()}" if request.GET else url)


def _dash_link(unit_pk: int, params: dict, **changes) -> str:
    values = {**params, **changes}
    values = {k: v for k, v in values.items() if v not in (None, "")}
    url = reverse("dashboards:dashboard", args=[unit_pk])
    return f"{url}?{urlencode(values)}" if values else url


def _unit_rows(page, d: dash.Dashboard, params: dict) -> list[dict]:
    """The unit table's cells, links included, computed once here (not in the template)."""
    from .templatetags.dashboard_tags import BAND_WORDS, fig_band_of, fig_rate, num

    pattern = reverse("dashboards:dashboard", args=[999999999])
    query = urlencode(params)
    cell_query = urlencode({k: v for k, v in params.items() if k not in ("ke_hoach", "muc")})
    cell_query += ("&" if cell_query else "") + f"ke_hoach={d.matrix_plan}&muc="
    rows = []
    for row in page:
        base = pattern.replace("999999999", str(row.unit_id))
        cells = []
        for c in d.columns:
            cell = row.cells.get(c.tree_id)
            if cell is None:
                cells.append(None)
                continue
            b = fig_band_of(cell)
            code = c.task.full_code or c.task.code
            cells.append({
                "url": f"{base}?{cell_query}{c.task.pk}",
                "band": b,
                "text": "∞" if b == "nd" else fig_rate(cell),
                "title": f"{row.name} — mục {code}: {num(cell.done)}/{num(cell.n)} hoàn thành "
                         f"({BAND_WORDS[b]})",
            })  # fmt: skip
        rows.append({
            "row": row,
            "url": f"{base}?{query}" if query else base,
            "band": fig_band_of(row.figures),
            "text": fig_rate(row.figures),
            "cells": cells,
        })  # fmt: skip
    return rows


def _unit_links(d: dash.Dashboard, params: dict) -> list[dict]:
    """Every unit row's dashboard link (the unit filter navigates along the unit tree)."""
    pattern = reverse("dashboards:dashboard", args=[999999999])
    query = urlencode(params)
    return [
        {"row": row, "url": pattern.replace("999999999", str(row.unit_id)) + f"?{query}"}
        for row in d.units
    ]


def _context(request, scope: access.Scope, f: dash.Filters, d: dash.Dashboard) -> dict:
    today = d.today
    overdue_count = d.current.t[Timeliness.NOT_DONE_OVERDUE] if f.status in (
        "", Timeliness.NOT_DONE_OVERDUE) else 0  # fmt: skip
    overdue = Paginator(
        KnownCount(dash.overdue_lines(scope, f, today, d.period_ids), overdue_count), LIST_SIZE
    ).get_page(request.GET.get("trang"))
    for line in overdue:
        line.days_late = (today - line.dl).days
    units = Paginator(d.units, UNIT_PAGE).get_page(request.GET.get("trang_dv"))
    periods = [
        {"label": dash.plan_label(r), "period": dash.period_label(r), "cutoff": r["cutoff"],
         "fig": dash.rate_figures(r)}
        for r in d.year_periods if r["n"]
    ]  # fmt: skip
    cutoffs: dict = {}
    for r in d.year_periods:
        if r["kind"] == "yearly":
            cutoffs[r["cutoff"]] = cutoffs.get(r["cutoff"], 0) + 1
    drill = Paginator(d.drill, LIST_SIZE).get_page(request.GET.get("trang_bang"))
    params = f.params()
    query = urlencode(params)
    is_national = access.sees_every_province(actor_for(request.user))
    return {
        "scope": scope,
        "unit": scope.unit,
        "f": f,
        "d": d,
        "today": today,
        "query": query,
        "params": params,
        "overdue": overdue,
        "units": units,
        "unit_rows": _unit_rows(units, d, params),
        "drill": drill,
        "charts": dash.chart_data(d),
        "status_order": dash.STATUS_ORDER,
        "status_labels": dash.STATUS_LABELS,
        "timeliness_order": Timeliness.ORDER,
        "submission_labels": Submission.LABELS,
        "reported_status": dash.REPORTED_STATUS,
        "roles": dash.ROLE_LABELS,
        "kinds": OrgUnit.Kind.choices,
        "sorts": [(k, v[0]) for k, v in dash.SORTS.items()],
        "crumbs": scope.chain,
        "period_rows": Paginator(periods, LIST_SIZE).get_page(request.GET.get("trang_ky")),
        "unit_choices": [
            (row["url"], row["row"].name)
            for row in sorted(_unit_links(d, params), key=lambda r: r["row"].name)
            if row["row"].unit_id != scope.unit.pk
        ],
        "cutoffs": sorted(cutoffs.items()),
        "filters_text": dash.describe_filters(f, d),
        "is_national_user": is_national,
        "link_reports": True,
    }


@login_required
@outside_scope_is_404
def dashboard(request, unit_pk):
    actor = actor_for(request.user)
    scope = access.scope_for(actor, unit_pk)
    today = timezone.localdate()
    f = filters_from_request(request.GET, today)
    d = dash.build(scope, f, today)
    context = _context(request, scope, f, d)
    context["indicator_rows"] = indicators.for_dashboard(scope, f)
    if d.empty:  # say which plans are waiting for what, not just "nothing here"
        context["waiting"] = access.waiting_plans(scope, actor)
    if request.headers.get("HX-Request"):
        return render(request, "dashboards/_content.html", context)
    return render(request, "dashboards/page.html", context)


@login_required
@outside_scope_is_404
def overdue(request, unit_pk):
    """The overdue list alone (its pages): a few light queries, not the whole dashboard."""
    actor = actor_for(request.user)
    scope = access.scope_for(actor, unit_pk)
    today = timezone.localdate()
    f = filters_from_request(request.GET, today)
    if f.section:
        tree = (
            Task.objects.filter(pk=f.section, plan_id=f.plan, parent__isnull=True)
            .values_list("tree_id", flat=True)
            .first()
        )
        if tree is None:
            raise Http404
        f.section_tree = tree
    lines = dash.year_overdue_lines(scope, f, today)
    page = Paginator(lines, LIST_SIZE).get_page(request.GET.get("trang"))
    for line in page:
        line.days_late = (today - line.dl).days
    context = {
        "unit": scope.unit,
        "f": f,
        "overdue": page,
        "today": today,
        "query": urlencode(f.params()),
        "roles": dash.ROLE_LABELS,
        "link_reports": True,
        "crumbs": scope.chain,
        "filters_text": dash.describe_filters(f, None),
    }
    if request.headers.get("HX-Request"):
        return render(request, "dashboards/_overdue.html", context)
    return render(request, "dashboards/overdue.html", context)


def _national_data(request):
    actor = actor_for(request.user)
    if not access.sees_every_province(actor):
        raise Http404
    today = timezone.localdate()
    f = filters_from_request(request.GET, today)
    years = sorted(
        ReportingPeriod.objects.filter(kind="yearly")
        .order_by()
        .values_list("year", flat=True)
        .distinct()
    )
    if years and f.year not in years:
        f.year = max([y for y in years if y <= today.year] or years)
    f.plan = f.section = None
    f.due_windows = dash.due_windows()  # known windows: no plan join per line
    ids = list(
        ReportingPeriod.objects.filter(year=f.year, kind="yearly").values_list("pk", flat=True)
    )
    rows = dash.national_table(f, today, ids) if ids else []
    provinces = []
    total = dash.Figures()
    for row in rows:
        fig = dash.Figures.of(row)
        total.add(fig)
        provinces.append((row["unit_id"], row["short_name"] or row["name"], fig))
    return f, today, years, provinces, total


@login_required
def national(request):
    f, today, years, provinces, total = _national_data(request)
    context = {
        "f": f,
        "today": today,
        "years": years,
        "provinces": provinces,
        "total": total,
        "query": urlencode(f.params()),
        "status_labels": dash.STATUS_LABELS,
        "status_order": dash.STATUS_ORDER,
        "timeliness_order": Timeliness.ORDER,
        "roles": dash.ROLE_LABELS,
        "kinds": OrgUnit.Kind.choices,
        "charts": {
            "labels": [name for _, name, _ in provinces],
            "completion": [fig.completion_rate or 0 for _, _, fig in provinces],
            "update": [fig.update_rate or 0 for _, _, fig in provinces],
        },
    }
    template = "dashboards/national.html"
    if request.headers.get("HX-Request"):
        template = "dashboards/_national_content.html"
    return render(request, template, context)


@login_required
def national_export(request):
    f, today, years, provinces, total = _national_data(request)
    body = export.national_xlsx(f, today, provinces, total)
    return _xlsx(body, f"theo-doi-toan-quoc-{f.year}.xlsx")


def _task_lines(request, unit_pk, task_pk):
    return task_lines(request.user, unit_pk, task_pk, request.GET)


def task_lines(user, unit_pk, task_pk, get):
    """The task's lines in the scope for the chosen year (yearly and ad-hoc periods)."""
    actor = actor_for(user)
    scope = access.scope_for(actor, unit_pk)
    task = get_object_or_404(Task.objects.select_related("plan__issuer"), pk=task_pk)
    today = timezone.localdate()
    f = filters_from_request(get, today)
    in_scope = dash.lines(scope).filter(task=task, active=True)
    years = sorted(set(in_scope.values_list("period__year", flat=True)))
    if not years:
        raise Http404  # the task has no unit in the scope: invisible
    if f.year not in years:
        f.year = max([y for y in years if y <= today.year] or years)
    lines = (
        dash.annotated(in_scope.filter(period__year=f.year), today)
        .select_related("unit", "period")
        .order_by("period__cutoff", "period_id", "role", "unit__name", "pk")
    )
    return scope, task, f, today, years, lines


def check_scope(user, unit_pk) -> None:
    """404 unless the user sees the unit's dashboard (the export jobs' download check)."""
    access.scope_for(actor_for(user), unit_pk)


def check_task(user, unit_pk, task_pk) -> None:
    """404 unless the user sees the task in the unit's dashboard."""
    task_lines(user, unit_pk, task_pk, QueryDict())


@login_required
@outside_scope_is_404
def task_detail(request, unit_pk, task_pk):
    """One task in the scope: each unit's assignment and report (the last drill-down)."""
    from reports.timeliness import combine_task

    scope, task, f, today, years, lines = _task_lines(request, unit_pk, task_pk)
    page = Paginator(lines, UNIT_PAGE).get_page(request.GET.get("trang"))
    for line in page:
        line.tl_label = Timeliness.LABELS[line.tl]
        line.tl_key = line.tl
        line.sub_label = Submission.LABELS[line.sub]
    lead = lines.filter(role="lead", period__kind="yearly").values_list("tl", flat=True)
    overall = combine_task(list(lead))
    context = {
        "scope": scope,
        "unit": scope.unit,
        "task": task,
        "f": f,
        "years": years,
        "page": page,
        "overall": overall,
        "overall_label": Timeliness.LABELS.get(overall, "") if overall else "",
        "today": today,
        "query": urlencode({"nam": f.year}),
        "back": urlencode(f.params()),
        "crumbs": scope.chain,
        "link_reports": True,
        "roles": dash.ROLE_LABELS,
        "status_labels": dash.STATUS_LABELS,
    }
    return render(request, "dashboards/task.html", context)


@login_required
@outside_scope_is_404
def task_export(request, unit_pk, task_pk):
    scope, task, f, today, years, lines = _task_lines(request, unit_pk, task_pk)
    name = f"theo-doi-nhiem-vu-{task.pk}-{f.year}.xlsx"
    if _large(lines):
        params = {"unit": unit_pk, "task": task_pk, "query": request.GET.urlencode()}
        return _in_background(request, "task", params, name)
    return _xlsx(export.task_xlsx(scope, task, f, today, lines), name)


def task_export_bytes(user, unit_pk, task_pk, query: str, step=_no_step) -> bytes:
    """The task export built by a job (config.export_jobs)."""
    step(0, 100)
    scope, task, f, today, years, lines = task_lines(user, unit_pk, task_pk, QueryDict(query))
    ticker = Ticker(lines.order_by().count(), step, start=5, end=95)
    step(5, 100)
    return export.task_xlsx(scope, task, f, today, lines, ticker)


TABLES = {"don-vi", "phan-cong", "qua-han", "bang", "ky", "chi-tieu"}
#: The tables listing assignment lines: these may hold thousands of rows.
LINE_TABLES = {"phan-cong", "qua-han"}


def _large(lines) -> bool:
    """Whether an export lists more lines than EXPORT_BACKGROUND_ROWS and a job can build it
    (one COUNT query, only when a job could run)."""
    if not export_jobs.background_possible():
        return False
    return lines.order_by().count() > settings.EXPORT_BACKGROUND_ROWS


def _in_background(request, kind: str, params: dict, name: str):
    token = export_jobs.start(request.user, kind, params, name)
    return redirect("reports:export_status", token=token)


def _table_lines(scope, f, today, table):
    d = dash.prepare(scope, f, today)  # checks the plan against the scope (404)
    lines = dash.matching_lines(scope, f, today, d.period_ids)
    if table == "qua-han":
        lines = lines.filter(tl=Timeliness.NOT_DONE_OVERDUE).order_by("dl", "unit__name")
    else:
        lines = lines.order_by("period__plan_id", "task__position", "unit__name", "pk")
    return d, lines


@login_required
@outside_scope_is_404
def dashboard_export(request, unit_pk, table):
    """Each dashboard table as .xlsx, exactly as filtered (every row, not one page); a table
    of more than EXPORT_BACKGROUND_ROWS lines is built by a job with a progress page."""
    if table not in TABLES:
        raise Http404
    scope = access.scope_for(actor_for(request.user), unit_pk)
    today = timezone.localdate()
    f = filters_from_request(request.GET, today)
    name = f"theo-doi-{table}-{scope.unit.pk}-{f.year}.xlsx"
    if table in LINE_TABLES:
        d, lines = _table_lines(scope, f, today, table)
        if _large(lines):
            params = {"unit": unit_pk, "table": table, "query": request.GET.urlencode()}
            return _in_background(request, "dashboard", params, name)
        return _xlsx(export.lines_xlsx(scope, f, d, lines, overdue=table == "qua-han"), name)
    return _xlsx(_table_body(scope, f, today, table), name)


def table_xlsx(user, unit_pk, table: str, query: str, step=_no_step) -> bytes:
    """A dashboard table built by a job (config.export_jobs): the same builders."""
    if table not in TABLES:
        raise Http404
    step(0, 100)
    scope = access.scope_for(actor_for(user), unit_pk)
    today = timezone.localdate()
    f = filters_from_request(QueryDict(query), today)
    if table in LINE_TABLES:
        d, lines = _table_lines(scope, f, today, table)
        # Rows written are most of the work: 10 → 95 % as they are written.
        ticker = Ticker(lines.order_by().count(), step, start=10, end=95)
        step(10, 100)
        return export.lines_xlsx(scope, f, d, lines, overdue=table == "qua-han", ticker=ticker)
    step(30, 100)
    return _table_body(scope, f, today, table)


def _table_body(scope, f, today, table) -> bytes:
    if table == "chi-tieu":
        d = dash.prepare(scope, f, today)  # checks the plan against the scope (404)
        rows = indicators.for_dashboard(scope, f) or []
        by_unit = []
        if rows and not scope.is_pgd:
            by_unit = indicators.rollup_by_unit(f.plan, f.year, scope.unit)
        return export.indicators_xlsx(scope, f, d, rows, by_unit)
    d = dash.build(scope, f, today)
    return {
        "don-vi": export.units_xlsx,
        "bang": export.drill_xlsx,
        "ky": export.periods_xlsx,
    }[table](scope, f, d)


def _xlsx(body: bytes, name: str) -> HttpResponse:
    response = HttpResponse(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
