"""Indicators (chỉ tiêu) of the seed plans, read from their targets; roll-up and evaluation.

Every numeric target of the five seed documents is an indicator (12 in all):

- local budget capital entrusted to NHCSXH (vốn ngân sách địa phương ủy thác) as a yearly
  share of the branch's credit growth — "khoảng 15 - 20%" in Quảng Ngãi (17/KH-UBND, the
  Kon Tum plan, Phước Giang) and Nghệ An (686/KH-UBND), "khoảng 25%" in Đồng Nai;
- its share of total capital by 2030 — 15% (Quảng Ngãi, Kon Tum, Nghệ An, Phước Giang),
  about 30% (Đồng Nai);
- Đồng Nai only: yearly loan growth of the city branch ≥ 10% from 2026, and 100% of poor
  and policy households in need having access to NHCSXH's services (task 4.e).

The amount of entrusted capital (triệu đồng) is reported beside them without a target.
Figures are reported with the task carrying the target, by its lead units; a commune plan
derived from a provincial plan gets the provincial plan's indicators on the tasks copied
from it. Values of submitted and accepted reports are summed (amounts) or averaged (rates)
up the unit tree and compared with the target (đạt / chưa đạt, and by how much).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db.models import Avg, Count, OuterRef, Q, Subquery, Sum

from tasks.models import Task

from .models import Indicator, IndicatorValue, ProgressReport, ReportingPeriod

AVG = Indicator.Aggregation.AVG
SUM = Indicator.Aggregation.SUM

CAPITAL = {
    "code": "von-uy-thac",
    "name": "Số dư nguồn vốn ngân sách địa phương ủy thác sang NHCSXH",
    "unit_label": "triệu đồng",
    "aggregation": SUM,
}


def _growth_share(low: str, high: str | None, text: str) -> dict:
    return {
        "code": "ty-le-tang-truong",
        "name": "Vốn ủy thác tăng thêm trong năm so với tăng trưởng dư nợ của NHCSXH trên địa bàn",
        "unit_label": "%",
        "target_min": Decimal(low),
        "target_max": Decimal(high) if high else None,
        "target_text": text,
        "aggregation": AVG,
    }


def _share_2030(value: str, text: str) -> dict:
    return {
        "code": "ty-trong-tong-nguon-von",
        "name": "Tỷ trọng vốn địa phương ủy thác trong tổng nguồn vốn",
        "unit_label": "%",
        "target_min": Decimal(value),
        "target_year": 2030,
        "target_text": text,
        "aggregation": AVG,
    }


#: seed plan key → (task full_code reporting the figures, definitions); a definition with
#: its own "task" is reported with that task instead.
SEED_INDICATORS: dict[str, tuple[str, list[dict]]] = {
    # 001 (17/KH-UBND, IV.1.a): "phấn đấu hằng năm chiếm khoảng 15 - 20% tăng trưởng dư nợ
    # tín dụng chung của Ngân hàng Chính sách xã hội trên địa bàn và đến năm 2030 chiếm 15%
    # tổng nguồn vốn."
    "qn-17-kh-ubnd": (
        "IV.1.a",
        [
            CAPITAL,
            _growth_share("15", "20", "15–20% mỗi năm"),
            _share_2030("15", "15% tổng nguồn vốn vào năm 2030"),
        ],
    ),
    # 004 (Kon Tum, IV.1.a): "phấn đấu hằng năm chiếm khoảng 15-20% tăng trưởng dư nợ tín
    # dụng chung của Ngân hàng Chính sách xã hội trên địa bàn và đến năm 2030 chiếm 15% tổng
    # nguồn vốn."
    "kt-kh-ubnd": (
        "IV.1.a",
        [
            CAPITAL,
            _growth_share("15", "20", "15–20% mỗi năm"),
            _share_2030("15", "15% tổng nguồn vốn vào năm 2030"),
        ],
    ),
    # 002 (686/KH-UBND, 4.1): "Mức trích hằng năm chiếm khoảng 15%-20% tăng trưởng tín dụng
    # của Ngân hàng Chính sách xã hội các cấp; phấn đấu đến năm 2030, nguồn vốn ủy thác của
    # địa phương chiếm 15% tổng nguồn vốn do Ngân hàng Chính sách xã hội tỉnh quản lý."
    "na-686-kh-ubnd": (
        "4.1",
        [
            CAPITAL,
            _growth_share("15", "20", "15–20% mỗi năm"),
            _share_2030("15", "15% tổng nguồn vốn vào năm 2030"),
        ],
    ),
    # 003 (Đồng Nai, II.3.d): "phấn đấu đến năm 2030 nguồn vốn địa phương ủy thác chiếm
    # khoảng 30% tổng nguồn vốn Chi nhánh Ngân hàng CSXH thành phố quản lý cho vay; tỷ lệ
    # tăng trưởng dư nợ bình quân hằng năm từ năm 2026 trở đi của Chi nhánh Ngân hàng CSXH
    # thành phố đạt từ 10%/năm trở lên, trong đó dư nợ cho vay bằng nguồn vốn địa phương ủy
    # thác chiếm khoảng 25% tăng trưởng dư nợ."
    "dn-kh-ubnd": (
        "3.d",
        [
            CAPITAL,
            _growth_share("25", None, "khoảng 25% mỗi năm"),
            _share_2030("30", "khoảng 30% tổng nguồn vốn năm 2030"),
            {
                "code": "tang-truong-du-no",
                "name": "Tỷ lệ tăng trưởng dư nợ của Chi nhánh NHCSXH thành phố trong năm",
                "unit_label": "%",
                "target_min": Decimal("10"),
                "from_year": 2026,
                "target_text": "từ 10%/năm trở lên, từ năm 2026",
                "aggregation": AVG,
            },
            # 003 (II.4.e): "đảm bảo 100% người nghèo và các đối tượng chính sách khác có nhu
            # cầu, đủ điều kiện đều được tiếp cận các sản phẩm, dịch vụ tài chính ngân hàng do
            # Ngân hàng CSXH cung cấp."
            {
                "task": "4.e",
                "code": "tiep-can-dich-vu",
                "name": (
                    "Tỷ lệ người nghèo và đối tượng chính sách có nhu cầu, đủ điều kiện được "
                    "tiếp cận sản phẩm, dịch vụ của NHCSXH"
                ),
                "unit_label": "%",
                "target_min": Decimal("100"),
                "target_text": "100%",
                "aggregation": AVG,
            },
        ],
    ),
    # 000 (Phước Giang, 4.a): "Phấn đấu hằng năm chiếm khoảng 15 - 20% tăng trưởng dư nợ
    # tín dụng chung của NHCSXH trên địa bàn xã và tăng dần tỷ trọng, hướng đến năm 2030
    # chiếm 15% tổng nguồn vốn tín dụng chính sách xã hội trên địa bàn xã."
    "pg-kh-ubnd": (
        "4.a",
        [
            CAPITAL,
            _growth_share("15", "20", "15–20% mỗi năm"),
            _share_2030("15", "15% tổng nguồn vốn vào năm 2030"),
        ],
    ),
}

#: the fields a definition sets (the rest of an Indicator is its plan, task and position)
DEFINITION_FIELDS = (
    "name", "unit_label", "target_text", "target_min", "target_max", "target_year",
    "from_year", "aggregation", "comparison",
)  # fmt: skip


def seed_targets() -> list[tuple[str, str, dict]]:
    """(plan key, task full_code, definition) of every seed indicator with a target."""
    return [
        (key, d.get("task", code), d)
        for key, (code, defs) in SEED_INDICATORS.items()
        for d in defs
        if d.get("target_min") is not None or d.get("target_max") is not None
    ]


def _definition(d: dict) -> dict:
    fields = {f: d[f] for f in DEFINITION_FIELDS if f in d}
    fields.setdefault("comparison", Indicator.Comparison.MIN)
    for f in ("target_min", "target_max", "target_year", "from_year"):
        fields.setdefault(f, None)
    fields.setdefault("target_text", "")
    return fields


def ensure_indicators(plans) -> int:
    """Create the missing indicators of seed plans and of plans derived from a plan that has
    some; seed definitions changed since they were created are updated. Idempotent.

    Set-based: a fixed number of queries whatever the number of plans (the daily sweep
    passes every commune plan of the country)."""
    plans = [p for p in plans]
    if not plans:
        return 0
    have: dict[tuple[int, str], Indicator] = {
        (i.plan_id, i.code): i for i in Indicator.objects.filter(plan__in=plans)
    }
    new: list[Indicator] = []

    seeded = [p for p in plans if p.seed_key in SEED_INDICATORS]
    changed: list[Indicator] = []
    if seeded:
        wanted = {
            d.get("task", SEED_INDICATORS[p.seed_key][0])
            for p in seeded
            for d in SEED_INDICATORS[p.seed_key][1]
        }
        tasks = {
            (t.plan_id, t.full_code): t
            for t in Task.objects.filter(plan__in=seeded, full_code__in=wanted)
        }
        for plan in seeded:
            code, defs = SEED_INDICATORS[plan.seed_key]
            for position, d in enumerate(defs):
                fields = _definition(d)
                existing = have.get((plan.pk, d["code"]))
                if existing is not None:
                    if any(getattr(existing, f) != v for f, v in fields.items()):
                        for f, v in fields.items():
                            setattr(existing, f, v)
                        changed.append(existing)
                    continue
                task = tasks.get((plan.pk, d.get("task", code)))
                if task is not None:
                    new.append(
                        Indicator(plan=plan, task=task, position=position, code=d["code"],
                                  **fields)
                    )  # fmt: skip
    if changed:
        Indicator.objects.bulk_update(changed, DEFINITION_FIELDS)

    derived = [p for p in plans if p.seed_key not in SEED_INDICATORS and p.parent_id]
    if derived:
        by_parent: dict[int, list[Indicator]] = defaultdict(list)
        for indicator in Indicator.objects.filter(plan_id__in={p.parent_id for p in derived}):
            by_parent[indicator.plan_id].append(indicator)
        derived = [
            p
            for p in derived
            if any((p.pk, i.code) not in have for i in by_parent.get(p.parent_id, ()))
        ]
        source_tasks = {i.task_id for p in derived for i in by_parent[p.parent_id]}
        copies = {
            (t.plan_id, t.source_task_id): t
            for t in Task.objects.filter(plan__in=derived, source_task_id__in=source_tasks)
        } if derived else {}  # fmt: skip
        for plan in derived:
            for i in by_parent[plan.parent_id]:
                task = copies.get((plan.pk, i.task_id))
                if task is None or (plan.pk, i.code) in have:
                    continue
                new.append(
                    Indicator(
                        plan=plan, task=task, code=i.code, position=i.position,
                        **{f: getattr(i, f) for f in DEFINITION_FIELDS},
                    )
                )  # fmt: skip
    if new:
        Indicator.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


# --- evaluation -------------------------------------------------------------------------

ACHIEVED = "đạt"
NOT_ACHIEVED = "chưa đạt"
NO_DATA = "chưa có số liệu"
NO_TARGET = "không đặt mục tiêu"
NOT_YET = "chưa áp dụng"


def vn_number(value: Decimal | float | int | None, places: int = 2) -> str:
    """Vietnamese format: dot for thousands, comma for decimals, no trailing zeros.

    1234567.5 → "1.234.567,5"; 2.50 → "2,5"; 1200 → "1.200"."""
    if value is None:
        return "—"
    d = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "-" if d < 0 else ""
    whole, _, frac = f"{abs(d):f}".partition(".")
    frac = frac.rstrip("0")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return sign + ".".join(groups) + ("," + frac if frac else "")


def _amount(diff: Decimal, unit_label: str) -> str:
    unit = "điểm %" if unit_label.strip() == "%" else unit_label
    return f"{vn_number(diff)} {unit}"


def evaluate(indicator: Indicator, value: Decimal | None, year: int | None = None):
    """(verdict, difference in words) of a reported or rolled-up value against the target.

    Verdicts: đạt · chưa đạt · chưa có số liệu · không đặt mục tiêu · chưa áp dụng (a
    target applying from a later year than `year`). A target for a year (2030) is
    compared every year: the difference says how far the figure still is from it."""
    low, high = indicator.target_min, indicator.target_max
    if low is None and high is None:
        return NO_TARGET, ""
    if year is not None and indicator.from_year and year < indicator.from_year:
        return NOT_YET, f"áp dụng từ năm {indicator.from_year}"
    if value is None:
        return NO_DATA, ""
    value = Decimal(value)
    kind = indicator.comparison
    label = indicator.unit_label
    if kind == Indicator.Comparison.MAX:
        high = high if high is not None else low
        if value == high:
            return ACHIEVED, "đúng mức tối đa"
        if value < high:
            return ACHIEVED, f"thấp hơn mức tối đa {_amount(high - value, label)}"
        return NOT_ACHIEVED, f"vượt mức tối đa {_amount(value - high, label)}"
    low = low if low is not None else high
    if value < low:
        return NOT_ACHIEVED, f"còn thiếu {_amount(low - value, label)}"
    if kind == Indicator.Comparison.RANGE and high is not None and value > high:
        return NOT_ACHIEVED, f"vượt mức trên {_amount(value - high, label)}"
    if value == low:
        return ACHIEVED, "đúng mục tiêu"
    return ACHIEVED, f"vượt {_amount(value - low, label)}"


# --- roll-up ------------------------------------------------------------------------------


@dataclass
class Row:
    """One indicator of a plan with its value over a unit's subtree for a year."""

    indicator: Indicator
    value: Decimal | None
    reports: int  # number of reported values behind it
    units: int  # number of units that reported
    verdict: str
    difference: str

    @property
    def achieved(self) -> bool | None:
        return {ACHIEVED: True, NOT_ACHIEVED: False}.get(self.verdict)

    @property
    def value_text(self) -> str:
        return vn_number(self.value)


