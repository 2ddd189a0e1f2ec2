"""Forms of the appendix import pages."""

from django import forms
from django.conf import settings

from .readers import ACCEPT, AppendixFileError, check_upload


class AppendixUploadForm(forms.Form):
    file = forms.FileField(
        label="Tệp phụ lục (.xlsx hoặc .docx)",
        help_text=(
            "Bảng phụ lục nhiệm vụ dạng Excel .xlsx, hoặc văn bản Word .docx có bảng phụ lục, "
            "tối đa 10 MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"Tệp quá lớn ({upload.size / 1024 / 1024:.1f} MB): chỉ nhận tệp đến "
                f"{limit / 1024 / 1024:g} MB."
            )
        data = upload.read(limit + 1)
        try:
            check_upload(data, upload.name)
        except AppendixFileError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return upload.name, data


class AliasForm(forms.Form):
    """Map an unknown name of the preview to a unit or group ("unit:12", "group:3")."""

    name = forms.CharField(max_length=300)
    target = forms.CharField(max_length=40)
