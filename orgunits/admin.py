"""Admin for units, groups, aliases and accounts.

Superusers manage everything. A provincial admin (Profile role `province_admin`, with
`is_staff`) manages the units, groups, aliases and user accounts of their own province only:
every queryset, every permission check and every choice of a related unit is limited to
their province's tree, so another province's objects are neither listed nor reachable by id
(the admin answers as for a missing object) nor selectable in a form.

National rights (NHCSXH Việt Nam) are granted by superusers only: for anyone else the unit
form offers and accepts only the kinds of a province, and an account cannot be attached to
the national unit or any unit of a central kind (`OrgUnit.clean` also keeps those kinds out
of the provinces' trees).
"""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponseBadRequest
from import_export import fields, resources
from import_export.admin import ExportMixin, ImportExportModelAdmin
from import_export.widgets import ForeignKeyWidget
from mptt.admin import MPTTModelAdmin

from config.numbers import count_text
from config.query import positive_int

from . import access
from .access import actor_for
from .locks import tree_lock
from .models import OrgUnit, Profile, UnitAlias, UnitGroup

User = get_user_model()


def managed_province(request) -> OrgUnit | None:
    """The province the request's user manages in the admin (`access.managed_province`)."""
    return access.managed_province(actor_for(request.user))


class ProvinceScopedMixin:
    """Limit a ModelAdmin (or inline) to the province of a provincial admin.

    `province_q(tree_id)` filters the model's rows of a province; `in_province(obj, tree_id)`
    tells whether one object is of it. Superusers and other staff keep Django's permissions.
    """

    def province_q(self, tree_id: int) -> Q:
        raise NotImplementedError

    def in_province(self, obj, tree_id: int) -> bool:
        return type(obj)._default_manager.filter(self.province_q(tree_id), pk=obj.pk).exists()

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        province = managed_province(request)
        return qs.filter(self.province_q(province.tree_id)).distinct() if province else qs

    def _scoped(self, request, obj) -> bool:
        province = managed_province(request)
        return obj is None or self.in_province(obj, province.tree_id)

    def has_module_permission(self, request):
        return bool(managed_province(request)) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        if managed_province(request):
            return self._scoped(request, obj)
        return super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        if managed_province(request):
            return True
        return super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        if managed_province(request):
            return self._scoped(request, obj)
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if managed_province(request):
            return self._scoped(request, obj)
        return super().has_delete_permission(request, obj)

    # Related units and groups offered (and accepted) in forms: the admin's province only.
    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        province = managed_province(request)
        if province and db_field.related_model in (OrgUnit, UnitGroup):
            kwargs["queryset"] = _in_tree(db_field.related_model, province.tree_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        province = managed_province(request)
        if province and db_field.related_model in (OrgUnit, UnitGroup):
            kwargs["queryset"] = _in_tree(db_field.related_model, province.tree_id)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


def _in_tree(model, tree_id: int):
    if model is OrgUnit:
        return OrgUnit.objects.filter(tree_id=tree_id)
    return UnitGroup.objects.filter(scope__tree_id=tree_id)


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


class AliasInline(ProvinceScopedMixin, admin.TabularInline):
    model = UnitAlias
    fields = ["name"]
    extra = 0

    def province_q(self, tree_id):
        return Q(unit__tree_id=tree_id) | Q(group__scope__tree_id=tree_id)

    def _scoped(self, request, obj) -> bool:
        """`obj` of an inline is the unit or group being edited."""
        province = managed_province(request)
        if obj is None:
            return True
        tree_id = obj.tree_id if isinstance(obj, OrgUnit) else obj.scope.tree_id
        return tree_id == province.tree_id


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
    """Aliases by unit or group key: a flat table offices can fill in and import.

    For a provincial admin (`province` given) every row must name a unit or group of their
    province; the others are reported as invalid rows and nothing is imported."""

    unit = fields.Field("unit", "unit", ForeignKeyWidget(OrgUnit, "key"))
    group = fields.Field("group", "group", ForeignKeyWidget(UnitGroup, "key"))

    class Meta:
        model = UnitAlias
        fields = ("id", "name", "unit", "group")
        import_id_fields = ("name", "unit", "group")
        skip_unchanged = True
        report_skipped = True
        use_transactions = True  # a file with an invalid row imports nothing

    def __init__(self, province: OrgUnit | None = None, **kwargs):
        super().__init__(**kwargs)
        self.province = province

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        if self.province is None:
            return
        target = instance.unit or instance.group
        tree_id = None
        if isinstance(target, OrgUnit):
            tree_id = target.tree_id
        elif isinstance(target, UnitGroup):
            tree_id = target.scope.tree_id
        if tree_id != self.province.tree_id:
            raise ValidationError(
                {"unit": f"Chỉ được thêm tên gọi khác cho đơn vị, nhóm của {self.province.name}."}
            )


def province_kind_choices(current: str | None = None) -> list[tuple[str, str]]:
    """The kinds a non-superuser may give a unit: those that belong in a province, plus the
    unit's current kind when it is not a central one (a former district stays editable)."""
    allowed = set(OrgUnit.PROVINCE_KINDS)
    if current and current not in OrgUnit.CENTRAL_ONLY_KINDS:
        allowed.add(current)
    return [(value, label) for value, label in OrgUnit.Kind.choices if value in allowed]


class OrgUnitAdminForm(forms.ModelForm):
    """`province` (a provincial admin's province) and `grants_national` are set by `get_form`.

    Only superusers choose the central kinds (NHCSXH Việt Nam, ministries, central bodies):
    for everyone else the kind field offers, and accepts, only the kinds of a province."""

    province = None
    grants_national = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.grants_national and "kind" in self.fields:
            current = self.instance.kind if self.instance.pk else None
            self.fields["kind"].choices = [("", "---------"), *province_kind_choices(current)]

    def clean_kind(self):
        kind = self.cleaned_data.get("kind")
        if not self.grants_national and kind in OrgUnit.CENTRAL_ONLY_KINDS:
            raise ValidationError(
                f"Chỉ quản trị hệ thống mới tạo được đơn vị loại «{OrgUnit.Kind(kind).label}»: "
                "chọn một loại đơn vị cấp tỉnh hoặc cấp xã."
            )
        return kind

    def clean(self):
        data = super().clean()
        if self.province is not None and not data.get("parent"):
            self.add_error(
                "parent",
                "Chọn đơn vị cấp trên trong tỉnh: quản trị cấp tỉnh không tạo được đơn vị gốc.",
            )
        parent = data.get("parent")
        province = self.province
        if province is not None and parent is not None and parent.tree_id != province.tree_id:
            self.add_error("parent", f"Chọn đơn vị cấp trên thuộc {province.name}.")
        return data


@admin.register(OrgUnit)
class OrgUnitAdmin(ProvinceScopedMixin, ExportMixin, TreeLockedAdminMixin, MPTTModelAdmin):
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
    form = OrgUnitAdminForm

    def province_q(self, tree_id):
        return Q(tree_id=tree_id)

    def in_province(self, obj, tree_id):
        return obj.tree_id == tree_id

    def has_change_permission(self, request, obj=None):
        if obj is not None and access.province_root_locked(actor_for(request.user), obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and access.province_root_locked(actor_for(request.user), obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.province = managed_province(request)
        form.grants_national = access.grants_national_rights(actor_for(request.user))
        return form


@admin.register(UnitGroup)
class UnitGroupAdmin(ProvinceScopedMixin, admin.ModelAdmin):
    list_display = ["name", "scope", "rule_kinds", "rule_depth"]
    list_filter = ["rule_depth", ("scope", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "key", "aliases__name"]
    autocomplete_fields = ["scope", "explicit_members"]
    inlines = [AliasInline]
    readonly_fields = ["member_list"]

    def province_q(self, tree_id):
        return Q(scope__tree_id=tree_id)

    def in_province(self, obj, tree_id):
        return obj.scope.tree_id == tree_id

    @admin.display(description="Các đơn vị thành viên hiện nay")
    def member_list(self, obj):
        if not obj.pk:
            return "—"
        members = list(obj.members()[:200])
        return "; ".join(m.display_name for m in members) or "(chưa có đơn vị nào)"


ALIAS_UPLOADS = "unit_alias_import_files"


@admin.register(UnitAlias)
class UnitAliasAdmin(ProvinceScopedMixin, ImportExportModelAdmin):
    resource_classes = [UnitAliasResource]
    list_display = ["name", "unit", "group"]
    search_fields = ["name", "unit__name", "group__name"]
    autocomplete_fields = ["unit", "group"]
    list_select_related = ["unit", "group"]

    def province_q(self, tree_id):
        return Q(unit__tree_id=tree_id) | Q(group__scope__tree_id=tree_id)

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {**super().get_resource_kwargs(request, *args, **kwargs),
                "province": managed_province(request)}  # fmt: skip

    def get_confirm_form_initial(self, request, import_form):
        """Remember, in the session, the temporary file each upload of this user made: the
        confirm step opens only those (never a name typed into the form)."""
        initial = super().get_confirm_form_initial(request, import_form)
        name = initial.get("import_file_name")
        if name:
            issued = [*request.session.get(ALIAS_UPLOADS, [])[-9:], name]
            request.session[ALIAS_UPLOADS] = issued
        return initial

    def process_import(self, request, **kwargs):
        name = request.POST.get("import_file_name", "")
        issued = request.session.get(ALIAS_UPLOADS, [])
        formats = len(self.get_import_formats())
        fmt = positive_int(request.POST.get("format"))
        if name not in issued or fmt is None or fmt >= formats:
            return HttpResponseBadRequest(
                "Tệp nhập không hợp lệ hoặc đã được dùng: hãy tải tệp lên lại.".encode(),
                content_type="text/plain; charset=utf-8",
            )
        request.session[ALIAS_UPLOADS] = [n for n in issued if n != name]
        return super().process_import(request, **kwargs)


# --- accounts ----------------------------------------------------------------------------------


class ProfileInlineForm(forms.ModelForm):
    """Only superusers attach an account to NHCSXH Việt Nam (the national unit, whose staff
    read every province) or to any unit of a central kind (`grants_national`, set per request)."""

    grants_national = False

    def clean_unit(self):
        unit = self.cleaned_data.get("unit")
        if unit is None or self.grants_national:
            return unit
        if access.is_central_unit(unit):
            raise ValidationError(
                f"Chỉ quản trị hệ thống mới gắn được tài khoản với đơn vị loại "
                f"«{unit.get_kind_display()}» ({unit.display_name}): chọn một đơn vị của tỉnh."
            )
        return unit


class ProfileInline(ProvinceScopedMixin, admin.StackedInline):
    """The unit and role of an account (required when a provincial admin creates one)."""

    model = Profile
    fk_name = "user"
    fields = ["unit", "role", "is_unit_head"]
    autocomplete_fields = ["unit"]
    can_delete = False
    max_num = 1
    extra = 1

    def province_q(self, tree_id):
        return Q(unit__tree_id=tree_id)

    def _scoped(self, request, obj) -> bool:
        """`obj` of an inline is the user being edited (already limited by UserAdmin)."""
        return True

    def get_min_num(self, request, obj=None, **kwargs):
        return 1 if managed_province(request) else 0

    def get_formset(self, request, obj=None, **kwargs):
        grants_national = access.grants_national_rights(actor_for(request.user))
        kwargs["form"] = type("ProfileInlineForm", (ProfileInlineForm,),
                              {"grants_national": grants_national})  # fmt: skip
        return super().get_formset(request, obj, **kwargs)


class AccountAdmin(ProvinceScopedMixin, UserAdmin):
    """Accounts with their unit and role. A provincial admin sees and manages the accounts of
    their province (never superusers), without Django's permission and superuser flags;
    accounts they make provincial admins get access to this admin."""

    inlines = [ProfileInline]
    list_display = ["username", "first_name", "last_name", "unit_name", "role_name", "is_staff",
                    "is_active"]  # fmt: skip
    list_select_related = ["profile__unit"]
    search_fields = [*UserAdmin.search_fields, "profile__unit__name"]
    province_fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Thông tin cá nhân", {"fields": ("first_name", "last_name", "email")}),
        ("Trạng thái", {"fields": ("is_active", "last_login", "date_joined")}),
    )

    def province_q(self, tree_id):
        return access.managed_accounts_q(tree_id)

    @admin.display(description="Đơn vị", ordering="profile__unit__name")
    def unit_name(self, obj):
        profile = getattr(obj, "profile", None)
        return profile.unit.display_name if profile else "—"

    @admin.display(description="Vai trò", ordering="profile__role")
    def role_name(self, obj):
        profile = getattr(obj, "profile", None)
        return profile.get_role_display() if profile else "—"

    def get_list_filter(self, request):
        if managed_province(request):
            return ["profile__role", "is_active"]
        return [*super().get_list_filter(request), "profile__role"]

    def get_fieldsets(self, request, obj=None):
        if obj is not None and managed_province(request):
            return self.province_fieldsets
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if managed_province(request):
            return ["last_login", "date_joined"]
        return super().get_readonly_fields(request, obj)

    actions = ["deactivate"]

    def has_delete_permission(self, request, obj=None):
        """Never deleted, not even by a superuser: reports, transitions and history name
        their accounts. Deactivate them instead ("Vô hiệu hóa")."""
        return False

    @admin.action(description="Vô hiệu hóa các tài khoản đã chọn", permissions=["change"])
    def deactivate(self, request, queryset):
        count = queryset.exclude(pk=request.user.pk).update(is_active=False)
        self.message_user(
            request, f"Đã vô hiệu hóa {count_text(count)} tài khoản (không xóa, lịch sử được giữ)."
        )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if managed_province(request):
            user = form.instance
            profile = Profile.objects.filter(user=user).first()
            staff = access.uses_admin(profile.role if profile else None)
            if user.is_staff != staff:
                user.is_staff = staff
                user.save(update_fields=["is_staff"])


admin.site.unregister(User)
admin.site.register(User, AccountAdmin)
