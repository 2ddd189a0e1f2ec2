"""The unit tree: every body that issues plans, is assigned tasks or reviews reports.

The tree is territorial. Each province is its own tree (its root is the provincial
People's Committee, kind PROVINCE), with its departments, mass organisations, the
NHCSXH branch and its transaction offices, and its communes below; each commune node
(the commune People's Committee) holds the commune's own bodies. Central bodies form one
more tree. Dashboards group by `tree_id` (one per province).
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from mptt.models import MPTTModel, TreeForeignKey
from simple_history.models import HistoricalRecords

from .text import fold


class OrgUnit(MPTTModel):
    """An organisation unit (đơn vị)."""

    class Kind(models.TextChoices):
        PARTY = "party", "Cơ quan Đảng"
        CENTRAL = "central", "Cơ quan Trung ương"
        MINISTRY = "ministry", "Bộ, ngành Trung ương"
        PROVINCE = "province", "UBND tỉnh, thành phố"
        DEPARTMENT = "department", "Sở, ban, ngành cấp tỉnh"
        COUNCIL = "council", "Hội đồng nhân dân"
        COMMUNE = "commune", "UBND xã, phường, đặc khu"
        COMMUNE_OFFICE = "commune_office", "Phòng, ban, đơn vị cấp xã"
        DISTRICT = "district", "UBND huyện (trước 01/7/2025)"
        NHCSXH_HEAD = "nhcsxh_head", "NHCSXH Việt Nam"
        NHCSXH_BRANCH = "nhcsxh_branch", "Chi nhánh NHCSXH tỉnh"
        NHCSXH_PGD = "nhcsxh_pgd", "Phòng giao dịch NHCSXH"
        FRONT = "front", "Ủy ban MTTQ Việt Nam"
        SOCIO_POLITICAL = "socio_political", "Tổ chức chính trị - xã hội"
        POLICE = "police", "Công an"
        PRESS = "press", "Báo chí, truyền thông"
        VILLAGE = "village", "Thôn, tổ dân phố"
        OTHER = "other", "Khác"

    #: Kinds whose node is a territory: the units below belong to that level.
    TERRITORIAL_KINDS = (Kind.PROVINCE, Kind.COMMUNE, Kind.DISTRICT)

    #: Kinds that exist only in the central bodies' tree, never inside a province.
    CENTRAL_ONLY_KINDS = (Kind.CENTRAL, Kind.MINISTRY, Kind.NHCSXH_HEAD)

    #: Kinds a provincial admin may give a unit of their province (`orgunits/admin.py`).
    PROVINCE_KINDS = (
        Kind.DEPARTMENT, Kind.COUNCIL, Kind.COMMUNE, Kind.COMMUNE_OFFICE, Kind.NHCSXH_BRANCH,
        Kind.NHCSXH_PGD, Kind.FRONT, Kind.SOCIO_POLITICAL, Kind.POLICE, Kind.PRESS,
        Kind.VILLAGE, Kind.PARTY, Kind.OTHER,
    )  # fmt: skip

    key = models.SlugField(
        "mã nội bộ",
        max_length=80,
        unique=True,
        help_text="Mã ổn định dùng cho dữ liệu mẫu và nhập liệu.",
    )
    name = models.CharField("tên đầy đủ", max_length=300)
    short_name = models.CharField("tên ngắn", max_length=150, blank=True)
    kind = models.CharField("loại đơn vị", max_length=20, choices=Kind.choices)
    admin_code = models.CharField(
        "mã hành chính",
        max_length=10,
        blank=True,
        help_text="Mã tỉnh/xã theo danh mục hành chính (vd. 51, 21370).",
    )
    parent = TreeForeignKey(
        "self",
        verbose_name="đơn vị cấp trên",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    territory = models.ForeignKey(
        "self",
        verbose_name="địa bàn",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        help_text="Tỉnh, xã hoặc huyện gần nhất chứa đơn vị (tự tính).",
    )
    active_from = models.DateField("hoạt động từ", null=True, blank=True)
    active_until = models.DateField("hoạt động đến", null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        verbose_name="đơn vị kế thừa",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="predecessors",
    )
    serves = models.ManyToManyField(
        "self",
        verbose_name="địa bàn phục vụ",
        symmetrical=False,
        blank=True,
        related_name="served_by",
        help_text="Các xã, phường do phòng giao dịch NHCSXH phục vụ.",
    )
    note = models.TextField("ghi chú", blank=True)
    search_text = models.TextField(editable=False, blank=True, default="")
    history = HistoricalRecords(excluded_fields=["lft", "rght", "tree_id", "level", "search_text"])

    class MPTTMeta:
        order_insertion_by = ["name"]

    class Meta:
        verbose_name = "đơn vị"
        verbose_name_plural = "đơn vị"
        indexes = [models.Index(fields=["kind", "tree_id"], name="orgunit_kind_tree_idx")]

    def __str__(self) -> str:
        return self.short_name or self.name

    def save(self, *args, **kwargs):
        self.territory_id = self._compute_territory_id()
        self.search_text = fold(f"{self.name} | {self.short_name}")
        super().save(*args, **kwargs)
        if self.territory_id is None:  # a new territory is its own territory
            self.territory_id = self.pk
            OrgUnit.objects.filter(pk=self.pk).update(territory_id=self.pk)

    def clean(self):
        """Central kinds stay in the central bodies' tree; NHCSXH Việt Nam (the national unit,
        see `orgunits.access.is_national_unit`) is one unit, among the central bodies."""
        super().clean()
        if self.kind not in self.CENTRAL_ONLY_KINDS:
            return
        label = self.Kind(self.kind).label
        root = self.parent.province() if self.parent_id else None
        if root is not None and not (root.kind == self.Kind.CENTRAL and root.parent_id is None):
            raise ValidationError(
                {"kind": f"Loại «{label}» chỉ dành cho cơ quan Trung ương, không đặt trong "
                         f"{root.display_name}: chọn loại đơn vị cấp tỉnh hoặc cấp xã."}
            )  # fmt: skip
        if self.kind != self.Kind.NHCSXH_HEAD:
            return
        parent_territory = (self.parent.territory_id or self.parent_id) if root else None
        if root is None or parent_territory != root.pk:
            raise ValidationError(
                {"kind": "NHCSXH Việt Nam phải nằm trong cây «Các cơ quan Trung ương»: "
                         "chọn đơn vị cấp trên là Các cơ quan Trung ương."}
            )  # fmt: skip
        other = OrgUnit.objects.filter(kind=self.Kind.NHCSXH_HEAD, tree_id=root.tree_id)
        if other.exclude(pk=self.pk).exists():
            raise ValidationError(
                {"kind": "Đã có đơn vị NHCSXH Việt Nam: hệ thống chỉ có một đơn vị này."}
            )

    def _compute_territory_id(self):
        if self.kind in self.TERRITORIAL_KINDS or self.parent_id is None:
            return self.pk
        parent = self.parent
        return parent.territory_id or parent.pk

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    def is_active_on(self, day: date) -> bool:
        if self.active_from and day < self.active_from:
            return False
        return not (self.active_until and day > self.active_until)

    def final_successor(self) -> OrgUnit:
        """Follow the successor chain (Kon Tum → Quảng Ngãi) to the unit that exists now."""
        unit, seen = self, {self.pk}
        while unit.successor_id and unit.successor_id not in seen:
            seen.add(unit.successor_id)
            unit = unit.successor
        return unit

    def province(self) -> OrgUnit:
        """The root of this unit's tree (a province, or the central bodies)."""
        return self if self.parent_id is None else self.get_root()

    # "Inside this subtree", written once: `contains` in Python, `subtree_q` as a filter
    # (`orgunits.access.units_in_subtree` hands the filter to the other apps).

    def contains(self, other: OrgUnit) -> bool:
        """`other` is this unit or a unit below it (MPTT range of the same tree)."""
        return other.tree_id == self.tree_id and self.lft <= other.lft <= self.rght

    def subtree_q(self, prefix: str = "", *, strict: bool = False) -> Q:
        """Filter for OrgUnit rows inside this unit's subtree (MPTT range, index-friendly),
        without the unit itself when `strict`; `prefix` for a related path ("unit__")."""
        low, high = ("gt", "lt") if strict else ("gte", "lte")
        return Q(
            **{
                f"{prefix}tree_id": self.tree_id,
                f"{prefix}lft__{low}": self.lft,
                f"{prefix}rght__{high}": self.rght,
            }
        )


