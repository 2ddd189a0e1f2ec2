"""Re-read every stored timeframe with today's parser.

The parser learnt new phrases (a bare year, "Quý IV hằng năm", "6 tháng đầu năm 2026" …)
and "Thường xuyên, hằng năm" became ongoing (reported yearly, never overdue) instead of a
yearly deadline: rows saved before keep their old reading until read again."""

from django.db import migrations

FIELDS = ["schedule_kind", "due_date", "yearly_day", "yearly_month", "start_year", "end_year"]


def reparse(apps, schema_editor):
    from tasks.timeframes import parse_timeframe  # pure: no model import

    Task = apps.get_model("tasks", "Task")
    changed = []
    for task in Task.objects.exclude(timeframe_text="").only("pk", "timeframe_text", *FIELDS):
        s = parse_timeframe(task.timeframe_text)
        new = {
            "schedule_kind": s.kind,
            "due_date": s.due_date,
            "yearly_day": s.yearly_day,
            "yearly_month": s.yearly_month,
            "start_year": s.start_year,
            "end_year": s.end_year,
        }
        if any(getattr(task, k) != v for k, v in new.items()):
            for k, v in new.items():
                setattr(task, k, v)
            changed.append(task)
    Task.objects.bulk_update(changed, FIELDS, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("tasks", "0004_assignment_request")]

    operations = [migrations.RunPython(reparse, migrations.RunPython.noop)]
