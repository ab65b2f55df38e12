"""The story page's activity feed: recent work, linked to each item, only for those who see it."""

import pytest

from articles import reviewing
from articles.ratings import Rating
from tests.articles.test_workflow import claim_on

pytestmark = pytest.mark.django_db


def test_the_story_page_shows_recent_activity_linked(client, editor, reviewer, story, original):
    client.force_login(reviewer)
    # Through the app, so the history records who did it.
    claim = claim_on(original, reviewer, "It protects 3,400 homes.")
    client.post(
        f"/claims/{claim.pk}/verdict/",
        {
            "rating": Rating.ACCURATE,
            "rationale": "",
            "sources-TOTAL_FORMS": "0",
            "sources-INITIAL_FORMS": "0",
        },
    )
    response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    text = response.text
    assert "Recent activity" in text
    assert "gave a verdict on" in text
    assert (
        f'href="{original.get_absolute_url()}?claim={claim.pk}">claim #1 in Original report</a>'
        in text
    )
    assert "imported" in text


def test_a_deleted_claim_is_listed_without_a_link(client, editor, reviewer, story, original):
    claim = claim_on(original, reviewer, "It protects 3,400 homes.")
    reviewing.claim_delete(claim=claim, user=editor)
    client.force_login(editor)
    text = client.get(story.get_absolute_url()).text
    assert "deleted" in text
    assert f"?claim={claim.pk}" not in text


def test_an_empty_story_says_what_will_appear(client, editor, story):
    client.force_login(editor)
    assert "Activity appears here" in client.get(story.get_absolute_url()).text


def test_a_non_member_sees_no_feed(client, outsider, story):
    client.force_login(outsider)
    assert client.get(story.get_absolute_url()).status_code == 404
