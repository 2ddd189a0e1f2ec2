"""python manage.py generate_scale_data — a national-scale dataset for the benchmarks.

    python manage.py generate_scale_data --provinces 34 --communes-per-province 100 --years 5

Writes into the configured database (DATABASE_URL; PostgreSQL for anything large):

- the first `--provinces` provinces of the official 2025 list (`vietnam-provinces`), each a
  tree of its own: the People's Committee, the provincial apparatus every province has
  (fixtures/units.yaml: departments, Fatherland Front and its organisations, police, the
  NHCSXH branch …), transaction offices (PGD) of the branch serving ten communes each,
  and its first `--communes-per-province` real communes, each with an economic office
  (Phòng Kinh tế) and the commune groups of the seeds — one body only, so that the commune
  plans' collective assignees stay at the size that gives about 150,000 tracked
  assignments at 34 × 100;
- per province one provincial plan copying a seed plan's appendix (17/KH-UBND and
  686/KH-UBND in turn) with every collective assignee ("Ủy ban nhân dân các xã, phường,
  đặc khu" …) expanded to its members exactly as `tasks.expansion` does, and per commune a
  plan copying Phước Giang's, its tasks implementing the provincial ones;
- the yearly reporting periods of the last `--years` years (cutoffs 30/11, 01/10 and
  25/09) — earlier years closed — a few ad-hoc ones, and one progress report per tracked
  assignment due in each period (the rows `reports.periods.sync_lines` would create, with the
  deadlines of `period_line`), filled with a deterministic, realistic mix: most reports
  submitted on time, some late, some missing; done on time or late, in progress, not
  started, not feasible (with a reason); accepted, waiting or returned;
- in every fifth province a commune merged into its neighbour on 01/07 of the last year,
  its assignments retired and handed over as `tasks.expansion` does, its unsubmitted
  reports of the open period switched off as `sync_lines` does.

Seed tasks without a dated timeframe ("Thường xuyên", blank) get one of a few yearly
timeframes ("Hằng năm", "Trước ngày 30/6 hằng năm" …) in a fixed pattern, a third stay
"Thường xuyên", so that deadlines, lateness and overdue work exist to be measured.

Rows are written with COPY (PostgreSQL; plain multi-row inserts elsewhere) with their MPTT
fields precomputed; no history rows and no users are created. Keys start with "gen-", so
`--replace` can remove a previous run. The seed plans' structure is read from the database
when the seeds are loaded, otherwise from a seed load that is rolled back afterwards.

The command belongs to `dashboards`, the app on top: it writes the rows of every app below
(units, plans, tasks, periods, reports), as the benchmarks of the dashboards, the
consolidated report and the reminders read them.
"""

from __future__ import annotations

import io
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

PREFIX = "gen"
PROVINCE_STRUCTURES = ["qn-17-kh-ubnd", "na-686-kh-ubnd"]
COMMUNE_STRUCTURE = "pg-kh-ubnd"
SEED_COMMUNE = "w21370"  # Phước Giang: the commune whose plan and bodies are copied
#: Yearly report cutoff (day, month) of each copied plan.
CUTOFFS = {
    "qn-17-kh-ubnd": (30, 11),
    "na-686-kh-ubnd": (1, 10),
    "pg-kh-ubnd": (25, 9),
}
#: Units some seed provinces name besides the template (press, insurance, tax, the board).
EXTRA_UNITS = [
    ("bao-ptth", "Báo và Phát thanh, Truyền hình {place}", "Báo và PT-TH {place}", "press", ""),
    ("bhxh", "Bảo hiểm xã hội {level} {place}", "Bảo hiểm xã hội {level}", "other", ""),
    ("thue", "Thuế {level} {place}", "Thuế {level}", "other", ""),
    (
        "bddhdqt",
        "Ban Đại diện Hội đồng quản trị Ngân hàng Chính sách xã hội {level} {place}",
        "Ban Đại diện HĐQT NHCSXH {level}",
        "other",
        "nhcsxh",
    ),
]
#: Bodies of every generated commune (slug as in the seeds, name, kind).
COMMUNE_BODIES = [("phong-kinh-te", "Phòng Kinh tế", "commune_office")]
COMMUNES_PER_PGD = 10
#: Timeframes given, in turn, to seed tasks without a dated one.
TIMEFRAMES = [
    "Thường xuyên",
    "Hằng năm",
    "Trước ngày 30/6 hằng năm",
    "Thường xuyên",
    "Trước ngày 31/3 hằng năm",
    "Hằng năm",
    "Thường xuyên",
    "Trước ngày 15/8 hằng năm",
]
NARRATIVES = [
    "Đã ban hành văn bản triển khai; tổ chức {n} hội nghị quán triệt đến cán bộ, đảng viên.",
    "Lồng ghép nội dung tín dụng chính sách vào giao ban hằng tháng; {n} tin, bài tuyên truyền.",
    "Phối hợp với NHCSXH rà soát, giải ngân cho {n} hộ nghèo, hộ cận nghèo đủ điều kiện.",
    "Bố trí {n}0 triệu đồng ngân sách ủy thác sang NHCSXH; đang hoàn thiện thủ tục chuyển vốn.",
    "Kiểm tra, giám sát {n} Tổ Tiết kiệm và Vay vốn; chấn chỉnh các tồn tại sau kiểm tra.",
]
REASONS = [
    "Chưa được bố trí kinh phí trong dự toán năm.",
    "Nội dung phụ thuộc văn bản hướng dẫn của cấp trên, chưa ban hành.",
]
RETURN_COMMENTS = [
    "Đề nghị bổ sung số, ngày văn bản làm sản phẩm.",
    "Kết quả chưa nêu số liệu cụ thể; đề nghị bổ sung.",
]


