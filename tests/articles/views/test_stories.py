"""Story list, creation and detail: roles enforced on the server."""

import pytest
from django.urls import reverse

from articles.models import Story

pytestmark = pytest.mark.django_db


def test_it_sends_anonymous_users_to_the_login_page(client, story):
    for url in [reverse("articles:story_list"), story.get_absolute_url()]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_the_list_shows_reviewers_only_their_stories(client, reviewer, outsider, story):
    client.force_login(reviewer)
    assert story.title in client.get(reverse("articles:story_list")).text
    client.force_login(outsider)
    page = client.get(reverse("articles:story_list")).text
    assert story.title not in page
    assert "No stories have been shared with you yet" in page


def test_a_non_member_cannot_open_a_story(client, outsider, story):
    client.force_login(outsider)
    assert client.get(story.get_absolute_url()).status_code == 404


def test_reviewers_cannot_create_stories(client, reviewer):
    client.force_login(reviewer)
    assert client.get(reverse("articles:story_create")).status_code == 403
    response = client.post(reverse("articles:story_create"), {"title": "Sneaky"})
    assert response.status_code == 403
    assert not Story.objects.filter(title="Sneaky").exists()


def test_an_editor_creates_a_story_with_members(client, editor, reviewer):
    client.force_login(editor)
    response = client.post(
        reverse("articles:story_create"), {"title": "Budget row", "members": [reviewer.pk]}
    )
    story = Story.objects.get(title="Budget row")
    assert response.status_code == 302
    assert response.url == reverse("articles:version_create", args=[story.pk])
    assert list(story.members.all()) == [reviewer]
    assert story.created_by == editor


def test_the_story_page_lists_versions_with_sentence_counts(client, reviewer, original, rewritten):
    client.force_login(reviewer)
    response = client.get(original.story.get_absolute_url())
    assert response.status_code == 200
    assert "Original report" in response.text and "Rewritten copy" in response.text
    counts = [v.sentence_count for v in response.context["versions"]]
    assert counts == [original.sentences.count(), rewritten.sentences.count()]
    assert f'<dd class="sentence-count">{original.sentences.count()}</dd>' in response.text


def test_long_versions_show_their_sentence_count_with_a_thousands_separator(
    client, reviewer, story, editor
):
    from articles.versions import import_version

    text = " ".join(f"Fact number {n} was checked." for n in range(1, 1235))
    version = import_version(story=story, text=text, label="Long", created_by=editor)
    assert version.sentences.count() == 1234
    client.force_login(reviewer)
    assert '<dd class="sentence-count">1,234</dd>' in client.get(story.get_absolute_url()).text
    assert "1,234 sentences" in client.get(version.get_absolute_url()).text


def test_the_story_page_hides_import_from_reviewers(client, reviewer, editor, story):
    client.force_login(reviewer)
    assert "Import a version" not in client.get(story.get_absolute_url()).text
    client.force_login(editor)
    assert "Import a version" in client.get(story.get_absolute_url()).text


def test_the_empty_list_tells_an_editor_what_to_do_first(client, editor):
    client.force_login(editor)
    assert "Create a story, then import its versions" in client.get("/").text


def test_the_list_counts_contested_claims_in_a_fixed_number_of_queries(
    client, editor, reviewer, original, rewritten
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from articles.reviewing import claim_create
    from tests.conftest import span_of

    client.force_login(editor)
    with CaptureQueriesContext(connection) as none:
        client.get(reverse("articles:story_list"))
    for words in ["takes eighteen months", "3,400 homes"]:
        start, end = span_of(original, words)
        claim_create(version=original, user=reviewer, start=start, end=end, exact=words)
    with CaptureQueriesContext(connection) as two:
        response = client.get(reverse("articles:story_list"))
    story = response.context["stories"][0]
    assert (story.claim_count, story.contested_count) == (2, 1)  # only the months differ
    assert len(two.captured_queries) <= len(none.captured_queries) + 3


def test_every_page_links_to_the_users_api_tokens_and_the_api_docs(client, reviewer):
    client.force_login(reviewer)
    html = client.get("/").text
    assert 'href="/account/tokens/">API tokens</a>' in html
    assert 'href="/api/v1/docs"' in html
