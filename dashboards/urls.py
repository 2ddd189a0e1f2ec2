"""Dashboards (Bảng theo dõi), under /bao-cao/theo-doi/ beside the reports."""

from django.urls import path

from . import views

app_name = "dashboards"

urlpatterns = [
    path("theo-doi/", views.dashboard_home, name="dashboard_home"),
    path("theo-doi/toan-quoc/", views.national, name="dashboard_national"),
    path("theo-doi/toan-quoc.xlsx", views.national_export, name="dashboard_national_xlsx"),
    path("theo-doi/<int:unit_pk>/", views.dashboard, name="dashboard"),
    path(
        "theo-doi/<int:unit_pk>/xuat/<slug:table>.xlsx",
        views.dashboard_export,
        name="dashboard_xlsx",
    ),
    path("theo-doi/<int:unit_pk>/qua-han/", views.overdue, name="dashboard_overdue"),
    path(
        "theo-doi/<int:unit_pk>/nhiem-vu/<int:task_pk>/",
        views.task_detail,
        name="dashboard_task",
    ),
    path(
        "theo-doi/<int:unit_pk>/nhiem-vu/<int:task_pk>.xlsx",
        views.task_export,
        name="dashboard_task_xlsx",
    ),
]
