from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    """Dashboards (Bảng theo dõi): figures, scopes, pages and exports, above reports."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboards"
    verbose_name = "Bảng theo dõi"

    def ready(self):
        # The export jobs are shared (config/export_jobs.py): hand them the dashboards' builders.
        from django.http import Http404

        from config import export_jobs

        from . import views
        from .access import OutOfScope

        def in_scope(check):
            def checked(user, params):
                try:
                    check(user, params)
                except OutOfScope:
                    raise Http404 from None

            return checked

        export_jobs.BUILDERS["dashboard"] = (
            lambda user, p, step: views.table_xlsx(
                user, p["unit"], p["table"], p["query"], step=step
            ),
            in_scope(lambda user, p: views.check_scope(user, p["unit"])),
        )
        export_jobs.BUILDERS["task"] = (
            lambda user, p, step: views.task_export_bytes(
                user, p["unit"], p["task"], p["query"], step=step
            ),
            in_scope(lambda user, p: views.check_task(user, p["unit"], p["task"])),
        )
