"""The plan list's search and filters (tìm kiếm, lọc kế hoạch), read from plain GET
parameters: `q` (number or title), `co_quan` (issuer id), `cap` (level of the issuer),
`trang_thai` (status), `nam` (year of issue). Anything unreadable is dropped with a Vietnamese
note, never a 500."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from config import query
from orgunits.models import OrgUnit

from .models import Plan

#: Levels (cấp) of the issuing body, by the kind of the territory it belongs to.
LEVELS = {
    "trung-uong": (
        "Trung ương",
        Q(issuer__territory__isnull=True) | Q(issuer__territory__kind=OrgUnit.Kind.CENTRAL),
    ),
    "tinh": ("Tỉnh, thành phố", Q(issuer__territory__kind=OrgUnit.Kind.PROVINCE)),
    "huyen": ("Huyện (trước 01/7/2025)", Q(issuer__territory__kind=OrgUnit.Kind.DISTRICT)),
    "xa": ("Xã, phường, đặc khu", Q(issuer__territory__kind=OrgUnit.Kind.COMMUNE)),
}
STATUSES = dict(Plan.Status.choices)


@dataclass
class PlanFilters:
    q: str = ""
    issuer: int | None = None
    level: str = ""
    status: str = ""
    year: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return bool(self.q or self.issuer or self.level or self.status or self.year)

    def q_object(self) -> Q:
        cond = Q()
        if self.q:
            cond &= Q(number__icontains=self.q) | Q(title__icontains=self.q)
        if self.issuer:
            cond &= Q(issuer_id=self.issuer)
        if self.level:
            cond &= LEVELS[self.level][1]
        if self.status:
            cond &= Q(status=self.status)
        if self.year:
            cond &= Q(issued_on__year=self.year)
        return cond


def parse_plan_filters(params) -> PlanFilters:
    """Read the filters from a QueryDict (or a plain dict of strings)."""
    f = PlanFilters()
    f.q = " ".join((params.get("q") or "").split())[:200]
    raw = (params.get("co_quan") or "").strip()
    if raw:
        f.issuer = query.positive_int(raw)
        if f.issuer is None:
            f.notes.append("Cơ quan ban hành không hợp lệ nên không được dùng để lọc.")
    raw = (params.get("cap") or "").strip()
    if raw:
        if raw in LEVELS:
            f.level = raw
        else:
            f.notes.append("Cấp ban hành không hợp lệ nên không được dùng để lọc.")
    raw = (params.get("trang_thai") or "").strip()
    if raw:
        if raw in STATUSES:
            f.status = raw
        else:
            f.notes.append("Trạng thái không hợp lệ nên không được dùng để lọc.")
    raw = (params.get("nam") or "").strip()
    if raw:
        year = query.year(raw)
        if year is None:
            f.notes.append(f"Năm “{raw[:20]}” không hợp lệ (nhập năm bốn chữ số, vd. 2025).")
        else:
            f.year = year
    return f
