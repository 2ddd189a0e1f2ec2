"""Filling, submitting and reviewing progress reports; extension requests; notifications.

Every write is one transaction: all rows of a unit's page are saved (or submitted), or none
is, with Vietnamese messages saying what to fix. "Nộp các dòng đã đủ thông tin" (`ready_only`)
submits the complete rows and keeps the incomplete ones as drafts (their edits saved); bad
input (a wrong date, figure or file) still refuses the whole post. Concurrent edits are
refused by a version check; a form posted twice (double click, resend) is recognised by its
token and changes nothing the second time. Only rows whose content changed get a new version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from config.numbers import count_text
from orgunits.access import actor_for
from orgunits.models import OrgUnit

from .access import (
    can_fill,
    is_reviewer_of,
    officers_of,
    plans_not_reviewed_by,
    reviewers_of,
    reviewing_unit_ids,
)
from .indicators import parse_figure
from .models import (
    Attachment,
    ExtensionRequest,
    Indicator,
    IndicatorValue,
    Notification,
    ProgressReport,
    ReportingPeriod,
    ReportTransition,
)
from .uploads import KINDS, PendingFile, check_upload, pending_from, sha256_of

State = ProgressReport.State
Status = ProgressReport.Status


class ReportError(Exception):
    """A refused write, with the Vietnamese message(s) to show; nothing was changed."""

    def __init__(self, message: str, row_errors: dict[int, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.row_errors = row_errors or {}


@dataclass
class LineInput:
    """What the unit's page posts for one report row."""

    report_id: int
    version: int
    status: str = ""
    narrative: str = ""
    reason: str = ""
    product_ref: str = ""
    completed_on: str = ""
    figures: dict[int, str] = field(default_factory=dict)
    upload: object | None = None
    #: Signed reference of a file kept from a refused post (uploads.keep_pending).
    pending_ref: str = ""


@dataclass
class SaveResult:
    saved: int = 0  # rows whose content changed
    submitted: int = 0
    unchanged: int = 0
    replay: bool = False
    #: Rows left unsubmitted by a `ready_only` submit: (task code, [what is missing]).
    unsubmitted: list[tuple[str, list[str]]] = field(default_factory=list)


#: What each status requires before submitting: field → short Vietnamese name.
REQUIRED_BY_STATUS = {
    Status.NOT_STARTED: {},
    Status.IN_PROGRESS: {"narrative": "kết quả thực hiện"},
    Status.DONE: {"narrative": "kết quả thực hiện", "completed_on": "ngày hoàn thành"},
    Status.NOT_FEASIBLE: {"reason": "lý do không thực hiện được"},
}


def required_fields(status: str) -> dict[str, str]:
    """The fields a row with this status must fill before it can be submitted."""
    return REQUIRED_BY_STATUS.get(status, {})


def parse_day(text: str) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def lock_period(period_id: int) -> ReportingPeriod:
    """Hold the period against being closed while rows are written (shared lock on PG)."""
    if connection.vendor == "postgresql":
        found = list(
            ReportingPeriod.objects.raw(
                "SELECT * FROM reports_reportingperiod WHERE id = %s FOR SHARE", [period_id]
            )
        )
        return found[0]
    return ReportingPeriod.objects.get(pk=period_id)


def closed_message(period: ReportingPeriod) -> str:
    when = timezone.localtime(period.closed_at)
    return (
        f"Kỳ báo cáo “{period.label}” đã được đơn vị theo dõi khóa lúc {when:%H:%M %d/%m/%Y}: "
        "không thể lưu hoặc nộp báo cáo nữa. Nếu cần bổ sung, hãy liên hệ đơn vị theo dõi "
        "để mở lại kỳ."
    )


def _conflict_message(row: ProgressReport) -> str:
    when = timezone.localtime(row.updated_at)
    return (
        f"Báo cáo nhiệm vụ {row.task.full_code or row.task.position + 1} vừa được người khác "
        f"cập nhật lúc {when:%H:%M:%S %d/%m/%Y}. Hãy tải lại trang để xem nội dung mới rồi "
        "nhập lại thay đổi của mình; chưa có gì được lưu."
    )


