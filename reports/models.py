"""Reporting periods, progress reports and their review, reminders and notifications.

A `ReportingPeriod` is one round of reporting on a plan: the yearly report due at the
plan's cutoff (25/9, 01/10, 15/12 …) or an ad-hoc one (báo cáo đột xuất) the reviewing
unit asks for. It covers the days since the previous yearly cutoff.

Each tracked assignment due in a period has exactly one `ProgressReport` row in it (its
"line"), created when the period is created and kept in sync daily (`services.sync_lines`).
The rows are there before the unit writes anything, so that "expected / submitted / late /
missing" is a plain GROUP BY over this table — dashboards and the consolidated report count
the same rows the same way (`timeliness.py` holds the one definition).

Timeliness (Hoàn thành đúng hạn, trễ hạn, …) is never stored: it is computed from the
stored status, completion date and deadline, in Python (`ProgressReport.timeliness`) and in
SQL (`timeliness.timeliness_expression`).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from orgunits.models import OrgUnit
from plans.models import Plan
from tasks.models import Assignment, Task

DEFAULT_REMINDER_DAYS = [30, 14, 7, 3, 1]
DEFAULT_ESCALATION_DAYS = [1, 7]


def local_day_end(day: date) -> datetime:
    """00:00 local time (Asia/Ho_Chi_Minh) of the day after `day`: the first late instant."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=ZoneInfo(settings.TIME_ZONE))


class ReminderPolicy(models.Model):
    """When a plan's units are reminded (days before the cutoff) and escalated (days after)."""

    plan = models.OneToOneField(
        Plan, verbose_name="kế hoạch", on_delete=models.CASCADE, related_name="reminder_policy"
    )
    reminder_days = models.JSONField(
        "nhắc trước hạn (ngày)",
        default=list,
        help_text="Vd. [30, 14, 7, 3, 1]: nhắc 30, 14, 7, 3 và 1 ngày trước hạn báo cáo.",
    )
    escalation_days = models.JSONField(
        "báo cáo lãnh đạo sau hạn (ngày)",
        default=list,
        help_text="Vd. [1, 7]: báo đơn vị theo dõi và lãnh đạo đơn vị 1 và 7 ngày sau hạn.",
    )
    due_soon_days = models.PositiveSmallIntegerField("số ngày coi là sắp đến hạn", default=7)

    class Meta:
        verbose_name = "lịch nhắc báo cáo"
        verbose_name_plural = "lịch nhắc báo cáo"

    def __str__(self) -> str:
        return f"Lịch nhắc: {self.plan.label}"

    def clean(self):
        from django.core.exceptions import ValidationError

        for field in ("reminder_days", "escalation_days"):
            value = getattr(self, field)
            if not isinstance(value, list) or not all(
                isinstance(v, int) and 1 <= v <= 366 for v in value
            ):
                raise ValidationError(
                    {field: "Nhập danh sách số ngày từ 1 đến 366, vd. [30, 14, 7, 3, 1]."}
                )