# --- writing rows ---------------------------------------------------------------------------


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return (
        str(value)
        .replace("\\", "\\\\")
        .replace("\t", " ")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


def _sqlite_value(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def write_rows(table: str, columns: list[str], rows, chunk: int = 100_000) -> int:
    """COPY rows (tuples in `columns` order) into `table` on PostgreSQL; INSERT elsewhere."""
    total = 0
    batch: list = []

    def flush():
        if not batch:
            return
        with connection.cursor() as cur:
            if connection.vendor == "postgresql":
                buf = io.StringIO()
                for row in batch:
                    buf.write("\t".join(_copy_text(v) for v in row))
                    buf.write("\n")
                buf.seek(0)
                cur.cursor.copy_expert(
                    f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT text)", buf
                )
            else:
                marks = ", ".join(["%s"] * len(columns))
                cur.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                    [tuple(_sqlite_value(v) for v in row) for row in batch],
                )
        batch.clear()

    for row in rows:
        batch.append(row)
        total += 1
        if len(batch) >= chunk:
            flush()
    flush()
    return total


def model_columns(model, provided: list[str]) -> tuple[list[str], tuple]:
    """`provided` plus the model's other NOT NULL columns, with their defaults."""
    from django.db.models import NOT_PROVIDED

    extra_cols, extra_vals = [], []
    for f in model._meta.concrete_fields:
        if f.column in provided or f.null:
            continue
        if f.default is NOT_PROVIDED:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = timezone.now()
            elif f.blank and f.get_internal_type() in ("CharField", "TextField", "SlugField"):
                value = ""  # a blank text column (e.g. Assignment.name_key of a resolved name)
            else:
                raise CommandError(f"{model._meta.label}.{f.name}: no value and no default")
        else:
            value = f.default() if callable(f.default) else f.default
        extra_cols.append(f.column)
        extra_vals.append(value)
    return provided + extra_cols, tuple(extra_vals)


def _max(table: str, column: str = "id") -> int:
    with connection.cursor() as cur:
        cur.execute(f"SELECT COALESCE(MAX({column}), 0) FROM {table}")
        return cur.fetchone()[0]


# --- the seed structure ---------------------------------------------------------------------


@dataclass
class SeedTask:
    id: int
    parent_id: int | None
    kind: str
    code: str
    full_code: str
    position: int
    content: str
    product: str
    lead_text: str
    coordinating_text: str
    timeframe_text: str
    schedule_kind: str
    lft: int
    rght: int
    level: int
    tree_id: int
    source_code: str | None  # the provincial task it implements (commune plans)


@dataclass
class SeedAssignment:
    id: int
    task_id: int
    role: str
    unit_key: str | None
    group_key: str | None
    source_text: str
    position: int


@dataclass
class SeedPlan:
    key: str
    number: str
    title: str
    tasks: list[SeedTask]
    assignments: list[SeedAssignment]


def read_structure() -> dict[str, SeedPlan]:
    """The seed plans' appendices (tasks and written assignments) as plain data."""
    from plans.models import Plan

    keys = [*PROVINCE_STRUCTURES, COMMUNE_STRUCTURE]

    def read() -> dict[str, SeedPlan]:
        from tasks.models import Assignment, Task

        out = {}
        for plan in Plan.objects.filter(seed_key__in=keys):
            tasks = [
                SeedTask(
                    t.pk,
                    t.parent_id,
                    t.kind,
                    t.code,
                    t.full_code,
                    t.position,
                    t.content,
                    t.product,
                    t.lead_text,
                    t.coordinating_text,
                    t.timeframe_text,
                    t.schedule_kind,
                    t.lft,
                    t.rght,
                    t.level,
                    t.tree_id,
                    t.source_task.full_code if t.source_task_id else None,
                )  # fmt: skip
                for t in Task.objects.filter(plan=plan)
                .select_related("source_task")
                .order_by("position")
            ]
            rows = [
                SeedAssignment(
                    a.pk,
                    a.task_id,
                    a.role,
                    a.unit.key if a.unit_id else None,
                    a.group.key if a.group_id else None,
                    a.source_text,
                    a.position,
                )  # fmt: skip
                for a in Assignment.objects.filter(task__plan=plan, via__isnull=True)
                .select_related("unit", "group")
                .order_by("task__position", "role", "position", "pk")
            ]
            out[plan.seed_key] = SeedPlan(plan.seed_key, plan.number, plan.title, tasks, rows)
        return out

    found = read()
    if all(k in found and found[k].tasks for k in keys):
        return found

    class _Rollback(Exception):
        pass

    try:  # load the seeds only to read their structure, then roll them back
        with transaction.atomic():
            call_command("load_seeds", stdout=io.StringIO())
            found = read()
            raise _Rollback
    except _Rollback:
        pass
    return found


# --- units ----------------------------------------------------------------------------------


@dataclass(eq=False)
class Node:
    id: int
    key: str
    name: str
    short: str
    kind: str
    code: str = ""
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)
    territory: Node | None = None
    active_until: date | None = None
    successor: Node | None = None
    lft: int = 0
    rght: int = 0
    level: int = 0
    tree_id: int = 0

    def active_on(self, day: date) -> bool:
        return self.active_until is None or day <= self.active_until

    def final(self) -> Node:
        unit = self
        while unit.successor is not None:
            unit = unit.successor
        return unit


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def number_tree(root: Node, tree_id: int) -> list[Node]:
    """MPTT numbering (children by name, as order_insertion_by does); nodes in lft order."""
    out, counter = [], 0
    stack: list[tuple[Node, int, bool]] = [(root, 0, False)]
    while stack:
        node, level, done = stack.pop()
        counter += 1
        if done:
            node.rght = counter
            continue
        node.lft, node.level, node.tree_id = counter, level, tree_id
        out.append(node)
        stack.append((node, level, True))
        for child in sorted(node.children, key=lambda n: n.name, reverse=True):
            stack.append((child, level + 1, False))
    return out


