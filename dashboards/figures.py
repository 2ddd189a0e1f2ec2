"""Dashboards (Bảng theo dõi): every figure, by aggregate SQL (who sees which units is
`access.py`; reading the request and answering 404 is `views.py`).

The figures count the rows of `ProgressReport` (one per tracked assignment due in a period)
with the one definition of timeliness and submission in `timeliness.py`, so that the
dashboard, its exports and the consolidated report agree to the unit:

- a year's figures are the lines of the plans' yearly periods of that year (period.year =
  the year of the cutoff); ad-hoc periods appear in the reporting rates only, so that no
  assignment is counted twice;
- assignment figures count each line once (a task given to 100 communes counts 100 times);
- task figures count each task once, its status combined from its lead units' lines in the
  scope as `timeliness.combine_task` does (`TASK_STATUS_SQL` is the same rule in SQL);
- the rates are `timeliness.py`'s (one definition, as the consolidated report's): the
  completion rate is over the lines (tasks) due in the period, ongoing ones ("Thường
  xuyên", Không có hạn) reported on apart; the update rate (tỷ lệ cập nhật) is per unit:
  units whose every line of a period was first submitted by the cutoff over the units
  expected (each unit once per period); the per-line figure stays as "tỷ lệ dòng báo cáo
  nộp đúng hạn";
- a year whose plans have only ad-hoc periods has periods (their reporting rates) but no
  year figures: `year_tables` returns nothing rather than querying `period_id IN ()`.

Every figure is a GROUP BY over the lines of a scope: a province (its tree, `tree_id`), a
unit's subtree (MPTT `lft` range), the communes a transaction office serves (their
`territory`), or the whole country (grouped by `tree_id`, one row per province). Inner
groupings are Django querysets (they carry the timeliness expressions); the few outer
groupings over them are plain SQL that both PostgreSQL and SQLite run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce

from orgunits.models import OrgUnit
from plans.models import Plan
from reports.models import ProgressReport, ReminderPolicy
from reports.periods import DEMO_MARK
from reports.timeliness import (
    TASK_STATUS_SQL,
    UNIT_ON_TIME_SQL,
    Ongoing,
    Submission,
    Timeliness,
    completion_rate,
    completion_text,
    due_count,
    effective_deadline_expression,
    line_submission_rate,
    rate,
    submission_expression,
    timeliness_expression,
    timeliness_rate,
    update_rate,
    update_text,
)
from tasks.models import Assignment, Task

from .access import OutOfScope, Scope

T = Timeliness
DUE_SOON = "due_soon"
DEFAULT_DUE_SOON_DAYS = ReminderPolicy._meta.get_field("due_soon_days").default
DONE = (T.DONE_ON_TIME, T.DONE_LATE)
STATUS_LABELS = {**T.LABELS, DUE_SOON: "Sắp đến hạn"}
STATUS_ORDER = [*T.ORDER[:4], DUE_SOON, T.NO_DEADLINE]
ROLE_LABELS = dict(Assignment.Role.choices)
_S = ProgressReport.Status
#: Stored status of the unit's report (what it says it has done), plus "not reported".
REPORTED_STATUS = [
    *((s.value, s.label) for s in (_S.DONE, _S.IN_PROGRESS, _S.NOT_STARTED, _S.NOT_FEASIBLE)),
    ("unreported", "Chưa báo cáo"),
]


# --- filters --------------------------------------------------------------------------------


@dataclass
class Filters:
    """The dashboard's filters, read from the query string (Vietnamese parameter names)."""

    year: int
    plan: int | None = None
    section: int | None = None  # the section row's pk
    section_tree: int | None = None  # its tree_id (every section is a tree root)
    kind: str = ""
    status: str = ""
    role: str = ""
    sort: str = "qua_han"
    due_windows: dict[int, int] | None = None  # plan id → due-soon days, when not 7

    def params(self, **changes) -> dict[str, str]:
        """The query-string parameters of these filters (for links and exports)."""
        values = {
            "nam": self.year,
            "ke_hoach": self.plan,
            "muc": self.section,
            "loai": self.kind,
            "tinh_trang": self.status,
            "vai_tro": self.role,
        }
        values.update(changes)
        return {k: str(v) for k, v in values.items() if v not in (None, "")}

    # -- filters on lines ---------------------------------------------------------------
    def base_q(self, *, year: bool = True, plan: bool = True, active: bool = True) -> Q:
        """Filters that choose lines (WHERE): year, plan, section, unit kind."""
        q = Q(active=True) if active else Q()
        if year:
            q &= Q(period__year=self.year, period__kind="yearly")
        if plan and self.plan:
            q &= Q(period__plan_id=self.plan)
        if plan and self.section_tree:
            q &= Q(task__tree_id=self.section_tree)
        if self.kind:
            q &= Q(unit__kind=self.kind)
        return q

    def due_soon_q(self, today: date) -> Q:
        """Not done, the deadline within the plan's due-soon window (default 7 days)."""
        in_time = Q(tl=T.NOT_DONE_IN_TIME)
        if self.due_windows is None:
            self.due_windows = due_windows()
        by_days: dict[int, list[int]] = {}
        for plan_id, days in self.due_windows.items():
            if days != DEFAULT_DUE_SOON_DAYS:
                by_days.setdefault(days, []).append(plan_id)
        special = [pk for ids in by_days.values() for pk in ids]
        window = Q(dl__lte=today + timedelta(days=DEFAULT_DUE_SOON_DAYS)) & ~Q(
            period__plan_id__in=special
        )
        for days, ids in by_days.items():
            window |= Q(dl__lte=today + timedelta(days=days), period__plan_id__in=ids)
        return in_time & window

    def match_q(self, today: date, *, status: bool = True) -> Q:
        """Filters that choose which lines are counted (inside the aggregates)."""
        q = Q()
        if self.role:
            q &= Q(role=self.role)
        if status and self.status == DUE_SOON:
            q &= self.due_soon_q(today)
        elif status and self.status:
            q &= Q(tl=self.status)
        return q


