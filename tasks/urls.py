from django.urls import path

from . import views

app_name = "tasks"

urlpatterns = [
    path("<int:pk>/nhap-phu-luc/", views.import_upload, name="import_upload"),
    path("<int:pk>/nhap-phu-luc/<str:token>/", views.import_preview, name="import_preview"),
    path(
        "<int:pk>/nhap-phu-luc/<str:token>/xac-nhan/",
        views.import_confirm,
        name="import_confirm",
    ),
    path(
        "<int:pk>/nhap-phu-luc/<str:token>/ten-goi-khac/",
        views.import_alias,
        name="import_alias",
    ),
    path("<int:pk>/xuat-phu-luc.xlsx", views.export_appendix, name="export_appendix"),
]