def rollup(plan_id: int, year: int, scope_q: Q | None = None, *, period=None) -> list[Row]:
    """The indicators of a plan with their values for `year`, rolled up over a subtree.

    `scope_q` filters reports (a Q on `unit__…`: the dashboard scope's `q()`); a unit's
    value is the sum (amounts) or average (rates) of its own reports and its subtree's.
    Values of commune plans derived from the plan count under the same indicator code.
    Only submitted and accepted reports count, of the yearly periods of `year` (an ad-hoc
    `period` counts alone: a mid-year review must not add to the year's amounts). One
    query (the figures are subqueries of the indicators')."""
    reports = ProgressReport.objects.filter(
        Q(task__plan_id=plan_id) | Q(task__plan__parent_id=plan_id),
        state__in=ProgressReport.REPORTED_STATES,
    )
    if period is not None and period.kind != ReportingPeriod.Kind.YEARLY:
        reports = reports.filter(period_id=period.pk)
    else:
        reports = reports.filter(period__year=year, period__kind=ReportingPeriod.Kind.YEARLY)
    if scope_q is not None:
        reports = reports.filter(scope_q)
    values = IndicatorValue.objects.filter(
        indicator__code=OuterRef("code"), report__in=reports.values("pk")
    ).order_by()

    def agg(expression):
        return Subquery(values.values("indicator__code").annotate(x=expression).values("x")[:1])

    indicators = list(
        Indicator.objects.filter(plan_id=plan_id)
        .annotate(
            r_total=agg(Sum("value")),
            r_mean=agg(Avg("value")),
            r_n=agg(Count("pk")),
            r_units=agg(Count("report__unit_id", distinct=True)),
        )
        .order_by("position", "pk")
    )
    rows = []
    for ind in indicators:
        n = ind.r_n or 0
        value = None
        if n and ind.aggregation != Indicator.Aggregation.NONE:
            value = ind.r_total if ind.aggregation == SUM else ind.r_mean
            value = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        elif n == 1:  # not aggregated: shown only when a single unit reported it
            value = ind.r_total
        verdict, difference = evaluate(ind, value, year)
        rows.append(Row(ind, value, n, ind.r_units or 0, verdict, difference))
    return rows