def _code(row: ProgressReport) -> str:
    return row.task.full_code or str(row.task.position + 1)


def _validate_line(
    row, data: LineInput, indicators, today: date
) -> tuple[list[str], list[tuple[str, str]]]:
    """(format errors, [(missing field name, message)]) of one posted row."""
    errors, missing = [], []
    code = _code(row)
    if data.status and data.status not in Status.values:
        errors.append(f"Nhiệm vụ {code}: tình trạng “{data.status}” không hợp lệ.")
    try:
        completed = parse_day(data.completed_on)
    except ValueError:
        errors.append(
            f"Nhiệm vụ {code}: ngày hoàn thành “{data.completed_on}” không đúng dạng dd/mm/yyyy."
        )
        completed = None
    if completed and completed > today:
        errors.append(f"Nhiệm vụ {code}: ngày hoàn thành không được sau hôm nay.")
    if not data.status:
        missing.append(("tình trạng", f"Nhiệm vụ {code}: chọn tình trạng thực hiện trước khi nộp."))
    if data.status == Status.DONE and completed is None and not errors:
        missing.append(
            ("ngày hoàn thành", f"Nhiệm vụ {code}: đã hoàn thành thì cần nhập ngày hoàn thành.")
        )
    if data.status == Status.NOT_FEASIBLE and not data.reason.strip():
        missing.append(("lý do", f"Nhiệm vụ {code}: cần nêu lý do không thực hiện được."))
    if data.status in (Status.IN_PROGRESS, Status.DONE) and not data.narrative.strip():
        missing.append(("kết quả thực hiện", f"Nhiệm vụ {code}: cần nêu kết quả đã thực hiện."))
    for indicator in indicators:
        raw = data.figures.get(indicator.pk, "")
        _, error = parse_figure(raw, f"“{indicator.name}” ({indicator.unit_label})")
        if error:
            errors.append(f"Nhiệm vụ {code}: {error}")
    if data.upload is not None:
        _, error = check_upload(data.upload)
        if error:
            errors.append(f"Nhiệm vụ {code}: {error}")
    return errors, missing


