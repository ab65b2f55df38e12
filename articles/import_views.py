"""The story page's imports region: progress polled by htmx, cancel, dismiss."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from articles import import_jobs
from articles.models import ImportJob, Story, is_editor
from articles.views import _get_story, editor_required

# A queued job no worker has taken after this long: the page says the worker may be down.
WAITING_LONG = timedelta(seconds=30)


def imports_context(request, story: Story) -> dict:
    """The story's import jobs not yet dismissed, newest first, for ``_imports.html``."""
    jobs = list(
        story.import_jobs.filter(dismissed=False)
        .defer("source", "annotation_import__rows")
        .select_related("version", "annotation_import")
        .order_by("-created_at", "-pk")[:10]
    )
    now = timezone.now()
    waiting = [
        job
        for job in jobs
        if job.status == ImportJob.Status.QUEUED and now - job.created_at > WAITING_LONG
    ]
    # A job waiting long is behind another import, or no worker is running at all.
    busy = (
        bool(waiting)
        and ImportJob.objects.filter(
            status=ImportJob.Status.RUNNING,
            heartbeat_at__gte=now - timedelta(seconds=settings.IMPORT_LEASE_SECONDS),
        ).exists()
    )
    for job in jobs:
        job.waiting_long = job in waiting
        job.worker_busy = busy
    return {
        "story": story,
        "jobs": jobs,
        "polling": any(job.active for job in jobs),
        "poll_ms": settings.IMPORT_POLL_MS,
        "can_manage": is_editor(request.user),
    }


def _region(request, story: Story, notice: str = ""):
    context = imports_context(request, story) | {"notice": notice}
    return render(request, "articles/_imports.html#imports", context)


@require_GET
def story_imports(request, pk):
    """Poll target: the imports region, polling on while a job is queued or running."""
    return _region(request, _get_story(request.user, pk))


def _get_job(request, pk) -> ImportJob:
    return get_object_or_404(
        ImportJob.objects.defer("source").filter(story__in=Story.objects.visible_to(request.user)),
        pk=pk,
    )


@editor_required
@require_POST
def import_cancel(request, pk):
    job = _get_job(request, pk)
    message = import_jobs.job_cancel(job=job)
    if request.htmx:
        return _region(request, job.story, notice=message)
    messages.info(request, message)
    return redirect(f"{job.story.get_absolute_url()}#imports")


@editor_required
@require_POST
def import_dismiss(request, pk):
    job = _get_job(request, pk)
    import_jobs.job_dismiss(job=job)
    if request.htmx:
        return _region(request, job.story)
    return redirect(f"{job.story.get_absolute_url()}#imports")
