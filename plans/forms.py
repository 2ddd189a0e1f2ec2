from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from orgunits.access import Actor

from .access import plan_issuers, reviewing_unit_choices, visible_plans
from .models import Plan, validate_day_month

DATE_INPUT = forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy"})
OTHER_PROVINCE = (
    "Đơn vị đã chọn không thuộc tỉnh, thành phố của kế hoạch hoặc không còn hoạt động: "
    "chỉ chọn đơn vị trong danh sách."
)


class BootstrapFormMixin:
    """Bootstrap 5 classes on the plain Django widgets, and is-invalid where errors are."""

    def add_bootstrap_classes(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if not isinstance(widget, forms.HiddenInput):
                css = "form-select" if isinstance(widget, forms.Select) else "form-control"
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


class PlanForm(BootstrapFormMixin, forms.ModelForm):
    """Header of a plan: what it is, who issues it, what it implements, how units report."""

    submission_token = forms.UUIDField(widget=forms.HiddenInput, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Plan
        fields = [
            "kind", "number", "title", "issuer", "issued_on", "signer", "signer_title",
            "parent", "also_implements", "follow_up_unit", "report_to_unit", "cutoff_day",
            "cutoff_month", "first_year_cutoff", "commune_cutoff_day", "commune_cutoff_month",
            "reporting_rule_text", "targets_text",
        ]  # fmt: skip
        widgets = {
            "title": forms.Textarea(attrs={"rows": 3}),
            "issued_on": DATE_INPUT,
            "first_year_cutoff": DATE_INPUT,
            "reporting_rule_text": forms.Textarea(attrs={"rows": 2}),
            "targets_text": forms.Textarea(attrs={"rows": 2}),
            "also_implements": forms.SelectMultiple(attrs={"size": 4}),
        }
        help_texts = {
            "cutoff_day": "Vd. 25 (ngày) và 9 (tháng) cho hạn trước 25/9 hằng năm.",
            "first_year_cutoff": "Chỉ khi năm đầu có hạn riêng, vd. 31/12/2025.",
            "commune_cutoff_day": "Hạn kế hoạch đặt cho các xã: kế hoạch cấp xã lập từ kế hoạch "
            "này nhận hạn này (sửa được trước khi ban hành).",
        }

    def __init__(self, *args, actor: Actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["issuer"].queryset = plan_issuers(actor).order_by("tree_id", "lft")
        self.fields["issuer"].error_messages["invalid_choice"] = (
            "Bạn chỉ được lập kế hoạch cho đơn vị của mình."
        )
        reviewers = reviewing_unit_choices(actor)
        for name in ("follow_up_unit", "report_to_unit"):
            self.fields[name].queryset = reviewers
            self.fields[name].error_messages["invalid_choice"] = OTHER_PROVINCE
        implementable = visible_plans(actor).filter(status=Plan.Status.ISSUED)
        if self.instance.pk:
            implementable = implementable.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = implementable.select_related("issuer").order_by(
            "tree_id", "lft"
        )
        self.fields["parent"].required = True
        self.fields["parent"].error_messages["required"] = (
            "Chọn văn bản cấp trên mà kế hoạch này triển khai thực hiện."
        )
        self.fields["parent"].error_messages["invalid_choice"] = (
            "Văn bản cấp trên đã chọn không có trong danh sách văn bản đã ban hành mà bạn được xem."
        )
        self.fields["also_implements"].queryset = self.fields["parent"].queryset
        for name in ("issued_on", "first_year_cutoff"):
            self.fields[name].error_messages["invalid"] = (
                "Ngày không hợp lệ: nhập theo dạng dd/mm/yyyy, vd. 07/08/2025."
            )
        if actor.unit and not self.instance.pk:
            self.fields["issuer"].initial = actor.unit.pk
        self.add_bootstrap_classes()

    def clean_issued_on(self):
        issued_on = self.cleaned_data.get("issued_on")
        if issued_on and issued_on > timezone.localdate():
            raise ValidationError("Ngày ban hành không được ở tương lai.")
        return issued_on

    def clean(self):
        data = super().clean()
        try:
            validate_day_month(data.get("cutoff_day"), data.get("cutoff_month"))
        except ValidationError as exc:
            self.add_error("cutoff_day", exc.messages)
        first = data.get("first_year_cutoff")
        if first and not (data.get("cutoff_day") and data.get("cutoff_month")):
            self.add_error(
                "first_year_cutoff", "Nhập hạn báo cáo hằng năm trước khi đặt hạn riêng năm đầu."
            )
        issuer = data.get("issuer")
        for name in ("follow_up_unit", "report_to_unit"):
            unit = data.get(name)
            if issuer and unit and unit.tree_id != issuer.tree_id:
                self.add_error(name, OTHER_PROVINCE)
        return data
