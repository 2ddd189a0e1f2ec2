"""Downloading an export in a test, through the export job it may go to."""

import re

from django.urls import reverse

from config.celery import app


def download_export(client, url: str):
    """GET an export; when it went to a job (config.export_jobs), run the job at once (eager
    Celery) and follow its progress page to the file. The answer holding the file."""
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        response = client.get(url)
    finally:
        app.conf.task_always_eager = eager
    found = re.search(r"/tep-xuat/([0-9a-f]{32})/$", response.get("Location", ""))
    if response.status_code != 302 or found is None:
        return response
    page = client.get(response["Location"]).content.decode()
    assert "Tải tệp" in page, page
    return client.get(reverse("reports:export_download", args=[found.group(1)]))
