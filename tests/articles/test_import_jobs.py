"""Background imports (articles/import_jobs.py): stages, cancel, retries, lost workers."""

from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles import import_jobs, versions
from articles.models import Block, ImportJob, SentenceLink, Version, VersionImportError
from articles.text import alignment
from tests.conftest import ORIGINAL, REWRITTEN, run_queued_tasks

pytestmark = pytest.mark.django_db


def new_job(story, editor, text=REWRITTEN, label="Rewritten copy", file_name=""):
    source = text if isinstance(text, bytes) else text.encode()
    return import_jobs.job_create(
        story=story, created_by=editor, label=label, file_name=file_name, source=source
    )


def test_a_job_goes_through_its_stages_and_aligns_with_each_version(
    story, editor, original, monkeypatch
):
    third = versions.import_version(
        story=story, text=ORIGINAL.replace("£4.2m", "£5m"), label="Third", created_by=editor
    )
    seen = []
    real = import_jobs._progress

    def spy(job_id, attempt):
        report = real(job_id, attempt)

        def progress(stage, fraction, detail):
            report(stage, fraction, detail)
            job = ImportJob.objects.get(pk=job_id)
            seen.append((job.stage, job.progress, job.detail))

        return progress

    monkeypatch.setattr(import_jobs, "_progress", spy)
    job = new_job(story, editor)
    run_queued_tasks()
    stages = [stage for stage, _, _ in seen]
    assert list(dict.fromkeys(stages)) == ["extracting", "segmenting", "aligning", "proposing"]
    percents = [p for _, p, _ in seen]
    assert percents == sorted(percents) and percents[-1] < 100
    details = [d for s, _, d in seen if s == "aligning"]
    assert list(dict.fromkeys(details)) == [
        "with “Original report” (1 of 2)",
        "with “Third” (2 of 2)",
    ]
    # The bar moves while each pair aligns, not only between pairs.
    first_pair = [p for s, p, d in seen if d == details[0]]
    assert len(set(first_pair)) >= 4, first_pair
    job.refresh_from_db()
    version = job.version
    assert job.status == "succeeded" and job.stage == "done" and job.progress == 100
    for other in (original, third):
        assert SentenceLink.objects.filter(left_version=other, right_version=version).exists()


def test_a_job_stores_the_same_links_as_a_direct_import(story, editor, original):
    new_job(story, editor)
    run_queued_tasks()
    job_links = sorted(
        SentenceLink.objects.values_list("left_start", "left_count", "right_start", "right_count")
    )
    Version.objects.filter(label="Rewritten copy").delete()
    versions.import_version(story=story, text=REWRITTEN, label="Again", created_by=editor)
    direct = sorted(
        SentenceLink.objects.values_list("left_start", "left_count", "right_start", "right_count")
    )
    assert job_links == direct and job_links


def test_cancelling_a_queued_job_stops_it_before_it_starts(story, editor):
    job = new_job(story, editor)
    assert import_jobs.job_cancel(job=job) == (
        "The import of “Rewritten copy” was cancelled. Nothing was stored."
    )
    run_queued_tasks()
    job.refresh_from_db()
    assert job.status == "cancelled" and job.attempts == 0
    assert not Version.objects.exists()


def test_cancelling_while_aligning_stores_nothing(story, editor, original, monkeypatch):
    job = new_job(story, editor)
    real_align = alignment.align

    def align_then_cancel(*args, **kwargs):
        message = import_jobs.job_cancel(job=job)  # the editor clicks Cancel meanwhile
        assert message == "Cancelling the import of “Rewritten copy”: it stops at its next step."
        return real_align(*args, **kwargs)

    monkeypatch.setattr(alignment, "align", align_then_cancel)
    run_queued_tasks()
    job.refresh_from_db()
    assert job.status == "cancelled" and bytes(job.source) == b""
    assert Version.objects.count() == 1 and not SentenceLink.objects.exists()


def test_a_cancel_just_before_the_write_is_honoured_under_the_lock(story, editor, monkeypatch):
    job = new_job(story, editor)
    real_prepare = versions.prepare_version

    def prepare_then_cancel(**kwargs):
        prepared = real_prepare(**kwargs)
        import_jobs.job_cancel(job=job)
        return prepared

    monkeypatch.setattr(versions, "prepare_version", prepare_then_cancel)
    run_queued_tasks()
    job.refresh_from_db()
    assert job.status == "cancelled" and not Version.objects.exists()


def test_cancelling_a_job_that_has_just_finished_says_so_and_keeps_the_version(story, editor):
    job = new_job(story, editor)
    run_queued_tasks()
    message = import_jobs.job_cancel(job=job)
    assert message == (
        "The import of “Rewritten copy” had already finished, so it was not cancelled: the "
        "version is in the story."
    )
    job.refresh_from_db()
    assert job.status == "succeeded" and Version.objects.count() == 1


