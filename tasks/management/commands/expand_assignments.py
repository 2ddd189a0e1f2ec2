"""python manage.py expand_assignments [--plan KEY_OR_ID] — refresh tracked assignments."""

from django.core.management.base import BaseCommand, CommandError

from plans.models import Plan
from tasks.expansion import ExpansionResult, expand_plan


class Command(BaseCommand):
    help = (
        "Triển khai phân công theo nhóm thành phân công từng đơn vị và chuyển phân công của "
        "đơn vị đã sáp nhập sang đơn vị kế thừa (các kế hoạch đã ban hành)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--plan", help="Mã dữ liệu mẫu, số hiệu hoặc id của kế hoạch.")

    def handle(self, *args, plan=None, **options):
        plans = Plan.objects.filter(status=Plan.Status.ISSUED)
        if plan:
            lookup = plans.filter(seed_key=plan) | plans.filter(number=plan)
            if plan.isdigit():
                lookup = lookup | plans.filter(pk=int(plan))
            plans = lookup
            if not plans.exists():
                raise CommandError(f"Không tìm thấy kế hoạch đã ban hành “{plan}”.")
        total = ExpansionResult()
        for p in plans.order_by("pk"):
            result = expand_plan(p)
            total += result
            self.stdout.write(
                f"{p.label}: thêm {result.added}, ngừng theo dõi {result.retired}, "
                f"chuyển đơn vị kế thừa {result.moved}."
            )
        self.stdout.write(
            f"Tổng: thêm {total.added}, ngừng theo dõi {total.retired}, chuyển {total.moved}."
        )
