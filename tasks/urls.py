"""Every page of the tasks app, in one namespace ("tasks"), included at the site root."""

from django.urls import path

from .views import editor, imports, mine, names, plan

app_name = "tasks"

urlpatterns = [
    # A plan and its life (the plan list, creation and header edits are in `plans`).
    path("ke-hoach/<int:pk>/", plan.plan_detail, name="plan_detail"),
    path("ke-hoach/<int:pk>/lap-ke-hoach-xa/", plan.derive_view, name="derive"),
    path("ke-hoach/<int:pk>/ban-hanh/", plan.issue_view, name="issue"),
    path("ke-hoach/<int:pk>/sua-doi/", plan.revise_view, name="revise"),
    path("ke-hoach/<int:pk>/lich-su/", plan.plan_history, name="plan_history"),
    # The appendix editor of a draft, and the live reading of a timeframe.
    path("ke-hoach/<int:pk>/soan-thao/", editor.plan_editor, name="editor"),
    path("ke-hoach/thoi-han/", editor.timeframe_preview, name="timeframe"),
    path("phien/gia-han/", editor.session_ping, name="session_ping"),
    # Excel import and export of the appendix.
    path("ke-hoach/<int:pk>/nhap-phu-luc/", imports.import_upload, name="import_upload"),
    path(
        "ke-hoach/<int:pk>/nhap-phu-luc/<str:token>/",
        imports.import_preview,
        name="import_preview",
    ),
    path(
        "ke-hoach/<int:pk>/nhap-phu-luc/<str:token>/xac-nhan/",
        imports.import_confirm,
        name="import_confirm",
    ),
    path(
        "ke-hoach/<int:pk>/nhap-phu-luc/<str:token>/ten-goi-khac/",
        imports.import_alias,
        name="import_alias",
    ),
    path("ke-hoach/<int:pk>/xuat-phu-luc.xlsx", imports.export_appendix, name="export_appendix"),
    # Names in plans that match no known unit, per province (tên đơn vị chưa xác định).
    path("don-vi/chua-xac-dinh/", names.unresolved_names, name="unresolved_names"),
    # Tasks, and the tasks of the user's unit.
    path("nhiem-vu/cua-don-vi/", mine.my_tasks, name="my_tasks"),
    path("nhiem-vu/<int:pk>/", plan.task_detail, name="task"),
    path("nhiem-vu/<int:pk>/lich-su/", plan.task_history, name="task_history"),
]
