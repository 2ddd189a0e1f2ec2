from django.contrib import admin
from mptt.admin import MPTTModelAdmin

from orgunits.admin import TreeLockedAdminMixin

from .models import Assignment, Task


class AssignmentInline(admin.TabularInline):
    model = Assignment
    fields = ["role", "unit", "group", "source_text", "position"]
    autocomplete_fields = ["unit", "group"]
    extra = 0


@admin.register(Task)
class TaskAdmin(TreeLockedAdminMixin, MPTTModelAdmin):
    list_display = ["content_short", "full_code", "kind", "plan", "schedule_kind", "due_date"]
    list_filter = ["kind", "schedule_kind", ("plan", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["content", "full_code", "lead_text", "coordinating_text", "product"]
    autocomplete_fields = ["plan", "parent", "source_task"]
    inlines = [AssignmentInline]
    list_per_page = 100
    mptt_level_indent = 20
    readonly_fields = [
        "schedule_kind",
        "due_date",
        "yearly_day",
        "yearly_month",
        "start_year",
        "end_year",
    ]

    @admin.display(description="Nội dung")
    def content_short(self, obj):
        return obj.content[:120]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("plan", "plan__issuer")

    def save_model(self, request, obj, form, change):
        obj.set_timeframe(form.cleaned_data.get("timeframe_text", obj.timeframe_text))
        super().save_model(request, obj, form, change)


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["task", "role", "unit", "group", "source_text"]
    list_filter = ["role"]
    search_fields = ["source_text", "unit__name", "group__name", "task__content"]
    autocomplete_fields = ["task", "unit", "group"]
    list_select_related = ["task", "unit", "group"]