# --- figures --------------------------------------------------------------------------------


_STATUS_KEYS = [*T.ORDER, DUE_SOON]
_T_COLS = [(k, f"t_{k}") for k in _STATUS_KEYS]
_K_COLS = [(k, f"k_{k}") for k in _STATUS_KEYS]
_S_COLS = [(k, f"s_{k}") for k in Submission.ORDER]
_R_COLS = [(k, f"r_{k}") for k, _ in REPORTED_STATUS]
#: Ongoing lines reported, saying Hoàn thành, saying Đang thực hiện (`timeliness.Ongoing`).
ONGOING_FIGURES = ["o_rep", "o_done", "o_prog"]
#: Units expected to report (one per unit and period) and units that reported on time.
UNIT_FIGURES = ["u_n", "u_on"]
_EXTRA = [*ONGOING_FIGURES, *UNIT_FIGURES]


def _zero(keys) -> dict[str, int]:
    return dict.fromkeys(keys, 0)


class Figures:
    """Assignment (line) figures and task figures of one row or of the whole scope:
    n lines, t lines by status, s lines by submission, reported (the units' own status);
    tasks, k tasks by status; x: ongoing lines reported (o_*) and units expected / on
    time (u_*). The rates are `timeliness.py`'s (one definition)."""

    __slots__ = ("n", "t", "s", "tasks", "k", "reported", "x")

    def __init__(self, n: int = 0, tasks: int = 0):
        self.n, self.tasks = n, tasks
        self.t = _zero(_STATUS_KEYS)
        self.k = _zero(_STATUS_KEYS)
        self.s = _zero(Submission.ORDER)
        self.reported = _zero(k for k, _ in REPORTED_STATUS)
        self.x = _zero(_EXTRA)

    @classmethod
    def of(cls, row: dict, n: str = "n") -> Figures:
        f = cls.__new__(cls)
        get = row.get
        f.n = int(get(n) or 0)
        f.tasks = int(get("tasks") or 0)
        f.t = {k: int(get(c) or 0) for k, c in _T_COLS}
        f.k = {k: int(get(c) or 0) for k, c in _K_COLS}
        f.s = {k: int(get(c) or 0) for k, c in _S_COLS}
        f.reported = {k: int(get(c) or 0) for k, c in _R_COLS}
        f.x = {c: int(get(c) or 0) for c in _EXTRA}
        return f

    def add(self, other: Figures) -> None:
        self.n += other.n
        self.tasks += other.tasks
        for target, source in ((self.t, other.t), (self.k, other.k), (self.s, other.s),
                               (self.reported, other.reported), (self.x, other.x)):  # fmt: skip
            for key, value in source.items():
                if value:
                    target[key] += value

    @property
    def done(self) -> int:
        return self.t[T.DONE_ON_TIME] + self.t[T.DONE_LATE]

    @property
    def due(self) -> int:
        """Lines with a deadline in the period (the completion rate's denominator)."""
        return due_count(self.t)

    @property
    def only_no_deadline(self) -> bool:
        """Every line is without deadline: a completion rate means nothing here."""
        return self.n > 0 and self.t[T.NO_DEADLINE] == self.n

    @property
    def completion_rate(self) -> float | None:
        """Tỷ lệ hoàn thành: lines done (on time or late) over the lines due in the period
        (ongoing lines are counted apart: `ongoing`)."""
        return completion_rate(self.t)

    @property
    def completion_text(self) -> str:
        return completion_text(self.done, self.due, "phân công")

    @property
    def ongoing(self) -> Ongoing:
        x = self.x
        return Ongoing(self.t[T.NO_DEADLINE], x["o_rep"], x["o_done"], x["o_prog"])

    @property
    def units_expected(self) -> int:
        return self.x["u_n"]

    @property
    def units_on_time(self) -> int:
        return self.x["u_on"]

    @property
    def update_rate(self) -> float | None:
        """Tỷ lệ cập nhật: units that submitted their report for the period on time over
        units expected (each unit once per period)."""
        return update_rate(self.x["u_on"], self.x["u_n"])

    @property
    def update_text(self) -> str:
        return update_text(self.x["u_on"], self.x["u_n"])

    @property
    def line_submission_rate(self) -> float | None:
        """Tỷ lệ dòng báo cáo nộp đúng hạn: lines first submitted on time over all lines."""
        return line_submission_rate(self.s, self.n)

    @property
    def submitted(self) -> int:
        return self.s[Submission.ON_TIME] + self.s[Submission.LATE]

    @property
    def submitted_rate(self) -> float | None:
        return rate(self.submitted, self.n)

    def rate(self, key: str) -> float | None:
        return timeliness_rate(self.t, key)

    @property
    def tasks_done(self) -> int:
        return self.k[T.DONE_ON_TIME] + self.k[T.DONE_LATE]

    @property
    def tasks_due(self) -> int:
        return due_count(self.k)

    @property
    def task_completion_rate(self) -> float | None:
        """Tasks done over tasks due in the period (ongoing tasks apart)."""
        return completion_rate(self.k)

    @property
    def task_completion_text(self) -> str:
        return completion_text(self.tasks_done, self.tasks_due)

    def task_rate(self, key: str) -> float | None:
        return timeliness_rate(self.k, key)


# --- queries ------------------------------------------------------------------------------
#
# Each query has two levels: the lines of the scope, one row each with what the figures
# need computed once (timeliness, submission, due soon, whether the filters match — the
# ORM compiles these from `timeliness.py`), behind an optimisation fence so that the
# database computes them once per line; then plain SQL sums them by period, task, unit or
# province.


def _fence() -> str:
    return " OFFSET 0" if connection.vendor == "postgresql" else " LIMIT -1 OFFSET 0"