def save_unit_report(
    period: ReportingPeriod,
    unit: OrgUnit,
    user,
    lines: list[LineInput],
    *,
    submit: bool,
    token: str = "",
    ready_only: bool = False,
) -> SaveResult:
    """Save (and with `submit`, submit) the rows a unit's page posted. All or nothing —
    except that with `ready_only` the incomplete rows are saved as drafts, not submitted."""
    if not can_fill(user, unit):
        raise PermissionDenied("Chỉ cán bộ của đơn vị mới được nhập và nộp báo cáo của đơn vị.")
    today = timezone.localdate()
    written_files: list[str] = []
    consumed: list[str] = []
    try:
        with transaction.atomic():
            period = lock_period(period.pk)
            if period.closed_at is not None:
                raise ReportError(closed_message(period))
            wanted = {line.report_id: line for line in lines}
            rows = {
                r.pk: r
                for r in ProgressReport.objects.select_for_update(of=("self",))
                .select_related("task")
                .filter(period=period, unit=unit, active=True, pk__in=list(wanted))
                .order_by("pk")
            }
            if len(rows) != len(wanted):
                raise ReportError("Có dòng báo cáo không thuộc đơn vị hoặc kỳ này; tải lại trang.")
            if token and all(r.last_token == token for r in rows.values()):
                return SaveResult(replay=True)
            for row in rows.values():
                if row.version != wanted[row.pk].version:
                    raise ReportError(_conflict_message(row))
            locked = [r for r in rows.values() if not r.is_editable_state]
            if locked:
                codes = ", ".join(_code(r) for r in locked)
                raise ReportError(
                    f"Báo cáo nhiệm vụ {codes} đã nộp, đang chờ thẩm định hoặc đã được chấp "
                    "nhận: không sửa được. Chỉ sửa lại được khi đơn vị theo dõi trả lại."
                )
            indicators: dict[int, list[Indicator]] = {}
            for ind in Indicator.objects.filter(task_id__in={r.task_id for r in rows.values()}):
                indicators.setdefault(ind.task_id, []).append(ind)
            row_errors: dict[int, list[str]] = {}
            missing: dict[int, list[str]] = {}
            pending: dict[int, PendingFile] = {}
            for row in rows.values():
                data = wanted[row.pk]
                inds = indicators.get(row.task_id, []) if row.role == "lead" else []
                errors, lacks = _validate_line(row, data, inds, today)
                if data.upload is None and data.pending_ref:
                    kept = pending_from(data.pending_ref, report_id=row.pk, user_id=user.pk)
                    if kept is None:
                        errors.append(
                            f"Nhiệm vụ {_code(row)}: tệp đã giữ lại không còn dùng được "
                            "(quá hạn hoặc đã dùng); hãy chọn lại tệp."
                        )
                    else:
                        pending[row.pk] = kept
                if submit and not ready_only:
                    errors += [message for _, message in lacks]
                if errors:
                    row_errors[row.pk] = errors
                if lacks:
                    missing[row.pk] = [name for name, _ in lacks]
            if row_errors:
                count = sum(len(e) for e in row_errors.values())
                raise ReportError(
                    f"Chưa lưu: có {count_text(count)} chỗ cần sửa ở {count_text(len(row_errors))} "
                    "dòng "
                    "(danh sách bên dưới, bấm vào từng dòng để đến chỗ cần sửa).",
                    row_errors,
                )
            old_values = {
                (v.report_id, v.indicator_id): v.value
                for v in IndicatorValue.objects.filter(report_id__in=list(rows))
            }
            now = timezone.now()
            result = SaveResult()
            values: list[IndicatorValue] = []
            for row in rows.values():
                data = wanted[row.pk]
                before = (row.status, row.narrative, row.reason, row.product_ref, row.completed_on)
                row.status = data.status
                row.narrative = data.narrative.strip()
                row.reason = data.reason.strip() if data.status == Status.NOT_FEASIBLE else ""
                row.product_ref = data.product_ref.strip()
                row.completed_on = (
                    parse_day(data.completed_on) if data.status == Status.DONE else None
                )
                changed = before != (
                    row.status, row.narrative, row.reason, row.product_ref, row.completed_on
                )  # fmt: skip
                row.last_token = token
                inds = indicators.get(row.task_id, []) if row.role == "lead" else []
                for ind in inds:
                    value, _ = parse_figure(data.figures.get(ind.pk, ""), ind.name)
                    old = old_values.get((row.pk, ind.pk))
                    if value is None:
                        if old is not None:
                            IndicatorValue.objects.filter(report=row, indicator=ind).delete()
                            changed = True
                    elif old is None or old != value:
                        values.append(IndicatorValue(report=row, indicator=ind, value=value))
                        changed = True
                kept = pending.get(row.pk)
                if data.upload is None and kept is not None:
                    attachment = Attachment(
                        report=row,
                        original_name=kept.name,
                        content_type=KINDS[kept.kind][0],
                        size=kept.size,
                        sha256=kept.sha256,
                        uploaded_by=user,
                    )
                    with default_storage.open(kept.path, "rb") as fh:
                        attachment.file.save(kept.name, File(fh), save=False)
                    written_files.append(attachment.file.name)
                    consumed.append(kept.path)
                    attachment.save()
                    changed = True
                if data.upload is not None:
                    changed = True
                    kind, _ = check_upload(data.upload)
                    attachment = Attachment(
                        report=row,
                        original_name=data.upload.name[:255],
                        content_type=KINDS[kind][0],
                        size=data.upload.size,
                        sha256=sha256_of(data.upload),
                        uploaded_by=user,
                    )
                    attachment.file.save(data.upload.name, data.upload, save=False)
                    written_files.append(attachment.file.name)
                    attachment.save()
                if submit and row.pk in missing:
                    result.unsubmitted.append((_code(row), missing[row.pk]))
                elif submit:
                    _transition(row, State.SUBMITTED, user, now)
                    row.submitted_at = now
                    row.first_submitted_at = row.first_submitted_at or now
                    row.submitted_by = user
                    result.submitted += 1
                    changed = True
                if changed:
                    row.version += 1
                    row.updated_at = now
                    result.saved += 1
                else:
                    result.unchanged += 1
            ProgressReport.objects.bulk_update(
                list(rows.values()),
                [
                    "status",
                    "narrative",
                    "reason",
                    "product_ref",
                    "completed_on",
                    "version",
                    "last_token",
                    "state",
                    "submitted_at",
                    "first_submitted_at",
                    "submitted_by",
                    "updated_at",
                ],
            )
            if values:
                IndicatorValue.objects.bulk_create(
                    values,
                    update_conflicts=True,
                    unique_fields=["report", "indicator"],
                    update_fields=["value"],
                )
            if submit and result.submitted:
                _notify_reviewers_of_submission(period, unit, result.submitted)
            for path in consumed:
                transaction.on_commit(lambda path=path: default_storage.delete(path))
            return result
    except BaseException:
        for name in written_files:
            default_storage.delete(name)
        raise


