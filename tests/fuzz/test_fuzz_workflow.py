"""Fuzzing the workflow endpoints (assignments, queue, search, suggestions, presence):
arbitrary input is a clear refusal or a success, never a 500."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from articles.models import Assignment
from tests.fuzz.test_fuzz_endpoints import (
    HTMX,
    OK_STATUSES,
    assert_consistent,
    fuzz,
    nasty_number,
    nasty_text,
)

pytestmark = pytest.mark.django_db
nasty_date = st.one_of(
    st.sampled_from(["", "2999-01-01", "1999-01-01", "2026-02-30", "0000-00-00", "9999-12-31"]),
    nasty_text,
)


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


@fuzz(40)
@given(
    q=nasty_text,
    story=nasty_number,
    status=st.one_of(
        st.sampled_from(["settled", "contested", "reviewed", "unreviewed"]), nasty_text
    ),
    rating=nasty_text,
    reviewer_id=nasty_number,
    htmx=st.booleans(),
)
def test_search_never_fails(client, world, reviewer, q, story, status, rating, reviewer_id, htmx):
    client.force_login(reviewer)
    params = {
        "q": q,
        "story": story,
        "status": status,
        "rating": rating,
        "reviewer": reviewer_id,
        "fragment": "results",
    }
    response = client.get("/search/", params, **(HTMX if htmx else {}))
    assert response.status_code in OK_STATUSES


@fuzz(40)
@given(
    version=nasty_number,
    claims=st.lists(nasty_number, max_size=3),
    assignees=st.lists(nasty_number, max_size=3),
    due_on=nasty_date,
)
def test_assigning_never_fails(client, world, editor, version, claims, assignees, due_on):
    client.force_login(editor)
    response = client.post(
        reverse("articles:story_assignments", args=[world.version.story_id]),
        {"version": version, "claims": claims, "assignees": assignees, "due_on": due_on},
    )
    assert response.status_code in OK_STATUSES
    members = set(world.version.story.members.values_list("pk", flat=True))
    assert set(Assignment.objects.values_list("assignee", flat=True)) <= members
    assert_consistent()


@fuzz(30)
@given(action=nasty_text, assignee=nasty_number, due_on=nasty_date, revision=nasty_number)
def test_changing_assignments_never_fails(
    client, world, editor, reviewer, action, assignee, due_on, revision
):
    assignment, _ = Assignment.objects.get_or_create(
        version=world.version, claim=world, assignee=reviewer, defaults={"assigned_by": editor}
    )
    client.force_login(editor)
    response = client.post(
        reverse("articles:assignment_update", args=[assignment.pk]),
        {"action": action, "assignee": assignee, "due_on": due_on, "revision": revision},
    )
    assert response.status_code in OK_STATUSES
    members = set(world.version.story.members.values_list("pk", flat=True))
    assert set(Assignment.objects.values_list("assignee", flat=True)) <= members


@fuzz(40)
@given(
    which=st.sampled_from(["accept", "dismiss"]),
    start=nasty_number,
    end=nasty_number,
    reason=nasty_text,
    htmx=st.booleans(),
)
def test_suggestion_actions_never_fail(client, world, reviewer, which, start, end, reason, htmx):
    client.force_login(reviewer)
    response = client.post(
        reverse(f"articles:suggestion_{which}", args=[world.version_id]),
        {"start": start, "end": end, "reason": reason},
        **(HTMX if htmx else {}),
    )
    assert response.status_code in OK_STATUSES
    assert_consistent()


@fuzz(40)
@given(tab=nasty_text, claim=nasty_number, presence=nasty_text, rev=nasty_number, seen=nasty_text)
def test_polls_and_presence_never_fail(client, world, reviewer, tab, claim, presence, rev, seen):
    client.force_login(reviewer)
    live = client.get(
        reverse("articles:version_live", args=[world.version_id]),
        {"rev": rev, "tab": tab, "claim": claim, "presence": presence},
        **HTMX,
    )
    assert live.status_code in OK_STATUSES
    leave = client.post(reverse("articles:presence_leave", args=[world.version_id]), {"tab": tab})
    assert leave.status_code in OK_STATUSES
    queue = client.get("/queue/", {"fragment": "queue", "seen": seen}, **HTMX)
    assert queue.status_code in OK_STATUSES
