"""An import's store holds the story's row only to publish: reviewers keep writing meanwhile.

``versions.store_version`` writes the version's rows under the story's structure lock
(an advisory lock that imports, re-alignments and re-segmentations take, reviewers never)
and locks the story row FOR UPDATE only at the end (``_publish``). These tests hold a store
just before that end, with its rows written and not committed, and write meanwhile.
"""

import threading
import time

import pytest
from django.db import connection, transaction

from articles import comparison, resegmenting, reviewing, versions
from articles.models import (
    Block,
    Claim,
    Counterpart,
    Sentence,
    SentenceLink,
    Story,
    Version,
    VersionImportError,
)
from articles.text import segmentation
from tests.articles.test_live import in_thread
from tests.articles.test_workflow import claim_on
from tests.conftest import ORIGINAL, REWRITTEN

pytestmark = pytest.mark.django_db(transaction=True)

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite serialises every writer by design"
)

THIRD = ORIGINAL.replace("£4.2m", "£5m").replace("eighteen months", "two years")


class HeldStore:
    """Hold every ``store_version`` after its rows are written: before it publishes (the
    story row locked at the end), or ``at="rank_counterparts"``, before it ranks the
    counterparts of the claims marked so far (no story row lock at all)."""

    def __init__(self, monkeypatch, at="_publish"):
        self.written, self.release = threading.Event(), threading.Event()
        self.backend_pid = None
        real = getattr(versions, at)

        def held(*args, **kwargs):
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.backend_pid = cursor.fetchone()[0]
            self.written.set()
            assert self.release.wait(20), "the test never released the store"
            return real(*args, **kwargs)

        monkeypatch.setattr(versions, at, held)


def store_in_thread(prepared):
    return in_thread(lambda: versions.store_version(prepared))


def prepare(story, editor, text=REWRITTEN, label="Rewritten copy"):
    return versions.prepare_version(story=story, text=text, label=label, created_by=editor)


def nothing_stored_of(label):
    assert not Version.objects.filter(label=label).exists()
    assert not Block.objects.filter(version__label=label).exists()
    assert not Sentence.objects.filter(version__label=label).exists()
    assert not SentenceLink.objects.filter(right_version__label=label).exists()
    assert not Counterpart.objects.filter(version__label=label).exists()


@postgres_only
@pytest.mark.parametrize("held_at", ["_publish", "rank_counterparts"])
def test_reviewers_write_while_an_import_stores_and_their_claims_get_counterparts(
    story, editor, reviewer, reviewer2, original, monkeypatch, held_at
):
    before = claim_on(original, reviewer, "spend £4.2m on the wall")
    doomed = claim_on(original, reviewer, "It protects 3,400 homes.")
    moved = claim_on(original, reviewer2, "takes eighteen months")
    prepared = prepare(story, editor)
    hold = HeldStore(monkeypatch, at=held_at)
    storing, stored = store_in_thread(prepared)
    assert hold.written.wait(20)
    # Its rows are written, not committed: no one sees the version yet.
    assert not Version.objects.filter(label="Rewritten copy").exists()
    began = time.monotonic()

    def reviewers_writes():
        during = claim_on(original, reviewer2, "Harbour town votes to rebuild its sea wall")
        reviewing.verdict_save(
            claim=before, user=reviewer, rating="accurate", rationale="", sources=[], revision=None
        )
        reviewing.claim_delete(claim=doomed, user=reviewer)
        words = "Work starts in April"
        start = original.text.index(words)
        reviewing.claim_update_span(
            claim=moved,
            user=reviewer2,
            start=start,
            end=start + len(words),
            exact=words,
            revision=Claim.objects.get(pk=moved.pk).revision,
        )
        return during

    writer, written = in_thread(reviewers_writes)
    writer.join(10)
    waited = time.monotonic() - began
    alive = writer.is_alive()
    hold.release.set()
    storing.join(20)
    writer.join(20)
    assert "error" not in written, written
    assert "error" not in stored, stored
    # The reviewers' writes finished while the store was still open.
    assert not alive and waited < 8
    during = written["value"]
    version = stored["value"]
    story.refresh_from_db()
    # Each claim of the original has its counterpart in the new version: the one marked
    # during the store, the one moved (ranked at its new words), the one from before.
    for claim in (before, during, moved):
        claim.refresh_from_db()
        row = Counterpart.objects.get(claim=claim, version=version)
        assert row.status == Counterpart.Status.PROPOSED, (claim.exact, row.status)
        # Stamped with the import's revision, which was taken last.
        assert claim.changed_revision == story.revision
    assert "April" in Counterpart.objects.get(claim=moved, version=version).exact
    assert "Coastal town" in Counterpart.objects.get(claim=during, version=version).exact
    assert not Claim.objects.filter(pk=doomed.pk).exists()
    assert Counterpart.objects.filter(version=version).count() == 3
    assert SentenceLink.objects.filter(left_version=original, right_version=version).exists()


