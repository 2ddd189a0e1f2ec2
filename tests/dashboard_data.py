"""A small province whose dashboard figures are computed by hand (tests and browser test).

Tỉnh Thử Nghiệm: the People's Committee, its NHCSXH branch with one transaction office
(serving xã An Bình and xã Bình Minh), the finance department and three communes; xã Cẩm
Thạch merges into xã Bình Minh on 01/07/2026. Plan 99/KH-UBND (issued 15/01/2025, reports
due 30/09 yearly) has two sections and four tasks:

- I.1 "Hằng năm" (due at the cutoff): lead "Ủy ban nhân dân các xã" (a group: the three
  communes), coordinating the finance department;
- I.2 "Trước ngày 30/6 hằng năm": lead the finance department, coordinating the branch;
- II.1 "Thường xuyên" (no deadline): lead the branch;
- II.2 "Trước ngày 15/12 hằng năm": lead xã An Bình.

On 23/11/2026 the 2026 period (cutoff 30/09/2026) has 7 active lines (xã Cẩm Thạch's
line was switched off by the merger):

==  ====================  =========================  ============================
L1  I.1 An Bình (lead)    done 15/09, sent 20/09     Hoàn thành đúng hạn, on time
L2  I.1 Bình Minh (lead)  done 01/10, sent 05/10     Hoàn thành trễ hạn, late
L4  I.1 Tài chính (coord) nothing                    quá hạn 54 ngày, missing
L5  I.2 Tài chính (lead)  in progress, sent 25/09    quá hạn 146 ngày, on time
L6  I.2 chi nhánh (coord) extended to 30/11, draft   trong hạn, sắp đến hạn, missing
L7  II.1 chi nhánh (lead) in progress, sent 29/09    Không có hạn, on time
L8  II.2 An Bình (lead)   done 10/12/2025, accepted  Hoàn thành đúng hạn, on time
==  ====================  =========================  ============================

Tasks (each once, by its lead lines): I.1 done late, I.2 overdue, II.1 no deadline, II.2
done on time. An ad-hoc period ("Sơ kết 6 tháng đầu năm 2026", cutoff 15/06/2026) has 8
lines, one sent on time; the 2025 period has 8 lines, none sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from orgunits.models import OrgUnit, UnitGroup
from plans.models import Plan
from reports.models import ProgressReport, ReportingPeriod
from reports.periods import ensure_periods, sync_lines
from tasks.expansion import expand_plan
from tasks.models import Assignment, Task

TODAY = date(2026, 11, 23)
VN = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass
class Fixture:
    province: OrgUnit
    branch: OrgUnit
    pgd: OrgUnit
    dept: OrgUnit
    x1: OrgUnit
    x2: OrgUnit
    x3: OrgUnit
    plan: Plan
    sections: list[Task]
    tasks: list[Task]
    period_2025: ReportingPeriod
    period_2026: ReportingPeriod
    adhoc: ReportingPeriod
    lines: dict[str, ProgressReport]


def _unit(key, name, short, kind, parent=None) -> OrgUnit:
    if parent is not None:
        parent.refresh_from_db()  # MPTT inserts from the parent's current lft/rght
    unit = OrgUnit(key=key, name=name, short_name=short, kind=kind, parent=parent)
    unit.save()
    return unit


def _task(plan, parent, kind, code, full_code, position, content, timeframe="") -> Task:
    if parent is not None:
        parent.refresh_from_db()
    task = Task(plan=plan, parent=parent, kind=kind, code=code, full_code=full_code,
                position=position, content=content, product="Báo cáo kết quả")  # fmt: skip
    task.set_timeframe(timeframe)
    task.save()
    return task


def _at(*args) -> datetime:
    return datetime(*args, tzinfo=VN)


def build_fixture() -> Fixture:
    K = OrgUnit.Kind
    p = _unit("tt", "Ủy ban nhân dân tỉnh Thử Nghiệm", "UBND tỉnh Thử Nghiệm", K.PROVINCE)
    branch = _unit("tt-nhcsxh", "Chi nhánh Ngân hàng Chính sách xã hội tỉnh Thử Nghiệm",
                   "Chi nhánh NHCSXH tỉnh Thử Nghiệm", K.NHCSXH_BRANCH, p)  # fmt: skip
    pgd = _unit("tt-pgd", "Phòng giao dịch Ngân hàng Chính sách xã hội Thử Nghiệm",
                "PGD NHCSXH Thử Nghiệm", K.NHCSXH_PGD, branch)  # fmt: skip
    dept = _unit("tt-tai-chinh", "Sở Tài chính tỉnh Thử Nghiệm", "Sở Tài chính", K.DEPARTMENT, p)
    x1 = _unit("tt-x1", "Ủy ban nhân dân xã An Bình", "UBND xã An Bình", K.COMMUNE, p)
    x2 = _unit("tt-x2", "Ủy ban nhân dân xã Bình Minh", "UBND xã Bình Minh", K.COMMUNE, p)
    x3 = _unit("tt-x3", "Ủy ban nhân dân xã Cẩm Thạch", "UBND xã Cẩm Thạch", K.COMMUNE, p)
    for unit in (p, branch, pgd, dept, x1, x2, x3):
        unit.refresh_from_db()
    pgd.serves.set([x1, x2])
    group = UnitGroup.objects.create(
        key="tt-ubnd-xa", name="Ủy ban nhân dân các xã", scope=p, rule_kinds=["commune"]
    )
    plan = Plan(
        number="99/KH-UBND", title="Kế hoạch thử nghiệm bảng theo dõi", issuer=p,
        status=Plan.Status.ISSUED, issued_on=date(2025, 1, 15), follow_up_unit=branch,
        report_to_unit=branch, cutoff_day=30, cutoff_month=9,
    )  # fmt: skip
    plan.save()
    s1 = _task(plan, None, "section", "I", "I", 0, "Tuyên truyền, phổ biến")
    t1 = _task(plan, s1, "task", "1", "I.1", 1, "Tổ chức quán triệt Chỉ thị 39", "Hằng năm")
    t2 = _task(plan, s1, "task", "2", "I.2", 2, "Bố trí vốn ủy thác", "Trước ngày 30/6 hằng năm")
    s2 = _task(plan, None, "section", "II", "II", 3, "Kiểm tra, giám sát")
    t3 = _task(plan, s2, "task", "1", "II.1", 4, "Giám sát hoạt động ủy thác", "Thường xuyên")
    t4 = _task(plan, s2, "task", "2", "II.2", 5, "Sơ kết năm", "Trước ngày 15/12 hằng năm")
    lead, coord = Assignment.Role.LEAD, Assignment.Role.COORDINATING
    Assignment.objects.create(task=t1, role=lead, group=group)
    Assignment.objects.create(task=t1, role=coord, unit=dept)
    Assignment.objects.create(task=t2, role=lead, unit=dept)
    Assignment.objects.create(task=t2, role=coord, unit=branch)
    Assignment.objects.create(task=t3, role=lead, unit=branch)
    Assignment.objects.create(task=t4, role=lead, unit=x1)
    expand_plan(plan, today=date(2025, 1, 15))
    ensure_periods(today=TODAY, plans=Plan.objects.filter(pk=plan.pk))
    adhoc = ReportingPeriod.objects.create(
        plan=plan, kind=ReportingPeriod.Kind.ADHOC, year=2026,
        title="Sơ kết 6 tháng đầu năm 2026", starts_on=date(2025, 10, 1),
        cutoff=date(2026, 6, 15),
    )  # fmt: skip
    sync_lines([adhoc.pk])
    # Xã Cẩm Thạch merges into xã Bình Minh on 01/07/2026.
    x3.active_until = date(2026, 6, 30)
    x3.successor = x2
    x3.save()
    expand_plan(plan, today=date(2026, 7, 1))
    periods = plan.reporting_periods.all()
    sync_lines(periods.values_list("pk", flat=True))
    p2025 = periods.get(kind="yearly", year=2025)
    p2026 = periods.get(kind="yearly", year=2026)

    def line(period, task, unit, role=lead):
        return ProgressReport.objects.get(period=period, task=task, unit=unit, role=role)

    lines = {
        "L1": line(p2026, t1, x1),
        "L2": line(p2026, t1, x2),
        "L3": line(p2026, t1, x3),
        "L4": line(p2026, t1, dept, coord),
        "L5": line(p2026, t2, dept),
        "L6": line(p2026, t2, branch, coord),
        "L7": line(p2026, t3, branch),
        "L8": line(p2026, t4, x1),
        "A8": line(adhoc, t4, x1),
    }

    def put(name, **fields):
        ProgressReport.objects.filter(pk=lines[name].pk).update(**fields)

    sent = {"state": "submitted", "narrative": "Đã triển khai theo kế hoạch."}
    put("L1", **sent, status="done", completed_on=date(2026, 9, 15),
        first_submitted_at=_at(2026, 9, 20, 9), submitted_at=_at(2026, 9, 20, 9))  # fmt: skip
    put("L2", **sent, status="done", completed_on=date(2026, 10, 1),
        first_submitted_at=_at(2026, 10, 5, 10), submitted_at=_at(2026, 10, 5, 10))  # fmt: skip
    put("L5", **sent, status="in_progress", first_submitted_at=_at(2026, 9, 25, 8),
        submitted_at=_at(2026, 9, 25, 8))  # fmt: skip
    put("L6", extended_deadline=date(2026, 11, 30))
    put("L7", **sent, status="in_progress", first_submitted_at=_at(2026, 9, 29, 16),
        submitted_at=_at(2026, 9, 29, 16))  # fmt: skip
    put("L8", **{**sent, "state": "accepted"}, status="done", completed_on=date(2025, 12, 10),
        first_submitted_at=_at(2026, 9, 28, 14), submitted_at=_at(2026, 9, 28, 14))  # fmt: skip
    put("A8", **sent, status="in_progress", first_submitted_at=_at(2026, 6, 10, 9),
        submitted_at=_at(2026, 6, 10, 9))  # fmt: skip
    for obj in lines.values():
        obj.refresh_from_db()
    return Fixture(p, branch, pgd, dept, x1, x2, x3, plan, [s1, s2], [t1, t2, t3, t4],
                   p2025, p2026, adhoc, lines)  # fmt: skip
