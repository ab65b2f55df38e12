"""Reviewers' writes on claims that cover each other across versions take the claims'
rows in one order (``claim_status.lock``): no deadlock for PostgreSQL to break."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from articles import reviewing
from articles.models import Verdict
from articles.ratings import Rating
from tests.conftest import span_of

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL"),
]

FACING = [
    ("spend £4.2m on the wall", "approved £42m for the wall"),
    ("It protects 3,400 homes", "The wall shields 3,400 homes"),
    ("takes eighteen months", "will last eighteen years"),
]


def claim(version, user, words):
    start, end = span_of(version, words)
    made, _ = reviewing.claim_create(version=version, user=user, start=start, end=end, exact=words)
    return made


def test_verdicts_on_facing_claims_never_deadlock(
    original, rewritten, reviewer, django_user_model, monkeypatch
):
    claims = []
    for left, right in FACING:
        claims += [claim(original, reviewer, left), claim(rewritten, reviewer, right)]
    # Each claim's status depends on its counterpart's claim in the other version: a
    # verdict on one recomputes (and stamps) the other.
    deadlocks = []
    warn = reviewing.logger.warning
    monkeypatch.setattr(reviewing.logger, "warning", lambda *a: (deadlocks.append(a), warn(*a)))
    people = [django_user_model.objects.create_user(f"judge{i}") for i in range(8)]
    failures = []
    start = threading.Barrier(len(people))

    def judge(person, offset):
        try:
            start.wait()
            for i in range(12):
                target = claims[(offset + i) % len(claims)]
                mine = Verdict.objects.filter(claim=target, reviewer=person).first()
                reviewing.verdict_save(
                    claim=target, user=person,
                    rating=[Rating.ACCURATE, Rating.INACCURATE][(offset + i) % 2],
                    rationale=f"{person.username} {i}", sources=[],
                    revision=mine.revision if mine else None,
                )  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=judge, args=(person, i)) for i, person in enumerate(people)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert failures == []
    assert deadlocks == []
    assert Verdict.objects.count() == len(people) * len(claims)