class ReportingPeriod(models.Model):
    """One round of reporting on a plan (kỳ báo cáo)."""

    class Kind(models.TextChoices):
        YEARLY = "yearly", "Báo cáo định kỳ hằng năm"
        ADHOC = "adhoc", "Báo cáo đột xuất"

    plan = models.ForeignKey(
        Plan, verbose_name="kế hoạch", on_delete=models.CASCADE, related_name="reporting_periods"
    )
    kind = models.CharField("loại kỳ", max_length=8, choices=Kind.choices, default=Kind.YEARLY)
    year = models.PositiveSmallIntegerField("năm")
    title = models.CharField("tên kỳ báo cáo", max_length=300, blank=True)
    request_note = models.TextField("nội dung yêu cầu", blank=True)
    starts_on = models.DateField(
        "tính từ ngày",
        null=True,
        blank=True,
        help_text="Ngày sau hạn báo cáo kỳ trước; để trống với kỳ đầu tiên của kế hoạch.",
    )
    cutoff = models.DateField("hạn báo cáo")
    closed_at = models.DateTimeField("khóa lúc", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người khóa",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người tạo",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)

    class Meta:
        verbose_name = "kỳ báo cáo"
        verbose_name_plural = "kỳ báo cáo"
        ordering = ["plan_id", "cutoff", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "year"],
                condition=Q(kind="yearly"),
                name="one_yearly_period_per_plan_year",
                violation_error_message="Kế hoạch đã có kỳ báo cáo năm này.",
            ),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True) | Q(starts_on__lte=models.F("cutoff")),
                name="period_starts_before_cutoff",
            ),
        ]
        indexes = [
            models.Index(
                fields=["cutoff"], condition=Q(closed_at__isnull=True), name="open_period_cutoff"
            )
        ]

    def __str__(self) -> str:
        return f"{self.label} — {self.plan.label}"

    def get_absolute_url(self) -> str:
        return reverse("reports:period_detail", args=[self.pk])

    @property
    def label(self) -> str:
        if self.kind == self.Kind.ADHOC:
            return f"Báo cáo đột xuất: {self.title}" if self.title else "Báo cáo đột xuất"
        return f"Báo cáo năm {self.year}"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def late_from(self) -> datetime:
        """The first instant a submission counts as late (00:00 after the cutoff, local)."""
        return local_day_end(self.cutoff)

    def is_past(self, today: date | None = None) -> bool:
        return (today or timezone.localdate()) > self.cutoff

    def covers(self, day: date) -> bool:
        return (self.starts_on is None or day >= self.starts_on) and day <= self.cutoff


