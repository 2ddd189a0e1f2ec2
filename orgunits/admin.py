from django.contrib import admin
from import_export import fields, resources
from import_export.admin import ExportMixin, ImportExportModelAdmin
from import_export.widgets import ForeignKeyWidget
from mptt.admin import MPTTModelAdmin

from .locks import tree_lock
from .models import OrgUnit, UnitAlias, UnitGroup


class TreeLockedAdminMixin:
    """Serialise admin writes to an MPTT tree (django-mptt is not safe under concurrency)."""

    def save_model(self, request, obj, form, change):
        with tree_lock(type(obj)):
            super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        with tree_lock(type(obj)):
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with tree_lock(queryset.model):
            super().delete_queryset(request, queryset)


class AliasInline(admin.TabularInline):
    model = UnitAlias
    fields = ["name"]
    extra = 0


class OrgUnitResource(resources.ModelResource):
    """Units as a flat table (export only: the tree is written under its lock, not by rows)."""

    parent = fields.Field("parent", "parent", ForeignKeyWidget(OrgUnit, "key"))
    successor = fields.Field("successor", "successor", ForeignKeyWidget(OrgUnit, "key"))

    class Meta:
        model = OrgUnit
        fields = ("key", "name", "short_name", "kind", "admin_code", "parent", "successor",
                  "active_from", "active_until")  # fmt: skip
        export_order = fields


class UnitAliasResource(resources.ModelResource):
    """Aliases by unit or group key: a flat table offices can fill in and import."""

    unit = fields.Field("unit", "unit", ForeignKeyWidget(OrgUnit, "key"))
    group = fields.Field("group", "group", ForeignKeyWidget(UnitGroup, "key"))

    class Meta:
        model = UnitAlias
        fields = ("id", "name", "unit", "group")
        import_id_fields = ("name", "unit", "group")
        skip_unchanged = True
        report_skipped = True


@admin.register(OrgUnit)
class OrgUnitAdmin(ExportMixin, TreeLockedAdminMixin, MPTTModelAdmin):
    resource_classes = [OrgUnitResource]
    list_display = ["name", "short_name", "kind", "admin_code", "active_until", "successor"]
    list_filter = ["kind", ("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "short_name", "key", "admin_code", "aliases__name"]
    autocomplete_fields = ["parent", "successor"]
    filter_horizontal = ["serves"]
    readonly_fields = ["territory"]
    inlines = [AliasInline]
    list_per_page = 100
    mptt_level_indent = 16


@admin.register(UnitGroup)
class UnitGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "scope", "rule_kinds", "rule_depth"]
    list_filter = ["rule_depth", ("scope", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "key", "aliases__name"]
    autocomplete_fields = ["scope", "explicit_members"]
    inlines = [AliasInline]
    readonly_fields = ["member_list"]

    @admin.display(description="Các đơn vị thành viên hiện nay")
    def member_list(self, obj):
        if not obj.pk:
            return "—"
        members = list(obj.members()[:200])
        return "; ".join(m.display_name for m in members) or "(chưa có đơn vị nào)"


@admin.register(UnitAlias)
class UnitAliasAdmin(ImportExportModelAdmin):
    resource_classes = [UnitAliasResource]
    list_display = ["name", "unit", "group"]
    search_fields = ["name", "unit__name", "group__name"]
    autocomplete_fields = ["unit", "group"]
