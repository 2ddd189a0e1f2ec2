"""python manage.py create_demo_users — demo logins for the embedded default (`make run`)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from orgunits.access import uses_admin
from orgunits.models import OrgUnit, Profile

DEMO_PASSWORD = "ct39-demo-2025"

# (username, full name, unit key or ward code, role, unit head)
DEMO_USERS = [
    ("canbo.phuocgiang", "Cán bộ UBND xã Phước Giang", "w21370", Profile.Role.OFFICER, True),
    ("canbo.thientin", "Cán bộ UBND xã Thiện Tín", "w21388", Profile.Role.OFFICER, True),
    ("canbo.sotaichinh", "Cán bộ Sở Tài chính Quảng Ngãi", "qn-tai-chinh", Profile.Role.OFFICER,
     False),
    ("pgd.nghiahanh", "Cán bộ PGD NHCSXH Nghĩa Hành", "qn-pgd-532", Profile.Role.REVIEWER, False),
    ("nhcsxh.quangngai", "Cán bộ Chi nhánh NHCSXH tỉnh Quảng Ngãi", "qn-nhcsxh",
     Profile.Role.REVIEWER, False),
    ("quantri.quangngai", "Quản trị tỉnh Quảng Ngãi", "qn", Profile.Role.PROVINCE_ADMIN, False),
    ("lanhdao.quangngai", "Lãnh đạo UBND tỉnh Quảng Ngãi", "qn", Profile.Role.LEADER, True),
    ("nhcsxh.nghean", "Cán bộ Chi nhánh NHCSXH tỉnh Nghệ An", "na-nhcsxh", Profile.Role.REVIEWER,
     False),
]  # fmt: skip


class Command(BaseCommand):
    help = "Tạo tài khoản dùng thử (chỉ dùng khi chạy thử với DEBUG=1) và in thông tin đăng nhập."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Cho phép chạy cả khi DEBUG tắt (không khuyến nghị).",
        )

    @transaction.atomic
    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Chỉ tạo tài khoản dùng thử khi DEBUG=1 (môi trường chạy thử).")
        User = get_user_model()
        admin, created = User.objects.get_or_create(
            username="admin",
            defaults={"is_staff": True, "is_superuser": True, "first_name": "Quản trị hệ thống",
                      "email": "admin@example.invalid"},
        )  # fmt: skip
        if created:
            admin.set_password(DEMO_PASSWORD)
            admin.save()
        rows = [("admin", "Quản trị hệ thống (toàn quyền)")]
        for username, full_name, unit_key, role, head in DEMO_USERS:
            unit = OrgUnit.objects.filter(key=unit_key).first()
            if unit is None:
                continue
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"first_name": full_name, "email": f"{username}@example.invalid",
                          "is_staff": uses_admin(role)},
            )  # fmt: skip
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            Profile.objects.update_or_create(
                user=user, defaults={"unit": unit, "role": role, "is_unit_head": head}
            )
            rows.append((username, f"{Profile.Role(role).label} — {unit.name}"))
        width = max(len(u) for u, _ in rows)
        lines = [f"  {u.ljust(width)}  {label}" for u, label in rows]
        self.stdout.write(
            self.style.SUCCESS(
                "\nMở http://127.0.0.1:8000/ và đăng nhập bằng một trong các tài khoản dưới đây, "
                f"mật khẩu chung: {DEMO_PASSWORD}\n" + "\n".join(lines) + "\n"
            )
        )
