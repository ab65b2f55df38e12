"""My queue: what is assigned to me and not judged yet, overdue first, refreshed by polling."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from articles import reviewing
from articles.models import Assignment
from articles.ratings import Rating
from tests.articles.test_workflow import claim_on

pytestmark = pytest.mark.django_db
URL = "/queue/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def claims(original, reviewer):
    return [
        claim_on(original, reviewer, "spend £4.2m on the wall"),
        claim_on(original, reviewer, "It protects 3,400 homes."),
    ]


def test_the_url_is_stable():
    assert reverse("articles:my_queue") == URL


def test_an_empty_queue_says_what_to_expect(client, reviewer):
    client.force_login(reviewer)
    response = client.get(URL)
    assert response.status_code == 200
    assert "Nothing assigned to you is waiting." in response.text


def test_a_reviewer_sees_their_assignments_overdue_first(
    client, editor, reviewer, original, claims
):
    a, b = claims
    Assignment.objects.create(version=original, claim=a, assignee=reviewer, assigned_by=editor)
    Assignment.objects.create(
        version=original,
        claim=b,
        assignee=reviewer,
        assigned_by=editor,
        due_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    client.force_login(reviewer)
    text = client.get(URL).text
    assert text.index("It protects 3,400 homes.") < text.index("spend £4.2m on the wall")
    assert "Overdue" in text


def test_judged_claims_leave_the_queue(client, editor, reviewer, original, claims):
    Assignment.objects.create(version=original, assignee=reviewer, assigned_by=editor)
    reviewing.verdict_save(
        claim=claims[0],
        user=reviewer,
        rating=Rating.ACCURATE,
        rationale="",
        sources=[],
        revision=None,
    )
    client.force_login(reviewer)
    text = client.get(URL).text
    assert "spend £4.2m" not in text and "It protects 3,400 homes." in text


def test_an_editor_sees_only_their_own_queue(client, editor, reviewer, original, claims):
    Assignment.objects.create(version=original, assignee=reviewer, assigned_by=editor)
    client.force_login(editor)
    assert "It protects" not in client.get(URL).text


def test_the_poll_answers_204_while_nothing_changed(client, editor, reviewer, original, claims):
    client.force_login(reviewer)
    first = client.get(URL, {"fragment": "queue"}, **HTMX)
    assert first.status_code == 200
    assert 'id="queue"' in first.text
    seen = first.text.split("seen=")[1].split('"')[0]
    assert client.get(URL, {"fragment": "queue", "seen": seen}, **HTMX).status_code == 204
    Assignment.objects.create(version=original, assignee=reviewer, assigned_by=editor)
    changed = client.get(URL, {"fragment": "queue", "seen": seen}, **HTMX)
    assert changed.status_code == 200 and "It protects 3,400 homes." in changed.text


def test_anonymous_users_are_sent_to_log_in(client):
    assert client.get(URL).status_code == 302
