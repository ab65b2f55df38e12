"""Reviewers' writes of one story run in parallel; the revision counter still orders them."""

import threading
import time

import pytest
from django.db import connection

from articles import live, reviewing
from articles.models import Claim, Story, VacatedSpan
from tests.articles.test_workflow import claim_on

pytestmark = pytest.mark.django_db(transaction=True)

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite serialises every writer by design"
)


def in_thread(target):
    """Run target in a thread with its own database connection; return (thread, result)."""
    result = {}

    def run():
        try:
            result["value"] = target()
        except Exception as exc:  # noqa: BLE001 - handed to the test
            result["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


@postgres_only
def test_a_verdict_save_does_not_wait_for_another_in_progress(
    reviewer, reviewer2, original, monkeypatch
):
    first = claim_on(original, reviewer, "spend £4.2m on the wall")
    second = claim_on(original, reviewer, "takes eighteen months")
    slow_started, slow_may_end = threading.Event(), threading.Event()
    real = reviewing._replace_sources

    def slow_replace(verdict, *args):
        real(verdict, *args)
        if verdict.claim_id == first.pk:
            slow_started.set()
            slow_may_end.wait(10)  # mid-transaction: its rows are locked, nothing committed

    monkeypatch.setattr(reviewing, "_replace_sources", slow_replace)
    slow, slow_result = in_thread(
        lambda: reviewing.verdict_save(
            claim=first, user=reviewer, rating="accurate", rationale="", sources=[], revision=None
        )
    )
    assert slow_started.wait(10)
    began = time.monotonic()
    fast, fast_result = in_thread(
        lambda: (
            reviewing.verdict_save(
                claim=second,
                user=reviewer2,
                rating="mixed",
                rationale="",
                sources=[],
                revision=None,
            ),
            claim_on(original, reviewer2, "It protects 3,400 homes."),
        )
    )
    fast.join(8)
    waited = time.monotonic() - began
    slow_may_end.set()
    slow.join(10)
    assert "error" not in fast_result and "error" not in slow_result
    # The second reviewer's save and mark finished while the first save was still open.
    assert not fast.is_alive() and waited < 5
    claim = fast_result["value"][1]
    assert claim.number == 3
    revisions = Claim.objects.filter(pk__in=[first.pk, second.pk, claim.pk]).values_list(
        "changed_revision", flat=True
    )
    # Each write took its own revision, the slow one last (it committed last).
    assert len(set(revisions)) == 3
    assert Claim.objects.get(pk=first.pk).changed_revision == Story.objects.get().revision


@postgres_only
def test_a_reviewers_write_waits_for_an_import_holding_the_story(reviewer, original):
    claim = claim_on(original, reviewer, "spend £4.2m on the wall")
    locked, release = threading.Event(), threading.Event()

    def importer():
        from django.db import transaction

        with transaction.atomic():
            Story.objects.select_for_update().filter(pk=original.story_id).first()
            locked.set()
            release.wait(10)

    holder, _ = in_thread(importer)
    assert locked.wait(10)
    writer, result = in_thread(
        lambda: reviewing.verdict_save(
            claim=claim, user=reviewer, rating="accurate", rationale="", sources=[], revision=None
        )
    )
    writer.join(1)
    assert writer.is_alive()  # waiting for the import
    release.set()
    holder.join(10)
    writer.join(10)
    assert "error" not in result and claim.verdicts.count() == 1


def test_bump_stamps_claims_and_keeps_vacated_words(reviewer, original):
    claim = claim_on(original, reviewer, "spend £4.2m on the wall")
    before = Story.objects.get().revision
    revision = live.bump(original.story_id, changed=[claim.pk], vacated=[live.vacate(claim)])
    assert revision == before + 1 == Story.objects.get().revision
    assert Claim.objects.get().changed_revision == revision
    assert VacatedSpan.objects.get().revision == revision