def _flag(q: Q):
    if not q:
        return Value(1, output_field=IntegerField())
    return Case(When(q, then=Value(1)), default=Value(0), output_field=IntegerField())


def lines(scope: Scope) -> QuerySet[ProgressReport]:
    return ProgressReport.objects.filter(scope.q()).order_by()


def annotated(qs: QuerySet, today: date) -> QuerySet:
    return qs.annotate(
        tl=timeliness_expression(today),
        sub=submission_expression(),
        dl=effective_deadline_expression(),
    )


@dataclass
class Rows:
    """The per-line subquery and the conditions of its filter flags ("" when always true)."""

    sql: str
    params: list
    m: str
    mr: str


def _and(*conds: str) -> str:
    return " AND ".join(c for c in conds if c)


def line_rows(
    qs: QuerySet, f: Filters, today: date, keys: dict, base: Q | None = None, full=True
) -> Rows:
    """SQL of one row per line: `keys`, l_tl (timeliness), l_sub (submission), and the
    flags m (the line matches every filter) and mr (all but the status filter); `base`,
    when given, is a filter the lines must also match to count (else the WHERE has it).
    `full` adds rs (the reported status or "unreported"), soon (due soon) and ld (lead)."""
    extra = {"mb": _flag(base)} if base is not None else {}
    need_soon = full or f.status == DUE_SOON
    windows = f.due_windows
    if need_soon:
        extra["l_dl"] = F("dl")
        if windows is None:  # not known yet: read each line's plan policy
            extra["l_win"] = Coalesce(
                F("period__plan__reminder_policy__due_soon_days"), Value(DEFAULT_DUE_SOON_DAYS)
            )
        else:
            extra["l_plan"] = F("period__plan_id")
    if full:
        reported = Q(state__in=ProgressReport.REPORTED_STATES)
        extra["rs"] = Case(When(reported, then=F("status")), default=Value("unreported"))
    rows = annotated(qs, today).values(
        **keys, l_tl=F("tl"), l_sub=F("sub"), l_role=F("role"), **extra
    )
    sql, params = rows.query.sql_with_params()
    params = list(params)
    # due soon: not done, the deadline within the plan's window (ReminderPolicy, or 7 days)
    soon_params: list = []
    if windows is None:
        if connection.vendor == "postgresql":
            window = "l_dl <= CAST(%s AS date) + l_win"
        else:
            window = "julianday(l_dl) <= julianday(%s) + l_win"
        soon_params.append(today)
    else:
        by_days: dict[int, list[str]] = {}
        for plan_id, days in windows.items():
            by_days.setdefault(int(days), []).append(str(int(plan_id)))
        special = [pk for ids in by_days.values() for pk in ids]
        parts = [
            f"(l_plan NOT IN ({', '.join(special)}) AND l_dl <= %s)" if special else "l_dl <= %s"
        ]
        soon_params.append(today + timedelta(days=DEFAULT_DUE_SOON_DAYS))
        for days, ids in by_days.items():
            parts.append(f"(l_plan IN ({', '.join(ids)}) AND l_dl <= %s)")
            soon_params.append(today + timedelta(days=days))
        window = f"({' OR '.join(parts)})"
    soon = f"(l_tl = '{T.NOT_DONE_IN_TIME}' AND {window})"
    mr, mr_params = ["1 = 1"], []
    if base is not None:
        mr.append("mb = 1")
    if f.role:
        mr.append("l_role = %s")
        mr_params.append(f.role)
    m, m_params = list(mr), list(mr_params)
    if f.status == DUE_SOON:
        m.append(soon)
        m_params += soon_params
    elif f.status:
        m.append("l_tl = %s")
        m_params.append(f.status)
    columns, head = [], []
    if full:
        columns += [
            f"CASE WHEN {soon} THEN 1 ELSE 0 END AS soon",
            "CASE WHEN l_role = 'lead' THEN 1 ELSE 0 END AS ld",
        ]
        head += soon_params
    # The flags are only written when a filter makes them other than always true.
    m_cond = mr_cond = ""
    if len(m) > 1:
        columns.append(f"CASE WHEN {' AND '.join(m[1:])} THEN 1 ELSE 0 END AS m")
        head += m_params
        m_cond = "m = 1"
    if len(mr) > 1:
        columns.append(f"CASE WHEN {' AND '.join(mr[1:])} THEN 1 ELSE 0 END AS mr")
        head += mr_params
        mr_cond = "mr = 1"
    extra_cols = f", {', '.join(columns)}" if columns else ""
    mid = f"(SELECT x.*{extra_cols} FROM ({sql}{_fence()}) x{_fence()})"
    return Rows(mid, head + params, m_cond, mr_cond)


def _count(cond: str, alias: str) -> str:
    if not cond:
        return f"COUNT(*) AS {alias}"
    return f"COUNT(*) FILTER (WHERE {cond}) AS {alias}"


def line_sums(m: str, submission: bool = True) -> list[str]:
    """Counts of the line figures over rows where `m` holds (n, t_*, t_due_soon, s_*,
    then the ongoing lines reported o_*: needs the `full` rows)."""
    out = [_count(m, "n")]
    out += [_count(_and(m, f"l_tl = '{k}'"), f"t_{k}") for k in T.ORDER]
    out.append(_count(_and(m, "soon = 1"), "t_due_soon"))
    if submission:
        out += [_count(_and(m, f"l_sub = '{k}'"), f"s_{k}") for k in Submission.ORDER]
    ongoing = _and(m, f"l_tl = '{T.NO_DEADLINE}'")
    out += [
        _count(_and(ongoing, "rs <> 'unreported'"), "o_rep"),
        _count(_and(ongoing, "rs = 'done'"), "o_done"),
        _count(_and(ongoing, "rs = 'in_progress'"), "o_prog"),
    ]
    return out