class UnitAlias(models.Model):
    """Another way of writing a unit's or a group's name (tên gọi khác, viết tắt)."""

    name = models.CharField("tên gọi khác", max_length=300)
    key = models.CharField(max_length=300, editable=False, db_index=True)
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name="đơn vị",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="aliases",
    )
    group = models.ForeignKey(
        "UnitGroup",
        verbose_name="nhóm đơn vị",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="aliases",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "tên gọi khác"
        verbose_name_plural = "tên gọi khác"
        constraints = [
            models.CheckConstraint(
                condition=Q(unit__isnull=False, group__isnull=True)
                | Q(unit__isnull=True, group__isnull=False),
                name="alias_targets_unit_or_group",
                violation_error_message="Tên gọi khác phải gắn với đúng một đơn vị hoặc một nhóm.",
            ),
            models.UniqueConstraint(fields=["unit", "key"], name="unique_alias_per_unit"),
            models.UniqueConstraint(fields=["group", "key"], name="unique_alias_per_group"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.key = fold(self.name)
        super().save(*args, **kwargs)

    @property
    def target(self):
        return self.unit or self.group


class UnitGroup(models.Model):
    """A collective assignee as written in the tables (nhóm đơn vị), scoped to a territory.

    "Ủy ban nhân dân các xã, phường, đặc khu" in a Quảng Ngãi plan means the communes of
    Quảng Ngãi: its members are a rule (all units of some kinds under the scope) or an
    explicit list.
    """

    class Depth(models.TextChoices):
        OWN = "own", "Chỉ cấp của địa bàn (không gồm đơn vị trong các xã)"
        ALL = "all", "Mọi cấp trong địa bàn"
        COMMUNES = "communes", "Chỉ các đơn vị cấp xã trong địa bàn"

    key = models.SlugField("mã nội bộ", max_length=80, unique=True)
    name = models.CharField("tên nhóm", max_length=300)
    scope = models.ForeignKey(
        OrgUnit, verbose_name="địa bàn", on_delete=models.CASCADE, related_name="unit_groups"
    )
    rule_kinds = models.JSONField(
        "gồm các loại đơn vị",
        default=list,
        blank=True,
        help_text="Để trống nếu dùng danh sách thành viên cố định.",
    )
    rule_depth = models.CharField(
        "phạm vi", max_length=10, choices=Depth.choices, default=Depth.OWN
    )
    explicit_members = models.ManyToManyField(
        OrgUnit, verbose_name="thành viên cố định", blank=True, related_name="member_of_groups"
    )
    note = models.TextField("ghi chú", blank=True)
    search_text = models.TextField(editable=False, blank=True, default="")
    history = HistoricalRecords(m2m_fields=[explicit_members], excluded_fields=["search_text"])

    class Meta:
        verbose_name = "nhóm đơn vị"
        verbose_name_plural = "nhóm đơn vị"

    def __str__(self) -> str:
        return f"{self.name} ({self.scope.display_name})"

    def save(self, *args, **kwargs):
        self.search_text = fold(self.name)
        super().save(*args, **kwargs)

    @property
    def is_rule(self) -> bool:
        return bool(self.rule_kinds)

    def members(self, on: date | None = None):
        """The units this group stands for, optionally only those active on a day."""
        if self.is_rule:
            scope = self.scope
            qs = OrgUnit.objects.filter(scope.subtree_q(), kind__in=self.rule_kinds)
            if self.rule_depth == self.Depth.OWN:
                qs = qs.filter(Q(territory_id=scope.pk) | Q(pk=scope.pk) | Q(parent_id=scope.pk))
            elif self.rule_depth == self.Depth.COMMUNES:
                qs = qs.filter(territory__kind=OrgUnit.Kind.COMMUNE).exclude(pk=scope.pk)
        else:
            qs = self.explicit_members.all()
        if on is not None:
            qs = qs.filter(Q(active_from__isnull=True) | Q(active_from__lte=on)).filter(
                Q(active_until__isnull=True) | Q(active_until__gte=on)
            )
        return qs.order_by("tree_id", "lft")


class Profile(models.Model):
    """An officer's account: the unit they work for and their role (vai trò)."""

    class Role(models.TextChoices):
        OFFICER = "officer", "Cán bộ nhập liệu"
        REVIEWER = "reviewer", "Cán bộ NHCSXH theo dõi, thẩm định"
        PROVINCE_ADMIN = "province_admin", "Quản trị cấp tỉnh"
        LEADER = "leader", "Lãnh đạo (chỉ xem)"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="tài khoản",
        on_delete=models.CASCADE,
        related_name="profile",
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name="đơn vị", on_delete=models.PROTECT, related_name="profiles"
    )
    role = models.CharField("vai trò", max_length=16, choices=Role.choices, default=Role.OFFICER)
    is_unit_head = models.BooleanField(
        "lãnh đạo đơn vị",
        default=False,
        help_text="Nhận thông báo khi đơn vị chậm báo cáo.",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "hồ sơ cán bộ"
        verbose_name_plural = "hồ sơ cán bộ"

    def __str__(self) -> str:
        return f"{self.user.get_username()} — {self.unit.display_name} ({self.get_role_display()})"
