from django.apps import AppConfig


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = "Báo cáo"

    def ready(self):
        from tasks.views import mine

        from . import signals  # noqa: F401
        from .my_tasks import annotate_rows

        if annotate_rows not in mine.ROW_ANNOTATORS:
            mine.ROW_ANNOTATORS.append(annotate_rows)
