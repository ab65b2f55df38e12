"""Assignments, queues, the assignment board, presence and the activity feed (services)."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from articles import reviewing, workflow
from articles.models import Assignment, Presence
from articles.ratings import Rating

pytestmark = pytest.mark.django_db


def claim_on(version, user, words):
    start = version.text.index(words)
    claim, _ = reviewing.claim_create(
        version=version, user=user, start=start, end=start + len(words), exact=words
    )
    return claim


@pytest.fixture
def claims(original, reviewer):
    return [
        claim_on(original, reviewer, "spend £4.2m on the wall"),
        claim_on(original, reviewer, "It protects 3,400 homes."),
        claim_on(original, reviewer, "takes eighteen months"),
    ]


def today():
    return timezone.localdate()


def test_an_editor_assigns_claims_to_members(editor, reviewer, reviewer2, original, claims):
    n = workflow.assignments_create(
        version=original,
        claims=claims[:2],
        assignees=[reviewer, reviewer2],
        due_on=None,
        user=editor,
    )
    assert n == 4
    assert Assignment.objects.count() == 4
    assert Assignment.history.count() == 4  # assignment changes are in the history


def test_assigning_again_changes_only_the_due_date(editor, reviewer, original, claims):
    workflow.assignments_create(
        version=original, claims=claims[:1], assignees=[reviewer], due_on=None, user=editor
    )
    due = today() + datetime.timedelta(days=2)
    n = workflow.assignments_create(
        version=original, claims=claims[:1], assignees=[reviewer], due_on=due, user=editor
    )
    assert n == 1
    assert Assignment.objects.get().due_on == due


@pytest.mark.parametrize("who", ["reviewer", "outsider"])
def test_only_editors_assign(request, who, reviewer, original, claims):
    user = request.getfixturevalue(who)
    with pytest.raises(reviewing.NotAllowed, match="Only editors"):
        workflow.assignments_create(
            version=original, claims=claims, assignees=[reviewer], due_on=None, user=user
        )


def test_a_non_member_cannot_be_assigned(editor, outsider, original, claims):
    with pytest.raises(reviewing.NotAllowed, match="Olga is not a reviewer of this story"):
        workflow.assignments_create(
            version=original, claims=claims, assignees=[outsider], due_on=None, user=editor
        )
    assert not Assignment.objects.exists()


def test_a_deactivated_member_cannot_be_assigned(editor, reviewer, original, claims):
    reviewer.is_active = False
    reviewer.save()
    with pytest.raises(reviewing.NotAllowed, match="not a reviewer of this story"):
        workflow.assignments_create(
            version=original, claims=claims, assignees=[reviewer], due_on=None, user=editor
        )


def test_a_due_date_in_the_past_is_refused(editor, reviewer, original, claims):
    with pytest.raises(reviewing.NotAllowed, match="in the past"):
        workflow.assignments_create(
            version=original,
            claims=claims,
            assignees=[reviewer],
            due_on=today() - datetime.timedelta(days=1),
            user=editor,
        )


def test_the_queue_lists_unjudged_assignments_overdue_first(
    editor, reviewer, reviewer2, original, claims
):
    a, b, c = claims
    workflow.assignments_create(
        version=original, claims=[a], assignees=[reviewer], due_on=None, user=editor
    )
    workflow.assignments_create(
        version=original,
        claims=[b],
        assignees=[reviewer],
        due_on=today() + datetime.timedelta(days=3),
        user=editor,
    )
    workflow.assignments_create(
        version=original,
        claims=[c],
        assignees=[reviewer],
        due_on=today() + datetime.timedelta(days=1),
        user=editor,
    )
    later = today() + datetime.timedelta(days=2)
    items = workflow.queue_for(reviewer, today=later)
    assert [i.claim for i in items] == [c, b, a]
    assert [i.overdue for i in items] == [True, False, False]
    assert workflow.queue_for(reviewer2) == []
    reviewing.verdict_save(
        claim=c, user=reviewer, rating=Rating.ACCURATE, rationale="", sources=[], revision=None
    )
    assert [i.claim for i in workflow.queue_for(reviewer, today=later)] == [b, a]


def test_a_version_assignment_covers_claims_marked_later(editor, reviewer, original, claims):
    workflow.assignments_create(
        version=original, claims=[], assignees=[reviewer], due_on=None, user=editor
    )
    late = claim_on(original, editor, "Work starts in April")
    assert {i.claim for i in workflow.queue_for(reviewer)} == {*claims, late}


def test_a_reviewer_removed_from_the_story_no_longer_sees_its_queue(
    editor, reviewer, story, original, claims
):
    workflow.assignments_create(
        version=original, claims=claims, assignees=[reviewer], due_on=None, user=editor
    )
    story.members.remove(reviewer)
    assert workflow.queue_for(reviewer) == []


def test_two_editors_reassigning_at_once_the_second_is_told(
    editor, reviewer, reviewer2, original, claims, django_user_model
):
    workflow.assignments_create(
        version=original, claims=claims[:1], assignees=[reviewer], due_on=None, user=editor
    )
    assignment = Assignment.objects.get()
    workflow.assignment_change(
        assignment=assignment, assignee=reviewer2, due_on=None, revision=1, user=editor
    )
    with pytest.raises(reviewing.Conflict, match="it is now Rami's"):
        workflow.assignment_change(
            assignment=assignment, assignee=reviewer, due_on=None, revision=1, user=editor
        )
    assignment.refresh_from_db()
    assert (assignment.assignee, assignment.revision) == (reviewer2, 2)
    with pytest.raises(reviewing.Conflict):
        workflow.assignment_delete(assignment=assignment, revision=1, user=editor)
    workflow.assignment_delete(assignment=assignment, revision=2, user=editor)
    assert not Assignment.objects.exists()
    assert Assignment.history.filter(history_type="-").count() == 1


def test_the_board_says_who_is_assigned_judged_and_late(
    editor, reviewer, reviewer2, story, original, claims
):
    a = claims[0]
    workflow.assignments_create(
        version=original,
        claims=[a],
        assignees=[reviewer, reviewer2],
        due_on=today(),
        user=editor,
    )
    reviewing.verdict_save(
        claim=a, user=reviewer, rating=Rating.ACCURATE, rationale="", sources=[], revision=None
    )
    rows = workflow.assignment_board(story, today=today() + datetime.timedelta(days=1))
    row = next(r for r in rows if r.claim == a)
    assert {u for u, _ in row.assigned} == {reviewer, reviewer2}
    assert row.judged == [reviewer]
    assert row.late == [reviewer2]


def test_the_board_names_those_assigned_the_whole_version_first(
    editor, reviewer, reviewer2, story, original, claims
):
    a, b = claims[:2]
    story.members.add(editor)
    workflow.assignments_create(
        version=original, claims=[a], assignees=[reviewer], due_on=None, user=editor
    )
    workflow.assignments_create(
        version=original, claims=[], assignees=[reviewer2, editor], due_on=None, user=editor
    )
    for page in (None, [a, b]):
        rows = workflow.assignment_board(story, claims=page, judged={} if page else None)
        by_claim = {r.claim.pk: [u for u, _ in r.assigned] for r in rows}
        assert reviewer.pk < reviewer2.pk and editor.pk < reviewer2.pk
        assert by_claim[a.pk] == [editor, reviewer2, reviewer]
        assert by_claim[b.pk] == [editor, reviewer2]


def test_a_page_counts_as_here_for_four_polls_of_its_beat(settings):
    """Pages poll every LIVE_POLL_MS, or every LIVE_STREAM_POLL_MS while their event stream
    is open (where push is on: PostgreSQL and LIVE_PUSH): a page is here until four of
    them went missing, plus two seconds."""
    settings.LIVE_POLL_MS, settings.LIVE_STREAM_POLL_MS = 3000, 15000
    settings.LIVE_PUSH = False
    assert workflow.presence_ttl() == datetime.timedelta(seconds=14)
    settings.LIVE_PUSH = True
    pushing = connection.vendor == "postgresql"
    assert workflow.presence_ttl() == datetime.timedelta(seconds=62 if pushing else 14)


def test_presence_expires_and_leaves_no_trace(reviewer, reviewer2, original, claims, settings):
    workflow.presence_touch(version=original, user=reviewer, tab="abcdefgh1", claim_id=claims[0].pk)
    workflow.presence_touch(version=original, user=reviewer, tab="abcdefgh1", claim_id=None)
    assert Presence.objects.count() == 1
    people = workflow.present(original, reviewer2)
    assert [p.user for p in people] == [reviewer]
    assert workflow.present(original, reviewer) == []  # not yourself
    Presence.objects.update(seen_at=timezone.now() - datetime.timedelta(minutes=5))
    assert workflow.present(original, reviewer2) == []
    workflow.presence_touch(version=original, user=reviewer2, tab="zzzzzzzz1", claim_id=None)
    assert list(Presence.objects.values_list("user", flat=True)) == [reviewer2.pk]
    workflow.presence_leave(version=original, user=reviewer2, tab="zzzzzzzz1")
    assert not Presence.objects.exists()


def test_presence_ignores_a_claim_of_another_version(reviewer, original, rewritten, claims):
    workflow.presence_touch(
        version=rewritten, user=reviewer, tab="abcdefgh1", claim_id=claims[0].pk
    )
    assert Presence.objects.get().claim_id is None


def test_activity_lists_what_happened_newest_first(editor, reviewer, story, original, claims):
    a = claims[0]
    reviewing.verdict_save(
        claim=a, user=reviewer, rating=Rating.ACCURATE, rationale="", sources=[], revision=None
    )
    verdict = a.verdicts.get()
    reviewing.verdict_save(
        claim=a,
        user=reviewer,
        rating=Rating.INACCURATE,
        rationale="",
        sources=[],
        revision=verdict.revision,
    )
    workflow.assignments_create(
        version=original, claims=[], assignees=[reviewer], due_on=None, user=editor
    )
    events = workflow.story_activity(story)
    verbs = [e.verb for e in events]
    assert verbs[0] == "assigned Rosa"
    assert "changed their verdict on" in verbs
    assert "gave a verdict on" in verbs
    assert verbs.count("marked") == 3
    assert verbs[-1] == "imported"
    marked = next(e for e in events if e.verb == "marked" and "#1" in e.what)
    assert marked.url == f"{original.get_absolute_url()}?claim={a.pk}"


def test_activity_lists_settling_and_reopening(editor, reviewer, story, original, rewritten):
    claim = claim_on(original, reviewer, "spend £4.2m on the wall")  # £42m in the rewrite
    claim.refresh_from_db()
    settled = reviewing.claim_settle(
        claim=claim, user=editor, rating=Rating.INACCURATE, note="", revision=claim.revision
    )
    reviewing.claim_reopen(claim=settled, user=editor, revision=settled.revision)
    verbs = [e.verb for e in workflow.story_activity(story)]
    assert verbs[:2] == ["reopened", "settled"]


def test_a_poll_rewrites_its_presence_only_when_it_is_stale_or_changed(
    reviewer, reviewer2, original, claims, settings, django_assert_num_queries
):
    """The poll is the request answered most: while a page shows the same claim and its
    row is fresh, recording its presence is one read; the row is written every 1.5 polls."""
    poll = dict(version=original, user=reviewer, tab="abcdefgh1")
    workflow.presence_poll(**poll, claim_id=claims[0].pk)
    written = Presence.objects.get().seen_at
    with django_assert_num_queries(1):
        workflow.presence_poll(**poll, claim_id=claims[0].pk)
    assert Presence.objects.get().seen_at == written
    # Another claim opened: written at once, and seen by others.
    workflow.presence_poll(**poll, claim_id=claims[1].pk)
    assert Presence.objects.get().claim_id == claims[1].pk
    others = dict(version=original, user=reviewer2, tab="zzzzzzzz1", claim_id=None)
    fingerprint, [row] = workflow.presence_poll(**others)
    assert (row.user, row.claim) == (reviewer, claims[1])
    assert fingerprint == f"{reviewer.pk}-{claims[1].pk}"
    # A page that shows them already: one read, nothing loaded.
    with django_assert_num_queries(1):
        assert workflow.presence_poll(**others, shown=fingerprint) == (fingerprint, None)
    # A row older than 1.5 polls is written again (and still counts as open meanwhile).
    stale = timezone.now() - workflow.presence_refresh() - datetime.timedelta(milliseconds=100)
    Presence.objects.filter(user=reviewer).update(seen_at=stale)
    assert [p.user for p in workflow.present(original, reviewer2)] == [reviewer]
    workflow.presence_poll(**poll, claim_id=claims[1].pk)
    assert Presence.objects.get(user=reviewer).seen_at > stale
    # A claim of another version is not recorded.
    workflow.presence_poll(**poll, claim_id=10**9)
    assert Presence.objects.get(user=reviewer).claim_id is None
