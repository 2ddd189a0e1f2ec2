"""python manage.py reporting_periods [--date yyyy-mm-dd] — create the yearly periods."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reports.models import ReportingPeriod
from reports.periods import ensure_periods, sync_lines


class Command(BaseCommand):
    help = "Tạo các kỳ báo cáo hằng năm của kế hoạch đã ban hành và cập nhật danh sách báo cáo."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Tính đến ngày (yyyy-mm-dd), mặc định hôm nay.")

    def handle(self, *args, date=None, **options):
        try:
            day = date_from(date) if date else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"Ngày “{date}” không đúng dạng yyyy-mm-dd.") from exc
        created = ensure_periods(day)
        lines = sync_lines()
        for period in created:
            self.stdout.write(f"{period.plan.label}: {period.label}, hạn {period.cutoff:%d/%m/%Y}")
        total = ReportingPeriod.objects.count()
        self.stdout.write(
            f"Tạo {len(created)} kỳ báo cáo mới ({total} kỳ tất cả), thêm {lines} dòng báo cáo."
        )


def date_from(text: str) -> date:
    return date.fromisoformat(text)
