"""Appendix rows of a plan (nhiệm vụ) and who must carry them out (phân công)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from mptt.models import MPTTModel, TreeForeignKey
from simple_history.models import HistoricalRecords

from orgunits.models import OrgUnit, UnitGroup
from plans.models import Plan

from .timeframes import Schedule, parse_timeframe


class Task(MPTTModel):
    """A row of a plan's appendix: a section (mục), a task (nhiệm vụ) or a sub-item.

    Top-level rows (sections) are tree roots; `position` is the row's order in the printed
    appendix, so `plan.tasks.order_by("position")` is the table as printed.
    """

    class Kind(models.TextChoices):
        SECTION = "section", "Mục"
        TASK = "task", "Nhiệm vụ"
        SUBITEM = "subitem", "Nội dung chi tiết"

    class LeadHeading(models.TextChoices):
        """How the document heads the lead cell: "Đơn vị chủ trì" (one lead, helped by the
        coordinating units) or "Đơn vị thực hiện" (every unit named carries the task out)."""

        LEAD = "lead", "Đơn vị chủ trì"
        PERFORMING = "performing", "Đơn vị thực hiện"

    class ScheduleKind(models.TextChoices):
        NONE = "none", "Không ghi thời hạn"
        ONGOING = "ongoing", "Thường xuyên"
        YEARLY = "yearly", "Hằng năm"
        ONCE = "once", "Có thời hạn"
        SPAN = "span", "Theo giai đoạn"
        EXTERNAL = "external", "Theo kế hoạch, tiến độ khác"
        UNPARSED = "unparsed", "Chưa đọc được thời hạn"

    plan = models.ForeignKey(
        Plan, verbose_name="kế hoạch", on_delete=models.CASCADE, related_name="tasks"
    )
    parent = TreeForeignKey(
        "self",
        verbose_name="thuộc mục",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
    )
    kind = models.CharField("loại dòng", max_length=10, choices=Kind.choices, default=Kind.TASK)
    code = models.CharField("STT", max_length=20, blank=True)
    full_code = models.CharField(
        "mã đầy đủ", max_length=40, blank=True, help_text="STT kèm mục cha, vd. IV.1.a"
    )
    position = models.PositiveIntegerField("thứ tự trong phụ lục")
    content = models.TextField("nội dung nhiệm vụ")
    product = models.TextField("sản phẩm", blank=True)
    lead_text = models.TextField("đơn vị chủ trì (nguyên văn)", blank=True)
    coordinating_text = models.TextField("đơn vị phối hợp (nguyên văn)", blank=True)
    timeframe_text = models.TextField("thời gian thực hiện (nguyên văn)", blank=True)
    lead_heading = models.CharField(
        "tiêu đề ô đơn vị chủ trì",
        max_length=10,
        choices=LeadHeading.choices,
        default=LeadHeading.LEAD,
        help_text="Văn bản ghi “Đơn vị thực hiện” thay cho “Đơn vị chủ trì” (vd. Đồng Nai).",
    )
    schedule_kind = models.CharField(
        "loại thời hạn", max_length=10, choices=ScheduleKind.choices, default=ScheduleKind.NONE
    )
    due_date = models.DateField("hạn hoàn thành", null=True, blank=True)
    yearly_day = models.PositiveSmallIntegerField("hạn hằng năm: ngày", null=True, blank=True)
    yearly_month = models.PositiveSmallIntegerField("hạn hằng năm: tháng", null=True, blank=True)
    start_year = models.PositiveSmallIntegerField("từ năm", null=True, blank=True)
    end_year = models.PositiveSmallIntegerField("đến năm", null=True, blank=True)
    source_task = models.ForeignKey(
        "self",
        verbose_name="thực hiện nhiệm vụ cấp trên",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="derived_tasks",
    )
    note = models.TextField("ghi chú", blank=True)
    extra_columns = models.JSONField(
        "các cột khác",
        default=dict,
        blank=True,
        help_text="Các cột khác của phụ lục: tiêu đề cột như in → nội dung ô.",
    )
    history = HistoricalRecords(excluded_fields=["lft", "rght", "tree_id", "level"])

    class MPTTMeta:
        # No order_insertion_by: inserting a root would then renumber the tree_id of every
        # later section of every plan. Rows are ordered by `position`; new nodes go last.
        pass

    class Meta:
        verbose_name = "nhiệm vụ"
        verbose_name_plural = "nhiệm vụ"
        ordering = ["plan_id", "position"]
        indexes = [
            models.Index(fields=["plan", "position"]),
            models.Index(fields=["plan", "full_code"]),
        ]

    def __str__(self) -> str:
        head = f"{self.full_code}. " if self.full_code else ""
        text = self.content if len(self.content) <= 80 else self.content[:77] + "…"
        return f"{head}{text}"

    def set_timeframe(self, value) -> Schedule:
        """Store the printed timeframe and what the parser reads from it."""
        schedule = parse_timeframe(value)
        self.timeframe_text = schedule.text
        self.schedule_kind = schedule.kind
        self.due_date = schedule.due_date
        self.yearly_day = schedule.yearly_day
        self.yearly_month = schedule.yearly_month
        self.start_year = schedule.start_year
        self.end_year = schedule.end_year
        return schedule

    @property
    def schedule(self) -> Schedule:
        """The stored schedule; an ongoing task's reporting cadence ("Thường xuyên, hằng
        năm" → reported yearly) is words only, read again from the stored text."""
        cadence = ""
        if self.schedule_kind == self.ScheduleKind.ONGOING and self.timeframe_text:
            parsed = parse_timeframe(self.timeframe_text)
            cadence = parsed.cadence if parsed.kind == self.schedule_kind else ""
        return Schedule(
            kind=self.schedule_kind,
            due_date=self.due_date,
            yearly_day=self.yearly_day,
            yearly_month=self.yearly_month,
            start_year=self.start_year,
            end_year=self.end_year,
            text=self.timeframe_text,
            cadence=cadence,
        )

    @property
    def is_section(self) -> bool:
        return self.kind == self.Kind.SECTION

    def lead_assignments(self):
        return [a for a in self.assignments.all() if a.role == Assignment.Role.LEAD]

    def coordinating_assignments(self):
        return [a for a in self.assignments.all() if a.role == Assignment.Role.COORDINATING]


