"""python manage.py demo_reports — illustrative reports in the seeded periods (make run).

The seed plans have no reports, so their dashboards would show empty figures. This fills
the lines of every existing reporting period with a realistic mix — most reports sent by
the cutoff, some late, some missing; done on time or late, in progress, not started — and
adds one ad-hoc period ("Sơ kết 6 tháng đầu năm …") to each plan that has yearly periods.
Everything is labelled: each period's note and each report's text say "Dữ liệu minh họa",
and the dashboards show a banner for such periods. Deterministic and idempotent: a period
already filled is left alone; reports someone has touched are never overwritten.
Refused unless DEBUG=1 (or --force): never on real data.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from reports.models import ProgressReport, ReportingPeriod, ReportTransition
from reports.periods import DEMO_MARK, sync_lines

NOTE = (
    f"{DEMO_MARK}: các báo cáo của kỳ này được tạo tự động (lệnh demo_reports) để chạy "
    "thử bảng theo dõi, không phải báo cáo thật của đơn vị."
)
NARRATIVES = [
    "Đã ban hành văn bản triển khai, tổ chức hội nghị quán triệt đến cán bộ, đảng viên.",
    "Lồng ghép nội dung tín dụng chính sách vào giao ban hằng tháng; đăng tin trên cổng "
    "thông tin điện tử.",
    "Phối hợp với NHCSXH rà soát, hướng dẫn hộ nghèo, hộ cận nghèo hoàn thiện hồ sơ vay vốn.",
    "Đang hoàn thiện thủ tục bố trí vốn ngân sách địa phương ủy thác sang NHCSXH.",
    "Kiểm tra hoạt động của các Tổ Tiết kiệm và Vay vốn; chấn chỉnh tồn tại sau kiểm tra.",
]


def _fill(line: ProgressReport, period: ReportingPeriod, today: date, tz) -> bool:
    """Decide this line's illustrative report (deterministic per line); False: none."""
    rng = random.Random(line.pk * 7919 + period.pk)
    begin = period.starts_on or (period.cutoff - timedelta(days=365))
    due = period.cutoff < today
    share = 0.86 if due else max(0.0, min(1.0, (today - begin).days / 365)) * 0.6
    if rng.random() >= share:
        if not due and rng.random() < 0.2:  # a draft started
            line.status, line.narrative = "in_progress", f"{DEMO_MARK} — đang tổng hợp."
            return True
        return False
    last = min(period.cutoff, today)
    if due and rng.random() < 0.15:  # sent late
        day = min(today, period.cutoff + timedelta(days=1 + rng.randrange(20)))
    else:
        day = last - timedelta(days=rng.randrange(max(1, min(25, (last - begin).days))))
    sent = datetime.combine(day, time(8 + rng.randrange(9), rng.randrange(60)), tzinfo=tz)
    deadline = line.extended_deadline or line.deadline
    r = rng.random()
    if r < 0.5:
        line.status = "done"
        if deadline and deadline < day and rng.random() < 0.3:
            line.completed_on = deadline + timedelta(days=1 + rng.randrange((day - deadline).days))
        else:
            hi = min(deadline, day) if deadline else day
            line.completed_on = max(begin, hi - timedelta(days=rng.randrange(90)))
        line.product_ref = f"{DEMO_MARK}: Báo cáo số {line.pk % 300 + 1}/BC-UBND"
    elif r < 0.85:
        line.status = "in_progress"
    elif r < 0.96:
        line.status = "not_started"
    else:
        line.status = "not_feasible"
        line.reason = f"{DEMO_MARK}: chưa được bố trí kinh phí."
    line.narrative = f"{DEMO_MARK} — {NARRATIVES[line.pk % len(NARRATIVES)]}"
    line.first_submitted_at = line.submitted_at = sent
    line.state = "accepted" if due and rng.random() < 0.75 else "submitted"
    if line.state == "accepted":
        line.reviewed_at = min(timezone.now(), sent + timedelta(days=1 + rng.randrange(7)))
    return True


class Command(BaseCommand):
    help = "Điền dữ liệu minh họa (báo cáo tiến độ) vào các kỳ báo cáo của dữ liệu mẫu để chạy thử."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Cho phép chạy khi DEBUG tắt.")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Chỉ tạo dữ liệu minh họa khi DEBUG=1 (môi trường chạy thử).")
        today = timezone.localdate()
        tz = ZoneInfo(settings.TIME_ZONE)
        with transaction.atomic():
            self._adhoc_periods(today)
            filled = 0
            periods = ReportingPeriod.objects.select_related("plan").order_by("cutoff", "pk")
            for period in periods:
                if DEMO_MARK in period.request_note:
                    continue
                filled += self._fill_period(period, today, tz)
        self.stdout.write(f"Dữ liệu minh họa: đã điền {filled} báo cáo tiến độ.")

    def _adhoc_periods(self, today: date) -> None:
        """One mid-year review per plan with yearly periods, cutoff 15/06 of this year (or
        last year's, before June): an ad-hoc period for the reporting-rate chart."""
        yearly = ReportingPeriod.objects.filter(kind="yearly").select_related("plan")
        for plan_id in sorted(set(yearly.values_list("plan_id", flat=True))):
            year = today.year if today >= date(today.year, 6, 15) else today.year - 1
            cutoff = date(year, 6, 15)
            previous = yearly.filter(plan_id=plan_id, cutoff__lt=cutoff).order_by("-cutoff").first()
            if previous is None:
                continue
            period, created = ReportingPeriod.objects.get_or_create(
                plan_id=plan_id,
                kind=ReportingPeriod.Kind.ADHOC,
                title=f"Sơ kết 6 tháng đầu năm {year} ({DEMO_MARK.lower()})",
                cutoff=cutoff,
                defaults={"year": year, "starts_on": previous.cutoff + timedelta(days=1)},
            )
            if created:
                sync_lines([period.pk])

    def _fill_period(self, period: ReportingPeriod, today: date, tz) -> int:
        untouched = period.lines.filter(
            state="draft", first_submitted_at__isnull=True, narrative="", version=1
        ).order_by("pk")
        changed = [line for line in untouched if _fill(line, period, today, tz)]
        fields = ["status", "narrative", "reason", "product_ref", "completed_on", "state",
                  "first_submitted_at", "submitted_at", "reviewed_at"]  # fmt: skip
        ProgressReport.objects.bulk_update(changed, fields, batch_size=500)
        log = []
        for line in changed:
            if line.first_submitted_at is None:
                continue
            log.append(ReportTransition(report=line, from_state="draft", to_state="submitted",
                                        at=line.first_submitted_at, comment=DEMO_MARK))  # fmt: skip
            if line.state == "accepted":
                log.append(ReportTransition(report=line, from_state="submitted",
                                            to_state="accepted", at=line.reviewed_at,
                                            comment=DEMO_MARK))  # fmt: skip
        ReportTransition.objects.bulk_create(log, batch_size=1000)
        note = f"{period.request_note}\n{NOTE}".strip()
        ReportingPeriod.objects.filter(pk=period.pk).update(request_note=note)
        self.stdout.write(f"{period.plan.label} — {period.label}: {len(changed)} báo cáo minh họa.")
        return len(changed)