def test_a_failure_while_writing_leaves_no_half_stored_version(story, editor, monkeypatch):
    job = new_job(story, editor)

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(SentenceLink.objects, "bulk_create", explode)
    run_queued_tasks()
    job.refresh_from_db()
    assert job.status == "failed" and job.error == import_jobs.UNEXPECTED
    assert "disk full" not in job.error  # no internals shown to the editor
    assert not Version.objects.exists() and not Block.objects.exists()


def test_the_same_file_twice_at_once_is_refused(story, editor):
    new_job(story, editor)
    with pytest.raises(VersionImportError, match="already being imported"):
        new_job(story, editor, label="Another label")
    with pytest.raises(VersionImportError, match="already being imported"):
        new_job(story, editor, text="Another text entirely.")  # same label
    # Should both requests pass those checks at once, the database refuses the second.
    with pytest.raises(IntegrityError):
        ImportJob.objects.create(
            story=story, created_by=editor, label="Third", source=b"x",
            source_sha256=ImportJob.objects.get().source_sha256,
        )  # fmt: skip


def test_the_same_file_again_after_it_finished_fails_with_a_message(story, editor):
    new_job(story, editor)
    run_queued_tasks()
    job = new_job(story, editor, label="Copy")
    run_queued_tasks()
    job.refresh_from_db()
    assert job.error == "This text is already in the story as “Rewritten copy”."
    assert Version.objects.count() == 1


def test_a_file_of_one_repeated_character_fails_with_a_message(story, editor):
    job = new_job(story, editor, text=b"a" * (20 * 1024 * 1024), file_name="a.txt")
    run_queued_tasks()
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error.startswith("One paragraph is 20,971,520 characters long; the limit is 100,000")
    assert not Version.objects.exists()


def test_a_text_of_one_word_lines_imports(story, editor):
    job = new_job(story, editor, text="\n".join(f"word{i}" for i in range(5000)))
    run_queued_tasks()
    job.refresh_from_db()
    assert job.status == "succeeded" and job.sentence_count == 5000


def test_a_pair_too_long_to_align_fails_with_a_message(story, editor, original, settings):
    settings.IMPORT_ALIGN_MAX_CHARS = 400
    job = new_job(story, editor)
    run_queued_tasks()
    job.refresh_from_db()
    assert job.error.startswith("This text (")
    assert "is too long to align with “Original report”" in job.error


# ---------------------------------------------------------------------------- lost workers


def lose_worker(job, seconds_ago=3600):
    """Leave the job as a killed worker leaves it: running, its heartbeat stopped."""
    import_jobs._claim(job.pk)
    DBTaskResult.objects.filter(pk=job.task_id).update(status="RUNNING")
    ImportJob.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - timedelta(seconds=seconds_ago)
    )


def test_a_job_whose_worker_died_is_run_again_and_completes(story, editor):
    job = new_job(story, editor)
    old_task = job.task_id
    lose_worker(job)
    assert import_jobs.recover_stalled() == 1
    job.refresh_from_db()
    assert job.status == "queued" and job.task_id != old_task
    assert job.detail == "The worker stopped during the import; it starts again."
    assert DBTaskResult.objects.get(pk=old_task).status == "FAILED"
    run_queued_tasks()
    job.refresh_from_db()
    assert job.status == "succeeded" and job.attempts == 2
    assert Version.objects.count() == 1


def test_a_running_job_with_a_fresh_heartbeat_is_left_alone(story, editor):
    job = new_job(story, editor)
    lose_worker(job, seconds_ago=1)
    assert import_jobs.recover_stalled() == 0


def test_a_job_that_keeps_losing_its_worker_fails_with_a_message(story, editor, settings):
    job = new_job(story, editor)
    for _ in range(settings.IMPORT_MAX_ATTEMPTS):
        lose_worker(job)
        import_jobs.recover_stalled()
    job.refresh_from_db()
    assert job.status == "failed" and job.error.startswith("The import stopped 3 times")
    assert not Version.objects.exists()


def test_a_lost_job_that_was_being_cancelled_ends_cancelled(story, editor):
    job = new_job(story, editor)
    lose_worker(job)
    import_jobs.job_cancel(job=job)
    import_jobs.recover_stalled()
    job.refresh_from_db()
    assert job.status == "cancelled"


def test_a_run_that_lost_its_lease_stores_nothing(story, editor, monkeypatch):
    """A slow run whose job was given to another run must not store a second version."""
    job = new_job(story, editor)
    real_prepare = versions.prepare_version

    def prepare_while_taken_over(**kwargs):
        prepared = real_prepare(**kwargs)
        ImportJob.objects.filter(pk=job.pk).update(attempts=5)  # another run took it
        return prepared

    monkeypatch.setattr(versions, "prepare_version", prepare_while_taken_over)
    run_queued_tasks()
    assert not Version.objects.exists()
    job.refresh_from_db()
    assert job.status == "running"  # left to its new owner
