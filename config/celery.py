"""Celery application: Redis when REDIS_URL is set, otherwise kombu's filesystem transport."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("ct39", include=["config.tasks"])  # the apps' tasks.py are autodiscovered
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

if app.conf.broker_url and app.conf.broker_url.startswith(("redis://", "rediss://")):
    # With acks_late, Redis hands a task that is not acknowledged within the visibility
    # timeout to another worker: it must exceed the longest job (the digest task is limited
    # to 5 minutes, the sweep and the nightly jobs take minutes) plus the longest retry delay
    # a worker holds a task for (2 minutes), or a slow job would run twice.
    app.conf.broker_transport_options = {
        **(app.conf.broker_transport_options or {}),
        "visibility_timeout": 2 * 60 * 60,
    }