def unit_sums(m: str, key: str) -> str:
    """Per `key` (a scope row: unit, province, period): units expected to report and units
    that reported on time (`timeliness.unit_on_time`), each unit once per period, over
    rows where `m` holds. A subquery over the rows `x`, grouped by `key` as `uk`."""
    on_time = UNIT_ON_TIME_SQL.format(lines="c", on_time="c_on")
    return f"""(SELECT uk, COUNT(*) AS u_n, {_count(on_time, "u_on")} FROM (
            SELECT {key} AS uk, k_unit, k_period, {_count(m, "c")},
                   {_count(_and(m, f"l_sub = '{Submission.ON_TIME}'"), "c_on")}
            FROM x GROUP BY {key}, k_unit, k_period
        ) g WHERE c > 0 GROUP BY uk)"""


def reported_sums(m: str) -> list[str]:
    return [_count(_and(m, f"rs = '{k}'"), f"r_{k}") for k, _ in REPORTED_STATUS]


LEAD_SUMS = [
    "COUNT(*) FILTER (WHERE ld = 1) AS ln",
    _count(f"ld = 1 AND l_tl = '{T.NO_DEADLINE}'", "l_nd"),
    _count(f"ld = 1 AND l_tl IN ('{T.DONE_ON_TIME}', '{T.DONE_LATE}')", "l_done"),
    _count(f"ld = 1 AND l_tl = '{T.DONE_LATE}'", "l_late"),
    _count(f"ld = 1 AND l_tl = '{T.NOT_DONE_OVERDUE}'", "l_over"),
    _count("ld = 1 AND soon = 1", "l_soon"),
]
LINE_FIGURES = ["n", *(f"t_{k}" for k in T.ORDER), "t_due_soon"]
REPORTED_FIGURES = [f"r_{k}" for k, _ in REPORTED_STATUS]
SUBMISSION_FIGURES = [f"s_{k}" for k in Submission.ORDER]
#: The unit table's columns, in this order (n first, then the timeliness counts).
UNIT_COLUMNS = [
    *LINE_FIGURES, *SUBMISSION_FIGURES, *ONGOING_FIGURES, *REPORTED_FIGURES, *UNIT_FIGURES
]  # fmt: skip


def _task_counts_sql(f: Filters) -> tuple[str, list]:
    """SUMs counting tasks once, by combined status, honouring the status filter."""
    cond, cond_params = "st IS NOT NULL", []
    if f.status == DUE_SOON:
        cond += f" AND st = '{T.NOT_DONE_IN_TIME}' AND l_soon > 0"
    elif f.status:
        cond, cond_params = cond + " AND st = %s", [f.status]
    parts: list[str] = []
    params: list = []

    def add(extra: str, alias: str) -> None:
        parts.append(_count(cond + extra, alias))
        params.extend(cond_params)

    add("", "tasks")
    for key in T.ORDER:
        add(f" AND st = '{key}'", f"k_{key}")
    add(f" AND st = '{T.NOT_DONE_IN_TIME}' AND l_soon > 0", f"k_{DUE_SOON}")
    return ", ".join(parts), params


def _sums(names: list[str]) -> str:
    return ", ".join(f"SUM({n}) AS {n}" for n in names)


def _fetch(sql: str, params: list) -> list[dict]:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        cols = [c[0] for c in cur.description]
        return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]


def due_windows() -> dict[int, int]:
    """Plans whose due-soon window is not the default (few rows; one query)."""
    return dict(
        ReminderPolicy.objects.exclude(due_soon_days=DEFAULT_DUE_SOON_DAYS).values_list(
            "plan_id", "due_soon_days"
        )
    )


def period_rows(scope: Scope, f: Filters, today: date) -> list[dict]:
    """Every period with lines in the scope (of the chosen plan, if one is), all years:
    what the filters choose from, its
    reporting rate (filtered by plan, section, unit kind and role: `n`, `s_*`) and its
    status figures (filtered by status too: `m_n`, `t_*`) for the chart over the years.
    One query. (The chosen year's full figures are the unit table's totals.)"""
    qs = lines(scope).filter(active=True)
    if f.plan:  # a plan's page: only its periods (the filter then offers that plan alone)
        qs = qs.filter(period__plan_id=f.plan)
    base = f.base_q(year=False, plan=False, active=False)
    if f.section_tree:
        base &= Q(task__tree_id=f.section_tree)
    rows = line_rows(
        qs, f, today, {"k_period": F("period_id"), "k_unit": F("unit_id")},
        base if base else None, full=False,
    )  # fmt: skip
    rows_sql, params = rows.sql, rows.params
    names = ["all_n", "n", *(f"s_{k}" for k in Submission.ORDER), "m_n"]
    names += [f"t_{k}" for k in T.ORDER]
    sums = [
        "COUNT(*) AS all_n",
        _count(rows.mr, "n"),
        *[_count(_and(rows.mr, f"l_sub = '{k}'"), f"s_{k}") for k in Submission.ORDER],
        _count(rows.m, "m_n"),
        *[_count(_and(rows.m, f"l_tl = '{k}'"), f"t_{k}") for k in T.ORDER],
    ]
    # Each unit once per period: expected when it has lines (as filtered, but for the
    # status filter), on time when every one was first submitted by the cutoff.
    on_time = UNIT_ON_TIME_SQL.format(lines="n", on_time=f"s_{Submission.ON_TIME}")
    per_unit = f"""SELECT k_period, {_sums(names)}, {_count("n > 0", "u_n")},
            {_count(on_time, "u_on")}
        FROM (SELECT k_period, k_unit, {", ".join(sums)} FROM {rows_sql} x
              GROUP BY k_period, k_unit) g
        GROUP BY k_period"""
    sql = f"""
        SELECT a.*, p.plan_id, p.kind, p.year, p.title, p.cutoff, p.starts_on, p.closed_at,
               p.request_note, pl.kind AS plan_kind, pl.number AS plan_number,
               i.name AS issuer_name, i.short_name AS issuer_short, i.level AS issuer_level,
               rp.due_soon_days
        FROM ({per_unit}) a
        JOIN reports_reportingperiod p ON p.id = a.k_period
        JOIN plans_plan pl ON pl.id = p.plan_id
        JOIN orgunits_orgunit i ON i.id = pl.issuer_id
        LEFT JOIN reports_reminderpolicy rp ON rp.plan_id = pl.id
        ORDER BY p.cutoff, p.id
    """
    rows = _fetch(sql, params)
    for row in rows:
        for key in ("cutoff", "starts_on"):
            if isinstance(row[key], str):  # SQLite returns dates as text
                row[key] = date.fromisoformat(row[key])
    return rows