class ProgressReport(models.Model):
    """What one unit reports on one assignment in one period (báo cáo tiến độ)."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Chưa triển khai"
        IN_PROGRESS = "in_progress", "Đang thực hiện"
        DONE = "done", "Hoàn thành"
        NOT_FEASIBLE = "not_feasible", "Không thực hiện được"

    class State(models.TextChoices):
        DRAFT = "draft", "Đang soạn"
        SUBMITTED = "submitted", "Đã nộp, chờ thẩm định"
        ACCEPTED = "accepted", "Đã chấp nhận"
        RETURNED = "returned", "Bị trả lại, cần bổ sung"

    #: States in which the unit's report counts as reported (and is read-only to the unit).
    REPORTED_STATES = (State.SUBMITTED, State.ACCEPTED)
    EDITABLE_STATES = (State.DRAFT, State.RETURNED)

    period = models.ForeignKey(
        ReportingPeriod, verbose_name="kỳ báo cáo", on_delete=models.CASCADE, related_name="lines"
    )
    assignment = models.ForeignKey(
        Assignment,
        verbose_name="phân công",
        on_delete=models.PROTECT,
        related_name="progress_reports",
    )
    # Copied from the assignment so that counts group without joins (never change).
    unit = models.ForeignKey(
        OrgUnit, verbose_name="đơn vị", on_delete=models.PROTECT, related_name="progress_reports"
    )
    task = models.ForeignKey(
        Task, verbose_name="nhiệm vụ", on_delete=models.CASCADE, related_name="progress_reports"
    )
    role = models.CharField("vai trò", max_length=12, choices=Assignment.Role.choices)
    deadline = models.DateField(
        "hạn hoàn thành",
        null=True,
        blank=True,
        help_text="Hạn riêng của nhiệm vụ trong kỳ; để trống: nhiệm vụ thường xuyên, không có hạn.",
    )
    extended_deadline = models.DateField("hạn được gia hạn", null=True, blank=True)
    active = models.BooleanField(
        "còn phải báo cáo",
        default=True,
        help_text="Tắt khi phân công ngừng theo dõi (đơn vị sáp nhập, rời nhóm) trước hạn kỳ.",
    )

    status = models.CharField("tình trạng", max_length=12, choices=Status.choices, blank=True)
    narrative = models.TextField("kết quả thực hiện", blank=True)
    reason = models.TextField("lý do không thực hiện được", blank=True)
    product_ref = models.TextField(
        "sản phẩm", blank=True, help_text="Số, ngày văn bản hoặc mô tả sản phẩm đã có."
    )
    completed_on = models.DateField("ngày hoàn thành", null=True, blank=True)

    state = models.CharField(
        "trạng thái báo cáo", max_length=10, choices=State.choices, default=State.DRAFT
    )
    first_submitted_at = models.DateTimeField("nộp lần đầu lúc", null=True, blank=True)
    submitted_at = models.DateTimeField("nộp lúc", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người nộp",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("thẩm định lúc", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người thẩm định",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    review_comment = models.TextField("ý kiến thẩm định", blank=True)
    resubmit_by = models.DateField("hạn nộp lại", null=True, blank=True)
    version = models.PositiveIntegerField("phiên bản", default=1)
    last_token = models.CharField(max_length=64, blank=True, editable=False)
    updated_at = models.DateTimeField("cập nhật lúc", auto_now=True)

    class Meta:
        verbose_name = "báo cáo tiến độ"
        verbose_name_plural = "báo cáo tiến độ"
        ordering = ["period_id", "unit_id", "task__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "assignment"], name="one_report_per_assignment_period"
            ),
            models.CheckConstraint(
                condition=~Q(status="not_feasible")
                | ~Q(reason="")
                | Q(state__in=["draft", "returned"]),
                name="not_feasible_needs_reason",
                violation_error_message="Cần nêu lý do không thực hiện được.",
            ),
        ]
        indexes = [
            models.Index(fields=["period", "unit"], name="report_period_unit"),
            models.Index(fields=["unit", "state"], name="report_unit_state"),
            models.Index(fields=["period", "state"], name="report_period_state"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.task} · {self.period.label}"

    def get_absolute_url(self) -> str:
        return reverse("reports:report_detail", args=[self.pk])

    @property
    def effective_deadline(self) -> date | None:
        return self.extended_deadline or self.deadline

    @property
    def is_reported(self) -> bool:
        return self.state in self.REPORTED_STATES

    @property
    def is_editable_state(self) -> bool:
        return self.state in self.EDITABLE_STATES

    def timeliness(self, today: date | None = None) -> str:
        from .timeliness import classify

        return classify(
            reported=self.is_reported,
            status=self.status,
            completed_on=self.completed_on,
            deadline=self.effective_deadline,
            today=today or timezone.localdate(),
        )

    def timeliness_label(self, today: date | None = None) -> str:
        from .timeliness import Timeliness

        return Timeliness(self.timeliness(today)).label

    def submission(self) -> str:
        from .timeliness import submission_of

        return submission_of(self.first_submitted_at, self.period.cutoff)


class ReportTransition(models.Model):
    """Every change of a report's state: who, when, from, to, why (nhật ký)."""

    report = models.ForeignKey(
        ProgressReport,
        verbose_name="báo cáo",
        on_delete=models.CASCADE,
        related_name="transitions",
    )
    from_state = models.CharField(
        "từ", max_length=10, choices=ProgressReport.State.choices, blank=True
    )
    to_state = models.CharField("sang", max_length=10, choices=ProgressReport.State.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người thực hiện",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField("lúc", default=timezone.now)
    comment = models.TextField("ghi chú", blank=True)

    class Meta:
        verbose_name = "nhật ký báo cáo"
        verbose_name_plural = "nhật ký báo cáo"
        ordering = ["report_id", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_from_state_display() or '—'} → {self.get_to_state_display()}"


def attachment_path(instance: Attachment, filename: str) -> str:
    """Random file names under MEDIA_ROOT/reports/yyyy/mm (never the uploaded name)."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    now = timezone.now()
    return f"reports/{now:%Y/%m}/{uuid.uuid4().hex}.{ext}"


class Attachment(models.Model):
    """A file proving a product (PDF, DOCX, XLSX, image), served only through a view."""

    report = models.ForeignKey(
        ProgressReport,
        verbose_name="báo cáo",
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField("tệp", upload_to=attachment_path, max_length=200)
    original_name = models.CharField("tên tệp", max_length=255)
    content_type = models.CharField("loại nội dung", max_length=100)
    size = models.PositiveBigIntegerField("dung lượng (byte)")
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người tải lên",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField("tải lên lúc", auto_now_add=True)

    class Meta:
        verbose_name = "tệp đính kèm"
        verbose_name_plural = "tệp đính kèm"
        ordering = ["report_id", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("reports:attachment", args=[self.pk])


class Indicator(models.Model):
    """A figure a plan sets a target for (chỉ tiêu), reported with one of its tasks."""

    class Aggregation(models.TextChoices):
        SUM = "sum", "Cộng dồn (tổng)"
        AVG = "avg", "Bình quân"
        NONE = "none", "Không cộng dồn"

    class Comparison(models.TextChoices):
        MIN = "min", "Đạt khi không thấp hơn mục tiêu (≥)"
        MAX = "max", "Đạt khi không vượt mục tiêu (≤)"
        RANGE = "range", "Đạt khi nằm trong khoảng mục tiêu"

    plan = models.ForeignKey(
        Plan, verbose_name="kế hoạch", on_delete=models.CASCADE, related_name="indicators"
    )
    task = models.ForeignKey(
        Task,
        verbose_name="báo cáo cùng nhiệm vụ",
        on_delete=models.CASCADE,
        related_name="indicators",
        help_text="Các đơn vị chủ trì nhiệm vụ này báo cáo số liệu.",
    )
    code = models.SlugField("mã", max_length=40)
    name = models.CharField("chỉ tiêu", max_length=300)
    unit_label = models.CharField("đơn vị tính", max_length=40)
    target_text = models.CharField("mục tiêu", max_length=300, blank=True)
    target_min = models.DecimalField(
        "mục tiêu tối thiểu", max_digits=18, decimal_places=2, null=True, blank=True
    )
    target_max = models.DecimalField(
        "mục tiêu tối đa", max_digits=18, decimal_places=2, null=True, blank=True
    )
    target_year = models.PositiveSmallIntegerField("năm đạt mục tiêu", null=True, blank=True)
    from_year = models.PositiveSmallIntegerField(
        "áp dụng từ năm",
        null=True,
        blank=True,
        help_text="Để trống: áp dụng từ kỳ báo cáo đầu tiên.",
    )
    aggregation = models.CharField(
        "cách cộng dồn",
        max_length=4,
        choices=Aggregation.choices,
        default=Aggregation.SUM,
        help_text="Cộng số liệu của các đơn vị (số tiền) hay lấy bình quân (tỷ lệ %).",
    )
    comparison = models.CharField(
        "so sánh với mục tiêu",
        max_length=5,
        choices=Comparison.choices,
        default=Comparison.MIN,
    )
    position = models.PositiveSmallIntegerField("thứ tự", default=0)

    class Meta:
        verbose_name = "chỉ tiêu"
        verbose_name_plural = "chỉ tiêu"
        ordering = ["plan_id", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="unique_indicator_code"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit_label})"


class IndicatorValue(models.Model):
    """A figure reported on a progress report (Decimal, never negative)."""

    report = models.ForeignKey(
        ProgressReport,
        verbose_name="báo cáo",
        on_delete=models.CASCADE,
        related_name="indicator_values",
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name="chỉ tiêu", on_delete=models.CASCADE, related_name="values"
    )
    value = models.DecimalField("số liệu", max_digits=18, decimal_places=2)

    class Meta:
        verbose_name = "số liệu chỉ tiêu"
        verbose_name_plural = "số liệu chỉ tiêu"
        constraints = [
            models.UniqueConstraint(fields=["report", "indicator"], name="one_value_per_report"),
            models.CheckConstraint(condition=Q(value__gte=0), name="indicator_value_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.name}: {self.value}"


class ExtensionRequest(models.Model):
    """A unit asks for more time on one report; the reviewer grants or refuses (gia hạn)."""

    class Decision(models.TextChoices):
        PENDING = "pending", "Chờ xem xét"
        GRANTED = "granted", "Đồng ý gia hạn"
        REFUSED = "refused", "Không đồng ý"

    report = models.ForeignKey(
        ProgressReport,
        verbose_name="báo cáo",
        on_delete=models.CASCADE,
        related_name="extension_requests",
    )
    original_deadline = models.DateField("hạn ban đầu", null=True, blank=True)
    requested_deadline = models.DateField("đề nghị gia hạn đến")
    reason = models.TextField("lý do")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người đề nghị",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    requested_at = models.DateTimeField("đề nghị lúc", auto_now_add=True)
    decision = models.CharField(
        "kết quả", max_length=8, choices=Decision.choices, default=Decision.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người quyết định",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField("quyết định lúc", null=True, blank=True)
    decision_comment = models.TextField("ý kiến", blank=True)

    class Meta:
        verbose_name = "đề nghị gia hạn"
        verbose_name_plural = "đề nghị gia hạn"
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["report"],
                condition=Q(decision="pending"),
                name="one_pending_extension_per_report",
                violation_error_message="Báo cáo này đã có một đề nghị gia hạn đang chờ xem xét.",
            )
        ]

    def __str__(self) -> str:
        return f"Gia hạn đến {self.requested_deadline:%d/%m/%Y} ({self.get_decision_display()})"


class Reminder(models.Model):
    """One reminder (or escalation) to one unit for one period at one offset — at most once.

    `offset` is the number of days from the sending day to the cutoff: 30 … 1 before it
    (reminders), -1, -7 after it (escalations). An escalation also claims one "review" row
    for the plan's reviewing unit (PGD or Chi nhánh NHCSXH): its reviewers get one list of
    every late unit, not a message per unit. The unique constraint is the claim: the sweep
    inserts with ON CONFLICT DO NOTHING, and the digest task sends only rows it locks.
    """

    class Kind(models.TextChoices):
        REMINDER = "reminder", "Nhắc hạn báo cáo"
        ESCALATION = "escalation", "Báo cáo chậm (gửi cán bộ và lãnh đạo đơn vị)"
        REVIEW = "review", "Danh sách đơn vị chậm báo cáo (gửi đơn vị theo dõi)"

    class Outcome(models.TextChoices):
        PENDING = "", "Chưa gửi"
        SENT = "sent", "Đã gửi"
        NO_RECIPIENT = "no_recipient", "Không có người nhận (đơn vị chưa có tài khoản)"
        NOT_NEEDED = "not_needed", "Không cần gửi (đơn vị đã nộp đủ)"

    unit = models.ForeignKey(
        OrgUnit, verbose_name="đơn vị", on_delete=models.CASCADE, related_name="reminders"
    )
    period = models.ForeignKey(
        ReportingPeriod,
        verbose_name="kỳ báo cáo",
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    offset = models.SmallIntegerField("số ngày trước hạn (âm: sau hạn)")
    kind = models.CharField("loại", max_length=10, choices=Kind.choices)
    for_date = models.DateField("ngày nhắc")
    missing = models.PositiveIntegerField(
        "số nhiệm vụ chưa nộp",
        default=0,
        help_text="Của đơn vị; với danh sách gửi đơn vị theo dõi: của mọi đơn vị chậm.",
    )
    claimed_at = models.DateTimeField("ghi nhận lúc", default=timezone.now)
    sent_at = models.DateTimeField("gửi lúc", null=True, blank=True)
    outcome = models.CharField(
        "kết quả", max_length=12, choices=Outcome.choices, blank=True, default=""
    )
    recipients = models.TextField("người nhận", blank=True)
    attempts = models.PositiveSmallIntegerField("số lần gửi", default=0)
    last_error = models.TextField("lỗi lần gửi trước", blank=True)

    class Meta:
        verbose_name = "lượt nhắc báo cáo"
        verbose_name_plural = "lượt nhắc báo cáo"
        ordering = ["-for_date", "unit_id", "-offset"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "period", "offset", "kind"],
                name="one_reminder_per_unit_period_offset_kind",
            )
        ]
        indexes = [
            models.Index(fields=["unit"], condition=Q(sent_at__isnull=True), name="reminder_unsent")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.offset:+d} ngày — {self.unit}"

    @property
    def offset_text(self) -> str:
        if self.offset > 0:
            return f"còn {self.offset} ngày"
        if self.offset == 0:
            return "hôm nay là hạn"
        return f"quá hạn {-self.offset} ngày"


class Notification(models.Model):
    """An in-app notice (the bell)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người nhận",
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    text = models.TextField("nội dung")
    link = models.CharField("đường dẫn", max_length=500, blank=True)
    created_at = models.DateTimeField("lúc", default=timezone.now)
    read_at = models.DateTimeField("đã đọc lúc", null=True, blank=True)

    class Meta:
        verbose_name = "thông báo"
        verbose_name_plural = "thông báo"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
            models.Index(fields=["user", "-created_at"], name="notification_user_created"),
        ]

    def __str__(self) -> str:
        return self.text[:80]
