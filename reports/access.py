"""Who may read, fill, submit and review progress reports. Enforced on the server, per object.

- Nobody sees anything of a plan they cannot see (`plans.access.visible_plans`): 404.
- Officers of the assignment's unit fill and submit its reports; a submitted or accepted
  report is read-only to them; a returned one is editable again.
- Officers read the reports of their own unit and of the units below it (a commune's
  People's Committee reads its commune offices); another commune's reports are invisible.
- The reviewing unit (the plan's follow-up unit — PGD NHCSXH or Chi nhánh NHCSXH tỉnh — or
  the unit reports go to; for a plan naming neither, the NHCSXH branch of the issuer's
  province) reviews: its reviewers accept or return reports, create ad-hoc periods, close
  periods and download the consolidated report.
- Provincial admins and leaders read everything of the plans they see, and download the
  consolidated report; they do not review.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from orgunits.access import PROVINCE_ROLES, Actor, actor_for, units_in_subtree
from orgunits.models import OrgUnit, Profile
from orgunits.territory import branch_ids
from plans.access import followed_by, visible_plans
from plans.models import Plan

from .models import ProgressReport, ReportingPeriod


def is_unit_reviewer(user) -> bool:
    """A reviewer with a unit: "Báo cáo của đơn vị" lists the plans their unit follows."""
    actor = actor_for(user)
    return actor.unit is not None and actor.has_role(Profile.Role.REVIEWER)


def is_reviewer(user) -> bool:
    """Reviews reports at all (the bell, the review list): a reviewer with a unit, or a
    superuser; which reports is `reviewable_reports`."""
    actor = actor_for(user)
    return actor.is_superuser or is_unit_reviewer(actor)


def report_plans(user) -> QuerySet[Plan]:
    """The plans listed on "Báo cáo của đơn vị": of the visible plans with periods, those of
    the province (reviewers, provincial admins, leaders) or followed by or reported to the
    unit; an officer's own unit's plans; everything for superusers."""
    actor = actor_for(user)
    plans = visible_plans(actor).filter(reporting_periods__isnull=False).distinct()
    if actor.is_superuser:
        return plans
    unit = actor.unit
    if unit is None:
        return plans.none()
    if actor.has_role(*PROVINCE_ROLES):
        return plans.filter(Q(issuer__tree_id=unit.tree_id) | followed_by(unit))
    return plans.filter(issuer=unit)


def _reviewing_units(rows) -> dict[int, list[int]]:
    """The one rule behind `reviewing_unit_ids` and its batched forms: a plan's follow-up
    unit, then the unit it reports to, else the first NHCSXH branch of its issuer's tree.
    `rows` are (plan id, follow_up_unit_id, report_to_unit_id, issuer tree id); at most one
    query (the branches of the plans naming no reviewer)."""
    rows = list(rows)
    trees = {tree for _pk, follow_up, report_to, tree in rows if not (follow_up or report_to)}
    branches = branch_ids(trees)
    out = {}
    for pk, follow_up, report_to, tree in rows:
        ids = [u for u in (follow_up, report_to) if u] or [branches.get(tree)]
        out[pk] = list(dict.fromkeys(u for u in ids if u))
    return out


def reviewing_unit_ids(plan: Plan) -> list[int]:
    """The NHCSXH units that review this plan's reports (the first one follows up)."""
    row = (plan.pk, plan.follow_up_unit_id, plan.report_to_unit_id, plan.issuer.tree_id)
    return _reviewing_units([row])[plan.pk]


def first_reviewing_units(plan_ids) -> dict[int, int]:
    """Plan id → `reviewing_unit_ids(plan)[0]`, for many plans in two queries (the reviewer
    escalations go to)."""
    rows = Plan.objects.filter(pk__in=plan_ids).values_list(
        "pk", "follow_up_unit_id", "report_to_unit_id", "issuer__tree_id"
    )
    return {pk: ids[0] for pk, ids in _reviewing_units(rows).items() if ids}


def is_reviewer_of(user, plan: Plan) -> bool:
    actor = actor_for(user)
    if actor.is_superuser:
        return True
    return (
        actor.unit is not None
        and actor.has_role(Profile.Role.REVIEWER)
        and actor.unit.pk in reviewing_unit_ids(plan)
    )


