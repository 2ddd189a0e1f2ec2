"""python manage.py reminders --date 2026-09-18 [--dry-run] — the daily reminder sweep.

Without --dry-run it claims the reminders due on that date and enqueues one digest per
unit (exactly once: a second run the same day sends nothing new). With --dry-run it only
prints who would get what (periods that should exist by then are still created).
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reports.reminders import run_sweep


class Command(BaseCommand):
    help = "Nhắc hạn báo cáo: xem trước (--dry-run) hoặc gửi các lượt nhắc của một ngày."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Ngày nhắc, dạng yyyy-mm-dd (mặc định: hôm nay).")
        parser.add_argument("--dry-run", action="store_true", help="Chỉ xem trước, không gửi.")
        parser.add_argument(
            "--sync",
            action="store_true",
            help="Gửi ngay trong tiến trình này thay vì đưa vào hàng đợi Celery.",
        )

    def handle(self, *args, date=None, dry_run=False, sync=False, **options):
        day = self._day(date)
        result = run_sweep(day, dry_run=dry_run, enqueue=not sync)
        if dry_run:
            self._preview(result)
            return
        if sync:
            from reports.reminders import deliver_digest

            for unit_id in result.units:
                deliver_digest(unit_id)
        self.stdout.write(
            f"Ngày {day:%d/%m/%Y}: ghi nhận {result.claimed} lượt nhắc mới, "
            f"{'đã gửi' if sync else 'đưa vào hàng đợi'} {len(result.units)} thư tổng hợp "
            "(mỗi đơn vị một thư)."
        )

    def _day(self, text):
        if not text:
            return timezone.localdate()
        try:
            return date.fromisoformat(text)
        except ValueError as exc:
            raise CommandError(f"Ngày “{text}” không đúng dạng yyyy-mm-dd.") from exc

    def _preview(self, result):
        rows = result.preview
        day = result.day
        if not rows:
            self.stdout.write(f"Ngày {day:%d/%m/%Y}: không có lượt nhắc nào.")
            return
        self.stdout.write(f"Ngày {day:%d/%m/%Y} — xem trước, chưa gửi:")
        current = None
        for row in rows:
            if row.period.pk != current:
                current = row.period.pk
                p = row.period
                self.stdout.write(f"\n{p.plan.label} — {p.label}, hạn {p.cutoff:%d/%m/%Y}:")
            when = f"còn {row.offset} ngày" if row.offset > 0 else f"quá hạn {-row.offset} ngày"
            note = " (đã gửi trước đó, sẽ không gửi lại)" if row.already else ""
            if row.kind == "review":
                self.stdout.write(
                    f"  - {row.unit_name} (đơn vị theo dõi): danh sách các đơn vị chậm báo cáo "
                    f"({when}), {row.missing} nhiệm vụ chưa nộp{note}"
                )
                continue
            kind = "nhắc" if row.kind == "reminder" else "báo quá hạn"
            self.stdout.write(
                f"  - {row.unit_name}: {kind} ({when}), {row.missing} nhiệm vụ chưa nộp{note}"
            )
        units = {r.unit_id for r in rows if not r.already}
        self.stdout.write(
            f"\nTổng: {len(rows)} lượt nhắc, {len(units)} đơn vị sẽ nhận thư tổng hợp."
        )