def _transition(row: ProgressReport, to: str, user, at, comment: str = "") -> None:
    ReportTransition.objects.create(
        report=row, from_state=row.state, to_state=to, user=user, at=at, comment=comment
    )
    row.state = to
    row.updated_at = at


def review_report(
    report: ProgressReport,
    user,
    *,
    accept: bool,
    comment: str = "",
    resubmit_by: date | None = None,
    version: int | None = None,
) -> ProgressReport:
    """Accept a submitted report, or return it with a reason (and maybe a new deadline)."""
    plan = report.period.plan
    if not is_reviewer_of(user, plan):
        units = ", ".join(
            u.display_name for u in OrgUnit.objects.filter(pk__in=reviewing_unit_ids(plan))
        )
        raise PermissionDenied(
            f"Chỉ cán bộ thẩm định của đơn vị theo dõi ({units or 'chưa xác định'}) mới được "
            "chấp nhận hoặc trả lại báo cáo này."
        )
    comment = comment.strip()
    if not accept and not comment:
        raise ReportError("Trả lại báo cáo phải nêu lý do để đơn vị biết cần bổ sung gì.")
    today = timezone.localdate()
    if resubmit_by is not None and resubmit_by < today:
        raise ReportError(f"Hạn nộp lại phải từ hôm nay ({today:%d/%m/%Y}) trở đi.")
    with transaction.atomic():
        period = lock_period(report.period_id)
        if period.closed_at is not None:
            raise ReportError(closed_message(period))
        row = (
            ProgressReport.objects.select_for_update(of=("self",))
            .select_related("task", "unit", "period__plan")
            .get(pk=report.pk)
        )
        if version is not None and row.version != version:
            raise ReportError(_conflict_message(row))
        if row.state != State.SUBMITTED:
            raise ReportError(
                f"Báo cáo đang ở trạng thái “{row.get_state_display()}”: chỉ thẩm định được "
                "báo cáo đã nộp, đang chờ thẩm định."
            )
        now = timezone.now()
        _transition(row, State.ACCEPTED if accept else State.RETURNED, user, now, comment)
        row.reviewed_at, row.reviewed_by = now, user
        row.review_comment = comment
        row.resubmit_by = None if accept else resubmit_by
        row.version += 1
        row.save()
        if not accept:
            text = (
                f"Báo cáo nhiệm vụ {_code(row)} ({row.period.label}, {row.period.plan.label}) "
                f"bị trả lại: {comment}"
            )
            if resubmit_by:
                text += f" Hạn nộp lại: {resubmit_by:%d/%m/%Y}."
            notify_units([row.unit_id], text, unit_report_url(row.period_id, row.unit_id))
    return row