PLAN_KINDS = dict(Plan.Kind.choices)


def plan_label(row: dict) -> str:
    kind = PLAN_KINDS.get(row["plan_kind"], "Kế hoạch")
    issuer = row["issuer_short"] or row["issuer_name"]
    number = row["plan_number"]
    return f"{kind} {number} — {issuer}" if number else f"{kind} của {issuer} (chưa rõ số)"


def period_label(row: dict) -> str:
    if row["kind"] == "adhoc":
        return f"Đột xuất: {row['title']}" if row["title"] else "Báo cáo đột xuất"
    return f"Năm {row['year']}"


def status_figures(row: dict) -> Figures:
    """The status figures of a period row (`m_n`, `t_*`, `r_*`)."""
    fig = Figures.of(row, n="m_n")
    fig.s = _zero(Submission.ORDER)
    return fig


def rate_figures(row: dict) -> Figures:
    """The reporting-rate figures of a period row (`n`, `s_*`)."""
    fig = Figures(n=int(row["n"] or 0))
    fig.s = {k: int(row[c] or 0) for k, c in _S_COLS}
    fig.x.update({c: int(row.get(c) or 0) for c in UNIT_FIGURES})
    return fig


def year_lines(scope: Scope, f: Filters, period_ids: list[int]) -> QuerySet[ProgressReport]:
    """The lines of the year's yearly periods (ids found by `period_rows`), filtered."""
    return lines(scope).filter(f.base_q(year=False), period_id__in=period_ids)


def national_table(f: Filters, today: date, period_ids) -> list[dict]:
    """One row per province (unit tree): line, task, submission and per-unit update
    figures. One query."""
    if not period_ids:
        return []
    keys = {"k_task": F("task_id"), "k_tree": F("unit__tree_id"), "k_unit": F("unit_id"),
            "k_period": F("period_id")}  # fmt: skip
    rows = line_rows(year_lines(Scope(None), f, period_ids), f, today, keys)
    task_sums, task_params = _task_counts_sql(f)
    common = [*LINE_FIGURES, *SUBMISSION_FIGURES, *ONGOING_FIGURES]
    sql = f"""
        WITH x AS {rows.sql}
        SELECT r.id AS unit_id, r.name, r.short_name, r.kind, y.*, u.u_n, u.u_on
        FROM (
            SELECT k_tree AS k, {_sums(common)}, {task_sums}
            FROM (
                SELECT z.*, {TASK_STATUS_SQL} AS st FROM (
                    SELECT k_task, k_tree, {", ".join([*line_sums(rows.m), *LEAD_SUMS])}
                    FROM x GROUP BY k_task, k_tree
                ) z
            ) y0
            GROUP BY k_tree
        ) y
        JOIN orgunits_orgunit r ON r.tree_id = y.k AND r.parent_id IS NULL
        LEFT JOIN {unit_sums(rows.m, "k_tree")} u ON u.uk = y.k
        ORDER BY r.name
    """
    return _fetch(sql, [*rows.params, *task_params])