def rollup_rows_cells(rows: list[Row]) -> list[list]:
    """Rows of an indicators sheet (export, consolidated report): text cells."""
    return [
        [
            r.indicator.name,
            r.indicator.unit_label,
            r.indicator.target_text or "—",
            Indicator.Aggregation(r.indicator.aggregation).label,
            r.value_text,
            r.units,
            r.verdict,
            r.difference,
        ]
        for r in rows
    ]


ROLLUP_HEADERS = [
    "Chỉ tiêu",
    "Đơn vị tính",
    "Mục tiêu",
    "Cách tổng hợp",
    "Kết quả",
    "Số đơn vị báo cáo",
    "Đánh giá",
    "Chênh lệch so với mục tiêu",
]


def parse_figure(text: str, label: str) -> tuple[Decimal | None, str | None]:
    """A figure typed by an officer: "1.250,5" or "1250.5" or "1 250" → Decimal ≥ 0.

    Returns (value, None) or (None, Vietnamese error)."""
    raw = (text or "").strip().replace("\u00a0", "").replace(" ", "")
    if raw.endswith("%"):
        raw = raw[:-1]
    if not raw:
        return None, None
    if "," in raw and "." in raw:
        raw = raw.replace(".", "").replace(",", ".")  # 1.250,5 (Vietnamese grouping)
    elif raw.count(",") > 1:
        raw = raw.replace(",", "")  # 1,250,000
    elif "," in raw:
        raw = raw.replace(",", ".")  # 12,5
    elif raw.count(".") > 1:
        raw = raw.replace(".", "")  # 1.250.000
    elif "." in raw:
        whole, _, frac = raw.partition(".")
        if len(frac) == 3 and whole.lstrip("-") not in ("", "0"):
            raw = whole + frac  # 1.250 is one thousand two hundred and fifty
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return (
            None,
            f"“{text.strip()}” không phải là số: nhập số liệu {label} bằng chữ số, vd. 1250,5.",
        )
    if not value.is_finite():
        return None, f"“{text.strip()}” không phải là số: nhập số liệu {label} bằng chữ số."
    if value < 0:
        return None, f"Số liệu {label} không được âm (đã nhập {text.strip()})."
    if value >= Decimal("1e16"):
        return None, f"Số liệu {label} quá lớn (đã nhập {text.strip()})."
    return value.quantize(Decimal("0.01")), None


