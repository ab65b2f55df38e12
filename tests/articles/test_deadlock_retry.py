"""A write that PostgreSQL aborted to break a deadlock is run again, whole, once."""

import psycopg
import pytest
from django.db import OperationalError, transaction

from articles import live, reviewing
from articles.models import Claim, Counterpart, Verdict
from tests.conftest import span_of

pytestmark = pytest.mark.django_db(transaction=True)


def deadlock_once(monkeypatch):
    """live.bump (the last statement of every write) fails once as a deadlock would."""
    bump, calls = live.bump, []

    def flaky(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise OperationalError("deadlock detected") from psycopg.errors.DeadlockDetected()
        return bump(*args, **kwargs)

    monkeypatch.setattr(live, "bump", flaky)
    return calls


def test_a_claim_create_aborted_by_a_deadlock_is_stored_once(
    original, rewritten, reviewer, monkeypatch
):
    calls = deadlock_once(monkeypatch)
    start, end = span_of(original, "spend £4.2m on the wall")
    claim, created = reviewing.claim_create(
        version=original, user=reviewer, start=start, end=end, exact="spend £4.2m on the wall"
    )
    assert created and len(calls) == 2
    assert list(Claim.objects.values_list("pk", flat=True)) == [claim.pk]
    assert Counterpart.objects.filter(claim=claim).count() == 1  # the first try's rolled back
    assert claim.number == 1


def test_a_verdict_save_aborted_by_a_deadlock_is_stored_once(
    original, rewritten, reviewer, monkeypatch
):
    start, end = span_of(original, "spend £4.2m on the wall")
    claim, _ = reviewing.claim_create(
        version=original, user=reviewer, start=start, end=end, exact="spend £4.2m on the wall"
    )
    calls = deadlock_once(monkeypatch)
    reviewing.verdict_save(
        claim=claim, user=reviewer, rating="mostly_inaccurate", rationale="Ten times less.", sources=[],
        revision=None,
    )  # fmt: skip
    assert len(calls) == 2
    assert Verdict.objects.filter(claim=claim).count() == 1


def test_other_database_errors_and_inner_transactions_are_not_retried(
    original, reviewer, monkeypatch
):
    calls = deadlock_once(monkeypatch)
    start, end = span_of(original, "spend £4.2m on the wall")
    with pytest.raises(OperationalError), transaction.atomic():
        # Inside an outer transaction the whole of it was rolled back: not ours to rerun.
        reviewing.claim_create(
            version=original, user=reviewer, start=start, end=end,
            exact="spend £4.2m on the wall",
        )  # fmt: skip
    assert len(calls) == 1 and not Claim.objects.exists()

    def broken(*args, **kwargs):
        calls.append(args)
        raise OperationalError("server closed the connection") from psycopg.OperationalError()

    monkeypatch.setattr(live, "bump", broken)
    with pytest.raises(OperationalError):
        reviewing.claim_create(
            version=original, user=reviewer, start=start, end=end,
            exact="spend £4.2m on the wall",
        )  # fmt: skip
    assert len(calls) == 2 and not Claim.objects.exists()