@dataclass
class Group:
    id: int
    key: str
    name: str
    scope: Node
    kinds: list[str]
    depth: str
    note: str = ""

    def members(self, nodes: list[Node], on: date) -> list[Node]:
        """As `UnitGroup.members(on=…)` (rules only: the seed groups are all rules)."""
        if not self.kinds:
            return []
        s = self.scope
        out = []
        for u in nodes:
            if not (s.lft <= u.lft and u.rght <= s.rght) or u.kind not in self.kinds:
                continue
            if self.depth == "own" and not (u.territory is s or u is s or u.parent is s):
                continue
            if self.depth == "communes" and (u.territory.kind != "commune" or u is s):
                continue
            if u.active_on(on):
                out.append(u)
        return out  # nodes are in lft order


# --- the generator --------------------------------------------------------------------------


class Ids:
    def __init__(self, start: int):
        self.value = start

    def __call__(self) -> int:
        self.value += 1
        return self.value


@dataclass
class Row:
    """A tracked or written assignment being generated."""

    id: int
    task: int
    role: str
    unit: Node | None
    group: Group | None
    source_text: str
    position: int
    via: Row | None = None
    replaced_by: Row | None = None
    active_from: date | None = None
    retired_on: date | None = None
    schedule: object = None
    heir: bool = False


@dataclass
class PlanData:
    id: int
    key: str
    number: str
    title: str
    issuer: Node
    follow_up: Node
    report_to: Node
    issued_on: date
    cutoff: tuple[int, int]
    parent_id: int | None
    lft: int
    rght: int
    level: int
    tree_id: int
    rule_text: str
    rows: list[Row] = field(default_factory=list)
    task_codes: dict[str, int] = field(default_factory=dict)


