"""Indicators (chỉ tiêu) of the seed plans, read from their targets, and parsing of figures.

The seed plans set targets for local budget capital entrusted to NHCSXH (vốn ngân sách địa
phương ủy thác): a yearly share of the branch's credit growth (15–20%; Đồng Nai about 25%)
and a share of total capital by 2030 (15% Quảng Ngãi, Nghệ An and Phước Giang; 30% Đồng
Nai). The figures are reported with the task about entrusted capital, by its lead units.
A commune plan derived from a provincial plan gets the provincial plan's indicators on the
tasks copied from it.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal, InvalidOperation

from tasks.models import Task

from .models import Indicator

CAPITAL = ("von-uy-thac", "Số dư nguồn vốn ngân sách địa phương ủy thác sang NHCSXH", "triệu đồng")
GROWTH = (
    "ty-le-tang-truong",
    "Vốn ủy thác tăng thêm trong năm so với tăng trưởng dư nợ của NHCSXH trên địa bàn",
    "%",
)
SHARE = ("ty-trong-tong-nguon-von", "Tỷ trọng vốn địa phương ủy thác trong tổng nguồn vốn", "%")


def _defs(growth: tuple, share: tuple) -> list[dict]:
    g_min, g_max, g_text = growth
    s_min, s_text = share
    return [
        {"code": CAPITAL[0], "name": CAPITAL[1], "unit_label": CAPITAL[2]},
        {
            "code": GROWTH[0],
            "name": GROWTH[1],
            "unit_label": GROWTH[2],
            "target_min": Decimal(g_min),
            "target_max": Decimal(g_max) if g_max else None,
            "target_text": g_text,
        },
        {
            "code": SHARE[0],
            "name": SHARE[1],
            "unit_label": SHARE[2],
            "target_min": Decimal(s_min),
            "target_year": 2030,
            "target_text": s_text,
        },
    ]


#: seed plan key → (task full_code reporting the figures, definitions)
SEED_INDICATORS: dict[str, tuple[str, list[dict]]] = {
    "qn-17-kh-ubnd": (
        "IV.1.a",
        _defs(("15", "20", "15–20% mỗi năm"), ("15", "15% tổng nguồn vốn vào năm 2030")),
    ),
    "na-686-kh-ubnd": (
        "4.1",
        _defs(("15", "20", "15–20% mỗi năm"), ("15", "15% tổng nguồn vốn vào năm 2030")),
    ),
    "dn-kh-ubnd": (
        "3.d",
        _defs(("25", None, "khoảng 25% mỗi năm"), ("30", "khoảng 30% tổng nguồn vốn năm 2030")),
    ),
    "pg-kh-ubnd": (
        "4.a",
        _defs(("15", "20", "15–20% mỗi năm"), ("15", "15% tổng nguồn vốn vào năm 2030")),
    ),
}


def ensure_indicators(plans) -> int:
    """Create the indicators of seed plans and of plans derived from a plan that has some.

    Set-based: a fixed number of queries whatever the number of plans (the daily sweep
    passes every commune plan of the country)."""
    plans = [p for p in plans]
    if not plans:
        return 0
    have = set(Indicator.objects.filter(plan__in=plans).values_list("plan_id", flat=True))
    missing = [p for p in plans if p.pk not in have]
    new: list[Indicator] = []

    seeded = [p for p in missing if p.seed_key in SEED_INDICATORS]
    if seeded:
        wanted = {(p.pk, SEED_INDICATORS[p.seed_key][0]) for p in seeded}
        tasks = {
            (t.plan_id, t.full_code): t
            for t in Task.objects.filter(
                plan__in=seeded, full_code__in={code for _, code in wanted}
            )
        }
        for plan in seeded:
            code, defs = SEED_INDICATORS[plan.seed_key]
            task = tasks.get((plan.pk, code))
            if task is not None:
                new += [
                    Indicator(plan=plan, task=task, position=i, **d) for i, d in enumerate(defs)
                ]

    derived = [p for p in missing if p.seed_key not in SEED_INDICATORS and p.parent_id]
    if derived:
        by_parent: dict[int, list[Indicator]] = defaultdict(list)
        for indicator in Indicator.objects.filter(plan_id__in={p.parent_id for p in derived}):
            by_parent[indicator.plan_id].append(indicator)
        derived = [p for p in derived if by_parent.get(p.parent_id)]
        source_tasks = {i.task_id for p in derived for i in by_parent[p.parent_id]}
        copies = {
            (t.plan_id, t.source_task_id): t
            for t in Task.objects.filter(plan__in=derived, source_task_id__in=source_tasks)
        }
        for plan in derived:
            for i in by_parent[plan.parent_id]:
                task = copies.get((plan.pk, i.task_id))
                if task is None:
                    continue
                new.append(
                    Indicator(
                        plan=plan, task=task, code=i.code, name=i.name,
                        unit_label=i.unit_label, target_text=i.target_text,
                        target_min=i.target_min, target_max=i.target_max,
                        target_year=i.target_year, position=i.position,
                    )
                )  # fmt: skip
    if new:
        Indicator.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


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
