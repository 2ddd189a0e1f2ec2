from django.apps import AppConfig


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = "Báo cáo"

    def ready(self):
        from config import export_jobs
        from tasks.views import mine

        from . import signals  # noqa: F401
        from .consolidate import check_export_job, export_job
        from .my_tasks import annotate_rows

        if annotate_rows not in mine.ROW_ANNOTATORS:
            mine.ROW_ANNOTATORS.append(annotate_rows)
        # The consolidated report is built by the shared export jobs (config/export_jobs.py).
        export_jobs.BUILDERS["consolidated"] = (export_job, check_export_job)
