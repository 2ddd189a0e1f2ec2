from django.contrib import admin

from .models import (
    Attachment,
    ExtensionRequest,
    Indicator,
    Notification,
    ProgressReport,
    Reminder,
    ReminderPolicy,
    ReportingPeriod,
    ReportTransition,
)


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(admin.ModelAdmin):
    list_display = ["plan", "kind", "year", "title", "starts_on", "cutoff", "closed_at"]
    list_filter = ["kind", "year"]
    raw_id_fields = ["plan", "closed_by", "created_by"]
    list_select_related = ["plan__issuer"]


class TransitionInline(admin.TabularInline):
    model = ReportTransition
    extra = 0
    readonly_fields = ["from_state", "to_state", "user", "at", "comment"]
    can_delete = False


@admin.register(ProgressReport)
class ProgressReportAdmin(admin.ModelAdmin):
    list_display = ["unit", "task", "period", "status", "state", "submitted_at"]
    list_filter = ["state", "status", "role"]
    raw_id_fields = ["period", "assignment", "unit", "task", "submitted_by", "reviewed_by"]
    list_select_related = ["unit", "task", "period__plan__issuer"]
    inlines = [TransitionInline]
    search_fields = ["unit__name", "task__content"]


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """Every reminder the product claims to send, with its outcome (visible to admins)."""

    list_display = [
        "for_date",
        "unit",
        "period",
        "kind",
        "offset",
        "missing",
        "sent_at",
        "outcome",
        "attempts",
        "recipients",
    ]
    list_filter = ["kind", "outcome", "for_date"]
    raw_id_fields = ["unit", "period"]
    list_select_related = ["unit", "period__plan__issuer"]
    search_fields = ["unit__name", "recipients"]


admin.site.register(ReminderPolicy, raw_id_fields=["plan"])
admin.site.register(
    Indicator,
    list_display=["plan", "code", "name", "unit_label", "target_text", "aggregation", "comparison"],
    raw_id_fields=["plan", "task"],
)
admin.site.register(
    Attachment,
    list_display=["original_name", "report", "size", "uploaded_at"],
    raw_id_fields=["report", "uploaded_by"],
)
admin.site.register(
    ExtensionRequest,
    list_display=["report", "requested_deadline", "decision"],
    raw_id_fields=["report", "requested_by", "decided_by"],
)
admin.site.register(
    Notification, list_display=["user", "text", "created_at", "read_at"], raw_id_fields=["user"]
)
