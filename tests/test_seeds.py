"""The five seed documents as demo data: counts, content, units and timeframes."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from orgunits.models import OrgUnit, UnitGroup
from plans.models import Plan
from tasks.models import Assignment, Task

pytestmark = pytest.mark.django_db

# (plan key, sections, tasks, sub-items) as printed in the seeds.
COUNTS = [
    ("qn-17-kh-ubnd", 6, 21, 3),  # seed 001: I–VI, IV.1 a–c
    ("na-686-kh-ubnd", 5, 24, 0),  # seed 002: 1–5, 1.1 … 5.8, two rows without STT, row 6
    ("dn-kh-ubnd", 4, 24, 0),  # seed 003: II.1–II.4, a) … i)
    ("kt-kh-ubnd", 6, 21, 2),  # seed 004: I–VI, IV.1 a–b
    ("pg-kh-ubnd", 6, 22, 0),  # seed 000: II.1–II.6, a … e
]


def task(plan_key, full_code):
    return Task.objects.get(plan__seed_key=plan_key, full_code=full_code)


def names(t, role):
    """The units and groups written in the cell (not the tracked rows derived from them)."""
    return [a.assignee_name for a in t.assignments.filter(via=None, role=role)]


@pytest.mark.parametrize(("plan_key", "sections", "tasks", "subitems"), COUNTS)
def test_counts_per_seed(plan_key, sections, tasks, subitems):
    plan_tasks = Task.objects.filter(plan__seed_key=plan_key)
    assert plan_tasks.filter(kind=Task.Kind.SECTION).count() == sections
    assert plan_tasks.filter(kind=Task.Kind.TASK).count() == tasks
    assert plan_tasks.filter(kind=Task.Kind.SUBITEM).count() == subitems


def test_every_non_section_row_has_a_lead_unit_except_headers():
    rows = Task.objects.exclude(kind=Task.Kind.SECTION).exclude(
        plan__seed_key__in=["qn-17-kh-ubnd", "kt-kh-ubnd"], full_code="IV.1"
    )
    missing = [
        t for t in rows if not t.assignments.filter(role=Assignment.Role.LEAD, via=None).exists()
    ]
    assert missing == []


def test_plan_chain_from_directive_to_commune():
    commune = Plan.objects.get(seed_key="pg-kh-ubnd")
    chain = [p.seed_key for p in commune.get_ancestors()]
    assert chain == ["ct-39", "qn-05-kh-tu", "qn-89-kh-ubnd"]
    assert list(commune.also_implements.values_list("seed_key", flat=True)) == ["pg-27-kh-du"]
    assert Plan.objects.get(seed_key="qn-17-kh-ubnd").parent.seed_key == "qd-1560"
    assert Plan.objects.get(seed_key="qd-1560").parent.seed_key == "ct-39"
    assert set(
        Plan.objects.get(seed_key="qn-17-kh-ubnd").replaces.values_list("seed_key", flat=True)
    ) == {"kt-kh-ubnd"}
    assert Plan.objects.get(seed_key="kt-kh-ubnd").status == Plan.Status.SUPERSEDED


def test_reporting_rules_from_the_seeds():
    pg = Plan.objects.get(seed_key="pg-kh-ubnd")
    assert pg.cutoff_for_year(2025) == date(2025, 12, 31)
    assert pg.cutoff_for_year(2026) == date(2026, 9, 25)
    assert pg.follow_up_unit.short_name == "PGD NHCSXH Nghĩa Hành"
    assert Plan.objects.get(seed_key="na-686-kh-ubnd").cutoff_for_year(2026) == date(2026, 10, 1)
    assert Plan.objects.get(seed_key="dn-kh-ubnd").cutoff_for_year(2026) == date(2026, 12, 15)


def test_seed_001_rows():
    first = task("qn-17-kh-ubnd", "I.1")
    assert first.content.startswith("Tổ chức nghiên cứu, phổ biến, quán triệt sâu rộng nội dung")
    assert "\n" not in first.content  # PDF line breaks joined
    assert names(first, "lead") == [
        "Các sở, ban, ngành có liên quan",
        "Ủy ban nhân dân các xã, phường, đặc khu",
    ]
    assert first.product == "Văn bản triển khai, Kế hoạch phổ biến, tuyên truyền"
    assert first.schedule_kind == Task.ScheduleKind.ONGOING

    v8 = task("qn-17-kh-ubnd", "V.8")
    assert v8.due_date == date(2025, 9, 30)  # "hoàn thành trong quý III/2025"
    assert v8.schedule_kind == Task.ScheduleKind.ONCE
    assert (v8.start_year, v8.end_year) == (2025, 2030)

    sub = task("qn-17-kh-ubnd", "IV.1.a")
    assert sub.kind == Task.Kind.SUBITEM and sub.parent.full_code == "IV.1"
    assert names(sub, "lead") == ["Sở Tài chính", "Ủy ban nhân dân các xã, phường, đặc khu"]
    assert "Chi nhánh NHCSXH tỉnh" in names(sub, "coordinating")
    # "Thường xuyên, hằng năm" (issue 12): ongoing work, reported yearly, never "quá hạn".
    assert sub.schedule_kind == Task.ScheduleKind.ONGOING
    assert sub.schedule.summary == "thường xuyên, báo cáo hằng năm"

    vi4 = task("qn-17-kh-ubnd", "VI.4")
    assert vi4.content.count("\n- ") == 2  # three bullet paragraphs kept
    # the raw cell text is kept as written for exports
    assert vi4.coordinating_text.startswith("Ủy ban Mặt trận Tổ quốc, các tổ chức chính trị")


def test_seed_002_rows():
    rows = list(Task.objects.filter(plan__seed_key="na-686-kh-ubnd").order_by("position"))
    no_stt = [t for t in rows if t.code == ""]
    assert len(no_stt) == 2
    assert all(t.parent.full_code == "5" and t.kind == Task.Kind.TASK for t in no_stt)
    assert no_stt[0].content.startswith("Nâng cao hiệu quả hoạt động của Ngân hàng Chính sách")

    section2 = task("na-686-kh-ubnd", "2")
    assert "<b>" not in section2.content and section2.content.startswith("Phối hợp")

    t12 = task("na-686-kh-ubnd", "1.2")
    assert t12.due_date == date(2025, 8, 31)  # "Tháng 8/2025"

    t41 = task("na-686-kh-ubnd", "4.1")
    assert t41.schedule_kind == Task.ScheduleKind.EXTERNAL
    assert "<li>" not in t41.timeframe_text and t41.timeframe_text.startswith("- Nguồn vốn")

    reporting = task("na-686-kh-ubnd", "6")
    assert reporting.kind == Task.Kind.TASK and reporting.parent is None
    assert (reporting.yearly_day, reporting.yearly_month) == (1, 10)
    assert names(reporting, "lead") == [
        "Chi nhánh NHCSXH tỉnh",
        "Các sở, ban, ngành",
        "Ủy ban nhân dân các xã, phường, đặc khu",
    ]
    t52 = task("na-686-kh-ubnd", "5.2")
    assert names(t52, "lead")[0] == "HĐND tỉnh"  # "Đoàn giám sát của HĐND tỉnh"
    assert t52.schedule_kind == Task.ScheduleKind.EXTERNAL


def test_seed_003_rows():
    d = task("dn-kh-ubnd", "2.d")
    assert names(d, "lead") == ["Ủy ban nhân dân các xã, phường, đặc khu", "Công an cấp xã"]
    assert names(d, "coordinating") == ["Chi nhánh/Phòng giao dịch Ngân hàng Chính sách xã hội"]
    # "Thường xuyên, hằng năm." (issue 12): ongoing, reported yearly, no deadline of its own.
    assert d.schedule_kind == Task.ScheduleKind.ONGOING and d.due_date is None
    assert d.schedule.summary == "thường xuyên, báo cáo hằng năm"
    a3 = task("dn-kh-ubnd", "3.a")  # "Các sở: Tài chính, Nông nghiệp và Môi trường, Tư pháp, …"
    coordinating = names(a3, "coordinating")
    assert coordinating[:3] == ["Sở Tài chính", "Sở Nông nghiệp và Môi trường", "Sở Tư pháp"]
    assert "Công an thành phố" in coordinating
    assert task("dn-kh-ubnd", "4.c").schedule_kind == Task.ScheduleKind.YEARLY  # "Hằng năm."
    assert task("dn-kh-ubnd", "3.g").schedule_kind == Task.ScheduleKind.NONE


def test_seed_004_rows():
    t = task("kt-kh-ubnd", "I.1")
    assert names(t, "lead") == [
        "Các sở, ban, ngành có liên quan",
        "Ủy ban nhân dân các huyện, thành phố",
    ]
    v8 = task("kt-kh-ubnd", "V.8")
    assert v8.due_date == date(2025, 3, 31)  # "hoàn thành trong quý I/2025"
    assert names(task("kt-kh-ubnd", "I.2"), "lead")[0] == "Trung tâm Truyền thông tỉnh"


def test_seed_000_rows_link_to_the_provincial_plan():
    b = task("pg-kh-ubnd", "1.b")
    assert names(b, "lead") == ["Trung tâm Cung ứng dịch vụ công xã"]
    assert names(b, "coordinating") == [
        "Các tổ chức chính trị - xã hội xã",
        "PGD NHCSXH Nghĩa Hành",
    ]
    assert b.source_task == task("qn-17-kh-ubnd", "I.2")
    assert task("pg-kh-ubnd", "4.b").source_task.full_code == "IV.1.c"
    assert Task.objects.filter(plan__seed_key="pg-kh-ubnd", source_task__isnull=False).count() >= 15


def test_groups_expand_to_real_units():
    qn = OrgUnit.objects.get(key="qn")
    communes = UnitGroup.objects.get(key="qn-ubnd-xa").members()
    assert communes.count() == 96  # every commune of Quảng Ngãi in the 2025 list
    assert communes.filter(admin_code="21370", name="Ủy ban nhân dân xã Phước Giang").exists()
    assert UnitGroup.objects.get(key="na-ubnd-xa").members().count() == 130
    # "Các sở, ban, ngành có liên quan" is a selection the office picks, not every department
    assert not UnitGroup.objects.get(key="qn-so-nganh").members().exists()
    departments = UnitGroup.objects.get(key="qn-so-ban-nganh").members()
    assert departments.filter(short_name="Sở Tài chính", parent=qn).exists()
    assert not departments.filter(territory__kind=OrgUnit.Kind.COMMUNE).exists()
    all_levels = UnitGroup.objects.get(key="qn-ctxh-cac-cap").members()
    assert all_levels.filter(key="w21370-hoi-nong-dan").exists()
    assert (
        not UnitGroup.objects.get(key="qn-ctxh")
        .members()
        .filter(key="w21370-hoi-nong-dan")
        .exists()
    )
    districts = UnitGroup.objects.get(key="kt-ubnd-huyen")
    assert districts.members().count() == 10
    assert districts.members(on=date(2025, 7, 1)).count() == 0  # abolished 1/7/2025


def test_transaction_offices_serve_the_communes_of_their_former_district():
    nghia_hanh = OrgUnit.objects.get(short_name="PGD NHCSXH Nghĩa Hành")
    served = set(nghia_hanh.serves.values_list("admin_code", flat=True))
    assert "21370" in served  # Phước Giang was formed from communes of huyện Nghĩa Hành
    assert nghia_hanh.parent.key == "qn-nhcsxh"


def test_kon_tum_merged_into_quang_ngai():
    kon_tum = OrgUnit.objects.get(key="kt")
    assert kon_tum.active_until == date(2025, 6, 30)
    assert kon_tum.successor.key == "qn"
    assert OrgUnit.objects.get(key="kt-tai-chinh").final_successor().key == "qn-tai-chinh"
    assert OrgUnit.objects.get(key="kt-pgd-610").successor.key == "qn-pgd-610"
    assert not kon_tum.is_active_on(date(2025, 7, 1))


def test_load_seeds_is_idempotent():
    def snapshot():
        return (
            list(
                OrgUnit.objects.order_by("pk").values_list(
                    "pk", "key", "name", "parent_id", "lft", "rght", "tree_id", "successor_id"
                )
            ),
            list(Plan.objects.order_by("pk").values_list("pk", "title", "parent_id", "lft")),
            list(Task.objects.order_by("pk").values_list("pk", "content", "lft", "rght")),
            Assignment.objects.count(),
        )

    before = snapshot()
    out = StringIO()
    call_command("load_seeds", stdout=out)
    assert snapshot() == before
    assert "0 tạo mới, 0 cập nhật, 0 tên gọi khác, 0 nhóm" in out.getvalue()
    assert "Kế hoạch: 0 thay đổi." in out.getvalue()
