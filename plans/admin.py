from django.contrib import admin
from mptt.admin import MPTTModelAdmin

from orgunits.admin import TreeLockedAdminMixin

from .models import Plan


@admin.register(Plan)
class PlanAdmin(TreeLockedAdminMixin, MPTTModelAdmin):
    list_display = ["label", "issuer", "issued_on", "status", "cutoff_label"]
    list_filter = ["kind", "status", ("issuer", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["number", "title", "issuer__name", "seed_key"]
    autocomplete_fields = ["issuer", "parent", "follow_up_unit", "report_to_unit"]
    filter_horizontal = ["also_implements", "replaces"]
    date_hierarchy = "issued_on"
    mptt_level_indent = 24
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
                    "reporting_rule_text",
                    "targets_text",
                ]
            },
        ),
        ("Khác", {"fields": ["source", "note"]}),
    ]

    @admin.display(description="Văn bản", ordering="number")
    def label(self, obj):
        return obj.label

    @admin.display(description="Hạn báo cáo")
    def cutoff_label(self, obj):
        return obj.reporting_rule_summary or "—"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("issuer")
