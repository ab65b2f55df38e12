"""Annotation files imported in the background (import_jobs with kind "annotations"):
stages, the report, cancel, failures, a lost worker, counterparts ranked before the write."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from articles import comparison, import_jobs, webannotation
from articles.models import (
    AnnotationImport,
    Claim,
    Counterpart,
    ImportJob,
    Note,
    SentenceLink,
    Story,
    VersionImportError,
)
from articles.versions import import_version
from tests.conftest import ORIGINAL, REWRITTEN, run_queued_tasks

pytestmark = pytest.mark.django_db
GAZETTE = "https://gazette.example/sea-wall"
COAST = "https://coast.example/wall"
# Words of the rewrite that the original states otherwise, words of both, and a reply.
FILE = {
    "total": 4,
    "rows": [
        {
            "id": "a1",
            "user": "acct:ana@hypothes.is",
            "uri": COAST,
            "text": "Ten times the other figure?",
            "target": [
                {
                    "source": COAST,
                    "selector": [
                        {"type": "TextQuoteSelector", "exact": "approved £42m for the wall"}
                    ],
                }
            ],
        },
        {
            "id": "a2",
            "user": "acct:ana@hypothes.is",
            "uri": GAZETTE,
            "target": [
                {
                    "source": GAZETTE,
                    "selector": [{"type": "TextQuoteSelector", "exact": "It protects"}],
                }
            ],
        },
        {
            "id": "a3",
            "user": "acct:ana@hypothes.is",
            "uri": "https://x.example/",
            "target": [
                {
                    "source": "https://x.example/",
                    "selector": [{"type": "TextQuoteSelector", "exact": "words in no version"}],
                }
            ],
        },
        {
            "id": "r1",
            "user": "acct:ben@hypothes.is",
            "uri": COAST,
            "text": "Agreed.",
            "references": ["a1"],
            "target": [{"source": COAST}],
        },
    ],
}
DATA = json.dumps(FILE).encode()


@pytest.fixture
def fresh(editor, reviewer):
    story = Story.objects.create(title="Elsewhere", created_by=editor)
    story.members.add(reviewer)
    for text, label, url in ((ORIGINAL, "Original", GAZETTE), (REWRITTEN, "Rewrite", COAST)):
        import_version(story=story, text=text, label=label, url=url, created_by=editor)
    return story


def new_job(story, editor, data=DATA, name="hypothesis.json"):
    return import_jobs.annotation_job_create(
        story=story, created_by=editor, file_name=name, source=data, site="http://testserver"
    )


def stored():
    return (Claim.objects.count(), Note.objects.count(), AnnotationImport.objects.count())


def counterparts(story):
    return sorted(
        (c.claim.exact, c.version.label, c.status, c.start, c.end, c.score, len(c.candidates))
        for c in Counterpart.objects.filter(claim__version__story=story).select_related(
            "claim", "version"
        )
    )


def test_a_job_goes_through_its_stages_and_stores_the_report(fresh, editor, monkeypatch):
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
    job = new_job(fresh, editor)
    assert job.kind == "annotations" and job.label == "hypothesis.json"
    assert [s for s, _, _ in job.stages] == ["reading", "placing", "proposing"]
    run_queued_tasks()
    assert [s for s, _, _ in seen] == ["reading", "placing", "proposing"]
    assert [d for _, _, d in seen[1:]] == ["(0 of 3 claims)", "(0 of 2 new claims)"]
    percents = [p for _, p, _ in seen]
    assert percents == sorted(percents) and percents[-1] < 100
    job.refresh_from_db()
    assert (job.status, job.stage, job.progress) == ("succeeded", "done", 100)
    assert bytes(job.source) == b""  # the upload is not kept once imported
    record = job.annotation_import
    assert record.counts["claims_created"] == 2 and record.counts["notes_created"] == 2
    assert record.counts["skipped"] == 1 and record.counts["annotations"] == 4
    assert [r["outcome"] for r in record.rows] == ["created", "created", "skipped", "added"]
    assert record.imported_by == editor and record.file_name == "hypothesis.json"


def test_counterparts_ranked_before_the_write_are_those_a_proposal_makes(fresh, editor):
    new_job(fresh, editor)
    run_queued_tasks()
    before = counterparts(fresh)
    # Two new claims, each with a counterpart in the other version.
    assert len(before) == 2 and {row[2] for row in before} <= {"proposed", "suggested"}
    comparison.propose_counterparts(Claim.objects.filter(version__story=fresh))
    assert counterparts(fresh) == before


def test_a_realignment_during_the_job_is_taken_into_account(fresh, editor, monkeypatch):
    """The versions' links change after the claims were ranked: the write ranks them again,
    under the story's lock, and stores what a proposal on the new links makes."""
    original, rewrite = fresh.versions.order_by("pk")
    real = webannotation.prepare_import

    def prepare_then_correct(**kwargs):
        prepared = real(**kwargs)
        # An editor corrects a link meanwhile: "It protects" has no counterpart any more.
        position = original.sentences.get(
            start__lte=ORIGINAL.index("It protects"), end__gt=ORIGINAL.index("It protects")
        ).position
        comparison.set_manual_link(
            version=original, position=position, other=rewrite, other_positions=[], user=editor
        )
        return prepared

    monkeypatch.setattr(webannotation, "prepare_import", prepare_then_correct)
    new_job(fresh, editor)
    run_queued_tasks()
    after = counterparts(fresh)
    comparison.propose_counterparts(Claim.objects.filter(version__story=fresh))
    assert counterparts(fresh) == after
    assert SentenceLink.objects.filter(manual=True).count() == 1


