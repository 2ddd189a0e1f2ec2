"""python manage.py import_appendix FILE --plan NUMBER [--dry-run] [--user USERNAME]"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from orgunits.text import fold
from plans.models import Plan
from tasks.importer import ImportRefused, apply_import, preview_import
from tasks.readers import AppendixFileError


def find_plan(value: str) -> Plan:
    """A plan by its number as printed ("17/KH-UBND"), its seed key or its id."""
    plans = Plan.objects.select_related("issuer")
    wanted = fold(value).replace(" ", "")
    by_number = [
        p
        for p in plans.exclude(number="").filter(number__icontains=value.strip()[:3])
        if fold(p.number).replace(" ", "") == wanted
    ]
    found = by_number or list(
        plans.filter(Q(seed_key=value) | Q(pk=int(value) if value.isdigit() else None))
    )
    if not found:
        raise CommandError(f"Không tìm thấy kế hoạch “{value}” (theo số, ký hiệu hoặc mã).")
    if len(found) > 1:
        names = "; ".join(f"{p.label} — {p.issuer.name} (id {p.pk})" for p in found)
        raise CommandError(f"Có nhiều kế hoạch mang số “{value}”: {names}. Hãy dùng id.")
    return found[0]


class Command(BaseCommand):
    help = (
        "Nhập phụ lục nhiệm vụ của một kế hoạch từ tệp Excel .xlsx hoặc Word .docx (xem trước "
        "với --dry-run). "
        "Thoát với mã khác 0 nếu tệp có lỗi."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Tệp .xlsx hoặc .docx")
        parser.add_argument(
            "--plan", required=True, help="Số, ký hiệu (vd. 17/KH-UBND), mã dữ liệu mẫu hoặc id."
        )
        parser.add_argument("--dry-run", action="store_true", help="Chỉ xem trước, không lưu.")
        parser.add_argument("--user", help="Tài khoản ghi vào lịch sử thay đổi.")

    def handle(self, *args, file, plan, dry_run, user, **options):
        target = find_plan(plan)
        account = None
        if user:
            account = get_user_model().objects.filter(username=user).first()
            if account is None:
                raise CommandError(f"Không có tài khoản “{user}”.")
        try:
            preview = preview_import(target, file)
        except (AppendixFileError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{target.label}: {file}")
        for line in preview.summary_lines():
            self.stdout.write(f"  {line}")
        for diff in preview.diff.rows:
            if diff.status != "unchanged":
                label = diff.row.full_code or diff.row.row_label
                state = "thêm mới" if diff.status == "added" else "sửa"
                fields = ", ".join(c.label.lower() for c in diff.changes)
                self.stdout.write(f"  {label}: {state}" + (f" ({fields})" if fields else ""))
        for task in preview.diff.removed:
            self.stdout.write(f"  {task.full_code or task.content[:40]}: xoá")
        for warning in preview.warnings:
            self.stdout.write(self.style.WARNING(f"  Lưu ý: {warning}"))
        for error in preview.errors:
            self.stderr.write(self.style.ERROR(f"  Lỗi: {error}"))
        if preview.errors:
            raise CommandError(f"Tệp còn {len(preview.errors)} lỗi: chưa nhập gì.")
        if dry_run:
            self.stdout.write("Chạy thử (--dry-run): chưa lưu gì.")
            return
        try:
            result = apply_import(target, file, user=account, expected_version=preview.plan_version)
        except (AppendixFileError, ImportRefused) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(result.message))
