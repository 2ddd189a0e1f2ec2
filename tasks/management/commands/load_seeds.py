"""python manage.py load_seeds — the units, plans and appendices of the five seed documents;
the apps above tasks add what they seed through `tasks.seed.seeds_loaded` (the indicators)."""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from orgunits.seed import load_units
from plans.models import Plan
from plans.seed import load_plans
from tasks.seed import appendix_paths, load_appendix, seeds_loaded


class Command(BaseCommand):
    help = "Nạp dữ liệu mẫu: cây đơn vị, các kế hoạch và phụ lục nhiệm vụ của năm văn bản gốc."

    def add_arguments(self, parser):
        parser.add_argument("--fixtures", default=str(settings.BASE_DIR / "fixtures"))

    def handle(self, *args, fixtures, **options):
        root = Path(fixtures)
        stats = load_units(root / "units.yaml")
        self.stdout.write(
            f"Đơn vị: {stats.created} tạo mới, {stats.updated} cập nhật, "
            f"{stats.aliases} tên gọi khác, {stats.groups} nhóm."
        )
        changed = load_plans(root / "plans.yaml")
        self.stdout.write(f"Kế hoạch: {changed} thay đổi.")
        unresolved = 0
        for path in appendix_paths(root / "appendices"):
            result = load_appendix(path)
            s = result.prepared.summary
            unresolved += s["unresolved"]
            state = "đã nạp" if result.created else "đã có, giữ nguyên"
            self.stdout.write(
                f"{result.plan.label}: {s['rows']} dòng ({s['sections']} mục, {s['tasks']} "
                f"nhiệm vụ, {s['subitems']} nội dung chi tiết), {s['assignments']} phân công, "
                f"{s['unresolved']} tên chưa nhận diện, {s['unparsed_timeframes']} thời hạn "
                f"chưa đọc được — {state}."
            )
            for problem in result.prepared.all_problems:
                self.stdout.write(self.style.WARNING(f"  {problem}"))
        call_command("expand_assignments", stdout=self.stdout)
        for _receiver, line in seeds_loaded.send(sender=Plan):
            if line:  # e.g. "Chỉ tiêu: 2 tạo mới." (reports)
                self.stdout.write(line)
        call_command("check_trees", stdout=self.stdout)
        if unresolved:
            raise CommandError(f"Còn {unresolved} tên đơn vị chưa nhận diện (xem ở trên).")
