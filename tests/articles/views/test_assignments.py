"""The assignments page and assignment changes, with every permission path and bad input."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Assignment
from tests.articles.test_workflow import claim_on

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(original, reviewer):
    return claim_on(original, reviewer, "It protects 3,400 homes.")


def url(story):
    return reverse("articles:story_assignments", args=[story.pk])


def post(client, story, version, **data):
    return client.post(url(story), {"version": version.pk} | data)


def test_an_editor_sees_the_page_with_members_and_claims(client, editor, story, claim):
    client.force_login(editor)
    response = client.get(url(story))
    assert response.status_code == 200
    assert "Rosa" in response.text and "Rami" in response.text
    assert "It protects 3,400 homes." in response.text


@pytest.mark.parametrize("who", ["reviewer", "reviewer2"])
def test_reviewers_may_not_assign(request, client, who, story, original, claim, reviewer):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url(story)).status_code == 403
    response = post(client, story, original, claims=[claim.pk], assignees=[reviewer.pk])
    assert response.status_code == 403
    assert not Assignment.objects.exists()


def test_a_non_member_gets_404(client, outsider, story):
    client.force_login(outsider)
    assert client.get(url(story)).status_code == 404


def test_anonymous_users_are_sent_to_log_in(client, story):
    response = client.get(url(story))
    assert response.status_code == 302 and "/login/" in response.url


def test_an_editor_assigns_a_claim_to_both_reviewers(
    client, editor, reviewer, reviewer2, story, original, claim
):
    client.force_login(editor)
    due = timezone.localdate() + datetime.timedelta(days=1)
    response = post(
        client,
        story,
        original,
        claims=[claim.pk],
        assignees=[reviewer.pk, reviewer2.pk],
        due_on=due.isoformat(),
    )
    assert response.status_code == 302
    assert set(Assignment.objects.values_list("assignee", "claim", "due_on")) == {
        (reviewer.pk, claim.pk, due),
        (reviewer2.pk, claim.pk, due),
    }
    page = client.get(response.url)
    assert "2 assignments made." in page.text


def test_assigning_a_whole_version(client, editor, reviewer, story, original, claim):
    client.force_login(editor)
    post(client, story, original, assignees=[reviewer.pk])
    a = Assignment.objects.get()
    assert (a.version, a.claim) == (original, None)


def test_assigning_to_a_non_member_says_who_and_keeps_the_input(
    client, editor, outsider, story, original, claim
):
    client.force_login(editor)
    response = post(client, story, original, claims=[claim.pk], assignees=[outsider.pk])
    assert response.status_code == 422
    assert "Olga is not a reviewer of this story; add them to the story first." in response.text
    assert f'value="{claim.pk}" checked' in response.text
    assert not Assignment.objects.exists()


def test_assigning_to_a_deleted_user_says_so(
    client, editor, reviewer, django_user_model, story, original, claim
):
    gone = django_user_model.objects.create_user("ghost")
    gone_pk = gone.pk
    gone.delete()
    client.force_login(editor)
    for pk in (gone_pk, 2**70, "x"):
        response = post(client, story, original, claims=[claim.pk], assignees=[pk])
        assert response.status_code == 422
        assert "That reviewer&#x27;s account no longer exists" in response.text
    assert not Assignment.objects.exists()


def test_a_due_date_in_the_past_is_refused(client, editor, reviewer, story, original, claim):
    client.force_login(editor)
    past = timezone.localdate() - datetime.timedelta(days=1)
    response = post(
        client, story, original, claims=[claim.pk], assignees=[reviewer.pk], due_on=past
    )
    assert response.status_code == 422
    assert "The due date is in the past" in response.text
    assert not Assignment.objects.exists()


def test_claims_of_another_story_cannot_be_assigned(
    client, editor, reviewer, story, original, claim
):
    from articles.models import Story, Version

    other = Story.objects.create(title="Other", created_by=editor)
    v = Version.objects.create_from_text(
        story=other, text="A thing happened in 2020.", label="x", created_by=editor
    )
    foreign = claim_on(v, editor, "A thing happened in 2020.")
    client.force_login(editor)
    response = post(client, story, original, claims=[foreign.pk], assignees=[reviewer.pk])
    assert response.status_code == 422
    assert not Assignment.objects.exists()


def test_a_claim_of_another_version_is_refused(
    client, editor, reviewer, story, original, rewritten, claim
):
    client.force_login(editor)
    response = post(client, story, rewritten, claims=[claim.pk], assignees=[reviewer.pk])
    assert response.status_code == 422
    assert "Those claims are not in this version." in response.text


# ---------------------------------------------------------------------------- changes


@pytest.fixture
def assignment(editor, reviewer, original, claim):
    return Assignment.objects.create(
        version=original, claim=claim, assignee=reviewer, assigned_by=editor
    )


def change(client, assignment, **data):
    return client.post(
        reverse("articles:assignment_update", args=[assignment.pk]),
        {"action": "change", "revision": assignment.revision} | data,
        follow=True,
    )


def test_an_editor_reassigns(client, editor, reviewer2, assignment):
    client.force_login(editor)
    response = change(client, assignment, assignee=reviewer2.pk)
    assert "Assignment changed." in response.text
    assignment.refresh_from_db()
    assert (assignment.assignee, assignment.revision) == (reviewer2, 2)


def test_a_stale_reassignment_is_refused_and_nothing_is_lost(
    client, editor, reviewer, reviewer2, assignment
):
    client.force_login(editor)
    change(client, assignment, assignee=reviewer2.pk)
    response = change(client, assignment, assignee=reviewer.pk)  # still revision 1
    assert "Someone changed this assignment a moment ago: it is now Rami&#x27;s." in response.text
    assignment.refresh_from_db()
    assert assignment.assignee == reviewer2


def test_reassigning_to_a_non_member_is_refused(client, editor, outsider, reviewer, assignment):
    client.force_login(editor)
    response = change(client, assignment, assignee=outsider.pk)
    assert "Olga is not a reviewer of this story" in response.text
    assignment.refresh_from_db()
    assert assignment.assignee == reviewer


def test_reassigning_with_a_past_due_date_is_refused(client, editor, reviewer2, assignment):
    client.force_login(editor)
    past = timezone.localdate() - datetime.timedelta(days=3)
    response = change(client, assignment, assignee=reviewer2.pk, due_on=past)
    assert "The due date is in the past" in response.text


def test_an_editor_withdraws_an_assignment(client, editor, assignment):
    client.force_login(editor)
    response = change(client, assignment, action="remove")
    assert "Assignment withdrawn." in response.text
    assert not Assignment.objects.exists()


@pytest.mark.parametrize("who", ["reviewer", "reviewer2"])
def test_reviewers_may_not_change_assignments(request, client, who, assignment):
    client.force_login(request.getfixturevalue(who))
    response = client.post(
        reverse("articles:assignment_update", args=[assignment.pk]),
        {"action": "remove", "revision": 1},
    )
    assert response.status_code == 403
    assert Assignment.objects.exists()


def test_a_non_member_gets_404_on_a_change(client, outsider, assignment):
    client.force_login(outsider)
    response = client.post(
        reverse("articles:assignment_update", args=[assignment.pk]),
        {"action": "remove", "revision": 1},
    )
    assert response.status_code == 404


def test_a_change_needs_post(client, editor, assignment):
    client.force_login(editor)
    response = client.get(reverse("articles:assignment_update", args=[assignment.pk]))
    assert response.status_code == 405


def test_the_dashboard_shows_who_is_assigned_judged_and_late(
    client, editor, reviewer, story, assignment
):
    Assignment.objects.filter(pk=assignment.pk).update(
        due_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    client.force_login(editor)
    response = client.get(reverse("articles:story_dashboard", args=[story.pk]))
    assert "Who is on each claim" in response.text
    assert "Late: Rosa" in response.text


def test_the_story_page_links_editors_to_assignments(client, editor, reviewer, story):
    client.force_login(editor)
    assert url(story) in client.get(story.get_absolute_url()).text
    client.force_login(reviewer)
    assert url(story) not in client.get(story.get_absolute_url()).text
