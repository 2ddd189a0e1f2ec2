"""python manage.py create_demo_users — demo logins for the embedded default (`make run`)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

DEMO_PASSWORD = "ct39-demo-2025"


class Command(BaseCommand):
    help = "Tạo tài khoản dùng thử (chỉ dùng khi chạy thử với DEBUG=1) và in thông tin đăng nhập."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Cho phép chạy cả khi DEBUG tắt (không khuyến nghị).",
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Chỉ tạo tài khoản dùng thử khi DEBUG=1 (môi trường chạy thử).")
        User = get_user_model()
        admin, created = User.objects.get_or_create(
            username="admin",
            defaults={
                "is_staff": True,
                "is_superuser": True,
                "first_name": "Quản trị",
                "last_name": "hệ thống",
                "email": "admin@example.invalid",
            },
        )
        if created:
            admin.set_password(DEMO_PASSWORD)
            admin.save()
        self.stdout.write(
            self.style.SUCCESS(
                f"\nĐăng nhập tại http://127.0.0.1:8000/ với tài khoản: admin / {DEMO_PASSWORD}\n"
            )
        )