class Generator:
    def __init__(self, structure, *, provinces, communes, years, today, seed, out):
        from vietnam_provinces import Province

        self.structure = structure
        self.today = today
        self.first_year = today.year - years + 1
        self.rng = random.Random(seed)
        self.out = out
        self.provinces = sorted(Province.iter_all(), key=lambda p: int(p.code))[:provinces]
        self.per_province = communes
        spec = yaml.safe_load(
            (Path(settings.BASE_DIR) / "fixtures" / "units.yaml").read_text(encoding="utf-8")
        )
        self.template = spec["province_template"]
        self.group_template = spec["group_template"]
        seed_province = next(p for p in spec["provinces"] if p["key"] == "qn")
        self.commune_groups = seed_province["commune_groups"][SEED_COMMUNE[1:]]
        self.unit_id = Ids(_max("orgunits_orgunit"))
        self.unit_tree = _max("orgunits_orgunit", "tree_id")
        self.group_id = Ids(_max("orgunits_unitgroup"))
        self.plan_id = Ids(_max("plans_plan"))
        self.plan_tree = _max("plans_plan", "tree_id")
        self.task_id = Ids(_max("tasks_task"))
        self.task_tree = _max("tasks_task", "tree_id")
        self.assignment_id = Ids(_max("tasks_assignment"))
        self.period_id = Ids(_max("reports_reportingperiod"))
        self.report_id = Ids(_max("reports_progressreport"))
        self.units: list[Node] = []
        self.groups: list[Group] = []
        self.serves: list[tuple[int, int]] = []
        self.plans: list[PlanData] = []
        self.tasks: list[tuple] = []
        self.periods: list[tuple] = []
        self.period_specs: list[tuple[PlanData, int, str, int, str, date | None, date, bool]] = []
        self.schedules: dict[tuple[str, int], tuple] = {}
        self.merge_day = date(today.year, 7, 1)
        self.merged = 0

    # -- units ------------------------------------------------------------------------------
    def node(self, key, name, short, kind, parent=None, code="") -> Node:
        n = Node(self.unit_id(), key, name, short, kind, code, parent)
        if parent is not None:
            parent.children.append(n)
        territorial = kind in ("province", "commune", "district") or parent is None
        n.territory = n if territorial else parent.territory
        return n

    def template_tree(self, spec, parent, fmt, prefix, by_slug) -> None:
        n = self.node(
            f"{prefix}-{spec['slug']}",
            spec["name"].format(**fmt),
            spec.get("short_name", "").format(**fmt),
            spec["kind"],
            parent,
        )
        by_slug[spec["slug"]] = n
        for child in spec.get("children", []):
            self.template_tree(child, n, fmt, prefix, by_slug)

    def province(self, index: int, province) -> None:
        from orgunits.adminunits import communes_of

        code = int(province.code)
        prefix = f"{PREFIX}-p{code:02d}"
        city = province.name.startswith("Thành phố ")
        level = "thành phố" if city else "tỉnh"
        place = province.name.removeprefix("Thành phố ")
        fmt = {
            "level": level,
            "Level": level.capitalize(),
            "place": place,
            "party": "Thành ủy" if city else "Tỉnh ủy",
            "youth": "Thành đoàn" if city else "Tỉnh đoàn",
        }
        root = self.node(
            prefix, f"Ủy ban nhân dân {level} {place}", f"UBND {level} {place}", "province",
            code=str(code),
        )  # fmt: skip
        by_slug: dict[str, Node] = {}
        for spec in self.template:
            self.template_tree(spec, root, fmt, prefix, by_slug)
        for slug, name, short, kind, parent in EXTRA_UNITS:
            by_slug[slug] = self.node(
                f"{prefix}-{slug}", name.format(**fmt), short.format(**fmt), kind,
                by_slug[parent] if parent else root,
            )  # fmt: skip
        branch = by_slug["nhcsxh"]
        communes = communes_of(str(code))[: self.per_province or None]
        commune_nodes: list[tuple[Node, dict[str, Node]]] = []
        for c in communes:
            local = _lower_first(c.name)
            cn = self.node(
                f"{PREFIX}-w{c.code}", f"Ủy ban nhân dân {local}", f"UBND {local}", "commune",
                root, c.code,
            )  # fmt: skip
            bodies = {
                slug: self.node(
                    f"{PREFIX}-w{c.code}-{slug}",
                    f"{name} {local}",
                    f"{name} {c.division_type}",
                    kind,
                    cn,
                )  # fmt: skip
                for slug, name, kind in COMMUNE_BODIES
            }
            commune_nodes.append((cn, bodies))
        pgd_of: dict[int, Node] = {}
        for k in range(0, len(commune_nodes), COMMUNES_PER_PGD):
            n = k // COMMUNES_PER_PGD + 1
            pgd = self.node(
                f"{prefix}-pgd-{n}",
                f"Phòng giao dịch Ngân hàng Chính sách xã hội khu vực {n} {level} {place}",
                f"PGD NHCSXH khu vực {n}",
                "nhcsxh_pgd",
                branch,
            )
            for cn, _ in commune_nodes[k : k + COMMUNES_PER_PGD]:
                pgd_of[cn.id] = pgd
                self.serves.append((pgd.id, cn.id))
        self.unit_tree += 1
        nodes = number_tree(root, self.unit_tree)
        self.units.extend(nodes)

        groups = {}
        for g in self.group_template:
            groups[g["slug"]] = self.group(f"{prefix}-{g['slug']}", g, root, fmt)
        commune_groups = {}
        for cn, _ in commune_nodes:
            commune_groups[cn.id] = {
                g["slug"]: self.group(f"{PREFIX}-w{cn.code}-{g['slug']}", g, cn, fmt)
                for g in self.commune_groups
            }

        # Mergers: in every fifth province the last commune joins its neighbour on 01/07.
        merging = None
        if index % 5 == 0 and len(commune_nodes) >= 3 and self.merge_day <= self.today:
            (a, a_bodies), (b, b_bodies) = commune_nodes[-1], commune_nodes[-2]
            for old, new in [(a, b), *((a_bodies[s], b_bodies[s]) for s in a_bodies)]:
                old.active_until = self.merge_day - timedelta(days=1)
                old.successor = new
            merging = a
            self.merged += 1

        structure_key = PROVINCE_STRUCTURES[index % len(PROVINCE_STRUCTURES)]
        seed = self.structure[structure_key]
        issued = date(self.first_year, 1, 15)
        self.plan_tree += 1
        number = seed.number or f"{100 + index}/KH-UBND"
        provincial = PlanData(
            self.plan_id(), f"{PREFIX}-p{code:02d}-{structure_key}", number, seed.title, root,
            branch, branch, issued, CUTOFFS[structure_key], None, 1, 2 + 2 * len(commune_nodes),
            0, self.plan_tree,
            f"Định kỳ hằng năm báo cáo về Chi nhánh NHCSXH trước ngày "
            f"{CUTOFFS[structure_key][0]:02d}/{CUTOFFS[structure_key][1]:02d}.",
        )  # fmt: skip

        def resolve_province(unit_key, group_key):
            if group_key:
                return None, groups.get(group_key.split("-", 1)[1])
            slug = unit_key.split("-", 1)[1]
            return by_slug.get(slug), None

        self.copy_plan(provincial, seed, structure_key, nodes, resolve_province)
        commune_seed = self.structure[COMMUNE_STRUCTURE]
        for i, (cn, bodies) in enumerate(commune_nodes):
            pgd = pgd_of[cn.id]
            plan = PlanData(
                self.plan_id(), f"{PREFIX}-w{cn.code}-kh", "01/KH-UBND",
                f"Triển khai thực hiện Kế hoạch số {number} của UBND {level} trên địa bàn "
                f"{_lower_first(communes[i].name)}",
                cn, pgd, branch, issued + timedelta(days=30 + self.rng.randrange(60)),
                CUTOFFS[COMMUNE_STRUCTURE], provincial.id, 2 + 2 * i, 3 + 2 * i, 1,
                self.plan_tree,
                "Định kỳ hằng năm báo cáo về UBND tỉnh (qua Chi nhánh NHCSXH) trước ngày 25/9.",
            )  # fmt: skip
            cgroups = commune_groups[cn.id]

            def resolve_commune(unit_key, group_key, bodies=bodies, cn=cn, pgd=pgd, cg=cgroups):
                if group_key:
                    if group_key.startswith(SEED_COMMUNE + "-"):
                        return None, cg.get(group_key[len(SEED_COMMUNE) + 1 :])
                    return None, groups.get(group_key.split("-", 1)[1])
                if unit_key.startswith(SEED_COMMUNE + "-"):
                    return bodies.get(unit_key[len(SEED_COMMUNE) + 1 :], cn), None
                if unit_key.split("-", 1)[1].startswith("pgd-"):
                    return pgd, None
                return by_slug.get(unit_key.split("-", 1)[1]), None

            self.copy_plan(
                plan, commune_seed, COMMUNE_STRUCTURE, nodes, resolve_commune,
                source_plan=provincial if structure_key == "qn-17-kh-ubnd" else None,
            )  # fmt: skip
        if merging is not None:
            self.merge(nodes)

    def group(self, key, spec, scope, fmt) -> Group:
        g = Group(
            self.group_id(), key, spec["name"].format(**fmt), scope, list(spec.get("kinds", [])),
            spec.get("depth", "own"), " ".join(spec.get("note", "").split()),
        )  # fmt: skip
        self.groups.append(g)
        return g

    # -- plans and assignments --------------------------------------------------------------
    def schedule_of(self, structure_key: str, task: SeedTask):
        from tasks.timeframes import parse_timeframe

        cache_key = (structure_key, task.position)
        if cache_key not in self.schedules:
            text = task.timeframe_text
            if task.schedule_kind not in ("once", "span") and not (
                task.schedule_kind == "yearly" and "/" in text
            ):
                text = TIMEFRAMES[task.position % len(TIMEFRAMES)]
            s = parse_timeframe(text)
            self.schedules[cache_key] = (
                s.text, s.kind, s.due_date, s.yearly_day, s.yearly_month, s.start_year,
                s.end_year,
            )  # fmt: skip
        return self.schedules[cache_key]

    def copy_plan(self, plan: PlanData, seed: SeedPlan, structure_key, nodes, resolve,
                  source_plan: PlanData | None = None) -> None:  # fmt: skip
        from tasks.timeframes import Schedule

        self.plans.append(plan)
        task_ids: dict[int, int] = {}
        trees: dict[int, int] = {}
        for t in seed.tasks:
            task_ids[t.id] = self.task_id()
            if t.tree_id not in trees:
                self.task_tree += 1
                trees[t.tree_id] = self.task_tree
        schedules = {}
        for t in seed.tasks:
            sched = self.schedule_of(structure_key, t)
            schedules[t.id] = Schedule(*sched[1:])
            source = None
            if source_plan is not None and t.source_code:
                source = source_plan.task_codes.get(t.source_code)
            plan.task_codes[t.full_code] = task_ids[t.id]
            self.tasks.append(
                (
                    task_ids[t.id],
                    plan.id,
                    task_ids.get(t.parent_id),
                    t.kind,
                    t.code,
                    t.full_code,
                    t.position,
                    t.content,
                    t.product,
                    t.lead_text,
                    t.coordinating_text,
                    *sched,
                    source,
                    "",
                    t.lft,
                    t.rght,
                    trees[t.tree_id],
                    t.level,
                )  # fmt: skip
            )
        kinds = {t.id: t.kind for t in seed.tasks}
        on_issue = plan.issued_on
        # One tracked row per unit and task, in the app's precedence (tasks.expansion): leads
        # before coordinating units, units as written before a group's members.
        claimed: dict[int, set[int]] = {}
        ordered = sorted(
            seed.assignments,
            key=lambda a: (a.task_id, a.role != "lead", a.group_key is not None, a.position, a.id),
        )
        for a in ordered:
            unit, group = resolve(a.unit_key, a.group_key)
            if unit is None and group is None:
                continue  # a unit of another tree (central bodies): not copied
            taken = claimed.setdefault(a.task_id, set())
            if unit is not None:
                taken.add(unit.id)
            task = task_ids[a.task_id]
            written = Row(self.assignment_id(), task, a.role, unit, group, a.source_text,
                          a.position)  # fmt: skip
            if kinds[a.task_id] != "section":
                written.schedule = schedules[a.task_id]
            plan.rows.append(written)
            if group is not None:
                for member in group.members(nodes, on_issue):
                    if member.id in taken:
                        continue
                    taken.add(member.id)
                    row = Row(self.assignment_id(), task, a.role, member, None, a.source_text,
                              a.position, via=written, schedule=written.schedule)  # fmt: skip
                    plan.rows.append(row)

    def merge(self, nodes) -> None:
        """Retire the merged units' assignments and hand them over (as tasks.expansion)."""
        day = self.merge_day
        province_plans = [p for p in self.plans if p.issuer.tree_id == nodes[0].tree_id]
        for plan in province_plans:
            by_source: dict[int, dict[int, Row]] = {}
            for row in plan.rows:
                if row.via is not None and row.unit is not None:
                    by_source.setdefault(row.via.id, {})[row.unit.id] = row
            new_rows = []
            for row in list(plan.rows):
                if row.via is not None or row.unit is None:
                    continue
                # a written unit row whose unit merged away: retired, the heir takes over
                if not row.unit.active_on(self.today):
                    heir = row.unit.final()
                    row.retired_on = day
                    new = Row(self.assignment_id(), row.task, row.role, heir, None,
                              row.source_text, row.position, via=row, active_from=day,
                              schedule=row.schedule, heir=True)  # fmt: skip
                    row.replaced_by = new
                    new_rows.append(new)
            for row in plan.rows:
                if row.via is None or row.via.group is None or row.unit.active_on(self.today):
                    continue
                # a group member merged away: its row retired; moved if the heir is a member
                row.retired_on = day
                heir = row.unit.final()
                current = by_source.get(row.via.id, {})
                if heir.id in current and heir.active_on(self.today):
                    row.replaced_by = current[heir.id]
            plan.rows.extend(new_rows)

    # -- periods and reports ----------------------------------------------------------------
    def make_periods(self) -> None:
        from plans.models import Plan
        from reports.periods import yearly_schedule

        provincial = 0
        for plan in self.plans:
            if plan.level == 0:
                provincial += 1
            model = Plan(cutoff_day=plan.cutoff[0], cutoff_month=plan.cutoff[1],
                         issued_on=plan.issued_on)  # fmt: skip
            previous = None
            for year, starts_on, cutoff in yearly_schedule(model, self.today):
                if year > self.today.year:
                    break
                closed = year < self.today.year
                self.period_specs.append(
                    (plan, self.period_id(), "yearly", year, "", starts_on, cutoff, closed)
                )
                previous = cutoff
            # Ad-hoc: a mid-year review of every third provincial plan, this year and last.
            if plan.level == 0 and provincial % 3 == 1 and previous is not None:
                for year in (self.today.year - 1, self.today.year):
                    cutoff = date(year, 6, 15)
                    if cutoff > self.today or year < self.first_year + 1:
                        continue
                    prev_cut = model.cutoff_for_year(year - 1)
                    self.period_specs.append(
                        (plan, self.period_id(), "adhoc", year,
                         f"Sơ kết 6 tháng đầu năm {year}", prev_cut + timedelta(days=1),
                         cutoff, year < self.today.year)
                    )  # fmt: skip

    def report_rows(self):
        """One progress report per (period, tracked assignment due in it)."""
        from reports.periods import period_line

        rng = self.rng
        tz = ZoneInfo(settings.TIME_ZONE)
        today = self.today
        now = timezone.now()
        diligence: dict[int, float] = {}
        line_cache: dict[tuple, tuple[bool, date | None]] = {}
        for plan, period_id, _kind, year, _title, starts_on, cutoff, closed in self.period_specs:
            open_ = not closed
            begin = starts_on or plan.issued_on
            due_now = cutoff < today
            elapsed = (
                1.0 if due_now else max(0.0, (today - begin).days / max(1, (cutoff - begin).days))
            )
            year_boost = 0.04 * (year - self.first_year)
            for row in plan.rows:
                if row.unit is None or row.schedule is None:
                    continue
                if row.heir and not open_:
                    continue
                key = (row.schedule, starts_on, cutoff, plan.issued_on)
                found = line_cache.get(key)
                if found is None:
                    found = line_cache[key] = period_line(
                        row.schedule, starts_on, cutoff, plan.issued_on
                    )
                due, deadline = found
                if not due:
                    continue
                unit = row.unit
                d = diligence.get(unit.id)
                if d is None:
                    d = diligence[unit.id] = min(0.99, max(0.35, rng.gauss(0.86, 0.12)))
                retired_before = row.retired_on is not None and row.retired_on <= cutoff
                p_submit = d * (1.0 if due_now else 0.85 * elapsed)
                submitted = (not (retired_before and open_)) and rng.random() < p_submit
                active = not (retired_before and not submitted and open_)
                yield self.report(
                    row, period_id, deadline, cutoff, begin, submitted, active, due_now,
                    closed, year_boost, rng, tz, now,
                )  # fmt: skip

    def report(self, row, period_id, deadline, cutoff, begin, submitted, active, due_now,
               closed, year_boost, rng, tz, now):  # fmt: skip
        today = self.today
        status = narrative = reason = product = comment = ""
        completed = first = reviewed = resubmit = None
        state = "draft"
        if submitted:
            late = due_now and rng.random() < 0.14
            if late:
                day = cutoff + timedelta(
                    days=1 + rng.randrange(max(1, min(40, (today - cutoff).days)))
                )
                day = min(day, today)
            else:
                last = min(cutoff, today)
                span = max(0, min(25, (last - begin).days))
                day = last - timedelta(days=rng.randrange(span + 1))
            first = datetime(day.year, day.month, day.day, 8 + rng.randrange(9),
                             rng.randrange(60), tzinfo=tz)  # fmt: skip
            if deadline is not None:
                p_done = min(0.9, 0.5 + year_boost + (0.1 if deadline < day else -0.15))
            else:
                p_done = 0.2 + year_boost
            r = rng.random()
            if r < p_done:
                status = "done"
                if deadline is not None and deadline < day and rng.random() < 0.3:
                    completed = deadline + timedelta(days=1 + rng.randrange((day - deadline).days))
                else:
                    hi = day if deadline is None else min(deadline, day)
                    lo = min(hi, max(begin, hi - timedelta(days=120)))
                    completed = lo + timedelta(days=rng.randrange((hi - lo).days + 1))
                product = f"Báo cáo số {row.id % 997 + 1}/BC-UBND ngày {completed:%d/%m/%Y}"
            elif r < p_done + (1 - p_done) * 0.72:
                status = "in_progress"
            elif r < p_done + (1 - p_done) * 0.93:
                status = "not_started"
            else:
                status = "not_feasible"
                reason = REASONS[row.id % len(REASONS)]
            if status != "not_started":
                narrative = NARRATIVES[(row.id + period_id) % len(NARRATIVES)].format(
                    n=2 + (row.id % 7)
                )
            r = rng.random()
            if closed:
                state = "accepted" if r < 0.88 else ("submitted" if r < 0.96 else "returned")
            else:
                state = "accepted" if r < 0.45 else ("submitted" if r < 0.9 else "returned")
            if state in ("accepted", "returned"):
                reviewed = first + timedelta(days=1 + rng.randrange(10))
                reviewed = min(reviewed, now)
            if state == "returned":
                comment = RETURN_COMMENTS[row.id % len(RETURN_COMMENTS)]
                resubmit = max(today, cutoff) + timedelta(days=10) if not closed else None
        elif not due_now and active and rng.random() < 0.15:
            status, narrative = "in_progress", "Đang tổng hợp kết quả thực hiện."
        updated = reviewed or first or now
        return (
            self.report_id(), row.role, deadline, None, active, status, narrative, reason,
            product, completed, state, first, first, reviewed, comment, resubmit, 1, "",
            updated, row.id, row.task, row.unit.id, period_id,
        )  # fmt: skip

    # -- run --------------------------------------------------------------------------------
    def build(self) -> None:
        for index, province in enumerate(self.provinces):
            self.province(index, province)
        self.make_periods()