@dataclass
class BulkResult:
    """What a bulk review did: lines changed, and lines already in the wanted state (a form
    posted twice) left untouched."""

    changed: int = 0
    already: int = 0
    units: int = 0


def review_many(
    report_ids,
    user,
    *,
    accept: bool,
    comment: str = "",
    resubmit_by: date | None = None,
    versions: dict[int, int] | None = None,
) -> BulkResult:
    """Accept many submitted report lines at once, or return them with one reason (thẩm định
    hàng loạt). The same rules as `review_report`, per line: only a reviewer of the line's
    plan's reviewing unit; a return needs a reason; only submitted lines. All or nothing, in
    one transaction and a constant number of queries. Lines already in the wanted state (the
    same form posted twice) are left as they are and counted apart."""
    ids = sorted({int(pk) for pk in report_ids})
    if not ids:
        raise ReportError("Chưa chọn dòng báo cáo nào: đánh dấu các dòng cần thẩm định.")
    comment = comment.strip()
    if not accept and not comment:
        raise ReportError("Trả lại báo cáo phải nêu lý do để đơn vị biết cần bổ sung gì.")
    today = timezone.localdate()
    if resubmit_by is not None and resubmit_by < today:
        raise ReportError(f"Hạn nộp lại phải từ hôm nay ({today:%d/%m/%Y}) trở đi.")
    actor = actor_for(user)
    target = State.ACCEPTED if accept else State.RETURNED
    with transaction.atomic():
        rows = list(
            ProgressReport.objects.select_for_update(of=("self",))
            .select_related("task", "unit", "period__plan")
            .annotate(issuer_tree_id=F("period__plan__issuer__tree_id"))
            .filter(pk__in=ids)
            .order_by("pk")
        )
        if len(rows) != len(ids):
            raise ReportError(
                f"{count_text(len(ids) - len(rows))} dòng báo cáo đã chọn không còn tồn tại; "
                "tải lại trang. "
                "Chưa thẩm định dòng nào."
            )
        plans = {}
        for row in rows:
            plan = row.period.plan
            plan.issuer_tree_id = row.issuer_tree_id
            plans[plan.pk] = plan
        not_mine = plans_not_reviewed_by(actor, plans.values())
        refused = [r for r in rows if r.period.plan_id in not_mine]
        if refused:
            raise PermissionDenied(
                "Bạn không phải cán bộ thẩm định của đơn vị theo dõi "
                f"{count_text(len(refused))} trong {count_text(len(rows))} dòng đã chọn: chỉ đơn "
                "vị theo dõi kế hoạch mới được chấp nhận "
                "hoặc trả lại các báo cáo đó. Chưa thẩm định dòng nào."
            )
        period_ids = sorted({r.period_id for r in rows})
        if connection.vendor == "postgresql":
            periods = list(
                ReportingPeriod.objects.raw(
                    "SELECT * FROM reports_reportingperiod WHERE id = ANY(%s) FOR SHARE",
                    [period_ids],
                )
            )
        else:
            periods = list(ReportingPeriod.objects.filter(pk__in=period_ids))
        closed = [p for p in periods if p.closed_at is not None]
        if closed:
            raise ReportError(closed_message(closed[0]) + " Chưa thẩm định dòng nào.")
        versions = versions or {}
        result = BulkResult()
        todo = []
        for row in rows:
            if row.state == target:
                result.already += 1
                continue
            if row.state != State.SUBMITTED:
                raise ReportError(
                    f"Báo cáo nhiệm vụ {_code(row)} của {row.unit.display_name} đang ở trạng "
                    f"thái “{row.get_state_display()}”: chỉ thẩm định được báo cáo đã nộp. "
                    "Chưa thẩm định dòng nào."
                )
            if row.pk in versions and versions[row.pk] != row.version:
                raise ReportError(_conflict_message(row))
            todo.append(row)
        if not todo:
            return result
        now = timezone.now()
        transitions = []
        for row in todo:
            transitions.append(
                ReportTransition(
                    report=row,
                    from_state=row.state,
                    to_state=target,
                    user=user,
                    at=now,
                    comment=comment,
                )  # fmt: skip
            )
            row.state, row.updated_at = target, now
            row.reviewed_at, row.reviewed_by = now, user
            row.review_comment = comment
            row.resubmit_by = None if accept else resubmit_by
            row.version += 1
        ReportTransition.objects.bulk_create(transitions)
        ProgressReport.objects.bulk_update(
            todo,
            ["state", "updated_at", "reviewed_at", "reviewed_by", "review_comment",
             "resubmit_by", "version"],
        )  # fmt: skip
        result.changed = len(todo)
        result.units = len({r.unit_id for r in todo})
        if not accept:
            _notify_returns(todo, comment, resubmit_by)
    return result


