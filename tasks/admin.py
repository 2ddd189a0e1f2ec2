import io
import zipfile

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from mptt.admin import MPTTModelAdmin

from config.query import positive_int
from orgunits.admin import TreeLockedAdminMixin
from plans.access import can_edit_plan
from plans.admin import PlanAdmin
from plans.models import Plan

from .access import can_manage_aliases
from .forms import AppendixUploadForm
from .importer import (
    ImportRefused,
    add_alias,
    apply_import,
    discard_upload,
    parse_target,
    pending_upload,
    preview_import,
    store_upload,
)
from .models import Assignment, Task
from .views.imports import XLSX, preview_context
from .xlsx_reader import AppendixFileError
from .xlsx_writer import export_filename, write_appendix


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


# --- Plan: export and import of the appendix -------------------------------------------------
# plans/admin.py must not import tasks (imports go downhill), so it defines PlanAdmin without
# registering it; Plan is registered here, once, with the appendix actions and the import
# view, which uses the officer page's code path.


class PlanAppendixAdmin(PlanAdmin):
    change_form_template = "admin/tasks/plan_change_form.html"
    actions = ["export_appendix_action", "import_appendix_action"]

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/nhap-phu-luc/",
                view(self.import_appendix_view),
                name="plans_plan_import_appendix",
            ),
            path(
                "<int:pk>/xuat-phu-luc.xlsx",
                view(self.export_appendix_view),
                name="plans_plan_export_appendix",
            ),
            *super().get_urls(),
        ]

    @admin.action(description="Xuất phụ lục Excel")
    def export_appendix_action(self, request, queryset):
        plans = list(queryset.select_related("issuer"))
        if len(plans) == 1:
            return self._xlsx_response(plans[0])
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            names = set()
            for plan in plans:
                name = export_filename(plan)
                if name in names:
                    name = f"{name[:-5]}-{plan.pk}.xlsx"
                names.add(name)
                archive.writestr(name, write_appendix(plan))
        response = HttpResponse(out.getvalue(), content_type="application/zip")
        response["Content-Disposition"] = 'attachment; filename="phu-luc.zip"'
        return response

    @admin.action(description="Nhập phụ lục từ Excel hoặc Word")
    def import_appendix_action(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(
                request, "Hãy chọn đúng một kế hoạch để nhập phụ lục.", level=messages.ERROR
            )
            return None
        return redirect("admin:plans_plan_import_appendix", pk=queryset.get().pk)

    def _xlsx_response(self, plan):
        response = HttpResponse(write_appendix(plan), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{export_filename(plan)}"'
        return response

    def export_appendix_view(self, request, pk):
        plan = get_object_or_404(Plan.objects.select_related("issuer"), pk=pk)
        if not self.has_view_permission(request, plan):
            raise PermissionDenied
        return self._xlsx_response(plan)

    def import_appendix_view(self, request, pk):
        """Upload → preview → confirm, as on the officer page (same functions)."""
        plan = get_object_or_404(Plan.objects.select_related("issuer"), pk=pk)
        if not self.has_change_permission(request, plan) or not can_edit_plan(request.user, plan):
            raise PermissionDenied
        here = reverse("admin:plans_plan_import_appendix", args=[plan.pk])
        token = request.GET.get("token") or request.POST.get("token") or ""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": plan,
            "plan": plan,
            "title": f"Nhập phụ lục từ Excel hoặc Word: {plan.label}",
        }
        if request.method == "POST" and "file" in request.FILES:
            form = AppendixUploadForm(request.POST, request.FILES)
            if form.is_valid():
                name, data = form.cleaned_data["file"]
                token = store_upload(request.session, plan, name, data)
                return redirect(f"{here}?token={token}")
            return render(request, "admin/tasks/import_appendix.html", {**context, "form": form})
        pending = pending_upload(request.session, plan, token) if token else None
        if pending is None:
            if token:
                self.message_user(request, "Tệp đã tải lên không còn: hãy tải lại.", messages.ERROR)
            form = AppendixUploadForm()
            return render(request, "admin/tasks/import_appendix.html", {**context, "form": form})
        path_, name = pending
        if request.method == "POST":
            action = request.POST.get("action") or request.GET.get("action")
            try:
                if action == "confirm":
                    version = positive_int(request.POST.get("version"), -1)
                    result = apply_import(
                        plan, path_, name, user=request.user, expected_version=version
                    )
                    discard_upload(request.session, token)
                    self.message_user(request, result.message, messages.SUCCESS)
                    return redirect("admin:plans_plan_change", plan.pk)
                if action == "alias" and can_manage_aliases(request.user, plan):
                    target = parse_target(request.POST.get("target", ""))
                    if target is None:
                        raise ImportRefused("Hãy chọn đơn vị hoặc nhóm cho tên này.")
                    alias = add_alias(plan, request.POST.get("name", ""), target, request.user)
                    self.message_user(
                        request, f"Đã ghi nhận “{alias.name}” là tên gọi khác của {alias.target}."
                    )
            except (AppendixFileError, ImportRefused) as exc:
                self.message_user(request, str(exc), messages.ERROR)
            return redirect(f"{here}?token={token}")
        try:
            preview = preview_import(plan, path_, name)
        except AppendixFileError as exc:
            discard_upload(request.session, token)
            self.message_user(request, str(exc), messages.ERROR)
            return redirect(here)
        context.update(
            preview_context(
                request,
                plan,
                preview,
                confirm_url=f"{here}?token={token}",
                alias_url=f"{here}?token={token}&action=alias",
            ),
            token=token,
        )
        return render(request, "admin/tasks/import_appendix.html", context)


admin.site.register(Plan, PlanAppendixAdmin)