def reviewing_units_by_plan(plans) -> dict[int, list[int]]:
    """Plan id → `reviewing_unit_ids(plan)`, for many plans in at most one query. Each plan
    carries `issuer_tree_id` (annotated by the caller)."""
    return _reviewing_units(
        (p.pk, p.follow_up_unit_id, p.report_to_unit_id, p.issuer_tree_id) for p in plans
    )


def plans_not_reviewed_by(user, plans) -> set[int]:
    """`is_reviewer_of` for many plans at once (the bulk review): the ids of those among
    `plans` the user may not review, in at most one query. Plans carry `issuer_tree_id`."""
    actor = actor_for(user)
    if actor.is_superuser:
        return set()
    mine = actor.unit.pk if actor.unit and actor.has_role(Profile.Role.REVIEWER) else None
    return {pk for pk, units in reviewing_units_by_plan(plans).items() if mine not in units}


def reads_all_units(user, plan: Plan) -> bool:
    """Reviewers, provincial admins and leaders read every unit's reports of a visible plan,
    and so do the officers of the issuing unit."""
    actor = actor_for(user)
    if actor.is_superuser:
        return True
    if actor.unit is None:
        return False
    if actor.is_national:
        return True  # NHCSXH Việt Nam follows every province (plans it can see are issued)
    if actor.has_role(Profile.Role.PROVINCE_ADMIN, Profile.Role.LEADER):
        return actor.in_province(plan.issuer)
    if actor.has_role(Profile.Role.REVIEWER):
        return actor.in_province(plan.issuer) or is_reviewer_of(actor, plan)
    return plan.issuer_id == actor.unit.pk


def readable_unit_filter(user, plan: Plan) -> Q | None:
    """Filter on OrgUnit rows whose reports of `plan` the user may read (None: all)."""
    actor = actor_for(user)
    if reads_all_units(actor, plan):
        return None
    if actor.unit is None:
        return Q(pk__in=[])
    return units_in_subtree(actor.unit)


def can_read_unit_reports(user, plan: Plan, unit: OrgUnit) -> bool:
    actor = actor_for(user)
    if reads_all_units(actor, plan):
        return True
    return actor.unit is not None and actor.unit.contains(unit)


def can_fill(user, unit: OrgUnit) -> bool:
    """Officers of the unit fill its reports (superusers too, to help)."""
    actor = actor_for(user)
    if actor.is_superuser:
        return True
    return (
        actor.unit is not None and actor.unit.pk == unit.pk and actor.has_role(Profile.Role.OFFICER)
    )


def can_fill_period(user, period: ReportingPeriod, unit: OrgUnit) -> bool:
    """The unit's report page of the period takes input from the user: they fill the unit's
    reports (`can_fill`) and the period is open."""
    return can_fill(user, unit) and not period.is_closed


def can_fill_line(user, line: ProgressReport) -> bool:
    """The user may still change this line (its status, narrative, attachments): they fill
    its unit's reports, its period is open and the line is a draft or was returned."""
    return can_fill_period(user, line.period, line.unit) and line.is_editable_state


def can_request_extension(user, line: ProgressReport) -> bool:
    """The line's page offers "Đề nghị gia hạn": the user fills its unit's reports, the
    period is open and the line has a deadline of its own."""
    return line.deadline is not None and can_fill_period(user, line.period, line.unit)


def can_review_line(user, line: ProgressReport) -> bool:
    """The line's page offers the review form (accept / return): the user reviews its plan,
    the line waits for review and its period is open."""
    return (
        line.state == ProgressReport.State.SUBMITTED
        and not line.period.is_closed
        and is_reviewer_of(user, line.period.plan)
    )


# --- who is told: the same roles as the rules above, as recipients ----------------------


def fills_reports(profile: Profile) -> bool:
    """An officer: fills their unit's reports (`can_fill`), so gets its reminders."""
    return profile.role == Profile.Role.OFFICER


def reviews_reports(profile: Profile) -> bool:
    """A reviewer: their unit's review reminders and submission notices are theirs."""
    return profile.role == Profile.Role.REVIEWER