REPORT_COLUMNS = [
    "id", "role", "deadline", "extended_deadline", "active", "status", "narrative", "reason",
    "product_ref", "completed_on", "state", "first_submitted_at", "submitted_at", "reviewed_at",
    "review_comment", "resubmit_by", "version", "last_token", "updated_at", "assignment_id",
    "task_id", "unit_id", "period_id",
]  # fmt: skip


def write(gen: Generator, say) -> dict[str, int]:
    from orgunits.models import OrgUnit, UnitGroup
    from orgunits.text import fold
    from plans.models import Plan
    from reports.models import ProgressReport, ReportingPeriod
    from tasks.models import Assignment, Task

    counts = {}
    now = timezone.now()
    cols, extra = model_columns(OrgUnit, [
        "id", "key", "name", "short_name", "kind", "admin_code", "parent_id", "territory_id",
        "active_from", "active_until", "successor_id", "note", "search_text", "lft", "rght",
        "level", "tree_id",
    ])  # fmt: skip
    counts["units"] = write_rows("orgunits_orgunit", cols, (
        (u.id, u.key, u.name, u.short, u.kind, u.code, u.parent.id if u.parent else None,
         u.territory.id, None, u.active_until, u.successor.id if u.successor else None, "",
         fold(f"{u.name} | {u.short}"), u.lft, u.rght, u.level, u.tree_id, *extra)
        for u in gen.units
    ))  # fmt: skip
    write_rows("orgunits_orgunit_serves", ["from_orgunit_id", "to_orgunit_id"], gen.serves)
    cols, extra = model_columns(UnitGroup, [
        "id", "key", "name", "scope_id", "rule_kinds", "rule_depth", "note", "search_text",
    ])  # fmt: skip
    import json

    counts["groups"] = write_rows("orgunits_unitgroup", cols, (
        (g.id, g.key, g.name, g.scope.id, json.dumps(g.kinds), g.depth, g.note, fold(g.name),
         *extra)
        for g in gen.groups
    ))  # fmt: skip
    cols, extra = model_columns(Plan, [
        "id", "seed_key", "kind", "number", "title", "issuer_id", "signer", "signer_title",
        "issued_on", "status", "parent_id", "follow_up_unit_id", "report_to_unit_id",
        "cutoff_day", "cutoff_month", "first_year_cutoff", "reporting_rule_text", "targets_text",
        "source", "note", "version", "created_at", "updated_at", "lft", "rght", "tree_id",
        "level",
    ])  # fmt: skip
    counts["plans"] = write_rows("plans_plan", cols, (
        (p.id, p.key, "plan", p.number, p.title, p.issuer.id, "", "", p.issued_on, "issued",
         p.parent_id, p.follow_up.id, p.report_to.id, p.cutoff[0], p.cutoff[1], None,
         p.rule_text, "", "generate_scale_data", "Dữ liệu mô phỏng quy mô toàn quốc.", 1, now,
         now, p.lft, p.rght, p.tree_id, p.level, *extra)
        for p in gen.plans
    ))  # fmt: skip
    cols, extra = model_columns(Task, [
        "id", "plan_id", "parent_id", "kind", "code", "full_code", "position", "content",
        "product", "lead_text", "coordinating_text", "timeframe_text", "schedule_kind",
        "due_date", "yearly_day", "yearly_month", "start_year", "end_year", "source_task_id",
        "note", "lft", "rght", "tree_id", "level",
    ])  # fmt: skip
    counts["tasks"] = write_rows("tasks_task", cols, (t + extra for t in gen.tasks))
    cols, extra = model_columns(Assignment, [
        "id", "task_id", "role", "unit_id", "group_id", "source_text", "position", "via_id",
        "replaced_by_id", "active_from", "retired_on",
    ])  # fmt: skip
    counts["assignments"] = write_rows("tasks_assignment", cols, (
        (r.id, r.task, r.role, r.unit.id if r.unit else None, r.group.id if r.group else None,
         r.source_text, r.position, r.via.id if r.via else None,
         r.replaced_by.id if r.replaced_by else None, r.active_from, r.retired_on, *extra)
        for p in gen.plans for r in p.rows
    ))  # fmt: skip
    counts["tracked"] = sum(
        1 for p in gen.plans for r in p.rows
        if r.unit is not None and r.retired_on is None and r.schedule is not None
    )  # fmt: skip
    cols, extra = model_columns(ReportingPeriod, [
        "id", "plan_id", "kind", "year", "title", "request_note", "starts_on", "cutoff",
        "closed_at", "created_at",
    ])  # fmt: skip
    tz = ZoneInfo(settings.TIME_ZONE)
    counts["periods"] = write_rows("reports_reportingperiod", cols, (
        (pid, plan.id, kind, year, title, "", starts_on, cutoff,
         datetime.combine(cutoff + timedelta(days=45), datetime.min.time(), tzinfo=tz)
         if closed else None,
         datetime.combine(starts_on or plan.issued_on, datetime.min.time(), tzinfo=tz), *extra)
        for plan, pid, kind, year, title, starts_on, cutoff, closed in gen.period_specs
    ))  # fmt: skip
    say("  đơn vị, kế hoạch, nhiệm vụ, phân công, kỳ báo cáo đã ghi; đang ghi báo cáo …")
    cols, extra = model_columns(ProgressReport, list(REPORT_COLUMNS))
    counts["reports"] = write_rows(
        "reports_progressreport", cols, (r + extra for r in gen.report_rows())
    )
    return counts


