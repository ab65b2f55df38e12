"""The stored Claim.status and contest codes always equal what the dashboard computes live.

The live computation (articles.dashboard.entries_for over the whole story) loads every
verdict and counterpart; the stored values are refreshed by each write. A seeded run of
random writes through the services compares the two after every step: a write path that
forgot to refresh shows up here.
"""

import random

import pytest

from articles import claim_status, comparison, export, reviewing
from articles.dashboard import entries_for, story_claims
from articles.models import Claim, Counterpart, Story
from articles.ratings import Rating
from articles.versions import import_version
from articles.webannotation import annotations_import
from tests.articles.test_export import bundle_of
from tests.conftest import ORIGINAL, REWRITTEN, span_of

pytestmark = pytest.mark.django_db


def live(story) -> dict[int, tuple[str, str]]:
    """Status and codes of every claim of the story, computed from its rows."""
    result = {}
    for e in entries_for(story_claims(story)):
        codes = list(e.reasons)
        status = claim_status.status_of(
            settled=e.claim.is_settled, codes=codes, judged=bool(e.claim.ratings())
        )
        result[e.claim.pk] = (status, ",".join(codes))
    return result


def stored(story) -> dict[int, tuple[str, str]]:
    return {
        pk: (status, codes)
        for pk, status, codes in Claim.objects.filter(version__story=story).values_list(
            "pk", "status", "contest_codes"
        )
    }


def assert_in_step(story, what=""):
    assert stored(story) == live(story), what


def mark(version, user, words):
    start, end = span_of(version, words)
    return reviewing.claim_create(version=version, user=user, start=start, end=end, exact=words)[0]


def judge(claim, user, rating):
    verdict = claim.verdicts.filter(reviewer=user).first()
    return reviewing.verdict_save(
        claim=claim,
        user=user,
        rating=rating,
        rationale="",
        sources=[],
        revision=verdict.revision if verdict else None,
    )


# ---------------------------------------------------------------------------- each path


def test_a_new_claim_is_unreviewed_then_reviewed(reviewer, original, rewritten):
    claim = mark(original, reviewer, "3,400 homes")
    assert (claim.status, claim.contest_codes) == ("unreviewed", "")
    judge(claim, reviewer, Rating.ACCURATE)
    claim.refresh_from_db()
    assert claim.status == "reviewed"
    assert list(Claim.objects.filter(status="reviewed")) == [claim]


def test_reviewers_who_disagree_make_it_contested(reviewer, reviewer2, original, rewritten):
    claim = mark(original, reviewer, "3,400 homes")
    judge(claim, reviewer, Rating.ACCURATE)
    judge(claim, reviewer2, Rating.INACCURATE)
    claim.refresh_from_db()
    assert (claim.status, claim.reason_codes) == ("contested", ["reviewers"])
    assert list(Claim.objects.contested()) == [claim]
    judge(claim, reviewer2, Rating.MOSTLY_ACCURATE)  # changes their mind
    claim.refresh_from_db()
    assert (claim.status, claim.contest_codes) == ("reviewed", "")


def test_a_counterpart_with_other_facts_makes_it_contested_until_marked_absent(
    editor, reviewer, original, rewritten
):
    claim = mark(original, reviewer, "takes eighteen months")
    assert (claim.status, claim.contest_codes) == ("contested", "facts")
    comparison.counterpart_mark_absent(counterpart=claim.counterparts.get(), user=reviewer)
    claim.refresh_from_db()
    assert (claim.status, claim.contest_codes) == ("unreviewed", "")


def test_a_verdict_on_the_counterpart_claim_contests_both_and_deleting_it_clears(
    editor, reviewer, reviewer2, original, rewritten
):
    here = mark(original, reviewer, "3,400 homes")
    there = mark(rewritten, reviewer2, "3,400 homes")
    judge(here, reviewer, Rating.ACCURATE)
    judge(there, reviewer2, Rating.INACCURATE)  # refreshes `here` too: cross
    here.refresh_from_db()
    there.refresh_from_db()
    assert (here.status, here.contest_codes) == ("contested", "cross")
    assert (there.status, there.contest_codes) == ("contested", "cross")
    assert here.contest_summary == "Counterpart judged differently"
    reviewing.claim_delete(claim=there, user=editor)
    here.refresh_from_db()
    assert (here.status, here.contest_codes) == ("reviewed", "")


def test_settling_and_reopening(editor, reviewer, reviewer2, original, rewritten):
    claim = mark(original, reviewer, "3,400 homes")
    judge(claim, reviewer, Rating.ACCURATE)
    judge(claim, reviewer2, Rating.INACCURATE)
    claim.refresh_from_db()
    settled = reviewing.claim_settle(
        claim=claim, user=editor, rating=Rating.ACCURATE, note="", revision=claim.revision
    )
    assert (settled.status, settled.contest_codes) == ("settled", "reviewers")  # why, kept
    assert list(Claim.objects.settled()) == [claim]
    reopened = reviewing.claim_reopen(claim=settled, user=editor, revision=settled.revision)
    assert (reopened.status, reopened.contest_codes) == ("contested", "reviewers")


