"""The real worker process (``manage.py import_worker``) imports a job, and a job whose
worker is killed mid-import is finished by the next worker, stored once."""

import signal

import pytest

from articles import import_jobs
from articles.models import ImportJob, Version
from articles.versions import import_version
from tests.generated import long_text
from tests.worker import start_worker, stop, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_worker_killed_mid_import_is_replaced_and_the_version_stored_once(story, editor):
    import_version(story=story, text=long_text(400, seed=1), label="Long", created_by=editor)
    job = import_jobs.job_create(
        story=story, created_by=editor, label="Long, rewritten", file_name="long.txt",
        source=long_text(400, seed=2).encode(),
    )  # fmt: skip
    first = start_worker()
    try:
        wait_for(lambda: ImportJob.objects.filter(pk=job.pk, stage="aligning").exists(), timeout=60)
        first.send_signal(signal.SIGKILL)  # no chance to clean up
        first.wait(timeout=10)
    finally:
        stop(first)
    job.refresh_from_db()
    assert job.status == "running" and not story.versions.filter(label=job.label).exists()
    second = start_worker()
    try:
        wait_for(lambda: ImportJob.objects.filter(pk=job.pk, status="succeeded").exists())
    finally:
        stop(second)
    job.refresh_from_db()
    assert job.attempts == 2
    assert Version.objects.filter(story=story, label="Long, rewritten").count() == 1
    assert job.version.sentences.count() == 400
