"""“Lập kế hoạch cấp xã”: a commune plan derived from the provincial plan; issuing it."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from orgunits.models import OrgUnit
from plans.models import Plan
from tasks.expansion import tracked_assignments
from tasks.models import Task
from tasks.workflow import create_revision, derive_commune_plan, issue_plan, issue_problems

pytestmark = pytest.mark.django_db


@pytest.fixture
def provincial():
    return Plan.objects.get(seed_key="qn-17-kh-ubnd")


@pytest.fixture
def commune():
    return OrgUnit.objects.get(admin_code="21370")  # xã Phước Giang


def test_derives_every_task_naming_the_commune(provincial, commune):
    derived = derive_commune_plan(provincial, commune)
    plan = derived.plan
    assert derived.created and plan.status == Plan.Status.DRAFT
    assert plan.parent == provincial and plan.issuer == commune
    assert plan.follow_up_unit.short_name == "PGD NHCSXH Nghĩa Hành"
    tasks = list(plan.tasks.order_by("position"))
    sources = {t.source_task.full_code for t in tasks if t.kind != Task.Kind.SECTION}
    # I.2 names communes only as coordinating; V.9 does not name them at all.
    assert {"I.1", "I.2", "II.3", "IV.1.a", "VI.3"} <= sources
    assert "V.9" not in sources
    assert "IV.1.c" not in sources  # lead/coordinating are provincial bodies only
    # structure kept and renumbered: sections I…, tasks 1…, sub-items a…
    sections = [t for t in tasks if t.kind == Task.Kind.SECTION]
    assert [s.code for s in sections][:3] == ["I", "II", "III"]
    iv1a = next(t for t in tasks if t.source_task and t.source_task.full_code == "IV.1.a")
    assert iv1a.kind == Task.Kind.SUBITEM and iv1a.parent.source_task.full_code == "IV.1"
    # the commune leads its copy; the provincial role is noted
    i2 = next(t for t in tasks if t.source_task and t.source_task.full_code == "I.2")
    assert [a.unit for a in i2.assignments.filter(role="lead")] == [commune]
    assert "đơn vị phối hợp" in i2.note
    assert i2.content == Task.objects.get(plan=provincial, full_code="I.2").content


def test_deriving_twice_returns_the_same_draft(provincial, commune):
    first = derive_commune_plan(provincial, commune)
    second = derive_commune_plan(provincial, commune)
    assert not second.created and second.plan == first.plan
    assert Plan.objects.filter(parent=provincial, issuer=commune).count() == 1


def test_cannot_derive_from_a_draft_or_for_a_non_commune(provincial, commune):
    draft = Plan.objects.get(seed_key="dn-kh-ubnd")
    with pytest.raises(ValidationError):
        derive_commune_plan(draft, commune)
    with pytest.raises(ValidationError):
        derive_commune_plan(provincial, OrgUnit.objects.get(key="qn-tai-chinh"))


def test_issue_checks_number_date_and_leads(provincial, commune):
    plan = derive_commune_plan(provincial, commune).plan
    assert "Cần nhập số, ký hiệu văn bản trước khi ban hành." in issue_problems(plan, "", None)
    assert "Ngày ban hành không được ở tương lai." in issue_problems(
        plan, "12/KH-UBND", date(2999, 1, 1)
    )
    task = plan.tasks.exclude(kind=Task.Kind.SECTION).filter(children__isnull=True).first()
    task.assignments.all().delete()
    problems = issue_problems(plan, "12/KH-UBND", date(2026, 1, 5))
    assert any("chưa có đơn vị chủ trì" in p for p in problems)


def test_issue_creates_tracked_assignments(provincial, commune):
    plan = derive_commune_plan(provincial, commune).plan
    assert not tracked_assignments().filter(task__plan=plan, via__isnull=False).exists()
    result = issue_plan(plan, "12/KH-UBND", date(2026, 1, 5))
    plan.refresh_from_db()
    assert plan.status == Plan.Status.ISSUED and plan.number == "12/KH-UBND"
    assert tracked_assignments().filter(task__plan=plan, unit=commune).exists()
    assert result.retired == 0
    with pytest.raises(ValidationError):
        issue_plan(plan, "13/KH-UBND", date(2026, 1, 6))  # already issued


def test_revision_replaces_the_issued_plan(provincial, commune):
    plan = derive_commune_plan(provincial, commune).plan
    issue_plan(plan, "12/KH-UBND", date(2026, 1, 5))
    plan.refresh_from_db()
    revision = create_revision(plan).plan
    assert create_revision(plan).plan == revision  # one draft at a time
    assert revision.tasks.count() == plan.tasks.count()
    issue_plan(revision, "20/KH-UBND", date(2026, 3, 1))
    plan.refresh_from_db()
    assert plan.status == Plan.Status.SUPERSEDED
    assert not tracked_assignments().filter(task__plan=plan).exists()
    assert tracked_assignments().filter(task__plan=revision).exists()


def test_a_revision_is_checked_on_the_units_the_plan_names(provincial, monkeypatch):
    """The revision's rows carry the plan's written assignments, and the warnings are those
    of these units, not of the cells read again (a lead cell emptied while its assignment
    stays is still led)."""
    from tasks import workflow

    prepared_seen = []
    real = workflow.create_tasks

    def spy(plan, prepared, **kwargs):
        prepared_seen.append(prepared)
        return real(plan, prepared, **kwargs)

    monkeypatch.setattr(workflow, "create_tasks", spy)
    task = provincial.tasks.filter(assignments__role="lead", children__isnull=True).first()
    Task.objects.filter(pk=task.pk).update(lead_text="")
    create_revision(provincial)
    (prepared,) = prepared_seen
    row = prepared.rows[list(provincial.tasks.order_by("position")).index(task)]
    leads = task.assignments.filter(role="lead", via__isnull=True).order_by("position", "pk")
    assert [p.target.pk for p in row.lead_parts] == [a.unit_id or a.group_id for a in leads]
    assert not any("chưa có đơn vị chủ trì" in w for w in row.warnings)