@postgres_only
def test_two_imports_at_once_end_aligned_with_each_other(
    story, editor, reviewer, original, monkeypatch
):
    claim = claim_on(original, reviewer, "spend £4.2m on the wall")
    first = prepare(story, editor)
    second = prepare(story, editor, text=THIRD, label="Third")
    # Neither preparation saw the other version.
    assert list(first.alignments) == list(second.alignments) == [original.pk]
    hold = HeldStore(monkeypatch)
    one, one_result = store_in_thread(first)
    assert hold.written.wait(20)
    two, two_result = store_in_thread(second)
    two.join(1.5)
    assert two.is_alive()  # waits for the first import's structure lock, not the story row
    hold.release.set()
    one.join(20)
    two.join(30)
    assert "error" not in one_result and "error" not in two_result, (one_result, two_result)
    rewritten, third = one_result["value"], two_result["value"]
    assert rewritten.pk < third.pk
    pair = SentenceLink.objects.filter(left_version=rewritten, right_version=third)
    # The second store aligned the two as a later re-alignment would.
    stored = sorted(pair.values_list("left_start", "left_count", "right_start", "right_count"))
    assert stored
    comparison.align_versions(rewritten, third)
    assert stored == sorted(
        pair.values_list("left_start", "left_count", "right_start", "right_count")
    )
    assert SentenceLink.objects.filter(left_version=original, right_version=third).exists()
    assert set(Counterpart.objects.filter(claim=claim).values_list("version_id", flat=True)) == {
        rewritten.pk,
        third.pk,
    }


@postgres_only
def test_a_store_killed_midway_leaves_nothing_and_frees_the_story(
    story, editor, reviewer, original, monkeypatch
):
    claim = claim_on(original, reviewer, "spend £4.2m on the wall")
    revision = Story.objects.get().revision
    hold = HeldStore(monkeypatch)
    storing, stored = store_in_thread(prepare(story, editor))
    assert hold.written.wait(20)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [hold.backend_pid])
    hold.release.set()
    storing.join(20)
    assert "error" in stored  # its connection was killed mid-transaction
    nothing_stored_of("Rewritten copy")
    assert Story.objects.get().revision == revision
    assert not Counterpart.objects.filter(claim=claim).exists()
    # The structure lock went with the connection: the next import goes through.
    monkeypatch.undo()
    version = versions.import_version(
        story=story, text=REWRITTEN, label="Rewritten copy", created_by=editor
    )
    assert Counterpart.objects.filter(claim=claim, version=version).exists()


def test_a_store_failing_after_its_rows_leaves_nothing(story, editor, original, monkeypatch):
    revision = Story.objects.get().revision

    def fail(*args, **kwargs):
        raise RuntimeError("stopped before publishing")

    monkeypatch.setattr(versions, "_publish", fail)
    with pytest.raises(RuntimeError):
        versions.store_version(prepare(story, editor))
    nothing_stored_of("Rewritten copy")
    assert Story.objects.get().revision == revision


def test_a_version_deleted_since_the_preparation_is_left_out(story, editor, original):
    third = versions.import_version(story=story, text=THIRD, label="Third", created_by=editor)
    prepared = prepare(story, editor)
    assert set(prepared.alignments) == {original.pk, third.pk}
    third.delete()
    version = versions.store_version(prepared)
    assert set(SentenceLink.objects.filter(right_version=version).values_list(
        "left_version_id", flat=True
    )) == {original.pk}  # fmt: skip


def test_a_version_resegmented_since_the_preparation_is_aligned_again(story, editor, original):
    prepared = prepare(story, editor)
    # Re-segment the original differently: its first two sentences become one.
    blocks = segmentation.segment(original.text)
    merged, done = [], False
    for block in blocks:
        if len(block.sentences) > 1 and not done:
            first, second, *rest = block.sentences
            joined = segmentation.Span(first.start, second.end)
            block = segmentation.Block(block.start, block.end, block.kind, (joined, *rest))
            done = True
        merged.append(block)
    with transaction.atomic():
        Sentence.objects.filter(version=original).delete()
        Block.objects.filter(version=original).delete()
        resegmenting.store_segments(original, merged)
    count = Sentence.objects.filter(version=original).count()
    assert count == 5
    version = versions.store_version(prepared)
    pair = SentenceLink.objects.filter(left_version=original, right_version=version)
    stored = sorted(pair.values_list("left_start", "left_count", "right_start", "right_count"))
    assert stored and all(start + n <= count for start, n, _, _ in stored if start is not None)
    comparison.align_versions(original, version)
    assert stored == sorted(
        pair.values_list("left_start", "left_count", "right_start", "right_count")
    )


def test_a_duplicate_imported_since_the_preparation_is_refused(story, editor, original):
    prepared = prepare(story, editor)
    versions.import_version(story=story, text=REWRITTEN, label="Copy", created_by=editor)
    with pytest.raises(VersionImportError):
        versions.store_version(prepared)
    nothing_stored_of("Rewritten copy")


@postgres_only
def test_a_reviewer_marks_a_claim_while_an_import_job_stores(
    story, editor, reviewer, original, monkeypatch
):
    """The worker's run (the job's row locked around the store) keeps no reviewer waiting."""
    from articles import import_jobs
    from articles.models import ImportJob

    job = import_jobs.job_create(
        story=story,
        created_by=editor,
        label="Rewritten copy",
        file_name="",
        source=REWRITTEN.encode(),
    )
    hold = HeldStore(monkeypatch)
    worker, _ = in_thread(lambda: import_jobs.run(job.pk))
    assert hold.written.wait(30)
    writer, written = in_thread(lambda: claim_on(original, reviewer, "spend £4.2m on the wall"))
    writer.join(8)
    alive = writer.is_alive()
    hold.release.set()
    worker.join(30)
    writer.join(30)
    assert not alive and "error" not in written, written
    job.refresh_from_db()
    assert job.status == ImportJob.Status.SUCCEEDED, job.error
    row = Counterpart.objects.get(claim=written["value"], version=job.version)
    assert row.status == Counterpart.Status.PROPOSED
