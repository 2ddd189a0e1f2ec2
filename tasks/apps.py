from django.apps import AppConfig


class TasksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tasks"
    verbose_name = "Nhiệm vụ"

    def ready(self):
        from . import signals  # noqa: F401
