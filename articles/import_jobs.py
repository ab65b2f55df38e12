"""Background imports: the form stores an ImportJob, the worker runs it, the page polls it.

Two kinds of job: a version (``job_create``) and a file of annotations
(``annotation_job_create``). A run goes through the stages of its kind
(``ImportJob.STAGES``: extracting, segmenting, aligning with each other version, proposing
counterparts; or reading the annotations, placing them, proposing counterparts), writing
its progress to the job row. Nothing is stored before the last stage, which writes
everything in one transaction (``versions.store_version``, ``webannotation.store_import``)
while it holds the job's row lock: a cancel or a second run of the same job cannot slip in
between, and a failure leaves nothing. A version's store holds the story row only for its
last fraction of a second (see articles/versions.py); an annotation import's, throughout.

A run holds a lease: a thread writes ``heartbeat_at`` every IMPORT_HEARTBEAT_SECONDS. A
job whose heartbeat is older than IMPORT_LEASE_SECONDS lost its worker (killed,
restarted, out of memory); ``recover_stalled`` queues it again, or after
IMPORT_MAX_ATTEMPTS runs fails it with a message. Each run takes the next attempt
number, and a run whose number is no longer the job's stores nothing.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from datetime import timedelta

from django.conf import settings
from django.db import (
    DatabaseError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    connection,
    transaction,
)
from django.utils import timezone

from articles import importing, versions, webannotation
from articles.models import ImportJob, Story, VersionImportError

logger = logging.getLogger(__name__)

Status, Stage, Kind = ImportJob.Status, ImportJob.Stage, ImportJob.Kind

UNEXPECTED = (
    "The import failed because of an error in factcheck (it was logged for the "
    "administrators). Nothing was stored: try again, and tell them if it fails again."
)
OUT_OF_MEMORY = {
    Kind.VERSION: "The worker ran out of memory while importing this text. Nothing was "
    "stored: import a shorter text, or split the document.",
    Kind.ANNOTATIONS: "The worker ran out of memory while importing this file. Nothing was "
    "stored: split the file into smaller ones.",
}
# How many of an invalid file's problems the job's error lists.
SHOWN_ERRORS = 10


class Cancelled(Exception):
    """An editor cancelled the job."""


class Superseded(Exception):
    """This run no longer owns the job (its lease ran out and another run took it)."""


# ---------------------------------------------------------------------------- the request side


def job_create(
    *,
    story: Story,
    created_by,
    label: str,
    file_name: str,
    source: bytes,
    outlet: str = "",
    byline: str = "",
    url: str = "",
    published_on=None,
) -> ImportJob:
    """Store the upload (or pasted text, as UTF-8) as a job and queue it for the worker.

    Raises VersionImportError if the story already has this label, or is already
    importing the same file or another text under the same label.
    """
    digest = hashlib.sha256(source).hexdigest()
    if story.versions.filter(label=label).exists():
        raise VersionImportError(f"The story already has a version labelled “{label}”.")
    busy = story.import_jobs.filter(status__in=ImportJob.ACTIVE)
    if busy.filter(source_sha256=digest).exists():
        raise VersionImportError(
            "This file is already being imported into the story: follow its progress on the "
            "story page."
        )
    if busy.filter(label=label).exists():
        raise VersionImportError(f"A version labelled “{label}” is already being imported.")
    return _queue(
        "This file, or a version with this label, is already being imported into the story.",
        story=story,
        created_by=created_by,
        label=label,
        outlet=outlet,
        byline=byline,
        url=url,
        published_on=published_on,
        file_name=file_name,
        source=source,
        source_sha256=digest,
        source_size=len(source),
    )


def annotation_job_create(
    *, story: Story, created_by, file_name: str, source: bytes, site: str = ""
) -> ImportJob:
    """Store an annotation file as a job and queue it for the worker.

    ``site`` is this installation's address (see ``webannotation.own_page``). Raises
    VersionImportError if the story is already importing the same file.
    """
    digest = hashlib.sha256(source).hexdigest()
    busy = (
        "This file is already being imported into the story: follow its progress on the story page."
    )
    if story.import_jobs.filter(status__in=ImportJob.ACTIVE, source_sha256=digest).exists():
        raise VersionImportError(busy)
    return _queue(
        busy,
        story=story,
        created_by=created_by,
        kind=Kind.ANNOTATIONS,
        label=(file_name or "annotations")[:120],
        file_name=file_name[:255],
        site=site[:200],
        source=source,
        source_sha256=digest,
        source_size=len(source),
    )


def _queue(busy: str, **fields) -> ImportJob:
    """Create the job and its task in one transaction; ``busy`` if the database refuses it."""
    from articles import tasks

    try:
        with transaction.atomic():
            job = ImportJob.objects.create(**fields)
            # The task row is written in this transaction: both exist, or neither.
            result = tasks.run_import.enqueue(job.pk)
            job.task_id = str(result.id)
            job.save(update_fields=["task_id"])
    except IntegrityError:
        # Two submissions at once: the partial unique constraints let one through.
        raise VersionImportError(busy) from None
    return job


def job_cancel(*, job: ImportJob) -> str:
    """Cancel a job, or say why it cannot be; return the message for the user.

    A queued job ends at once; a running one stops at its next step (nothing is stored
    either way). A finished job is left as it is.
    """
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().defer("source").get(pk=job.pk)
        if job.status == Status.QUEUED:
            _end(job, Status.CANCELLED)
            return f"The import of “{job.label}” was cancelled. Nothing was stored."
        if job.status == Status.RUNNING:
            job.cancel_requested = True
            job.save(update_fields=["cancel_requested"])
            return f"Cancelling the import of “{job.label}”: it stops at its next step."
    if job.status == Status.SUCCEEDED:
        stored = "the version is" if job.kind == Kind.VERSION else "its annotations are"
        return (
            f"The import of “{job.label}” had already finished, so it was not cancelled: "
            f"{stored} in the story."
        )
    return f"The import of “{job.label}” had already stopped."


def job_dismiss(*, job: ImportJob) -> None:
    """Hide a finished job from the story page."""
    ImportJob.objects.filter(pk=job.pk).exclude(status__in=ImportJob.ACTIVE).update(dismissed=True)


def _end(job: ImportJob, status: str, error: str = "") -> None:
    job.status, job.error, job.finished_at = status, error, timezone.now()
    job.heartbeat_at, job.source, job.detail = None, b"", ""
    job.save(update_fields=["status", "error", "finished_at", "heartbeat_at", "source", "detail"])


# ---------------------------------------------------------------------------- the worker side


def run(job_id: int) -> None:
    """Run one queued job to its end (the worker's task). Safe to call twice."""
    attempt = _claim(job_id)
    if attempt is None:
        return
    heartbeat = _Heartbeat(job_id, attempt)
    heartbeat.start()
    try:
        _import(job_id, attempt)
    except Superseded:
        logger.warning("Import job %s attempt %s was taken over; stored nothing", job_id, attempt)
    except Cancelled:
        _finish(job_id, attempt, Status.CANCELLED)
    except (VersionImportError, importing.UnreadableFile) as exc:
        _finish(job_id, attempt, Status.FAILED, str(exc))
    except webannotation.InvalidFile as exc:
        _finish(job_id, attempt, Status.FAILED, invalid_file_message(exc.errors))
    except MemoryError:
        logger.exception("Import job %s ran out of memory", job_id)
        kind = ImportJob.objects.values_list("kind", flat=True).get(pk=job_id)
        _finish(job_id, attempt, Status.FAILED, OUT_OF_MEMORY[kind])
    except (OperationalError, InterfaceError):
        # The database went away: the job keeps its status, and its lease runs out, so
        # recover_stalled queues it again. A write the database refuses (DataError,
        # IntegrityError) would be refused again: that fails the job, below.
        logger.exception("Import job %s lost the database; it will be run again", job_id)
    except Exception:
        logger.exception("Import job %s failed", job_id)
        _finish(job_id, attempt, Status.FAILED, UNEXPECTED)
    finally:
        heartbeat.stop()


def invalid_file_message(errors: list[str]) -> str:
    """Why an annotation file was refused, in words: its first problems, and how many more."""
    shown = " ".join(e if e.endswith(".") else f"{e}." for e in errors[:SHOWN_ERRORS])
    more = len(errors) - SHOWN_ERRORS
    rest = f" And {more:,} more problem{'s' if more > 1 else ''}." if more > 0 else ""
    return f"The file cannot be read as annotations; nothing was stored. {shown}{rest}"


def _claim(job_id: int) -> int | None:
    """Take a queued job for this run; return its attempt number, None if not queued."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().defer("source").filter(pk=job_id).first()
        if job is None or job.status != Status.QUEUED:
            return None
        job.status, job.progress, job.detail = Status.RUNNING, 0, ""
        job.stage = ImportJob.STAGES[job.kind][0]
        job.attempts += 1
        job.heartbeat_at = timezone.now()
        job.save(
            update_fields=["status", "stage", "progress", "detail", "attempts", "heartbeat_at"]
        )
        return job.attempts


def _mine(job_id: int, attempt: int):
    return ImportJob.objects.filter(pk=job_id, attempts=attempt, status=Status.RUNNING)


def _progress(job_id: int, attempt: int):
    """A progress callback for versions.prepare_version that also stops a cancelled run."""

    def progress(stage: str, fraction: float, detail: str) -> None:
        updated = (
            _mine(job_id, attempt)
            .filter(cancel_requested=False)
            .update(
                stage=stage,
                progress=max(0, min(99, int(fraction * 100))),
                detail=detail[:300],
                heartbeat_at=timezone.now(),
            )
        )
        if not updated:
            raise Cancelled if _mine(job_id, attempt).exists() else Superseded

    return progress


def _import(job_id: int, attempt: int) -> None:
    job = ImportJob.objects.select_related("story", "created_by").get(pk=job_id)
    if job.kind == Kind.ANNOTATIONS:
        return _import_annotations(job, attempt)
    progress = _progress(job_id, attempt)
    progress(Stage.EXTRACTING, 0.02, job.file_name or "pasted text")
    source = bytes(job.source)
    if job.file_name:
        extracted = importing.read_upload(job.file_name, source)
    else:
        extracted = importing.Extracted(text=source.decode("utf-8"))
    del source
    meta = {
        "outlet": job.outlet,
        "byline": job.byline,
        "url": job.url,
        "published_on": job.published_on,
    }
    # Metadata found in a saved web page fills fields the editor left empty.
    for name in meta:
        if not meta[name] and getattr(extracted, name):
            meta[name] = getattr(extracted, name)
    prepared = versions.prepare_version(
        story=job.story,
        text=extracted.text,
        label=job.label,
        created_by=job.created_by,
        progress=progress,
        **meta,
    )
    with transaction.atomic():
        locked = _lock_mine(job_id, attempt)
        version = versions.store_version(prepared)
        locked.version, locked.sentence_count = version, prepared.sentence_count
        locked.stage, locked.progress = Stage.DONE, 100
        locked.save(update_fields=["version", "sentence_count", "stage", "progress"])
        _end(locked, Status.SUCCEEDED)


def _import_annotations(job: ImportJob, attempt: int) -> None:
    progress = _progress(job.pk, attempt)
    prepared = webannotation.prepare_import(
        story=job.story,
        user=job.created_by,
        data=bytes(job.source),
        site=job.site,
        file_name=job.file_name,
        progress=progress,
    )
    with transaction.atomic():
        locked = _lock_mine(job.pk, attempt)
        report = webannotation.store_import(prepared)
        locked.annotation_import, locked.stage, locked.progress = report.record, Stage.DONE, 100
        locked.save(update_fields=["annotation_import", "stage", "progress"])
        _end(locked, Status.SUCCEEDED)


def _lock_mine(job_id: int, attempt: int) -> ImportJob:
    """Lock the job row for the final write: raise if the run lost it or was cancelled."""
    locked = ImportJob.objects.select_for_update().defer("source").get(pk=job_id)
    if locked.attempts != attempt or locked.status != Status.RUNNING:
        raise Superseded
    if locked.cancel_requested:
        raise Cancelled
    return locked


def _finish(job_id: int, attempt: int, status: str, error: str = "") -> None:
    with transaction.atomic():
        job = _mine(job_id, attempt).select_for_update().defer("source").first()
        if job is not None:
            _end(job, status, error)


class _Heartbeat(threading.Thread):
    """Writes the run's heartbeat every IMPORT_HEARTBEAT_SECONDS until stopped."""

    def __init__(self, job_id: int, attempt: int):
        super().__init__(name=f"import-{job_id}-heartbeat", daemon=True)
        self.job_id, self.attempt = job_id, attempt
        self._stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self._stopped.wait(settings.IMPORT_HEARTBEAT_SECONDS):
                try:
                    _mine(self.job_id, self.attempt).update(heartbeat_at=timezone.now())
                except DatabaseError as exc:  # SQLite busy with the final write, say
                    logger.warning("Import job %s heartbeat not written: %s", self.job_id, exc)
        finally:
            connection.close()  # this thread's own connection

    def stop(self) -> None:
        self._stopped.set()
        self.join()


def recover_stalled() -> int:
    """Queue again (or fail, after IMPORT_MAX_ATTEMPTS runs) jobs whose worker stopped.

    Returns the number of jobs recovered. Safe to run from several processes at once.
    """
    from articles import tasks

    cutoff = timezone.now() - timedelta(seconds=settings.IMPORT_LEASE_SECONDS)
    stalled = ImportJob.objects.filter(status=Status.RUNNING, heartbeat_at__lt=cutoff)
    count = 0
    for job_id in stalled.values_list("pk", flat=True):
        with transaction.atomic():
            job = stalled.select_for_update().defer("source").filter(pk=job_id).first()
            if job is None:
                continue  # recovered or finished meanwhile
            count += 1
            _forget_task(job.task_id)
            if job.cancel_requested:
                _end(job, Status.CANCELLED)
            elif job.attempts >= settings.IMPORT_MAX_ATTEMPTS:
                smaller = "a shorter text" if job.kind == Kind.VERSION else "a smaller file"
                _end(
                    job,
                    Status.FAILED,
                    f"The import stopped {job.attempts} times before it finished: the worker "
                    f"was stopped or ran out of memory each time. Nothing was stored. Import "
                    f"{smaller}, or ask an administrator to look at the worker's log.",
                )
            else:
                result = tasks.run_import.enqueue(job.pk)
                job.status, job.stage, job.progress = Status.QUEUED, Stage.QUEUED, 0
                job.heartbeat_at, job.task_id = None, str(result.id)
                job.detail = "The worker stopped during the import; it starts again."
                job.save(
                    update_fields=[
                        "status", "stage", "progress", "heartbeat_at", "task_id", "detail"
                    ]
                )  # fmt: skip
            logger.warning("Import job %s lost its worker: now %s", job.pk, job.status)
    return count


def _forget_task(task_id: str) -> None:
    """Mark the lost run's task failed, so the task table does not show it running forever."""
    from django_tasks_db.models import DBTaskResult

    if not task_id:
        return
    DBTaskResult.objects.filter(pk=task_id, status="RUNNING").update(
        status="FAILED",
        finished_at=timezone.now(),
        exception_class_path="articles.import_jobs.WorkerLost",
        traceback="The worker stopped before the task finished; the import job was recovered.",
    )
