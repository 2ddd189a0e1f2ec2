"""The reports side of "Nhiệm vụ của đơn vị" (tasks/views/mine.py): for each row, the status
word of the unit's latest report line on that assignment (its timeliness, `timeliness.py`),
its deadline and a link to report. Registered in `tasks.views.mine.ROW_ANNOTATORS` by
`reports.apps` (tasks never imports reports)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.urls import reverse
from django.utils import timezone

from .models import ProgressReport
from .timeliness import Timeliness, timeliness_expression


@dataclass
class Progress:
    """The latest report line of one assignment, as the row shows it."""

    label: str
    colour: str
    deadline: date | None
    period_label: str
    state_label: str
    url: str


def annotate_rows(rows, unit) -> None:
    """Set `row.progress` (a Progress, or None when no period asks for a report yet) on
    each Assignment row: one query for the whole page."""
    rows = list(rows)
    if not rows:
        return
    today = timezone.localdate()
    lines = (
        ProgressReport.objects.filter(
            assignment_id__in=[a.pk for a in rows], unit=unit, active=True
        )
        .select_related("period__plan")
        .annotate(tl=timeliness_expression(today))
        .order_by("assignment_id", "period__cutoff", "pk")
    )
    latest: dict[int, ProgressReport] = {}
    for line in lines:
        latest[line.assignment_id] = line  # ordered: the last one is the latest period's
    for row in rows:
        line = latest.get(row.pk)
        row.progress = (
            None
            if line is None
            else Progress(
                label=Timeliness.LABELS[line.tl],
                colour=Timeliness.COLOURS[line.tl],
                deadline=line.effective_deadline,
                period_label=line.period.label,
                state_label=line.get_state_display(),
                url=reverse("reports:unit_report", args=[line.period_id, line.unit_id])
                + f"#line-{line.pk}",
            )
        )
