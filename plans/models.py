"""Plans and the tree of plans that implement one another.

Chỉ thị 39-CT/TW is the root; each plan's parent is the plan it implements first
(Phước Giang's plan → Kế hoạch 89/KH-UBND → Kế hoạch 05-KH/TU → Chỉ thị 39), and
`also_implements` holds the others it names (Phước Giang also implements 27-KH/ĐU).
"""

from __future__ import annotations

import calendar
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from mptt.models import MPTTModel, TreeForeignKey
from simple_history.models import HistoricalRecords

from orgunits.models import OrgUnit


def validate_day_month(day: int | None, month: int | None) -> None:
    """A yearly cutoff must be a real day of the year (29/02 is refused too: not every year)."""
    if day is None and month is None:
        return
    if day is None or month is None:
        raise ValidationError("Hạn báo cáo hằng năm cần đủ cả ngày và tháng.")
    if not 1 <= month <= 12:
        raise ValidationError(f"Tháng {month} không hợp lệ: tháng phải từ 1 đến 12.")
    last = calendar.monthrange(2023, month)[1]
    if not 1 <= day <= last:
        raise ValidationError(
            f"Ngày {day:02d}/{month:02d} không có trong năm: tháng {month} chỉ có {last} ngày."
        )


class Plan(MPTTModel):
    """A plan document (kế hoạch, chỉ thị, quyết định, công văn)."""

    class Kind(models.TextChoices):
        DIRECTIVE = "directive", "Chỉ thị"
        DECISION = "decision", "Quyết định"
        PLAN = "plan", "Kế hoạch"
        OFFICIAL_LETTER = "letter", "Công văn"

    class Status(models.TextChoices):
        DRAFT = "draft", "Dự thảo"
        ISSUED = "issued", "Đã ban hành"
        SUPERSEDED = "superseded", "Đã được thay thế"

    seed_key = models.SlugField(
        "mã dữ liệu mẫu", max_length=80, unique=True, null=True, blank=True, editable=False
    )
    kind = models.CharField("loại văn bản", max_length=12, choices=Kind.choices, default=Kind.PLAN)
    number = models.CharField(
        "số, ký hiệu",
        max_length=60,
        blank=True,
        help_text="Như in trên văn bản, vd. 686/KH-UBND. Để trống nếu chưa có số.",
    )
    title = models.TextField("trích yếu")
    issuer = models.ForeignKey(
        OrgUnit,
        verbose_name="cơ quan ban hành",
        on_delete=models.PROTECT,
        related_name="issued_plans",
    )
    signer = models.CharField("người ký", max_length=120, blank=True)
    signer_title = models.CharField("chức vụ người ký", max_length=120, blank=True)
    issued_on = models.DateField("ngày ban hành", null=True, blank=True)
    status = models.CharField(
        "trạng thái", max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    parent = TreeForeignKey(
        "self",
        verbose_name="thực hiện văn bản",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    also_implements = models.ManyToManyField(
        "self",
        verbose_name="đồng thời thực hiện",
        symmetrical=False,
        blank=True,
        related_name="also_implemented_by",
    )
    replaces = models.ManyToManyField(
        "self",
        verbose_name="thay thế các văn bản",
        symmetrical=False,
        blank=True,
        related_name="replaced_by",
    )
    follow_up_unit = models.ForeignKey(
        OrgUnit,
        verbose_name="đơn vị theo dõi, đôn đốc",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followed_plans",
    )
    report_to_unit = models.ForeignKey(
        OrgUnit,
        verbose_name="đơn vị nhận báo cáo",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plans_reported_to",
    )
    cutoff_day = models.PositiveSmallIntegerField(
        "hạn báo cáo hằng năm: ngày", null=True, blank=True
    )
    cutoff_month = models.PositiveSmallIntegerField(
        "hạn báo cáo hằng năm: tháng", null=True, blank=True
    )
    first_year_cutoff = models.DateField(
        "hạn báo cáo riêng năm đầu",
        null=True,
        blank=True,
        help_text="Vd. kế hoạch xã Phước Giang: năm 2025 báo cáo trước 31/12/2025.",
    )
    reporting_rule_text = models.TextField("chế độ báo cáo (nguyên văn)", blank=True)
    commune_cutoff_day = models.PositiveSmallIntegerField(
        "hạn báo cáo của cấp xã: ngày",
        null=True,
        blank=True,
        help_text="Hạn kế hoạch này đặt cho các xã: kế hoạch cấp xã lập từ đây nhận hạn này.",
    )
    commune_cutoff_month = models.PositiveSmallIntegerField(
        "hạn báo cáo của cấp xã: tháng", null=True, blank=True
    )
    commune_first_year_cutoff = models.DateField(
        "hạn báo cáo của cấp xã riêng năm đầu", null=True, blank=True
    )
    targets_text = models.TextField("chỉ tiêu", blank=True)
    source = models.CharField("nguồn", max_length=200, blank=True)
    note = models.TextField("ghi chú", blank=True)
    submission_token = models.UUIDField(
        null=True,
        blank=True,
        unique=True,
        editable=False,
        help_text="Mã của biểu mẫu đã tạo văn bản: gửi lại biểu mẫu không tạo bản thứ hai.",
    )
    version = models.PositiveIntegerField(
        "phiên bản",
        default=1,
        editable=False,
        help_text="Tăng mỗi lần lưu: hai người cùng sửa, người lưu sau được báo thay vì ghi đè.",
    )
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)
    updated_at = models.DateTimeField("cập nhật lúc", auto_now=True)
    history = HistoricalRecords(excluded_fields=["lft", "rght", "tree_id", "level"])

    class MPTTMeta:
        order_insertion_by = ["issued_on"]

    class Meta:
        verbose_name = "kế hoạch, văn bản"
        verbose_name_plural = "kế hoạch, văn bản"
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "number"],
                condition=~Q(number=""),
                name="unique_plan_number_per_issuer",
                violation_error_message="Cơ quan này đã có văn bản mang số, ký hiệu này.",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        return reverse("tasks:plan_detail", args=[self.pk])  # the page shows the appendix

    @property
    def number_display(self) -> str:
        """The number as printed; "chưa rõ số" for an issued plan whose copy has none
        (signed, so not a draft), "chưa có số" for a draft."""
        if self.number:
            return self.number
        return "chưa có số" if self.status == self.Status.DRAFT else "chưa rõ số"

    @property
    def label(self) -> str:
        """How officers cite it: "Kế hoạch 17/KH-UBND", or the issuer for unnumbered plans."""
        kind = self.get_kind_display()
        if self.number:
            return f"{kind} {self.number}"
        return f"{kind} {self.issuer.display_name} ({self.number_display})"

    def clean(self):
        errors = {}
        try:
            validate_day_month(self.cutoff_day, self.cutoff_month)
        except ValidationError as exc:
            errors["cutoff_day"] = exc.messages
        try:
            validate_day_month(self.commune_cutoff_day, self.commune_cutoff_month)
        except ValidationError as exc:
            errors["commune_cutoff_day"] = exc.messages
        if self.issued_on and self.issued_on > date.today():
            errors["issued_on"] = ["Ngày ban hành không được ở tương lai."]
        if self.pk and self.parent_id == self.pk:
            errors["parent"] = ["Một văn bản không thể thực hiện chính nó."]
        if errors:
            raise ValidationError(errors)

    @property
    def has_reporting_rule(self) -> bool:
        return bool(self.cutoff_day and self.cutoff_month) or bool(self.first_year_cutoff)

    def cutoff_for_year(self, year: int) -> date | None:
        """The day reports for `year` are due (hạn báo cáo), in local calendar terms."""
        if self.first_year_cutoff and self.first_year_cutoff.year == year:
            return self.first_year_cutoff
        if self.cutoff_day and self.cutoff_month:
            return date(year, self.cutoff_month, self.cutoff_day)
        return None

    @property
    def reporting_rule_summary(self) -> str:
        parts = []
        if self.cutoff_day and self.cutoff_month:
            parts.append(f"trước {self.cutoff_day:02d}/{self.cutoff_month:02d} hằng năm")
        if self.first_year_cutoff:
            parts.append(
                f"riêng năm {self.first_year_cutoff.year}: trước {self.first_year_cutoff:%d/%m/%Y}"
            )
        return "; ".join(parts)

    @property
    def has_commune_rule(self) -> bool:
        return bool(self.commune_cutoff_day and self.commune_cutoff_month) or bool(
            self.commune_first_year_cutoff
        )

    @property
    def commune_rule_summary(self) -> str:
        parts = []
        if self.commune_cutoff_day and self.commune_cutoff_month:
            parts.append(
                f"trước {self.commune_cutoff_day:02d}/{self.commune_cutoff_month:02d} hằng năm"
            )
        if self.commune_first_year_cutoff:
            first = self.commune_first_year_cutoff
            parts.append(f"riêng năm {first.year}: trước {first:%d/%m/%Y}")
        return "; ".join(parts)

    def earliest_start(self) -> date | None:
        """When the plan took effect at the earliest: its issue date, or — for an issued
        plan whose copy has no date — the latest issue date of the plans it implements
        (a plan cannot predate them). None when nothing is known."""
        if self.issued_on:
            return self.issued_on
        if self.status == self.Status.DRAFT:
            return None
        known = [p.issued_on for p in (self.parent, *self.also_implements.all()) if p]
        known = [d for d in known if d]
        return max(known) if known else None

    def implemented_chain(self) -> list[Plan]:
        """The plans above this one, from the root (Chỉ thị 39) down to the parent."""
        return list(self.get_ancestors())