def test_a_third_version_imported_refreshes_the_claims_counterparts(
    editor, reviewer, original, rewritten
):
    story = original.story
    mark(original, reviewer, "3,400 homes")
    import_version(
        story=story,
        text=REWRITTEN.replace("3,400 homes", "4,300 homes"),
        label="Third",
        created_by=editor,
    )
    assert "facts" in Claim.objects.get(version=original).contest_codes
    assert_in_step(story)


def test_an_annotation_import_stores_the_status(
    settings, editor, reviewer, reviewer2, original, rewritten
):
    settings.ALLOWED_HOSTS = ["fc.example", "testserver"]
    claim = mark(original, reviewer, "3,400 homes")
    judge(claim, reviewer, Rating.ACCURATE)
    judge(claim, reviewer2, Rating.INACCURATE)
    data = export.annotations_json(bundle_of(original.story), "http://testserver/a.jsonld").encode()
    other = Story.objects.create(title="Copy", created_by=editor)
    other.members.add(reviewer, reviewer2)
    copy = import_version(story=other, text=ORIGINAL, label="Original", created_by=editor)
    annotations_import(story=other, user=editor, data=data)
    assert Claim.objects.get(version=copy).status == "contested"
    assert_in_step(other)


def test_the_migration_fill_computes_every_claim(reviewer, reviewer2, original, rewritten):
    claim = mark(original, reviewer, "3,400 homes")
    judge(claim, reviewer, Rating.ACCURATE)
    judge(claim, reviewer2, Rating.INACCURATE)
    Claim.objects.update(status="unreviewed", contest_codes="")
    claim_status.recompute(Claim.objects.values_list("pk", flat=True))
    assert_in_step(original.story)
    assert Claim.objects.get().status == "contested"


# ---------------------------------------------------------------------------- random writes

PHRASES_ORIGINAL = [
    "3,400 homes",
    "It protects 3,400 homes",
    "takes eighteen months",
    "£4.2m",
    "spend £4.2m on the wall",
    "Work starts in April",
    "The council voted on Tuesday",
    "a turning point",
]
PHRASES_REWRITTEN = [
    "3,400 homes",
    "The wall shields 3,400 homes",
    "will last eighteen years",
    "£42m",
    "approved £42m for the wall",
    "Work begins in April",
    "On Tuesday the council",
    "a turning point",
]


def test_random_writes_keep_the_stored_status_equal_to_the_live_one(
    editor, reviewer, reviewer2, original, rewritten
):
    story = original.story
    rng = random.Random(14)
    people = [reviewer, reviewer2, editor]
    ratings = [r.value for r in Rating]
    phrases = {original.pk: PHRASES_ORIGINAL, rewritten.pk: PHRASES_REWRITTEN}
    done = []
    for step in range(60):
        claims = list(Claim.objects.filter(version__story=story).select_related("version"))
        action = rng.choice(
            ["mark", "mark", "judge", "judge", "judge", "move", "delete", "settle", "counterpart"]
        )
        if action == "mark" or not claims:
            version = rng.choice([original, rewritten])
            mark(version, rng.choice(people), rng.choice(phrases[version.pk]))
        elif action == "judge":
            judge(rng.choice(claims), rng.choice(people), rng.choice(ratings))
        elif action == "move":
            claim = rng.choice(claims)
            words = rng.choice(phrases[claim.version_id])
            start, end = span_of(claim.version, words)
            if Claim.objects.filter(version=claim.version, start=start, end=end).exists():
                continue
            author = claim.created_by
            reviewing.claim_update_span(
                claim=claim, user=author, start=start, end=end, exact=words, revision=claim.revision
            )
        elif action == "delete":
            reviewing.claim_delete(claim=rng.choice(claims), user=editor)
        elif action == "settle":
            claim = rng.choice(claims)
            if claim.is_settled:
                reviewing.claim_reopen(claim=claim, user=editor, revision=claim.revision)
            elif claim.contest_codes:
                reviewing.claim_settle(
                    claim=claim,
                    user=editor,
                    rating=rng.choice(ratings),
                    note="",
                    revision=claim.revision,
                )
            else:
                continue
        else:
            cps = list(Counterpart.objects.filter(claim__version__story=story))
            if not cps:
                continue
            cp = rng.choice(cps)
            others = [c for c in claims if c.version_id == cp.version_id]
            choice = rng.randrange(4)
            if choice == 0:
                comparison.counterpart_mark_absent(counterpart=cp, user=reviewer)
            elif choice == 1 and others:
                comparison.counterpart_link(
                    counterpart=cp, other_claim=rng.choice(others), user=reviewer
                )
            elif choice == 2 and cp.candidates:
                comparison.counterpart_choose(
                    counterpart=cp, index=rng.randrange(len(cp.candidates)), user=reviewer
                )
            else:
                comparison.counterpart_confirm(counterpart=cp, user=reviewer)
        done.append(action)
        assert_in_step(story, f"step {step}: {action}")
    statuses = set(Claim.objects.filter(version__story=story).values_list("status", flat=True))
    assert {"contested", "reviewed"} <= statuses  # the run reached the interesting states
    assert {"mark", "judge", "move", "delete", "settle", "counterpart"} <= set(done)