def _active_users(**profile_filter) -> QuerySet:
    return get_user_model().objects.filter(
        is_active=True, **{f"profile__{k}": v for k, v in profile_filter.items()}
    )


def officers_of(unit_ids) -> QuerySet:
    """Active officers of the units: those who fill, and are told about, their reports."""
    return _active_users(unit_id__in=list(unit_ids), role=Profile.Role.OFFICER)


def reviewers_of(plan: Plan) -> QuerySet:
    """Active reviewers of the plan's reviewing units (`reviewing_unit_ids`)."""
    return _active_users(unit_id__in=reviewing_unit_ids(plan), role=Profile.Role.REVIEWER)


def can_manage_periods(user, plan: Plan) -> bool:
    return is_reviewer_of(user, plan)


def can_download_consolidated(user, plan: Plan) -> bool:
    actor = actor_for(user)
    if is_reviewer_of(actor, plan):
        return True
    return (
        actor.unit is not None
        and actor.has_role(Profile.Role.PROVINCE_ADMIN, Profile.Role.LEADER)
        and actor.in_province(plan.issuer)
    )


def visible_periods(user) -> QuerySet[ReportingPeriod]:
    return ReportingPeriod.objects.filter(plan__in=visible_plans(actor_for(user)).values("pk"))


def consolidated_period(user, period_pk) -> ReportingPeriod | None:
    """The period (with its plan) whose consolidated report the user may download: a period
    they see (`visible_periods`) of a plan whose consolidated report they may download
    (`can_download_consolidated`); None otherwise."""
    period = (
        visible_periods(user)
        .select_related("plan__issuer", "plan__follow_up_unit", "plan__report_to_unit")
        .filter(pk=period_pk)
        .first()
    )
    if period is None or not can_download_consolidated(user, period.plan):
        return None
    return period


def visible_reports(user) -> QuerySet[ProgressReport]:
    """Reports the user may read: of visible plans, and of their own units unless they
    read every unit's reports of the plan."""
    actor = actor_for(user)
    reports = ProgressReport.objects.filter(period__plan__in=visible_plans(actor).values("pk"))
    if actor.is_superuser or actor.is_national:
        return reports
    if actor.unit is None:
        return reports.none()
    unit = actor.unit
    own_units = units_in_subtree(unit, "unit__")
    if actor.has_role(*PROVINCE_ROLES):
        in_province = Q(period__plan__issuer__tree_id=actor.province.tree_id)
        return reports.filter(own_units | in_province | followed_by(unit, "period__plan__"))
    return reports.filter(own_units | Q(period__plan__issuer=unit))


def reviewable_reports(user) -> QuerySet[ProgressReport]:
    """Reports of the plans whose reviewing unit is the user's (before narrowing by state)."""
    actor = actor_for(user)
    reports = ProgressReport.objects.filter(period__plan__in=visible_plans(actor).values("pk"))
    return _reviewable(actor, reports)


def waiting_review_count(user) -> int:
    """How many lines wait for the user's review (the navbar's "Thẩm định" count): one query.
    Reporting periods exist only for issued (or since superseded) plans, which the reviewing
    unit sees, so this counts the submitted lines of `reviewable_reports` without the
    visibility sub-queries."""
    from plans.access import PUBLISHED

    actor = actor_for(user)
    reports = ProgressReport.objects.filter(
        state=ProgressReport.State.SUBMITTED, period__plan__status__in=PUBLISHED
    )
    return _reviewable(actor, reports).count()


def _reviewable(actor: Actor, reports: QuerySet[ProgressReport]) -> QuerySet[ProgressReport]:
    if actor.is_superuser:
        return reports
    if actor.unit is None or not actor.has_role(Profile.Role.REVIEWER):
        return reports.none()
    unit = actor.unit
    explicit = followed_by(unit, "period__plan__")
    fallback = Q(
        period__plan__follow_up_unit__isnull=True,
        period__plan__report_to_unit__isnull=True,
        period__plan__issuer__tree_id=unit.tree_id,
    )
    if unit.kind == OrgUnit.Kind.NHCSXH_BRANCH:
        return reports.filter(explicit | fallback)
    return reports.filter(explicit)