def year_tables(scope, f: Filters, today: date, level: str, matrix_plan, period_ids):
    """The drill-down table (one row per plan, section or task: `level`) and the unit table
    (one row per unit directly below the scope — per commune served, for a PGD — its
    subtree's lines summed, split by section of `matrix_plan`), in one statement: the
    year's lines are read and classified once, then grouped per task and per unit.

    Drill rows carry line figures and task figures (each task once, by its lead units'
    lines); unit rows come per (unit, section) and are summed per unit by the caller."""
    sec = (
        Case(
            When(period__plan_id=matrix_plan, then=F("task__tree_id")),
            default=Value(None),
            output_field=IntegerField(),
        )
        if matrix_plan
        else Value(None, output_field=IntegerField())
    )
    if not period_ids:  # no yearly period this year (only ad-hoc ones): no year figures
        return [], []
    key = {"plan": "k_plan", "section": "k_drill", "task": "k_task"}[level]
    keys = {
        "k_period": F("period_id"),
        "k_task": F("task_id"),
        "k_unit": F("unit_id"),
        "k_lft": F("unit__lft"),
        "k_terr": F("unit__territory_id"),
        "k_sec": sec,
    }
    if level == "plan":
        keys["k_plan"] = F("period__plan_id")
    elif level == "section":
        keys["k_drill"] = F("task__tree_id")
    rows = line_rows(year_lines(scope, f, period_ids), f, today, keys)
    params = list(rows.params)
    task_sums, task_params = _task_counts_sql(f)
    params += task_params
    # The rows of the unit table: the units directly below the scope (a PGD: its communes).
    if scope.is_pgd:
        children = "c.id IN (SELECT to_orgunit_id FROM orgunits_orgunit_serves " \
                   "WHERE from_orgunit_id = %s)"  # fmt: skip
    else:
        children = "c.parent_id = %s"
    common = [*LINE_FIGURES, *SUBMISSION_FIGURES, *ONGOING_FIGURES]
    task_cols = ["tasks", *(f"k_{k}" for k in _STATUS_KEYS)]
    info = ["unit_id", "name", "short_name", "kind", "lft", "rght", "terr", "k_sec"]
    group = "k_task" if key == "k_task" else f"k_task, {key}"
    line_counts = ", ".join(line_sums(rows.m))

    def nulls(columns):
        return ", ".join(f"NULL AS {c}" for c in columns)

    typed_info = ", ".join(
        f"CAST(NULL AS {'text' if c in ('name', 'short_name', 'kind') else 'integer'}) AS {c}"
        for c in info
    )
    sql = f"""
        WITH x AS {rows.sql}
        SELECT 'task' AS part, {key} AS k, {typed_info}, {_sums(common)}, {task_sums},
               {nulls(REPORTED_FIGURES)},
               {", ".join(f"CAST(NULL AS integer) AS {c}" for c in UNIT_FIGURES)}
        FROM (
            SELECT z.*, {TASK_STATUS_SQL} AS st FROM (
                SELECT {group}, {line_counts}, {", ".join(LEAD_SUMS)}
                FROM x GROUP BY {group}
            ) z
        ) y
        GROUP BY {key}
        UNION ALL
        SELECT 'unit', NULL, k_unit, NULL, NULL, NULL, k_lft, NULL, k_terr, k_sec,
               {line_counts}, {nulls(task_cols)}, {", ".join(reported_sums(rows.m))},
               {nulls(UNIT_FIGURES)}
        FROM x GROUP BY k_unit, k_lft, k_terr, k_sec
        UNION ALL
        SELECT 'unit', NULL, w.k_unit, NULL, NULL, NULL, w.k_lft, NULL, w.k_terr, NULL,
               {nulls(common)}, {nulls(task_cols)}, {nulls(REPORTED_FIGURES)}, u.u_n, u.u_on
        FROM (SELECT DISTINCT k_unit, k_lft, k_terr FROM x) w
        JOIN {unit_sums(rows.m, "k_unit")} u ON u.uk = w.k_unit
        UNION ALL
        SELECT 'child', NULL, c.id, c.name, c.short_name, c.kind, c.lft, c.rght, NULL, NULL,
               {nulls(common)}, {nulls(task_cols)}, {nulls(REPORTED_FIGURES)},
               {nulls(UNIT_FIGURES)}
        FROM orgunits_orgunit c WHERE {children}
    """
    params.append(scope.unit.pk)
    drill, lines_by_unit, children_rows = [], [], []
    for row in _fetch(sql, params):
        part = row["part"]
        if part == "task":
            if (row["n"] or 0) or (row["tasks"] or 0):
                drill.append(row)
        elif part == "unit":
            lines_by_unit.append(row)
        else:
            children_rows.append(row)
    return drill, _to_child_rows(scope, lines_by_unit, children_rows)


def _to_child_rows(scope, lines_by_unit: list[dict], children: list[dict]) -> list[dict]:
    """Give each unit's figures to its row: the child of the scope whose MPTT range holds
    the unit (a PGD: the commune it belongs to; the scope's own unit: itself). The rows
    are already aggregated (one per unit and section), so this is a small loop."""
    from bisect import bisect_right

    me = scope.unit
    own = {"unit_id": me.pk, "name": me.name, "short_name": me.short_name, "kind": me.kind,
           "lft": me.lft, "rght": me.rght}  # fmt: skip
    by_id = {c["unit_id"]: c for c in children}
    ordered = sorted(children, key=lambda c: c["lft"])
    lfts = [c["lft"] for c in ordered]
    out = []
    for row in lines_by_unit:
        if scope.is_pgd:
            target = by_id.get(row["terr"])
        elif row["unit_id"] == me.pk:
            target = own
        else:
            i = bisect_right(lfts, row["lft"]) - 1
            target = ordered[i] if i >= 0 and row["lft"] <= ordered[i]["rght"] else None
        if target is None:
            continue  # outside every row (cannot happen for a consistent tree)
        out.append({**row, **{k: target[k] for k in own}})
    return out


def matching_lines(scope, f: Filters, today: date, period_ids) -> QuerySet[ProgressReport]:
    """Every matching line of the year (the assignment table)."""
    return (
        annotated(year_lines(scope, f, period_ids), today)
        .filter(f.match_q(today))
        .select_related("unit", "task", "period__plan__issuer")
    )


def year_overdue_lines(scope, f: Filters, today: date) -> QuerySet[ProgressReport]:
    """The overdue lines of the year's yearly periods, found without the period ids."""
    qs = lines(scope).filter(f.base_q())
    return (
        annotated(qs, today)
        .filter(f.match_q(today), tl=T.NOT_DONE_OVERDUE)
        .select_related("unit", "task", "period__plan")
        .order_by("dl", "unit__name", "task__position", "pk")
    )


def overdue_lines(scope, f: Filters, today: date, period_ids) -> QuerySet[ProgressReport]:
    """Matching lines not done past their deadline, most overdue first."""
    return (
        matching_lines(scope, f, today, period_ids)
        .filter(tl=T.NOT_DONE_OVERDUE)
        .order_by("dl", "unit__name", "task__position", "pk")
    )


# --- one dashboard --------------------------------------------------------------------------


@dataclass
class Column:
    """A section of the matrix plan (every section is a task tree root)."""

    tree_id: int
    task: Task


@dataclass
class Cell:
    """A unit × section cell of the matrix: lines, lines done, lines without deadline."""

    n: int
    done: int
    no_deadline: int = 0

    @property
    def only_no_deadline(self) -> bool:
        return self.n > 0 and self.no_deadline == self.n

    @property
    def completion_rate(self) -> float | None:
        """Done over the lines due in the period (the lines without deadline apart)."""
        return rate(self.done, self.n - self.no_deadline)


@dataclass
class UnitRow:
    unit_id: int
    name: str
    kind: str
    has_children: bool
    figures: Figures
    cells: dict[int, Cell]


@dataclass
class DrillRow:
    key: int
    label: str
    code: str
    figures: Figures
    task: Task | None = None