class Inference(models.Model):
    """A value the app inferred (suy luận) because the seed documents do not state it —
    a link between plans, a follow-up or report-to unit, a task's lead or the task it
    implements — with the reason. Shown as a "suy luận" badge until an admin confirms it
    (or changes the value and confirms)."""

    plan = models.ForeignKey(
        Plan,
        verbose_name="kế hoạch",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="inferences",
    )
    task = models.ForeignKey(
        "tasks.Task",
        verbose_name="nhiệm vụ",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="inferences",
    )
    field = models.CharField("nội dung suy luận", max_length=40)
    reason = models.TextField("lý do")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người xác nhận",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField("xác nhận lúc", null=True, blank=True)

    FIELD_LABELS = {
        "parent": "văn bản thực hiện",
        "replaces": "văn bản được thay thế",
        "follow_up_unit": "đơn vị theo dõi, đôn đốc",
        "report_to_unit": "nơi nhận báo cáo",
        "commune_rule": "hạn báo cáo của cấp xã",
        "lead": "đơn vị chủ trì",
        "source_task": "nhiệm vụ cấp trên",
    }

    class Meta:
        verbose_name = "nội dung suy luận"
        verbose_name_plural = "nội dung suy luận"
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "field"], condition=Q(task__isnull=True), name="one_plan_inference"
            ),
            models.UniqueConstraint(
                fields=["task", "field"], condition=Q(task__isnull=False), name="one_task_inference"
            ),
            models.CheckConstraint(
                condition=Q(plan__isnull=False) | Q(task__isnull=False),
                name="inference_has_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.field_label}: {self.reason}"

    @property
    def field_label(self) -> str:
        return self.FIELD_LABELS.get(self.field, self.field)

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None
