from django.urls import path

from . import views, views_review, views_uploads

app_name = "reports"

urlpatterns = [
    path("", views.my_reports, name="my_reports"),
    path("ky/<int:period_pk>/don-vi/<int:unit_pk>/", views.unit_report, name="unit_report"),
    path("ky/<int:pk>/", views.period_detail, name="period_detail"),
    path("ky/<int:pk>/khoa/", views.period_close, name="period_close"),
    path("ky/<int:pk>/tong-hop.<str:fmt>", views.consolidated, name="consolidated"),
    path("tep-xuat/<str:token>/", views.export_status, name="export_status"),
    path("tep-xuat/<str:token>/tai/", views.export_download, name="export_download"),
    path("ke-hoach/<int:plan_pk>/", views.period_list, name="period_list"),
    path("tham-dinh/", views_review.review_list, name="review_list"),
    path("dong/<int:pk>/", views.report_detail, name="report_detail"),
    path("dong/<int:pk>/tep-tam/", views_uploads.pending_upload, name="pending_upload"),
    path("dong/<int:pk>/tep-tam/xem/", views_uploads.pending_file, name="pending_file"),
    path("dong/<int:pk>/tep-tam/bo/", views_uploads.pending_drop, name="pending_drop"),
    path("dong/<int:pk>/tham-dinh/", views.review, name="review"),
    path("dong/<int:pk>/gia-han/", views.extension_request, name="extension_request"),
    path("gia-han/<int:pk>/", views.extension_decide, name="extension_decide"),
    path("tep/<int:pk>/", views.attachment, name="attachment"),
    path("thong-bao/", views.notification_list, name="notifications"),
    path("thong-bao/<int:pk>/doc/", views.notification_read, name="notification_read"),
    path("thong-bao/doc-het/", views.notification_read_all, name="notification_read_all"),
]