@dataclass
class Dashboard:
    scope: Scope
    filters: Filters
    today: date
    years: list[int]
    plans: list[tuple[int, str, int]]  # (plan id, label, issuer level)
    periods: list[dict]
    by_year: dict[int, Figures]
    current: Figures
    reporting: Figures  # the yearly periods of the year, summed
    year_periods: list[dict]
    plan_label: str = ""
    matrix_plan: int | None = None
    matrix_plan_label: str = ""
    plan_tasks: list[Task] = field(default_factory=list)
    columns: list[Column] = field(default_factory=list)
    section_task: Task | None = None
    level: str = "plan"
    drill: list[DrillRow] = field(default_factory=list)
    tasks: Figures = field(default_factory=Figures)
    units: list[UnitRow] = field(default_factory=list)
    column_totals: dict[int, Cell] = field(default_factory=dict)
    period_ids: list[int] = field(default_factory=list)
    plan_names: dict[int, tuple[str, int]] = field(default_factory=dict)
    demo: bool = False

    @property
    def empty(self) -> bool:
        return not self.periods


SORTS = {
    "qua_han": ("Quá hạn nhiều nhất", lambda r: (-r.figures.t[T.NOT_DONE_OVERDUE], r.name)),
    "hoan_thanh": (
        "Tỷ lệ hoàn thành cao nhất",
        lambda r: (-(r.figures.completion_rate or 0), r.name),
    ),
    "cap_nhat": ("Tỷ lệ cập nhật cao nhất", lambda r: (-(r.figures.update_rate or 0), r.name)),
    "ten": ("Tên đơn vị", lambda r: (r.name,)),
}


def plan_tasks(plan_id: int) -> list[Task]:
    return list(
        Task.objects.filter(plan_id=plan_id)
        .only(
            "pk",
            "plan_id",
            "parent_id",
            "kind",
            "code",
            "full_code",
            "position",
            "content",
            "product",
            "timeframe_text",
            "tree_id",
            "level",
        )  # fmt: skip
        .order_by("position")
    )


def prepare(scope: Scope, f: Filters, today: date) -> Dashboard:
    """The filters checked against the scope's periods, and the period figures (charts,
    reporting rates, status by year). Two queries at most."""
    tasks: list[Task] = []
    section_task = None
    if f.plan:
        tasks = plan_tasks(f.plan)
        if f.section:
            section_task = next(
                (t for t in tasks if t.pk == f.section and t.parent_id is None), None
            )
            if section_task is None:
                raise OutOfScope
            f.section_tree = section_task.tree_id
    else:
        f.section = None  # a section is chosen within a plan: alone it means nothing
    rows = period_rows(scope, f, today)
    f.due_windows = {
        r["plan_id"]: r["due_soon_days"]
        for r in rows
        if r["due_soon_days"] not in (None, DEFAULT_DUE_SOON_DAYS)
    }
    plans: dict[int, tuple[str, int]] = {}
    for row in rows:
        if row["plan_id"] not in plans:
            plans[row["plan_id"]] = (plan_label(row), row["issuer_level"])
    if f.plan and f.plan not in plans:
        raise OutOfScope
    years = sorted({r["year"] for r in rows})
    if years and f.year not in years:
        f.year = max([y for y in years if y <= today.year] or years)
    year_cols = ["m_n", *(f"t_{k}" for k in T.ORDER)]
    year_sums: dict[int, list[int]] = {}
    for row in rows:
        if row["kind"] == "yearly":
            acc = year_sums.setdefault(row["year"], [0] * len(year_cols))
            for i, c in enumerate(year_cols):
                acc[i] += row[c] or 0
    by_year = {
        year: Figures.of(dict(zip(year_cols, acc, strict=True)), n="m_n")
        for year, acc in year_sums.items()
    }
    year_periods = [r for r in rows if r["year"] == f.year]
    reporting = Figures()
    for row in year_periods:
        if row["kind"] == "yearly":
            reporting.add(rate_figures(row))
    d = Dashboard(
        scope=scope, filters=f, today=today, years=years,
        plans=sorted(((pk, lbl, lvl) for pk, (lbl, lvl) in plans.items()),
                     key=lambda p: (p[2], p[1])),
        periods=rows, by_year=by_year, current=by_year.get(f.year, Figures()),
        reporting=reporting, year_periods=year_periods,
        demo=any(DEMO_MARK in (r["request_note"] or "") for r in year_periods),
    )  # fmt: skip
    d.period_ids = [r["k_period"] for r in year_periods if r["kind"] == "yearly"]
    d.plan_tasks = tasks
    d.section_task = section_task
    d.plan_names = plans
    return d