class Assignment(models.Model):
    """A unit, or a group of units, named in a task's lead or coordinating cell.

    A name that matches no known unit is kept as written, unresolved (chưa xác định): no
    unit, no group, `source_text` the name and `name_key` its folded form. It is tracked by
    no one until the name is mapped to a unit or group (an alias), which resolves it.
    """

    class Role(models.TextChoices):
        LEAD = "lead", "Chủ trì"
        COORDINATING = "coordinating", "Phối hợp"

    task = models.ForeignKey(
        Task, verbose_name="nhiệm vụ", on_delete=models.CASCADE, related_name="assignments"
    )
    role = models.CharField("vai trò", max_length=12, choices=Role.choices)
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name="đơn vị",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assignments",
    )
    group = models.ForeignKey(
        UnitGroup,
        verbose_name="nhóm đơn vị",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assignments",
    )
    source_text = models.CharField("tên như ghi trong phụ lục", max_length=500, blank=True)
    name_key = models.CharField(
        "khóa tên chưa xác định",
        max_length=500,
        blank=True,
        db_index=True,
        help_text="Tên đã chuẩn hóa (không dấu, chữ thường) của một tên chưa xác định.",
    )
    position = models.PositiveSmallIntegerField("thứ tự", default=0)
    is_request = models.BooleanField(
        "đề nghị",
        default=False,
        help_text="Văn bản “đề nghị” một cơ quan ngoài thẩm quyền của cơ quan ban hành "
        "(HĐND, Mặt trận Tổ quốc, cấp ủy Đảng): vẫn theo dõi, hiển thị là đề nghị.",
    )
    picked_for = models.ForeignKey(
        UnitGroup,
        verbose_name="chọn thay cho nhóm",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="picked_assignments",
        help_text="Đơn vị cơ quan ban hành chọn cho một nhóm “có liên quan” của phụ lục "
        "(vd. “Các sở, ban, ngành có liên quan”).",
    )
    via = models.ForeignKey(
        "self",
        verbose_name="triển khai từ nhóm",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="expanded",
        help_text="Phân công theo dõi riêng cho một đơn vị thành viên của nhóm được giao.",
    )
    replaced_by = models.ForeignKey(
        "self",
        verbose_name="chuyển sang",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaces",
        help_text="Đơn vị sáp nhập: phân công chuyển sang đơn vị kế thừa.",
    )
    active_from = models.DateField("theo dõi từ", null=True, blank=True)
    retired_on = models.DateField(
        "ngừng theo dõi từ",
        null=True,
        blank=True,
        help_text="Giữ lại lịch sử và báo cáo khi đơn vị rời nhóm hoặc được sáp nhập.",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "phân công"
        verbose_name_plural = "phân công"
        ordering = ["task_id", "role", "position"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit__isnull=False, group__isnull=True)
                | Q(unit__isnull=True, group__isnull=False)
                | (Q(unit__isnull=True, group__isnull=True) & ~Q(source_text="")),
                name="assignment_targets_unit_group_or_name",
                violation_error_message=(
                    "Phân công phải gắn với nhiều nhất một đơn vị hoặc một nhóm; "
                    "nếu chưa xác định được đơn vị thì phải ghi tên như trong phụ lục."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.assignee or self.assignee_name}"

    @property
    def role_label(self) -> str:
        """ "Chủ trì", "Thực hiện" (a lead cell headed "Đơn vị thực hiện") or "Phối hợp"."""
        if self.role == self.Role.LEAD and self.task.lead_heading == Task.LeadHeading.PERFORMING:
            return "Thực hiện"
        return self.get_role_display()

    @property
    def is_unresolved(self) -> bool:
        """A name not (yet) known as a unit or group: tracked by no one."""
        return self.unit_id is None and self.group_id is None

    @property
    def assignee(self):
        return self.unit or self.group

    @property
    def assignee_name(self) -> str:
        if self.unit_id:
            return self.unit.display_name
        if self.group_id:
            return self.group.name
        return f"chưa xác định: {self.source_text}"
