from django.contrib import admin, messages
from django.utils import timezone
from mptt.admin import MPTTModelAdmin

from config.numbers import count_text
from orgunits.admin import TreeLockedAdminMixin

from .models import Inference


def confirm_inferences(queryset, user) -> int:
    """Confirm marks (the value is right, or was just corrected): the "suy luận" badge goes,
    who confirmed it and when stay recorded."""
    return queryset.filter(confirmed_at__isnull=True).update(
        confirmed_by=user, confirmed_at=timezone.now()
    )


class InferenceInline(admin.TabularInline):
    model = Inference
    fk_name = "plan"
    fields = ["field", "task", "reason", "confirmed_by", "confirmed_at"]
    readonly_fields = ["field", "task", "reason", "confirmed_by", "confirmed_at"]
    extra = 0
    can_delete = False
    verbose_name_plural = "Nội dung suy luận (xác nhận ở mục “Nội dung suy luận”)"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(task__isnull=True)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Inference)
class InferenceAdmin(admin.ModelAdmin):
    """Marks of values the app inferred: confirm them (after correcting the value on the
    plan or task if it was wrong)."""

    list_display = ["subject", "field_label", "reason", "confirmed_by", "confirmed_at"]
    list_filter = [("confirmed_at", admin.EmptyFieldListFilter), "field"]
    search_fields = ["reason", "plan__number", "plan__seed_key", "task__full_code"]
    readonly_fields = ["plan", "task", "field", "confirmed_by", "confirmed_at"]
    fields = ["plan", "task", "field", "reason", "confirmed_by", "confirmed_at"]
    actions = ["confirm"]

    @admin.display(description="Văn bản, nhiệm vụ")
    def subject(self, obj):
        if obj.task_id:
            return f"{obj.plan.label}, nhiệm vụ {obj.task.full_code or obj.task.code}"
        return obj.plan.label

    @admin.display(description="Nội dung suy luận", ordering="field")
    def field_label(self, obj):
        return obj.field_label

    @admin.action(description="Xác nhận (bỏ dấu “suy luận”)")
    def confirm(self, request, queryset):
        n = confirm_inferences(queryset, request.user)
        self.message_user(
            request, f"Đã xác nhận {count_text(n)} nội dung suy luận.", messages.SUCCESS
        )

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("plan__issuer", "task", "confirmed_by")


# Registered by tasks/admin.py as PlanAppendixAdmin (the appendix lives in tasks).
class PlanAdmin(TreeLockedAdminMixin, MPTTModelAdmin):
    list_display = ["label", "issuer", "issued_on", "status", "cutoff_label"]
    list_filter = ["kind", "status", ("issuer", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["number", "title", "issuer__name", "seed_key"]
    autocomplete_fields = ["issuer", "parent", "follow_up_unit", "report_to_unit"]
    filter_horizontal = ["also_implements", "replaces"]
    date_hierarchy = "issued_on"
    mptt_level_indent = 24
    inlines = [InferenceInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "kind",
                    "number",
                    "title",
                    "issuer",
                    "signer",
                    "signer_title",
                    "issued_on",
                    "status",
                ]
            },
        ),
        ("Quan hệ giữa các văn bản", {"fields": ["parent", "also_implements", "replaces"]}),
        (
            "Theo dõi và báo cáo",
            {
                "fields": [
                    "follow_up_unit",
                    "report_to_unit",
                    "cutoff_day",
                    "cutoff_month",
                    "first_year_cutoff",
                    "commune_cutoff_day",
                    "commune_cutoff_month",
                    "commune_first_year_cutoff",
                    "reporting_rule_text",
                    "targets_text",
                ]
            },
        ),
        ("Khác", {"fields": ["source", "note"]}),
    ]

    def save_related(self, request, form, formsets, change):
        """An admin who changes an inferred value has decided it: its mark is confirmed."""
        super().save_related(request, form, formsets, change)
        decided = {
            "commune_rule" if name.startswith("commune_") else name for name in form.changed_data
        }
        if change and decided:
            confirm_inferences(
                Inference.objects.filter(plan=form.instance, task__isnull=True, field__in=decided),
                request.user,
            )

    @admin.display(description="Văn bản", ordering="number")
    def label(self, obj):
        return obj.label

    @admin.display(description="Hạn báo cáo")
    def cutoff_label(self, obj):
        return obj.reporting_rule_summary or "—"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("issuer")