def build(scope: Scope, f: Filters, today: date) -> Dashboard:
    """Every figure of a dashboard: at most six queries, whatever the number of units."""
    d = prepare(scope, f, today)
    if d.empty:
        return d
    plans, tasks, period_ids = d.plan_names, d.plan_tasks, d.period_ids
    # The matrix shows the sections of the chosen plan, else of the plan with most lines.
    if f.plan:
        d.matrix_plan = f.plan
    else:
        size: dict[int, int] = {}
        for row in d.year_periods:
            size[row["plan_id"]] = size.get(row["plan_id"], 0) + row["all_n"]
        if size:
            d.matrix_plan = min(size, key=lambda pk: (plans[pk][1], -size[pk], pk))
    if d.matrix_plan:
        d.matrix_plan_label = plans[d.matrix_plan][0]
        d.plan_label = plans[f.plan][0] if f.plan else ""
        d.plan_tasks = tasks if f.plan else plan_tasks(d.matrix_plan)
        d.columns = [Column(t.tree_id, t) for t in d.plan_tasks if t.parent_id is None]
    d.level = "task" if f.section else ("section" if f.plan else "plan")
    by_tree = {c.tree_id: c.task for c in d.columns}
    by_pk = {t.pk: t for t in d.plan_tasks}
    drill_rows, unit_rows = year_tables(scope, f, today, d.level, d.matrix_plan, period_ids)
    for row in drill_rows:
        fig = Figures.of(row)
        d.tasks.add(fig)
        key = row["k"]
        if d.level == "plan":
            label, code, task = plans.get(key, ("", 0))[0], "", None
        elif d.level == "section":
            task = by_tree.get(key)
            label, code = (task.content, task.full_code or task.code) if task else ("", "")
        else:
            task = by_pk.get(key)
            label, code = (task.content, task.full_code or task.code) if task else ("", "")
        d.drill.append(DrillRow(key, label, code, fig, task))
    if d.level in ("task", "section"):
        d.drill.sort(key=lambda r: r.task.position if r.task else 0)
    else:
        order = {pk: i for i, (pk, _, _) in enumerate(d.plans)}
        d.drill.sort(key=lambda r: order.get(r.key, 0))
    # Sum the (unit, section) rows per unit as plain lists (thousands of rows).
    cols = UNIT_COLUMNS
    sums: dict[int, list[int]] = {}
    units: dict[int, UnitRow] = {}
    totals: dict[int, list[int]] = {}
    for row in unit_rows:
        pk = row["unit_id"]
        values = [int(row[c] or 0) for c in cols]
        acc = sums.get(pk)
        if acc is None:
            sums[pk] = list(values)
            units[pk] = UnitRow(
                pk, row["short_name"] or row["name"], row["kind"], row["rght"] - row["lft"] > 1,
                None, {},
            )  # fmt: skip
        else:
            for i, v in enumerate(values):
                acc[i] += v
        sec = row["k_sec"]
        if sec is not None:
            # n, t_done_on_time, t_done_late, …, t_no_deadline (UNIT_COLUMNS order)
            n, done, nd = values[0], values[1] + values[2], values[5]
            cell = units[pk].cells.get(sec)
            if cell is None:
                units[pk].cells[sec] = Cell(n, done, nd)
            else:
                cell.n, cell.done, cell.no_deadline = (
                    cell.n + n,
                    cell.done + done,
                    cell.no_deadline + nd,
                )
            total = totals.setdefault(sec, [0, 0, 0])
            total[0] += n
            total[1] += done
            total[2] += nd
    for pk, unit in units.items():
        unit.figures = Figures.of(dict(zip(cols, sums[pk], strict=True)))
    d.column_totals = {sec: Cell(n, done, nd) for sec, (n, done, nd) in totals.items()}
    label, key = SORTS.get(f.sort, SORTS["qua_han"])
    d.units = sorted(units.values(), key=key)
    # The year's figures: the units' lines summed (the same lines as the year's periods).
    grand = [sum(col) for col in zip(*sums.values(), strict=True)] if sums else []
    d.current = Figures.of(dict(zip(cols, grand, strict=True))) if sums else Figures()
    d.by_year[f.year] = d.current
    return d


def chart_data(d: Dashboard) -> dict:
    """What the three charts draw (Chart.js reads it from a json_script)."""
    years = sorted(d.by_year)
    periods: dict[tuple, Figures] = {}
    s_cols = ["n", *(f"s_{k}" for k in Submission.ORDER)]
    sums: dict[tuple, list[int]] = {}
    for row in d.periods:
        adhoc = row["kind"] == "adhoc"
        key = (row["year"], adhoc, row["cutoff"] if adhoc else None, row["title"] if adhoc else "")
        acc = sums.setdefault(key, [0] * len(s_cols))
        for i, c in enumerate(s_cols):
            acc[i] += row[c] or 0
    for key, acc in sums.items():
        periods[key] = rate_figures(dict(zip(s_cols, acc, strict=True)))
    keys = sorted(periods, key=lambda k: (k[0], k[1], k[2] or date.min, k[3]))
    return {
        "status_labels": [STATUS_LABELS[k] for k in T.ORDER],
        "status_keys": T.ORDER,
        "years": {
            "labels": [str(y) for y in years],
            "series": {k: [d.by_year[y].t[k] for y in years] for k in T.ORDER},
        },
        "reporting": {
            "labels": [(f"Đột xuất {k[2]:%d/%m/%Y}" if k[1] else f"Năm {k[0]}") for k in keys],
            "titles": [
                f"Báo cáo đột xuất: {k[3]} (hạn {k[2]:%d/%m/%Y})" if k[1] else f"Báo cáo năm {k[0]}"
                for k in keys
            ],
            "series": {
                s: [rate(periods[k].s[s], periods[k].n) or 0 for k in keys]
                for s in Submission.ORDER
            },
            "labels_series": Submission.LABELS,
        },
        "sections": {
            "labels": [f"Mục {c.task.full_code or c.task.code}" for c in d.columns],
            "titles": [
                f"{c.task.full_code or c.task.code}. {c.task.content[:90]}" for c in d.columns
            ],
            "values": [
                (d.column_totals.get(c.tree_id) or Cell(0, 0)).completion_rate or 0
                for c in d.columns
            ],
        },
    }


def describe_filters(f: Filters, d: Dashboard | None) -> str:
    """The filters in words (page headings and export titles)."""
    parts = []
    if f.plan and d is not None:
        parts.append(d.plan_names.get(f.plan, ("kế hoạch đã chọn", 0))[0])
    if f.section and d is not None and d.section_task is not None:
        task = d.section_task
        parts.append(f"mục {task.full_code or task.code}. {task.content[:80]}")
    if f.kind:
        parts.append(f"loại đơn vị: {dict(OrgUnit.Kind.choices)[f.kind]}")
    if f.status:
        parts.append(f"tình trạng: {STATUS_LABELS[f.status]}")
    if f.role:
        parts.append(f"vai trò: {ROLE_LABELS[f.role]}")
    return "; ".join(parts) or "không (mọi kế hoạch, đơn vị, tình trạng, vai trò)"