def delete_generated() -> None:
    """Remove a previous run's rows (keys starting with "gen-"), dependents first."""
    plans = "SELECT id FROM plans_plan WHERE seed_key LIKE 'gen-%'"
    periods = f"SELECT id FROM reports_reportingperiod WHERE plan_id IN ({plans})"
    lines = f"SELECT id FROM reports_progressreport WHERE period_id IN ({periods})"
    tasks = f"SELECT id FROM tasks_task WHERE plan_id IN ({plans})"
    units = "SELECT id FROM orgunits_orgunit WHERE key LIKE 'gen-%'"
    statements = [
        f"DELETE FROM reports_reminder WHERE period_id IN ({periods}) OR unit_id IN ({units})",
        f"DELETE FROM reports_reporttransition WHERE report_id IN ({lines})",
        f"DELETE FROM reports_attachment WHERE report_id IN ({lines})",
        f"DELETE FROM reports_indicatorvalue WHERE report_id IN ({lines})",
        f"DELETE FROM reports_extensionrequest WHERE report_id IN ({lines})",
        f"DELETE FROM reports_progressreport WHERE period_id IN ({periods})",
        f"DELETE FROM reports_reportingperiod WHERE plan_id IN ({plans})",
        f"DELETE FROM reports_indicator WHERE plan_id IN ({plans})",
        f"DELETE FROM reports_reminderpolicy WHERE plan_id IN ({plans})",
        f"UPDATE tasks_assignment SET replaced_by_id = NULL, via_id = NULL "
        f"WHERE task_id IN ({tasks})",
        f"DELETE FROM tasks_assignment WHERE task_id IN ({tasks})",
        f"UPDATE tasks_task SET parent_id = NULL, source_task_id = NULL WHERE plan_id IN ({plans})",
        f"DELETE FROM tasks_task WHERE plan_id IN ({plans})",
        f"DELETE FROM plans_plan_also_implements WHERE from_plan_id IN ({plans})",
        f"DELETE FROM plans_plan_replaces WHERE from_plan_id IN ({plans})",
        "UPDATE plans_plan SET parent_id = NULL WHERE seed_key LIKE 'gen-%'",
        "DELETE FROM plans_plan WHERE seed_key LIKE 'gen-%'",
        f"DELETE FROM orgunits_unitgroup WHERE scope_id IN ({units})",
        f"DELETE FROM orgunits_orgunit_serves WHERE from_orgunit_id IN ({units})",
        f"DELETE FROM orgunits_profile WHERE unit_id IN ({units})",
        "UPDATE orgunits_orgunit SET parent_id = NULL, territory_id = NULL, successor_id = NULL "
        "WHERE key LIKE 'gen-%'",
        "DELETE FROM orgunits_orgunit WHERE key LIKE 'gen-%'",
    ]
    with connection.cursor() as cur:
        for sql in statements:
            cur.execute(sql)