def for_dashboard(scope, f) -> list[Row] | None:
    """The indicators table of a dashboard: the chosen plan's indicators for the chosen year,
    rolled up over the dashboard's scope (None when no plan is chosen). The plan must have
    been checked against the scope (dashboards.figures.prepare refuses it otherwise)."""
    if not f.plan:
        return None
    return rollup(f.plan, f.year, scope.q("unit__"))


def rollup_by_unit(plan_id: int, year: int, unit) -> list[tuple[object, list[Row]]]:
    """Each direct subordinate unit of `unit` with the plan's indicators rolled up over its
    own subtree (its reports and its subordinates'), for the yearly periods of `year`.

    Three queries whatever the number of units: the indicators, the units, the values."""
    indicators = list(Indicator.objects.filter(plan_id=plan_id).order_by("position", "pk"))
    if not indicators:
        return []
    from orgunits.models import OrgUnit

    children = list(OrgUnit.objects.filter(parent=unit).order_by("name"))
    values = IndicatorValue.objects.filter(
        Q(report__task__plan_id=plan_id) | Q(report__task__plan__parent_id=plan_id),
        unit.subtree_q("report__unit__", strict=True),
        report__state__in=ProgressReport.REPORTED_STATES,
        report__period__year=year,
        report__period__kind=ReportingPeriod.Kind.YEARLY,
        indicator__code__in=[i.code for i in indicators],
    ).values_list("indicator__code", "value", "report__unit_id", "report__unit__lft")
    bucket: dict[tuple[int, str], list[tuple[Decimal, int]]] = defaultdict(list)
    ordered = sorted(children, key=lambda c: c.lft)
    for code, value, unit_id, lft in values:
        for child in ordered:  # a unit's subtree is the range lft..rght
            if child.lft <= lft <= child.rght:
                bucket[(child.pk, code)].append((value, unit_id))
                break
    out = []
    for child in children:
        rows = []
        for ind in indicators:
            got = bucket.get((child.pk, ind.code), [])
            value = None
            if got and ind.aggregation != Indicator.Aggregation.NONE:
                total = sum((v for v, _ in got), Decimal(0))
                value = total if ind.aggregation == SUM else total / len(got)
                value = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            elif len(got) == 1:
                value = got[0][0]
            verdict, difference = evaluate(ind, value, year)
            rows.append(Row(ind, value, len(got), len({u for _, u in got}), verdict, difference))
        if any(r.reports for r in rows):
            out.append((child, rows))
    return out