def _notify_returns(rows, comment: str, resubmit_by: date | None) -> None:
    """One notification per unit and period for lines returned together (two queries)."""
    groups: dict[tuple[int, int], list[ProgressReport]] = {}
    for row in rows:
        groups.setdefault((row.unit_id, row.period_id), []).append(row)
    users: dict[int, list[int]] = {}
    for pk, unit_id in officers_of({u for u, _ in groups}).values_list("pk", "profile__unit_id"):
        users.setdefault(unit_id, []).append(pk)
    now = timezone.now()
    notes = []
    for (unit_id, period_id), lines in groups.items():
        first = lines[0]
        codes = ", ".join(_code(r) for r in lines)
        text = (
            f"Báo cáo nhiệm vụ {codes} ({first.period.label}, {first.period.plan.label}) "
            f"bị trả lại: {comment}"
        )
        if resubmit_by:
            text += f" Hạn nộp lại: {resubmit_by:%d/%m/%Y}."
        link = unit_report_url(period_id, unit_id)
        notes += [
            Notification(user_id=u, text=text, link=link, created_at=now)
            for u in users.get(unit_id, [])
        ]
    Notification.objects.bulk_create(notes)


def request_extension(report: ProgressReport, user, *, requested: date | None, reason: str):
    if not can_fill(user, report.unit):
        raise PermissionDenied("Chỉ cán bộ của đơn vị được đề nghị gia hạn.")
    if report.period.is_closed:  # the page offers no form then (`can_request_extension`)
        raise ReportError(closed_message(report.period))
    original = report.effective_deadline
    errors = []
    if original is None:
        errors.append("Nhiệm vụ này không có hạn riêng trong kỳ: không cần gia hạn.")
    if requested is None:
        errors.append("Nhập ngày đề nghị gia hạn đến (dd/mm/yyyy).")
    elif original and requested <= original:
        errors.append(f"Ngày đề nghị phải sau hạn hiện tại ({original:%d/%m/%Y}).")
    if not reason.strip():
        errors.append("Nêu lý do đề nghị gia hạn.")
    if report.state in ProgressReport.REPORTED_STATES and report.status == Status.DONE:
        errors.append("Nhiệm vụ đã báo cáo hoàn thành: không cần gia hạn.")
    if errors:
        raise ReportError(" ".join(errors))
    with transaction.atomic():
        row = ProgressReport.objects.select_for_update().get(pk=report.pk)
        if row.extension_requests.filter(decision=ExtensionRequest.Decision.PENDING).exists():
            raise ReportError("Báo cáo này đã có một đề nghị gia hạn đang chờ xem xét.")
        ext = ExtensionRequest.objects.create(
            report=row,
            original_deadline=row.deadline,
            requested_deadline=requested,
            reason=reason.strip(),
            requested_by=user,
        )
        notify_reviewers(
            row.period.plan,
            f"{row.unit.display_name} đề nghị gia hạn nhiệm vụ {_code(row)} đến "
            f"{requested:%d/%m/%Y}: {reason.strip()}",
            reverse("reports:report_detail", args=[row.pk]),
        )
    return ext