class Command(BaseCommand):
    help = (
        "Tạo bộ dữ liệu quy mô toàn quốc (tỉnh, xã thật; kế hoạch, phân công, báo cáo nhiều "
        "năm) để đo hiệu năng. Chỉ dùng cho cơ sở dữ liệu đo hiệu năng hoặc chạy thử."
    )

    def add_arguments(self, parser):
        parser.add_argument("--provinces", type=int, default=34)
        parser.add_argument(
            "--communes-per-province", type=int, default=100, help="0: mọi xã của tỉnh"
        )
        parser.add_argument("--years", type=int, default=5)
        parser.add_argument(
            "--today", help="Tính đến ngày (yyyy-mm-dd), mặc định hôm nay.", default=""
        )
        parser.add_argument("--seed", type=int, default=39)
        parser.add_argument(
            "--replace", action="store_true", help="Xóa dữ liệu đã tạo lần trước rồi tạo lại."
        )

    def handle(self, *args, provinces, communes_per_province, years, today, seed, replace,
               **options):  # fmt: skip
        day = date.fromisoformat(today) if today else timezone.localdate()
        if not 1 <= provinces <= 34:
            raise CommandError("Số tỉnh phải từ 1 đến 34.")
        if years < 1:
            raise CommandError("Số năm phải từ 1 trở lên.")
        size = provinces * (communes_per_province or 100)
        if connection.vendor != "postgresql" and size > 300:
            raise CommandError(
                "Bộ dữ liệu lớn chỉ tạo trên PostgreSQL (đặt DATABASE_URL). Trên SQLite, "
                "dùng cỡ nhỏ, vd. --provinces 2 --communes-per-province 10."
            )
        from orgunits.models import OrgUnit

        t0 = time.perf_counter()
        exists = OrgUnit.objects.filter(key__startswith=f"{PREFIX}-p").exists()
        if exists and not replace:
            raise CommandError("Đã có dữ liệu do lệnh này tạo; thêm --replace để tạo lại.")
        with transaction.atomic():
            if exists:
                delete_generated()
            t_delete = time.perf_counter()
            structure = read_structure()
            missing = [k for k in [*PROVINCE_STRUCTURES, COMMUNE_STRUCTURE] if k not in structure]
            if missing:
                raise CommandError(f"Không đọc được cấu trúc kế hoạch mẫu: {', '.join(missing)}.")
            t_read = time.perf_counter()
            gen = Generator(
                structure, provinces=provinces, communes=communes_per_province, years=years,
                today=day, seed=seed, out=self.stdout,
            )  # fmt: skip
            gen.build()
            t_build = time.perf_counter()
            counts = write(gen, self.stdout.write)
        t_write = time.perf_counter()
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                for table in ["orgunits_orgunit", "orgunits_unitgroup", "plans_plan",
                              "tasks_task", "tasks_assignment", "reports_reportingperiod",
                              "reports_progressreport"]:  # fmt: skip
                    cur.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                    )
                    cur.execute(f"ANALYZE {table}")
        t_end = time.perf_counter()
        n = {k: f"{v:,}".replace(",", ".") for k, v in counts.items()}
        self.stdout.write(
            f"Đã tạo {n['units']} đơn vị ({provinces} tỉnh, {gen.merged} xã sáp nhập), "
            f"{n['groups']} nhóm, {n['plans']} kế hoạch, {n['tasks']} dòng nhiệm vụ, "
            f"{n['assignments']} phân công ({n['tracked']} đang theo dõi), {n['periods']} kỳ "
            f"báo cáo ({gen.first_year}–{day.year}), {n['reports']} báo cáo tiến độ."
        )
        self.stdout.write(
            f"Thời gian: xóa dữ liệu cũ {t_delete - t0:.1f} s, đọc cấu trúc mẫu "
            f"{t_read - t_delete:.1f} s, dựng dữ liệu {t_build - t_read:.1f} s, ghi "
            f"{t_write - t_build:.1f} s, ANALYZE {t_end - t_write:.1f} s — tổng "
            f"{t_end - t0:.1f} s."
        )
