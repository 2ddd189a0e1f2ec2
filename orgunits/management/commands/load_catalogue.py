"""python manage.py load_catalogue — every province's and commune's units (idempotent)."""

import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from orgunits.catalogue import load_catalogue


class Command(BaseCommand):
    help = (
        "Nạp danh mục đơn vị toàn quốc: 34 tỉnh, thành phố với các sở, ban, ngành, "
        "3.321 xã, phường, đặc khu với các cơ quan cấp xã, các cơ quan Trung ương. "
        "Chạy lại không thay đổi gì."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fixtures", default=str(settings.BASE_DIR / "fixtures"))
        parser.add_argument(
            "--province",
            action="append",
            dest="provinces",
            help="Chỉ nạp tỉnh có mã này (có thể lặp lại), vd. --province 1 --province 79.",
        )
        parser.add_argument(
            "--no-expand",
            action="store_true",
            help="Không cập nhật phân công theo nhóm sau khi nạp.",
        )

    def handle(self, *args, fixtures, provinces, no_expand, **options):
        started = time.perf_counter()
        stats = load_catalogue(Path(fixtures), provinces)
        self.stdout.write(
            f"Danh mục: {stats.provinces} tỉnh, thành phố; {stats.communes} xã, phường, đặc khu; "
            f"{stats.created} đơn vị tạo mới, {stats.renumbered} đánh số lại, "
            f"{stats.aliases} tên gọi khác, {stats.groups} nhóm, "
            f"{stats.members} thành viên nhóm Trung ương thêm, "
            f"{stats.serves} xã do phòng giao dịch phục vụ "
            f"({time.perf_counter() - started:.1f} giây)."
        )
        if stats.changed and not no_expand:
            call_command("expand_assignments", stdout=self.stdout)