def decide_extension(ext: ExtensionRequest, user, *, grant: bool, comment: str = ""):
    report = ext.report
    if not is_reviewer_of(user, report.period.plan):
        raise PermissionDenied("Chỉ đơn vị theo dõi được quyết định gia hạn.")
    if not grant and not comment.strip():
        raise ReportError("Không đồng ý gia hạn thì cần nêu lý do.")
    with transaction.atomic():
        ext = ExtensionRequest.objects.select_for_update().get(pk=ext.pk)
        if ext.decision != ExtensionRequest.Decision.PENDING:
            raise ReportError(f"Đề nghị này đã được xử lý: {ext.get_decision_display()}.")
        ext.decision = (
            ExtensionRequest.Decision.GRANTED if grant else ExtensionRequest.Decision.REFUSED
        )
        ext.decided_by, ext.decided_at = user, timezone.now()
        ext.decision_comment = comment.strip()
        ext.save()
        if grant:
            ProgressReport.objects.filter(pk=report.pk).update(
                extended_deadline=ext.requested_deadline
            )
        verdict = "được đồng ý" if grant else "không được đồng ý"
        notify_units(
            [report.unit_id],
            f"Đề nghị gia hạn nhiệm vụ {_code(report)} đến {ext.requested_deadline:%d/%m/%Y} "
            f"{verdict}." + (f" Ý kiến: {ext.decision_comment}" if ext.decision_comment else ""),
            reverse("reports:report_detail", args=[report.pk]),
        )
    return ext


# --- notifications ---------------------------------------------------------------------


def unit_report_url(period_id: int, unit_id: int) -> str:
    return reverse("reports:unit_report", args=[period_id, unit_id])


def notify_units(unit_ids, text: str, link: str) -> int:
    return _notify(officers_of(unit_ids), text, link)


def notify_reviewers(plan, text: str, link: str) -> int:
    return _notify(reviewers_of(plan), text, link)


def _notify(users, text: str, link: str) -> int:
    now = timezone.now()
    rows = [
        Notification(user_id=pk, text=text, link=link, created_at=now)
        for pk in users.values_list("pk", flat=True)
    ]
    Notification.objects.bulk_create(rows)
    return len(rows)


def _notify_reviewers_of_submission(period, unit, count: int) -> None:
    notify_reviewers(
        period.plan,
        f"{unit.display_name} đã nộp {count_text(count)} báo cáo "
        f"({period.label}, {period.plan.label}).",
        reverse("reports:review_list") + f"?ky={period.pk}",
    )


def announce_adhoc_period(period: ReportingPeriod) -> tuple[int, int]:
    """Tell the units concerned by a báo cáo đột xuất: the bell for their officers, and
    one email per officer with an address. Returns (notifications, emails)."""
    from django.core.mail import EmailMessage, get_connection

    from .reminders import site_url

    plan = period.plan
    unit_ids = list(period.lines.values_list("unit_id", flat=True).distinct())
    text = f"{plan.label}: yêu cầu {period.label}, hạn {period.cutoff:%d/%m/%Y}."
    notes = notify_units(unit_ids, text, reverse("reports:my_reports"))
    users = officers_of(unit_ids).exclude(email="")
    body = [
        "Kính gửi đơn vị,",
        "",
        f"{text}",
    ]
    if period.request_note:
        body += ["", f"Nội dung yêu cầu: {period.request_note}"]
    body += [
        "",
        "Cập nhật và nộp báo cáo tại:",
        site_url(reverse("reports:my_reports")),
    ]
    messages = [
        EmailMessage(
            subject=f"Yêu cầu báo cáo đột xuất: {period.label} — hạn {period.cutoff:%d/%m/%Y}",
            body="\n".join(body),
            to=[user.email],
        )
        for user in users.only("email")
    ]
    if messages:
        with get_connection() as mail:
            mail.send_messages(messages)
    return notes, len(messages)
