"""python manage.py check_trees [--rebuild] — verify every MPTT tree; exit 1 on corruption."""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from orgunits.locks import tree_lock
from orgunits.trees import check_all


class Command(BaseCommand):
    help = "Kiểm tra tính toàn vẹn của các cây (đơn vị, kế hoạch, nhiệm vụ)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild",
            action="store_true",
            help="Dựng lại các cây bị sai lệch từ quan hệ cha-con.",
        )

    def handle(self, *args, rebuild=False, **options):
        broken = []
        for report in check_all():
            if report.errors:
                broken.append(report.model)
                self.stderr.write(f"{report.model}: {report.nodes} nút, {report.trees} cây — LỖI")
                for error in report.errors:
                    self.stderr.write(f"  {error}")
            else:
                self.stdout.write(f"{report.model}: {report.nodes} nút, {report.trees} cây — tốt.")
        if broken and rebuild:
            for label in broken:
                model = apps.get_model(label)
                with tree_lock(model):
                    model._tree_manager.rebuild()
                self.stdout.write(f"{label}: đã dựng lại cây.")
            return
        if broken:
            raise CommandError(
                f"{len(broken)} loại cây bị sai lệch ({', '.join(broken)}): tìm nguyên nhân, "
                "rồi chạy `python manage.py check_trees --rebuild`."
            )
