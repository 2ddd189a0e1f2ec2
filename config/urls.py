from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.db import connection
from django.http import HttpResponse
from django.urls import include, path

from config.security import ThrottledPasswordResetView
from config.views import LoginView, home

admin.site.site_header = "Theo dõi thực hiện Chỉ thị 39-CT/TW"
admin.site.site_title = "Quản trị CT39"
admin.site.index_title = "Quản trị dữ liệu"


def healthz(request):
    """Liveness for the container healthcheck: the app answers and the database too."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("healthz/", healthz, name="healthz"),
    path("", home, name="home"),
    path("dang-nhap/", LoginView.as_view(), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("quen-mat-khau/", ThrottledPasswordResetView.as_view(), name="password_reset"),
    path(
        "quen-mat-khau/da-gui/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "dat-lai-mat-khau/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "dat-lai-mat-khau/xong/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("ke-hoach/", include("plans.urls")),
    path("", include("tasks.urls")),
    path("don-vi/", include("orgunits.urls")),
    path("bao-cao/", include("reports.urls")),
    path("bao-cao/", include("dashboards.urls")),
    path("admin/", admin.site.urls),
]
