from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    """Dashboards (Bảng theo dõi): figures, scopes, pages and exports, above reports."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboards"
    verbose_name = "Bảng theo dõi"