def test_cancelling_a_queued_job_stops_it_before_it_starts(fresh, editor):
    job = new_job(fresh, editor)
    assert import_jobs.job_cancel(job=job) == (
        "The import of “hypothesis.json” was cancelled. Nothing was stored."
    )
    run_queued_tasks()
    job.refresh_from_db()
    assert job.status == "cancelled" and job.attempts == 0
    assert stored() == (0, 0, 0)


def test_cancelling_while_placing_stores_nothing(fresh, editor, monkeypatch):
    job = new_job(fresh, editor)
    real_place = webannotation.place

    def place_then_cancel(*args, **kwargs):
        message = import_jobs.job_cancel(job=job)  # the editor clicks Cancel meanwhile
        assert message == "Cancelling the import of “hypothesis.json”: it stops at its next step."
        return real_place(*args, **kwargs)

    monkeypatch.setattr(webannotation, "place", place_then_cancel)
    run_queued_tasks()
    job.refresh_from_db()
    assert job.status == "cancelled" and bytes(job.source) == b""
    assert stored() == (0, 0, 0)


def test_a_cancel_just_before_the_write_is_honoured_under_the_lock(fresh, editor, monkeypatch):
    job = new_job(fresh, editor)
    real = webannotation.prepare_import

    def prepare_then_cancel(**kwargs):
        prepared = real(**kwargs)
        import_jobs.job_cancel(job=job)
        return prepared

    monkeypatch.setattr(webannotation, "prepare_import", prepare_then_cancel)
    run_queued_tasks()
    job.refresh_from_db()
    assert job.status == "cancelled" and stored() == (0, 0, 0)


def test_cancelling_a_job_that_has_just_finished_says_so_and_keeps_the_annotations(fresh, editor):
    job = new_job(fresh, editor)
    run_queued_tasks()
    assert import_jobs.job_cancel(job=job) == (
        "The import of “hypothesis.json” had already finished, so it was not cancelled: its "
        "annotations are in the story."
    )
    job.refresh_from_db()
    assert job.status == "succeeded" and stored() == (2, 2, 1)


def test_a_failure_while_writing_leaves_nothing_half_imported(fresh, editor, monkeypatch):
    job = new_job(fresh, editor)

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    # The last write of the transaction: claims, counterparts and notes are in it already.
    monkeypatch.setattr(AnnotationImport.objects, "create", explode)
    run_queued_tasks()
    job.refresh_from_db()
    assert job.status == "failed" and job.error == import_jobs.UNEXPECTED
    assert stored() == (0, 0, 0) and not Counterpart.objects.exists()


