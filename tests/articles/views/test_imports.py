"""The story page's imports region: progress polled while a job runs, cancel, dismiss."""

import pytest
from django.urls import reverse

from articles import import_jobs
from articles.models import ImportJob
from tests.conftest import REWRITTEN, run_queued_tasks

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def job(story, editor):
    return import_jobs.job_create(
        story=story, created_by=editor, label="Rewritten copy", file_name="r.txt",
        source=REWRITTEN.encode(),
    )  # fmt: skip


def region(client, story):
    return client.get(reverse("articles:story_imports", args=[story.pk]), **HTMX)


def test_the_story_page_shows_a_queued_job_with_its_stages_and_polls(client, reviewer, job):
    client.force_login(reviewer)
    html = client.get(job.story.get_absolute_url()).text
    assert 'id="imports"' in html and 'data-hx-trigger="every 1000ms"' in html
    assert f'<progress id="import-{job.pk}-bar"' in html
    for stage in ("Extracting the text", "Segmenting into sentences",
                  "Aligning with each other version", "Proposing counterparts"):  # fmt: skip
        assert stage in html
    assert "Waiting for the background worker." in html
    assert "Cancel import" not in html  # reviewers watch; editors cancel


def test_the_region_shows_the_running_stage_and_progress(client, editor, job):
    client.force_login(editor)
    import_jobs._claim(job.pk)
    ImportJob.objects.filter(pk=job.pk).update(
        stage="aligning", progress=40, detail="with “Original report” (1 of 1)"
    )
    html = region(client, job.story).text
    assert 'value="40"' in html and 'aria-current="step">Aligning' in html
    assert "Aligning with each other version with “Original report” (1 of 1): 40%." in html
    assert "Cancel import" in html


def test_polling_stops_when_the_job_has_finished(client, editor, job):
    client.force_login(editor)
    run_queued_tasks()
    html = region(client, job.story).text
    assert "data-hx-trigger" not in html and "<progress" not in html
    version = ImportJob.objects.get().version
    assert f'<a href="{version.get_absolute_url()}">Read “Rewritten copy”</a>' in html


def test_an_editor_cancels_a_job_in_place_with_htmx(client, editor, job):
    client.force_login(editor)
    response = client.post(reverse("articles:import_cancel", args=[job.pk]), **HTMX)
    assert "The import of “Rewritten copy” was cancelled. Nothing was stored." in response.text
    assert "Cancelled. Nothing was stored." in response.text
    assert ImportJob.objects.get().status == "cancelled"


def test_cancel_without_javascript_redirects_with_a_message(client, editor, job):
    client.force_login(editor)
    run_queued_tasks()
    response = client.post(reverse("articles:import_cancel", args=[job.pk]), follow=True)
    assert "had already finished, so it was not cancelled" in response.text


def test_reviewers_cannot_cancel_and_outsiders_cannot_see(client, reviewer, outsider, job):
    client.force_login(reviewer)
    assert client.post(reverse("articles:import_cancel", args=[job.pk])).status_code == 403
    client.force_login(outsider)
    assert region(client, job.story).status_code == 404
    assert ImportJob.objects.get().status == "queued"


def test_a_finished_job_can_be_dismissed(client, editor, job):
    client.force_login(editor)
    run_queued_tasks()
    response = client.post(reverse("articles:import_dismiss", args=[job.pk]), **HTMX)
    assert response.text.strip() == '<div id="imports"></div>'
    assert "Imports" not in client.get(job.story.get_absolute_url()).text


def test_a_job_waiting_long_says_whether_the_worker_is_busy_or_missing(client, editor, job):
    from datetime import timedelta

    from django.utils import timezone

    client.force_login(editor)
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    assert "the worker may not be running" in region(client, job.story).text
    other = import_jobs.job_create(
        story=job.story, created_by=editor, label="Other", file_name="", source=b"Other text."
    )
    import_jobs._claim(other.pk)
    assert (
        "it is busy with another import, and starts this one next" in region(client, job.story).text
    )
