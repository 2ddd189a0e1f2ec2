"""Who may download a background export (`export_jobs.ExportJob`): the rule shared by every
kind of export; each kind's own check (who may still see its object) is registered with its
builder in `export_jobs.BUILDERS` by the app that owns it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .export_jobs import BUILDERS, ExportJob


def can_download_export(user, job: ExportJob) -> bool:
    """The user who started the job, and only while they still may see its object."""
    if job.user_id != user.pk or job.kind not in BUILDERS:
        return False
    try:
        BUILDERS[job.kind][1](user, job.params)
    except (Http404, PermissionDenied, LookupError):
        return False
    return True