def test_a_write_the_database_refuses_fails_the_job_instead_of_retrying_it(
    fresh, editor, monkeypatch
):
    """Only a lost connection leaves the job for recover_stalled to run again: a write the
    database refuses (here a DataError) would be refused at every retry."""
    from django.db import DataError

    job = new_job(fresh, editor)

    def refused(*args, **kwargs):
        raise DataError("unsupported Unicode escape sequence")

    monkeypatch.setattr(AnnotationImport.objects, "create", refused)
    run_queued_tasks()
    job.refresh_from_db()
    assert job.status == "failed" and job.error == import_jobs.UNEXPECTED
    assert stored() == (0, 0, 0)


def test_control_characters_of_a_file_reach_the_report_as_replacement_characters(fresh, editor):
    """A hostile address with NUL in it is quoted in the report's reason: PostgreSQL's
    jsonb refuses NUL, so it is stored as U+FFFD."""
    hostile = dict(FILE["rows"][2], id="a4", uri="https://x.example/\u0000\u0007a")
    hostile["target"] = [dict(hostile["target"][0], source=hostile["uri"])]
    data = json.dumps({"total": 1, "rows": [hostile]}).encode()
    job = new_job(fresh, editor, data)
    run_queued_tasks()
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    (row,) = AnnotationImport.objects.get().rows
    assert "\x00" not in json.dumps(row) and "https://x.example/\ufffd\ufffda" in row["reason"]


def test_a_file_that_is_not_annotations_fails_with_its_reasons_in_words(fresh, editor):
    bad = [{"id": f"urn:x:{n}", "type": "Annotation"} for n in range(15)]
    job = new_job(fresh, editor, json.dumps(bad).encode())
    run_queued_tasks()
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error.startswith(
        "The file cannot be read as annotations; nothing was stored. "
        'Annotation 1 (urn:x:0) has no "target". Annotation 2 (urn:x:1) has no "target".'
    )
    assert job.error.endswith("And 5 more problems.")
    assert stored() == (0, 0, 0)


def test_a_story_without_versions_is_refused_in_words(editor):
    story = Story.objects.create(title="Empty", created_by=editor)
    job = new_job(story, editor)
    run_queued_tasks()
    job.refresh_from_db()
    assert job.status == "failed"
    assert "The story has no versions yet: import the versions' texts first." in job.error


def test_the_same_file_twice_at_once_is_refused(fresh, editor):
    new_job(fresh, editor)
    with pytest.raises(VersionImportError, match="already being imported"):
        new_job(fresh, editor, name="another-name.json")
    new_job(fresh, editor, data=DATA + b" ")  # another file under the same name is fine
    run_queued_tasks()
    # Once done, the same file may be imported again: it adds nothing twice.
    job = new_job(fresh, editor)
    run_queued_tasks()
    job.refresh_from_db()
    assert job.annotation_import.counts["claims_created"] == 0
    assert stored() == (2, 2, 3)


def test_a_job_whose_worker_died_is_run_again_and_stores_everything_once(fresh, editor, settings):
    job = new_job(fresh, editor)
    assert import_jobs._claim(job.pk) == 1  # a worker took it, then was killed
    ImportJob.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - timedelta(seconds=settings.IMPORT_LEASE_SECONDS + 1)
    )
    assert import_jobs.recover_stalled() == 1
    job.refresh_from_db()
    assert job.status == "queued" and job.stage == "queued"
    run_queued_tasks()
    job.refresh_from_db()
    assert job.status == "succeeded" and job.attempts == 2
    assert stored() == (2, 2, 1)
    # The first run, should it wake up, stores nothing: its attempt is no longer the job's.
    with pytest.raises(import_jobs.Superseded):
        import_jobs._lock_mine(job.pk, 1)
